"""The evictions domain: no I/O, time passed in."""

"""The intake domain: no I/O, time passed in."""

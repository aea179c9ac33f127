"""The placements domain: no I/O, time passed in."""

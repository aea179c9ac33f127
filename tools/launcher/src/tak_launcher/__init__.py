"""The ``tak`` launcher: starts, inspects and fills the suite."""

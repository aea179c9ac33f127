"""What the intake service publishes."""

"""What the placements service publishes."""

"""What the evictions service publishes."""

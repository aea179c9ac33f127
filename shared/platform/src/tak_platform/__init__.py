"""Tak platform: what every service stands on."""

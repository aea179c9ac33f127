"""Tak's intake service."""

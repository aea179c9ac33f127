"""Tak's evictions service."""

"""Tak's reporting service."""

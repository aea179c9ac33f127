"""Tak's placements service."""

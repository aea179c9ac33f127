"""Reporting's read models, written with asyncpg from the event stream."""

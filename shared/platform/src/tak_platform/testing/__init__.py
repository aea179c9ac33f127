"""Test support: real nats-server and PostgreSQL for integration tests."""

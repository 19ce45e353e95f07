"""Fixtures shared by the storage tests (a real redis-server, one store per backend) live in storage_support."""

pytest_plugins = ["storage_support"]

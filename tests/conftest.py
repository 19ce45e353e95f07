"""Shared fixtures: a real redis-server and one store per backend (storage_support), the course's Responses service
as a real process with an openai client for it (service_support)."""

pytest_plugins = ["router_support", "service_support", "storage_support"]

"""Shared helpers for the Hybrid LLM Router Workshop labs."""

"""The course's Responses service as a real process for a test module, and a stock openai client for it."""

from __future__ import annotations

import openai
import pytest

from modules.runtime.local_service import running_local_service

SERVICE_TOKEN = "test-token-7f3a"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    with running_local_service(tmp_path_factory.mktemp("svc") / "service.sqlite3", token=SERVICE_TOKEN) as running:
        yield running


@pytest.fixture
def client(service):
    return openai.OpenAI(base_url=service.base_url, api_key=SERVICE_TOKEN, timeout=120, max_retries=0)

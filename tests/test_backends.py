import socket

import pytest
from agent_framework.openai import OpenAIChatClient, OpenAIChatCompletionClient

from modules.config import load_settings
from modules.errors import CourseError
from modules.labkit.network_guard import NetworkBlockedError, network_disabled
from modules.tiers.clients import cloud_chat_client, local_chat_client, start_tiers
from modules.tiers.errors import TierUsageError
from modules.tiers.local_model import EmbeddedChatClient
from modules.tiers.timing import time_stream


def test_offline_tiers_answer_and_the_service_stops():
    with start_tiers(load_settings(environ={"COURSE_OFFLINE": "1"}, env_file=None)) as tiers:
        assert isinstance(tiers.local_client, EmbeddedChatClient)
        assert tiers.cloud_client.client.base_url.host == "127.0.0.1"
        local, cloud = (
            tiers.answer("local", "Say hello.", max_tokens=8),
            tiers.answer("cloud", "Say hello.", max_tokens=8),
        )
        import asyncio

        local, cloud = asyncio.run(_both(local, cloud))
        assert local.text and cloud.text and local.tier == "local" and cloud.tier == "cloud"
        assert 0 < cloud.output_tokens <= 8
        service, folder = tiers.service, tiers.service.db_path.parent
        assert folder.name.startswith("course-service-")
    assert not service.running
    assert not folder.exists()  # the service's temporary folder is removed with it


async def _both(a, b):
    return await a, await b


def test_real_backends_are_built_from_settings_without_calling_them():
    settings = load_settings(
        environ={"OPENAI_API_KEY": "sk-x", "LOCAL_BACKEND": "ollama", "LOCAL_MODEL": "llama3.2:1b"}, env_file=None
    )
    assert isinstance(local_chat_client(settings), OpenAIChatCompletionClient)
    cloud = cloud_chat_client(settings)
    assert isinstance(cloud, OpenAIChatClient) and cloud.model == "gpt-4o-mini"


def test_offline_cloud_tier_needs_a_service():
    with pytest.raises(TierUsageError, match="Use start_tiers\\(\\)") as raised:
        cloud_chat_client(load_settings(environ={}, env_file=None))
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, CourseError)
    assert (raised.value.tier, raised.value.kind) == ("cloud", "not_ready")


def test_unknown_tier_is_rejected():
    settings = load_settings(
        environ={"LOCAL_BACKEND": "ollama", "LOCAL_MODEL": "m", "OPENAI_API_KEY": "sk-x"}, env_file=None
    )
    from modules.tiers.clients import Tiers

    with pytest.raises(TierUsageError, match="'local' or 'cloud', not 'edge'") as raised:
        Tiers(settings, local_chat_client(settings), cloud_chat_client(settings)).client("edge")
    assert isinstance(raised.value, ValueError) and raised.value.kind == "unknown_tier"


async def test_embedded_model_works_with_the_network_disabled():
    with network_disabled():
        with pytest.raises(NetworkBlockedError):
            socket.create_connection(("127.0.0.1", 9), timeout=1)
        timing = await time_stream(EmbeddedChatClient(), "What is the capital of Italy?", max_tokens=12)
    assert timing.text and timing.output_tokens > 0
    assert 0 < timing.first_token_s <= timing.total_s
    socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()  # patched methods restored
    assert socket.socket.connect.__name__ == "connect"

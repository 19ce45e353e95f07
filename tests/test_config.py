from pathlib import Path

import pytest

from modules.config import ConfigError, load_settings

KEY = "sk-test-0123456789abcdef"


def settings(env_file=None, **environ):
    return load_settings(environ=environ, env_file=env_file)


def test_no_keys_means_offline_without_error():
    s = settings()
    assert s.mode == "offline"
    assert (s.local.backend, s.cloud.backend) == ("embedded", "local_service")


def test_openai_key_selects_openai_cloud():
    s = settings(OPENAI_API_KEY=KEY, OPENAI_MODEL="gpt-4.1-mini")
    assert (s.cloud.backend, s.cloud.model, s.mode) == ("openai", "gpt-4.1-mini", "real")
    assert s.cloud.api_key.reveal() == KEY


def test_azure_needs_key_deployment_and_names_the_variable():
    with pytest.raises(ConfigError, match="AZURE_OPENAI_API_KEY"):
        settings(AZURE_OPENAI_ENDPOINT="https://x.openai.azure.com")
    with pytest.raises(ConfigError, match="AZURE_OPENAI_DEPLOYMENT"):
        settings(AZURE_OPENAI_ENDPOINT="https://x.openai.azure.com", AZURE_OPENAI_API_KEY=KEY)
    s = settings(
        AZURE_OPENAI_ENDPOINT="https://x.openai.azure.com", AZURE_OPENAI_API_KEY=KEY, AZURE_OPENAI_DEPLOYMENT="gpt-4o"
    )
    assert (s.cloud.backend, s.cloud.model, s.cloud.azure_endpoint) == (
        "azure_openai",
        "gpt-4o",
        "https://x.openai.azure.com",
    )


def test_explicit_openai_backend_without_key_is_a_clear_error():
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        settings(CLOUD_BACKEND="openai")


@pytest.mark.parametrize("variable", ["LOCAL_BACKEND", "CLOUD_BACKEND"])
def test_unknown_backend_names_the_variable(variable):
    with pytest.raises(ConfigError, match=variable):
        settings(**{variable: "gemini-on-a-toaster"})


def test_local_backends():
    ollama = settings(LOCAL_BACKEND="ollama", LOCAL_MODEL="llama3.2:1b").local
    assert (ollama.backend, ollama.base_url) == ("ollama", "http://127.0.0.1:11434/v1")
    with pytest.raises(ConfigError, match="LOCAL_MODEL"):
        settings(LOCAL_BACKEND="ollama")
    with pytest.raises(ConfigError, match="LOCAL_BASE_URL"):
        settings(LOCAL_BACKEND="foundry_local", LOCAL_MODEL="phi-4-mini")
    compatible = settings(LOCAL_BASE_URL="http://127.0.0.1:5273/v1", LOCAL_MODEL="phi-4-mini").local
    assert compatible.backend == "openai_compatible"


def test_gguf_path_must_exist(tmp_path):
    with pytest.raises(ConfigError, match="not a file"):
        settings(LOCAL_GGUF_PATH=str(tmp_path / "missing.gguf"))
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF")
    local = settings(LOCAL_GGUF_PATH=str(model)).local
    assert (local.backend, local.gguf_path) == ("gguf", model)


def test_env_file_is_read_and_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(f"OPENAI_API_KEY={KEY}\nOPENAI_MODEL=from-file\n")
    assert settings(env_file).cloud.model == "from-file"
    assert settings(env_file, OPENAI_MODEL="from-env").cloud.model == "from-env"


def test_empty_values_from_a_copied_example_do_not_half_configure(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(Path(__file__).resolve().parent.parent.joinpath(".env.example").read_text())
    assert settings(env_file).mode == "offline"


def test_course_offline_ignores_every_endpoint():
    s = settings(COURSE_OFFLINE="1", OPENAI_API_KEY=KEY, LOCAL_BACKEND="nonsense")
    assert s.mode == "offline" and s.forced_offline


def test_secrets_never_in_repr_or_description():
    s = settings(
        OPENAI_API_KEY=KEY,
        LOCAL_SERVICE_TOKEN="tok-secret-42",
        LOCAL_BACKEND="ollama",
        LOCAL_MODEL="m",
        LOCAL_API_KEY="local-secret",
    )
    shown = repr(s) + str(s.describe()) + repr(s.cloud) + repr(s.local) + repr(s.cloud.api_key)
    for secret in (KEY, "tok-secret-42", "local-secret"):
        assert secret not in shown
    assert s.describe()["cloud key"] == "OPENAI_API_KEY is set"
    assert "tok-secret-42" not in str(settings(LOCAL_SERVICE_TOKEN="tok-secret-42").describe())


# ---- the mode table tells the truth in every mode ------------------------------------------------------

AZURE = {
    "AZURE_OPENAI_ENDPOINT": "https://contoso.openai.azure.com",
    "AZURE_OPENAI_API_KEY": KEY,
    "AZURE_OPENAI_DEPLOYMENT": "gpt-4o-prod",
}


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        (
            {},
            {
                "mode": "offline",
                "cloud endpoint": "the course's own service on 127.0.0.1 (start_tiers() starts it)",
                "cloud key": "not needed",
                "local endpoint": "in-process (inside this Python kernel)",
                "why": "no real endpoint or key is set in the environment or .env",
            },
        ),
        (
            {"OPENAI_API_KEY": KEY},
            {
                "mode": "real",
                "cloud backend": "openai",
                "cloud endpoint": "https://api.openai.com/v1",
                "cloud key": "OPENAI_API_KEY is set",
                "why": "the environment or .env sets OPENAI_API_KEY (the cloud tier)",
            },
        ),
        (
            {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": "https://gateway.example/v1"},
            {"cloud endpoint": "https://gateway.example/v1"},
        ),
        (
            AZURE,
            {
                "cloud backend": "azure_openai",
                "cloud model": "gpt-4o-prod",
                "cloud endpoint": "https://contoso.openai.azure.com",
                "cloud key": "AZURE_OPENAI_API_KEY is set",
                "why": "the environment or .env sets AZURE_OPENAI_ENDPOINT (the cloud tier)",
            },
        ),
        (
            {"LOCAL_BACKEND": "ollama", "LOCAL_MODEL": "llama3.2:1b", **AZURE},
            {
                "local endpoint": "http://127.0.0.1:11434/v1",
                "local model": "llama3.2:1b",
                "why": "the environment or .env sets LOCAL_BACKEND=ollama (the local tier) "
                "and AZURE_OPENAI_ENDPOINT (the cloud tier)",
            },
        ),
        (
            {"COURSE_OFFLINE": "1", **AZURE},
            {
                "mode": "offline",
                "cloud backend": "local_service",
                "why": "COURSE_OFFLINE=1 is set, so endpoints and keys in .env are ignored (pytest sets it)",
            },
        ),
    ],
)
def test_the_mode_table_says_where_each_tier_goes_and_why(environ, expected):
    described = settings(**environ).describe()
    assert {key: described[key] for key in expected} == expected


def test_a_url_without_its_scheme_is_a_config_error_naming_the_variable():
    with pytest.raises(ConfigError, match=r"LOCAL_BASE_URL='127.0.0.1:8080/v1' is not an http\(s\) URL.*http://"):
        settings(LOCAL_BASE_URL="127.0.0.1:8080/v1", LOCAL_MODEL="m")
    with pytest.raises(ConfigError, match="AZURE_OPENAI_ENDPOINT=.*https://<resource>.openai.azure.com"):
        settings(**{**AZURE, "AZURE_OPENAI_ENDPOINT": "contoso.openai.azure.com"})
    with pytest.raises(ConfigError, match="OPENAI_BASE_URL"):
        settings(OPENAI_API_KEY=KEY, OPENAI_BASE_URL="api.openai.com/v1")


def test_a_config_error_shows_in_a_notebook_as_its_message_only():
    with pytest.raises(ConfigError) as caught:
        settings(CLOUD_BACKEND="openai")
    rendered = caught.value._render_traceback_()
    assert len(rendered) == 1 and "ConfigError" in rendered[0] and "needs OPENAI_API_KEY" in rendered[0]


# ---- REDIS_URL: an existing Redis server for lab 04 and the Redis tests ----------------------------------


def test_redis_url_is_read_kept_secret_and_honoured_offline():
    url = "redis://:hunter2-pw@redis.internal:6380/2"
    s = settings(REDIS_URL=url, COURSE_OFFLINE="1")
    assert s.redis_url.reveal() == url  # pytest runs offline and still uses the server the attendee named
    shown = repr(s) + str(s.describe())
    assert "hunter2-pw" not in shown and "redis://:***@redis.internal:6380/2" in shown
    assert settings().redis_url is None
    assert settings().describe()["redis (lab 04)"] == "a redis-server the course starts"


def test_a_redis_url_that_is_not_one_names_the_variable():
    with pytest.raises(ConfigError, match="REDIS_URL='localhost:6379' is not a Redis URL.*redis://host:6379/0"):
        settings(REDIS_URL="localhost:6379")

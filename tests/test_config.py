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
    assert str(s.cloud.api_key) == KEY


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
    assert s.describe()["cloud key"] == "set"

"""Lab 01 exercises: read the mode, read a configuration error, and see that keys are never shown."""

from __future__ import annotations

from typing import Any

from modules.config import ConfigError, load_settings
from modules.exercises.checker import Exercise, expect, expect_type


def verify_mode(my_mode: Any) -> str:
    expect_type(my_mode, str, "my_mode", "Use load_settings().mode: a string.")
    actual = load_settings().mode
    expect(my_mode == actual, f"`my_mode` is {my_mode!r}, but load_settings().mode is {actual!r} on this machine.")
    why = "no endpoint or key is configured (or COURSE_OFFLINE=1)" if actual == "offline" else "`.env` names endpoints"
    return f"you are in {actual} mode because {why}."


def verify_config_error(my_error: Any) -> str:
    expect_type(
        my_error,
        ConfigError,
        "my_error",
        "Call load_settings(environ=half_configured, env_file=None) inside try/except ConfigError and keep the error.",
    )
    message = str(my_error)
    expect("AZURE_OPENAI" in message, f"that error is about something else: {message!r}. Use the Azure endpoint only.")
    return f"the error names what to fix: {message}"


def verify_no_key_shown(described: Any, fake_key: Any) -> str:
    expect_type(described, dict, "described", "Use load_settings(environ={...}, env_file=None).describe().")
    expect_type(fake_key, str, "fake_key", "Make up a key string such as 'sk-test-…'.")
    expect(len(fake_key) >= 12, "make `fake_key` at least 12 characters, like a real key.")
    expect(fake_key not in repr(described), "the key appears in what describe() returned: that must never happen.")
    expect(
        str(described.get("cloud key", "")).endswith("is set"),
        "describe() does not report a cloud key: put your fake key in OPENAI_API_KEY in the `environ` you pass.",
    )
    return f"describe() says {described['cloud key']!r} and never shows the key."


EXERCISES = [
    Exercise(
        id="01.1",
        title="Which mode are you in?",
        level="easy",
        task="Ask `load_settings()` which mode this machine is in and put the answer (a string) in `my_mode`.",
        starter="from modules.config import load_settings\n\nmy_mode = ...  # the mode load_settings() reports",
        check_call='check("01.1", my_mode=my_mode)',
        verify=verify_mode,
        answers=("my_mode",),
    ),
    Exercise(
        id="01.2",
        title="A half-filled .env stops with the fix",
        level="medium",
        task=(
            "An Azure endpoint without its key is a half-configured tier. Call "
            "`load_settings(environ=half_configured, env_file=None)` inside `try: ... except ConfigError as error:` "
            "and keep the error in `my_error`. Read its message: it names the variable to add."
        ),
        starter=(
            "from modules.config import ConfigError, load_settings\n\n"
            'half_configured = {"AZURE_OPENAI_ENDPOINT": "https://example.openai.azure.com"}\n'
            "my_error = ...  # the ConfigError load_settings raises for half_configured"
        ),
        check_call='check("01.2", my_error=my_error)',
        verify=verify_config_error,
        answers=("my_error",),
    ),
    Exercise(
        id="01.3",
        title="Keys are never shown",
        level="stretch",
        task=(
            "Make up a key (`fake_key`, at least 12 characters), load settings from "
            '`environ={"OPENAI_API_KEY": fake_key}` with `env_file=None`, and keep `describe()` of them in '
            "`described`. The check looks for your key in it."
        ),
        starter=(
            'fake_key = ...  # e.g. "sk-test-" followed by a few letters\n'
            "described = ...  # load_settings(environ=..., env_file=None).describe()"
        ),
        check_call='check("01.3", described=described, fake_key=fake_key)',
        verify=verify_no_key_shown,
        answers=("described", "fake_key"),
    ),
]

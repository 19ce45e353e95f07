"""Lab 01 exercises: read the mode, read a configuration error, and see that keys are never shown.

Each check re-runs `load_settings()` against the attendee's environment and compares, so a value typed by hand
or taken from another environment is told apart from one the code produced. 01.2's endpoint and 01.3's key are
handed out by the exercise's challenge, new on every run: the lab's own error or description cannot carry them.
"""

from __future__ import annotations

from typing import Any

from modules.config import ConfigError, Settings, load_settings
from modules.exercises.challenge import Challenge
from modules.exercises.checker import Exercise, expect, expect_raised_by, expect_type, raised_in, step


def endpoint_challenge(token: str, namespace: Any) -> dict[str, Any]:
    return {"endpoint": f"https://workshop-{token}.openai.azure.com"}


def key_challenge(token: str, namespace: Any) -> dict[str, Any]:
    return {"key": f"sk-test-{token}{token[::-1]}"}


def verify_mode(my_settings: Any, my_mode: Any) -> str:
    expect_type(my_settings, Settings, "my_settings", "Keep what load_settings() returns.")
    step("loading the settings of this machine again")
    actual = load_settings()
    expect(
        my_settings == actual,
        f"`my_settings` says {my_settings.mode} mode ({my_settings.reason}), but load_settings() on this machine, "
        f"with this environment and `.env`, says {actual.mode} ({actual.reason}): call load_settings() with no "
        "arguments.",
    )
    expect_type(my_mode, str, "my_mode", "Read the mode from `my_settings`: one of its attributes is a string.")
    expect(
        my_mode == actual.mode,
        f"`my_mode` is {my_mode!r}, but the settings you loaded report {actual.mode!r}: read it from `my_settings` "
        "instead of typing it.",
    )
    return f"you are in {actual.mode} mode because {actual.reason}."


def verify_config_error(my_error: Any, challenge: Challenge) -> str:
    half_configured = {"AZURE_OPENAI_ENDPOINT": challenge.endpoint}
    call = "load_settings(environ=half_configured, env_file=None)"
    expect_type(
        my_error,
        ConfigError,
        "my_error",
        f"Call {call} inside try/except ConfigError and keep the error.",
    )
    expect_raised_by(my_error, "my_error", "config.py", call)
    raised_for = (raised_in(my_error, "config.py", "load_settings") or {}).get("env") or {}
    endpoint = raised_for.get("AZURE_OPENAI_ENDPOINT")
    expect(
        endpoint == challenge.endpoint,
        f"`my_error` was raised by load_settings for the endpoint {endpoint!r}, not this run's "
        f"{challenge.endpoint!r} (its message may say otherwise): build half_configured from challenge.endpoint, "
        f"call {call}, and keep the error it raises.",
    )
    step("loading settings from the challenge's half-configured environment")
    try:
        load_settings(environ=half_configured, env_file=None)
        expected = ""
    except ConfigError as error:
        expected = str(error)
    expect(
        str(my_error) == expected,
        f"`my_error` says {str(my_error)[:120]!r}, but for this challenge's endpoint ({challenge.endpoint}) "
        f"load_settings says {expected[:120]!r}: build half_configured from challenge.endpoint, call {call}, and "
        "keep that error.",
    )
    return f"the error names what to fix: {my_error}"


def verify_no_key_shown(described: Any, fake_key: Any, challenge: Challenge) -> str:
    expect_type(fake_key, str, "fake_key", "Use the challenge's key: fake_key = challenge.key.")
    expect(
        fake_key == challenge.key,
        f"`fake_key` is {fake_key[:40]!r}, but this run's challenge key is {challenge.key!r}: set "
        "fake_key = challenge.key (run your cell from its first line), then load the settings with it.",
    )
    expect_type(described, dict, "described", "Use load_settings(environ={...}, env_file=None).describe().")
    expect(fake_key not in repr(described), "your key appears in `described`: describe() must never show it.")
    step("loading settings with your key and describing them")
    expected = load_settings(environ={"OPENAI_API_KEY": fake_key}, env_file=None).describe()
    differing = sorted(name for name in expected.keys() | described.keys() if described.get(name) != expected.get(name))
    expect(
        not differing,
        f"`described` differs from what describe() returns for settings loaded with your key, at "
        f"{', '.join(map(repr, differing))} (yours: {', '.join(repr(described.get(n)) for n in differing)[:160]}): "
        'load settings from environ={"OPENAI_API_KEY": fake_key} with env_file=None and keep their describe().',
    )
    return f"describe() says {described['cloud key']!r} and never shows the key."


EXERCISES = [
    Exercise(
        id="01.1",
        title="Which mode are you in?",
        level="easy",
        task=(
            "Load the settings of this machine with `load_settings()` (`my_settings`) and read from them which "
            "mode you are in (`my_mode`, a string). The check loads them again and compares."
        ),
        starter=(
            "from modules.config import load_settings\n\n"
            "my_settings = ...  # what load_settings() returns\n"
            "my_mode = ...  # the mode those settings report"
        ),
        check_call='check("01.1", my_settings=my_settings, my_mode=my_mode)',
        verify=verify_mode,
        answers=("my_settings", "my_mode"),
    ),
    Exercise(
        id="01.2",
        title="A half-filled .env stops with the fix",
        level="medium",
        task=(
            "An Azure endpoint without its key is a half-configured tier. With the endpoint the challenge hands "
            "out (`challenge.endpoint`), call `load_settings(environ=half_configured, env_file=None)` inside "
            "`try: ... except ConfigError as error:` and keep the error in `my_error`. Read its message: it names "
            "the variable to add."
        ),
        starter=(
            "from modules.config import ConfigError, load_settings\n\n"
            'half_configured = {"AZURE_OPENAI_ENDPOINT": challenge.endpoint}\n'
            "my_error = ...  # the ConfigError load_settings raises for half_configured"
        ),
        check_call='check("01.2", my_error=my_error)',
        verify=verify_config_error,
        answers=("my_error",),
        challenge=endpoint_challenge,
    ),
    Exercise(
        id="01.3",
        title="Keys are never shown",
        level="stretch",
        task=(
            "Take the made-up key the challenge hands out (`fake_key = challenge.key`), load settings from "
            '`environ={"OPENAI_API_KEY": fake_key}` with `env_file=None`, and keep `describe()` of them in '
            "`described`. The check looks for your key in it."
        ),
        starter=(
            "from modules.config import load_settings\n\n"
            "fake_key = ...  # challenge.key, a made-up key\n"
            "described = ...  # load_settings(environ=..., env_file=None).describe()"
        ),
        check_call='check("01.3", described=described, fake_key=fake_key)',
        verify=verify_no_key_shown,
        answers=("described", "fake_key"),
        challenge=key_challenge,
    ),
]

"""Fuzzing the hybrid file loader: every damaged file ends in the package's typed error.

Seeded, so every run tries the same cases: 200 single-bit flips of a real file, fields of the wrong
shape, non-finite numbers and absurd nesting. Resuming must either succeed (and the resumed
conversation must be usable) or raise a StorageError / HybridError, never ValueError, TypeError,
AttributeError, RecursionError or anything else untyped.
"""

from __future__ import annotations

import json
import random

import pytest

from modules.hybrid import HybridError
from modules.hybrid_agent_context import HybridAgentContextManager
from modules.storage import StorageError

FLIPS = 200


async def resume_outcome(path) -> str:
    """'ok', 'typed', or the name of the untyped exception resuming (and then using) the file raised."""
    manager = HybridAgentContextManager("fuzz-reader")
    try:
        await manager.resume(path)
        manager.messages, manager.get_routing_summary(), manager.get_conversation_flow()  # noqa: B018
    except (StorageError, HybridError):
        return "typed"
    except Exception as error:  # the failure this test looks for
        return type(error).__name__
    return "ok"


@pytest.fixture
async def original(tmp_path):
    manager = HybridAgentContextManager("fuzz-target")
    manager.add_exchange("My name is Ana.", "Hello Ana!", "local", 0.05, {"input_tokens": 20, "output_tokens": 4})
    manager.add_exchange("Plan my week.", "Monday: rest.", "cloud", 0.8, {"model": "gpt"})
    manager.add_exchange("Thanks!", "You're welcome.", "local", 0.04)
    path = tmp_path / "original.json"
    await manager.save(path)
    return path.read_bytes()


async def test_200_single_bit_flips_end_in_typed_errors(original, tmp_path):
    flips = random.Random(20261130)
    path = tmp_path / "flipped.json"
    outcomes: dict[str, int] = {}
    for _ in range(FLIPS):
        position = flips.randrange(len(original) * 8)
        damaged = bytearray(original)
        damaged[position // 8] ^= 1 << (position % 8)
        path.write_bytes(bytes(damaged))
        outcome = await resume_outcome(path)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    assert set(outcomes) <= {"ok", "typed"}, outcomes
    assert outcomes.get("typed", 0) > FLIPS // 2  # most flips really damage the file


def rebuilt(original: bytes, change) -> bytes:
    """The file with `change(header, body)` applied to its parsed parts, re-serialized with a matching length."""
    header_line, _, body_bytes = original.partition(b"\n")
    header, body = json.loads(header_line), json.loads(body_bytes)
    change(header, body)
    new_body = json.dumps(body).encode()
    header["body_bytes"] = len(new_body)
    return json.dumps(header).encode() + b"\n" + new_body


def _set(path: str, value):
    """A change that sets one field, addressed like 'body.routing_metadata.0.turn'."""

    def change(header, body):
        *parents, last = path.split(".")
        target = {"header": header, "body": body}
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        target[int(last) if isinstance(target, list) else last] = value

    return change


DEEP = 50_000
CASES = {
    "metadata is a number": _set("body.routing_metadata", 5),
    "metadata is text": _set("body.routing_metadata", "abc"),
    "metadata entries are numbers": _set("body.routing_metadata", [1, 2, 3]),
    "metadata turn is text": _set("body.routing_metadata.0.turn", "first"),
    "metadata source is a list": _set("body.routing_metadata.0.source", ["local"]),
    "metadata time is text": _set("body.routing_metadata.1.response_time_s", "slow"),
    "tags is a number": _set("header.tags", 3),
    "user id is a number": _set("header.user_id", 5),
    "revision is text": _set("header.revision", "x"),
    "session is a list": _set("body.session", []),
    "state is a number": _set("body.session.state", 7),
    "in_memory is a list": _set("body.session.state.in_memory", []),
    "messages is an object": _set("body.session.state.in_memory.messages", {"a": 1}),
    "messages are numbers": _set("body.session.state.in_memory.messages", [1, 2]),
    "message contents is a number": _set("body.session.state.in_memory.messages.0.contents", 5),
    "message role is a number": _set("body.session.state.in_memory.messages.0.role", 5),
    "created_at is NaN": _set("header.created_at", float("nan")),
    "updated_at is infinite": _set("header.updated_at", float("inf")),
    "turn is 1e308": _set("body.routing_metadata.0.turn", 1e308),
    "turn is infinite": _set("body.routing_metadata.0.turn", float("inf")),
    "response time is NaN": _set("body.routing_metadata.0.response_time_s", float("nan")),
    "tokens are infinite": _set("body.routing_metadata.0.input_tokens", float("-inf")),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_wrong_shapes_and_non_finite_numbers_end_in_typed_errors(case, original, tmp_path):
    path = tmp_path / "shaped.json"
    path.write_bytes(rebuilt(original, CASES[case]))
    assert await resume_outcome(path) in ("ok", "typed")


@pytest.mark.parametrize("where", ["whole file", "metadata", "state", "header"])
async def test_deep_nesting_ends_in_a_typed_error(where, original, tmp_path):
    nested = b"[" * DEEP + b"]" * DEEP
    if where == "whole file":
        data = nested
    else:
        header_line, _, body = original.partition(b"\n")
        if where == "header":
            data = header_line[:-1] + b',"deep":' + nested + b"}\n" + body
        else:
            key = b'"routing_metadata":' if where == "metadata" else b'"state":'
            new_body = body.replace(key, key + b"[" + nested + b",", 1)  # never closed: damaged shape and syntax
            data = header_line + b"\n" + new_body
    path = tmp_path / "deep.json"
    path.write_bytes(data)
    assert await resume_outcome(path) == "typed"

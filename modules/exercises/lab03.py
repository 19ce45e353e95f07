"""Lab 03 exercises: suspend and resume a session yourself, in-process and in another process."""

from __future__ import annotations

import json
import os
from typing import Any

from agent_framework import AgentSession

from modules.exercises.checker import Exercise, Wrong, expect, expect_type


def _messages(session: AgentSession) -> list[dict[str, Any]]:
    return session.to_dict().get("state", {}).get("in_memory", {}).get("messages", [])


def verify_suspend(my_saved: Any, session: AgentSession) -> str:
    expect_type(
        my_saved, str, "my_saved", "Suspend in two steps: `my_state = restored.to_dict()`, then `json.dumps(my_state)`."
    )
    try:
        data = json.loads(my_saved)
    except json.JSONDecodeError as error:
        raise Wrong(f"`my_saved` is not JSON ({error.msg}): build it with json.dumps(...), not str(...).") from None
    expect(
        data == session.to_dict(),
        "`my_saved` does not hold `restored` as it is now: serialize `restored` (not `session`), after its last run.",
    )
    return (
        f"{len(my_saved.encode())} bytes: the session id and service id {data['service_session_id']!r}, "
        "no message text — the service keeps that."
    )


def verify_resume(my_session: Any, my_reply: Any, my_saved: str, service: Any = None) -> str:
    expect_type(my_session, AgentSession, "my_session", "Rebuild it with AgentSession.from_dict(json.loads(my_saved)).")
    expect(
        not hasattr(my_reply, "__await__"),
        "`my_reply` is a coroutine: write `my_reply = await agent.run(...)` (with `await`).",
    )
    expect(hasattr(my_reply, "text"), f"`my_reply` is a {type(my_reply).__name__}; keep what agent.run(...) returns.")
    saved = json.loads(my_saved)
    expect(
        my_session.session_id == saved["session_id"],
        "`my_session` has another session id: build it from `my_saved` with AgentSession.from_dict, "
        "not with agent.create_session().",
    )
    expect(
        my_session.service_session_id not in (None, saved["service_session_id"]),
        "`my_session` still points at the saved response: pass `session=my_session` to agent.run.",
    )
    if service is None:
        return "the resumed session moved one turn on (the real cloud's stored history is not readable from here)."
    before, after = service.history(saved["service_session_id"]), service.history(my_session.service_session_id)
    expect(after[: len(before)] == before, "the service's history under your new id does not start with the saved one.")
    return f"you sent one question and an id; the service now holds all {len(after)} messages under the new id."


def verify_cross_process(memory_saved: Any, memory_child: Any, memory_back: Any, memory_session: AgentSession) -> str:
    expect_type(memory_saved, str, "memory_saved", "Use json.dumps(memory_session.to_dict()).")
    expect(
        json.loads(memory_saved) == memory_session.to_dict(),
        "`memory_saved` does not match memory_session.to_dict(): serialize `memory_session`.",
    )
    expect(
        hasattr(memory_child, "session_json"),
        "`memory_child` should be what resume_session_in_new_process(...) returns.",
    )
    expect(memory_child.child_pid != os.getpid(), "the answer came from this kernel, not from a new process.")
    expect_type(
        memory_back, AgentSession, "memory_back", "Use AgentSession.from_dict(json.loads(memory_child.session_json))."
    )
    expect(memory_back.session_id == memory_session.session_id, "`memory_back` is another conversation.")
    expect(
        memory_back.service_session_id is None,
        "the child stored the conversation on the service: pass store=False for an in-memory session.",
    )
    before, after = _messages(memory_session), _messages(memory_back)
    expect(
        len(after) == len(before) + 2 and after[: len(before)] == before,
        f"`memory_back` holds {len(after)} messages; expected the {len(before)} you sent plus the child's two.",
    )
    return (
        f"process {memory_child.child_pid} got {len(before)} messages inside the JSON, added 2, "
        f"and this kernel restored all {len(after)}."
    )


def verify_growth(size_before: Any, size_after: Any, session: AgentSession) -> str:
    for name, value in (("size_before", size_before), ("size_after", size_after)):
        expect_type(value, int, name, "Use len(json.dumps(memory_back.to_dict()).encode()).")
    now = len(json.dumps(session.to_dict()).encode())
    expect(size_after == now, f"`size_after` is {size_after}, but memory_back serializes to {now} bytes now.")
    expect(
        size_after > size_before,
        "the size did not grow: run one more turn with `session=memory_back` between the two measurements.",
    )
    return f"one exchange added {size_after - size_before} bytes: the in-memory form carries every message."


EXERCISES = [
    Exercise(
        id="03.1",
        title="Suspend a session to JSON",
        level="easy",
        task=(
            "`restored` is the conversation you resumed above. Suspend it yourself: turn it into a plain dict with "
            "`to_dict()`, then into a JSON string with `json.dumps`. Put the string in `my_saved`."
        ),
        starter="my_state = ...  # restored as a plain dict\nmy_saved = ...  # that dict as a JSON string",
        check_call='check("03.1", my_saved=my_saved, session=restored)',
        verify=verify_suspend,
        answers=("my_saved",),
    ),
    Exercise(
        id="03.2",
        title="Resume in-process and continue",
        level="easy",
        task=(
            "Rebuild a session from `my_saved` with `AgentSession.from_dict(json.loads(...))` and call it "
            "`my_session`. Ask it one more question with `await agent.run(..., session=my_session)` (keep "
            '`options={"max_tokens": 30}`) and keep the reply in `my_reply`.'
        ),
        starter=(
            "my_session = ...  # a session rebuilt from my_saved\n"
            'my_reply = ...  # await agent.run("…", session=my_session, options={"max_tokens": 30})'
        ),
        check_call='check("03.2", my_session=my_session, my_reply=my_reply, my_saved=my_saved, service=service)',
        verify=verify_resume,
        answers=("my_session", "my_reply"),
    ),
    Exercise(
        id="03.3",
        title="Resume in another process",
        level="medium",
        task=(
            "Continue the **in-memory** conversation in a new process. Suspend `memory_session` to JSON "
            '(`memory_saved`), hand it to `resume_session_in_new_process(memory_saved, "<a question>", '
            "service=service, store=False, instructions=INSTRUCTIONS)` (`memory_child`), then restore the child's "
            "session in this kernel with `AgentSession.from_dict` (`memory_back`)."
        ),
        starter=(
            "memory_saved = ...  # memory_session as JSON\n"
            "memory_child = ...  # resume_session_in_new_process(...)\n"
            "memory_back = ...  # the child's session (memory_child.session_json), restored here"
        ),
        check_call=(
            'check("03.3", memory_saved=memory_saved, memory_child=memory_child, memory_back=memory_back,\n'
            "      memory_session=memory_session)"
        ),
        verify=verify_cross_process,
        answers=("memory_saved", "memory_child", "memory_back"),
    ),
    Exercise(
        id="03.4",
        title="Prove that the in-memory form grows",
        level="stretch",
        task=(
            "Measure `memory_back` in bytes (`len(json.dumps(memory_back.to_dict()).encode())`) as `size_before`, "
            "run one more turn on it with `memory_agent`, and measure again as `size_after`."
        ),
        starter="size_before = ...\n# one more turn on memory_back\nsize_after = ...",
        check_call='check("03.4", size_before=size_before, size_after=size_after, session=memory_back)',
        verify=verify_growth,
        answers=("size_before", "size_after"),
    ),
]

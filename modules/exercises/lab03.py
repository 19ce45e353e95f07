"""Lab 03 exercises: suspend and resume a session yourself, in-process and in another process.

The checks ask the service what it stored under each id, compare with the session as it is now, and re-measure
sizes, so a hand-made value or a copy that skipped a step is told apart from a real round trip. Each challenge hands
out a marker or a question new on every run, so a session, reply or child result the lab made earlier does not pass.
The approval exercise (03.5) reads the tool's side-effect ledger and the store's approval book, not the model's words.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sqlite3
from typing import Any

from agent_framework import AgentSession

from modules.exercises.challenge import Challenge
from modules.exercises.checker import (
    Exercise,
    Wrong,
    expect,
    expect_agent_answered,
    expect_awaited,
    expect_number,
    expect_type,
    kind_of,
    step,
)
from modules.exercises.handoffs import child_instructions, handed_back_by_a_child
from modules.hybrid import PendingApproval, pending_approvals
from modules.storage import SqliteStore

TOPICS = ("honey", "wax", "queens", "drones", "pollen", "swarms", "hives", "smoke")


def marker_challenge(token: str, namespace: Any) -> dict[str, Any]:
    return {"marker": f"suspended-{token}"}


def question_challenge(token: str, namespace: Any) -> dict[str, Any]:
    topic = random.Random(token).choice(TOPICS)
    return {"question": f"In one sentence, what about {topic}? (ref {token})"}


def child_challenge(token: str, namespace: Any) -> dict[str, Any]:
    """The question for the child, plus the lab's INSTRUCTIONS: the child must run the lab's agent."""
    return {**question_challenge(token, namespace), "_instructions": namespace.get("INSTRUCTIONS")}


def _last_question(messages: list[dict[str, Any]]) -> str:
    asked = [m for m in messages if m.get("role") == "user"]
    return (asked[-1].get("contents") or [{}])[0].get("text", "") if asked else ""


def _messages(session: AgentSession) -> list[dict[str, Any]]:
    return session.to_dict().get("state", {}).get("in_memory", {}).get("messages", [])


def _json(text: Any, name: str, how: str) -> dict[str, Any]:
    expect_type(text, str, name, f"Build it with {how}.")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise Wrong(f"`{name}` is not JSON ({error.msg}): build it with {how}, not str(...).") from None
    expect(isinstance(data, dict), f"`{name}` holds JSON {kind_of(data)}, not a session: build it with {how}.")
    return data


def _history(service: Any, service_id: str | None) -> list[tuple[str, str]] | None:
    """What the course's service stored under an id; None when the service is not ours (a real cloud)."""
    if service is None or not service_id:
        return None
    try:
        return service.history(service_id)
    except Exception:  # an unknown id: the service answers 404
        return []


def verify_suspend(my_saved: Any, session: AgentSession, challenge: Challenge, service: Any = None) -> str:
    data = _json(my_saved, "my_saved", "json.dumps(restored.to_dict())")
    note = data.get("state", {}).get("note") if isinstance(data.get("state"), dict) else None
    expect(
        note == challenge.marker,
        f"`my_saved` carries the note {note!r}, but this run's challenge marker is {challenge.marker!r}: set "
        'restored.state["note"] = challenge.marker first, then serialize `restored` (the state travels in the JSON).',
    )
    now = session.to_dict()
    if data != now:
        differing = sorted(key for key in data.keys() | now.keys() if data.get(key) != now.get(key))
        shown = "; ".join(f"{key}: yours {data.get(key)!r}, restored's {now.get(key)!r}" for key in differing)
        raise Wrong(
            f"`my_saved` does not hold `restored` as it is now ({shown[:300]}): serialize `restored` itself, after "
            "setting the note and after its last run — not the `saved` text from before it."
        )
    step("asking the service what it holds under the id in `my_saved`")
    stored = _history(service, data.get("service_session_id"))
    if stored is not None:
        expect(bool(stored), "the service has nothing under the id in `my_saved`: serialize `restored`.")
    told = f"; the service holds {len(stored)} messages under it" if stored else ""
    return (
        f"{len(my_saved.encode())} bytes: the session id, service id {data['service_session_id']!r} and your note, "
        f"no message text{told}."
    )


def verify_resume(my_session: Any, my_reply: Any, saved: str, challenge: Challenge, service: Any = None) -> str:
    expect_type(my_session, AgentSession, "my_session", "Rebuild it with AgentSession.from_dict(json.loads(saved)).")
    expect_awaited(my_reply, "my_reply", "agent.run(...)")
    expect(hasattr(my_reply, "text"), f"`my_reply` is {kind_of(my_reply)}; keep what `await agent.run(...)` returns.")
    before = json.loads(saved)
    expect(
        my_session.session_id == before["session_id"],
        f"`my_session` has session id {my_session.session_id!r}, the saved one {before['session_id']!r}: build it "
        "from `saved` with AgentSession.from_dict: one made with agent.create_session() or agent.get_session() has "
        "a new session id.",
    )
    expect(
        my_session.service_session_id not in (None, before["service_session_id"]),
        f"`my_session` still points at the saved response ({my_session.service_session_id!r}); a turn run with "
        "session=my_session moves it to the new response's id. Run the turn with agent.run(challenge.question, "
        "session=my_session, ...) — a turn on another session leaves `my_session` where it was.",
    )
    step("asking the service what it stored under the saved id and under my_session's new id")
    earlier, now = _history(service, before["service_session_id"]), _history(service, my_session.service_session_id)
    if earlier is None or now is None:
        return "the resumed session moved one turn on (a real cloud's stored history is not readable from here)."
    expect(
        now[: len(earlier)] == earlier and len(now) == len(earlier) + 2,
        f"the service holds {len(now)} messages under `my_session`'s id; expected the {len(earlier)} saved ones plus "
        "your question and its answer: run exactly one turn on `my_session`.",
    )
    expect(
        now[-2] == ("user", challenge.question) or list(now[-2]) == ["user", challenge.question],
        f"the service stored the question {now[-2][1][:60]!r} under `my_session`, but this run's challenge asks "
        f"{challenge.question!r}: run the turn with agent.run(challenge.question, session=my_session, ...).",
    )
    expect(
        now[-1][0] == "assistant" and now[-1][1].strip() == my_reply.text.strip(),
        "`my_reply` is not the answer the service stored for `my_session`'s last turn: keep the reply of that run.",
    )
    return f"you sent one question and an id; the service now holds all {len(now)} messages under the new id."


def verify_cross_process(
    memory_saved: Any, memory_child: Any, memory_back: Any, memory_session: AgentSession, challenge: Challenge
) -> str:
    data = _json(memory_saved, "memory_saved", "json.dumps(memory_session.to_dict())")
    expect(
        data == memory_session.to_dict(),
        "`memory_saved` does not match memory_session.to_dict(): serialize `memory_session`.",
    )
    expect(
        hasattr(memory_child, "session_json") and hasattr(memory_child, "child_pid"),
        f"`memory_child` is {kind_of(memory_child)}: keep what resume_session_in_new_process(...) returns.",
    )
    expect(memory_child.child_pid != os.getpid(), "the answer came from this kernel, not from a new process.")
    expect(
        handed_back_by_a_child(memory_child),
        f"`memory_child` (process {memory_child.child_pid}) was not handed back by a child process: it was built "
        "here. Keep what resume_session_in_new_process(...) returns.",
    )
    lab_instructions = challenge.values.get("_instructions")
    given = child_instructions(memory_child)
    expect(
        lab_instructions is None or given == lab_instructions,
        f"the child's agent ran with the instructions {given!r}, not the lab's INSTRUCTIONS: it was another agent. "
        "Pass instructions=INSTRUCTIONS to resume_session_in_new_process.",
    )
    expect_type(
        memory_back, AgentSession, "memory_back", "Use AgentSession.from_dict(json.loads(memory_child.session_json))."
    )
    expect(
        memory_back.session_id == memory_session.session_id,
        f"`memory_back` is conversation {memory_back.session_id!r}, `memory_session` {memory_session.session_id!r}: "
        "restore memory_back from memory_child.session_json.",
    )
    expect(
        memory_back.service_session_id is None,
        "the child stored the conversation on the service: pass store=False for an in-memory session.",
    )
    before, after = _messages(memory_session), _messages(memory_back)
    expect(
        memory_back.to_dict() == json.loads(memory_child.session_json),
        f"`memory_back` holds {len(after)} messages, not the child's session: restore it from "
        "memory_child.session_json.",
    )
    expect(
        len(after) == len(before) + 2 and after[: len(before)] == before,
        f"`memory_back` holds {len(after)} messages; expected the {len(before)} you sent plus the child's two: "
        "suspend memory_session as it is now and hand that JSON to the child.",
    )
    expect(
        _last_question(after) == challenge.question,
        f"the child was asked {_last_question(after)[:60]!r}, but this run's challenge asks {challenge.question!r}: "
        "pass challenge.question to resume_session_in_new_process.",
    )
    return (
        f"process {memory_child.child_pid} got {len(before)} messages inside the JSON, added 2, "
        f"and this kernel restored all {len(after)}."
    )


def _size(state: dict[str, Any]) -> int:
    return len(json.dumps(state).encode())


def verify_growth(
    my_copy: Any, size_before: Any, size_after: Any, memory_session: AgentSession, challenge: Challenge
) -> str:
    expect_type(my_copy, AgentSession, "my_copy", "Restore it with AgentSession.from_dict(json.loads(...)).")
    expect(
        my_copy is not memory_session,
        "`my_copy` is `memory_session` itself: restore a copy from its JSON (the lab goes on with the original).",
    )
    hint = "Measure with len(json.dumps(my_copy.to_dict()).encode())."
    size_before = expect_number(size_before, "size_before", hint, whole=True)
    size_after = expect_number(size_after, "size_after", hint, whole=True)
    step("measuring `my_copy` again")
    state = my_copy.to_dict()
    now = _size(state)
    expect(
        size_after == now,
        f"`size_after` is {size_after}, but `my_copy` serializes to {now} bytes now: measure it right after the "
        "turn, with len(json.dumps(my_copy.to_dict()).encode()).",
    )
    messages, original = _messages(my_copy), _messages(memory_session)
    expect(
        messages[: len(original)] == original and len(messages) == len(original) + 2,
        f"`my_copy` holds {len(messages)} messages, `memory_session` {len(original)}: restore `my_copy` from "
        "memory_session's JSON, then run exactly one more turn on it with memory_agent (session=my_copy).",
    )
    expect_agent_answered(messages, "my_copy", "run the turn with memory_agent (session=my_copy).")
    expect(
        _last_question(messages) == challenge.question,
        f"the turn on `my_copy` asked {_last_question(messages)[:60]!r}, but this run's challenge asks "
        f"{challenge.question!r}: run memory_agent.run(challenge.question, session=my_copy, ...).",
    )
    state["state"]["in_memory"]["messages"] = messages[:-2]  # the copy as it was before its last turn
    expected_before = _size(state)
    expect(
        size_before == expected_before,
        f"`size_before` is {size_before}, but `my_copy` before its last turn serializes to {expected_before} bytes: "
        "measure it before the turn, the same way as `size_after`.",
    )
    return f"one exchange added {size_after - size_before} bytes: the in-memory form carries every message."


def _transfers(ledger: Any, conversation_id: str) -> list[tuple[float, str, int]]:
    """The teller's ledger rows of one conversation, read here (labkit, which writes them, sits above exercises)."""
    if not os.path.exists(ledger):
        return []
    with contextlib.closing(sqlite3.connect(ledger)) as db:
        if not db.execute("SELECT name FROM sqlite_master WHERE name = 'ledger'").fetchall():
            return []  # the tool never ran with this ledger
        query = "SELECT amount, recipient, pid FROM ledger WHERE conversation = ?"
        return db.execute(query, (conversation_id,)).fetchall()


def approval_challenge(token: str, namespace: Any) -> dict[str, Any]:
    return {"conversation_id": f"lab03-approval-{token}", "approver": f"approver-{token}"}


def verify_approval(my_pending: Any, my_done: Any, approval_db: Any, ledger: Any, challenge: Challenge) -> str:
    conversation_id = challenge.conversation_id
    expect_type(
        my_pending,
        PendingApproval,
        "my_pending",
        f"List it in this kernel: [my_pending] = pending_approvals(approval_store, {conversation_id!r}).",
    )
    expect(
        my_pending.conversation_id == conversation_id,
        f"`my_pending` is a request of conversation {my_pending.conversation_id!r}, but this run's challenge is "
        f"{conversation_id!r}: ask and list in challenge.conversation_id.",
    )
    expect(
        my_pending.status == "pending",
        f"`my_pending` was listed when the request was already {my_pending.status}: list what is pending after the "
        "ask step and before the approve step (the listing is what a person decides from).",
    )
    step("reading the approval book in the store")
    with SqliteStore(approval_db) as store:
        book = {p.request_id: p for p in pending_approvals(store, conversation_id, include_decided=True)}
    expect(
        my_pending.request_id in book,
        f"the store has no request {my_pending.request_id!r} in conversation {conversation_id!r}: list it from "
        "approval_db, where the ask step saved it.",
    )
    decided = book[my_pending.request_id]
    expect(
        decided.status != "pending",
        'the request is still pending in the store: approve it in a new process with teller_step("approve", ...).',
    )
    expect(
        decided.decision == "approved",
        f"the request was {decided.decision} (status {decided.status}), so the tool never ran: ask again in a "
        "new challenge, and approve it (no --reject).",
    )
    expect(
        decided.decided_by == challenge.approver,
        f"the store says {decided.decided_by!r} approved it, but this run's approver is {challenge.approver!r}: "
        f'pass f"--by={{challenge.approver}}" to the approve step.',
    )
    expect(
        decided.status == "completed",
        f"the approval is {decided.status}, not completed: the approving process stopped before the answer was "
        'saved. Run teller_step("complete", ...) for the conversation.',
    )
    expect(
        isinstance(my_done, dict) and {"kinds", "pid", "request_id"} <= my_done.keys(),
        f"`my_done` is {kind_of(my_done)} without the approve step's kinds, pid and request_id: keep what "
        'teller_step("approve", ...) returns.',
    )
    expect(
        my_done["request_id"] == my_pending.request_id,
        f"`my_done` reports on request {my_done['request_id']!r}, not on `my_pending` ({my_pending.request_id!r}): "
        "keep what the approve step of this run's conversation returned.",
    )
    expect(
        my_done["pid"] != os.getpid(),
        '`my_done` was made in this kernel: approve in a new process with teller_step("approve", ...).',
    )
    step("reading the tool's ledger")
    rows = _transfers(ledger, conversation_id)
    expect(
        len(rows) == 1,
        f"the ledger holds {len(rows)} transfers for conversation {conversation_id!r}; an approved call runs "
        "exactly once.",
    )
    [(amount, to, pid)] = rows
    expect(
        pid == my_done["pid"] != os.getpid(),
        f"the transfer was made by process {pid}, not by the approving process {my_done['pid']}: let the approve "
        "step run the tool.",
    )
    arguments = json.loads(my_pending.arguments)
    expect(
        (amount, to) == (float(arguments.get("amount", "nan")), arguments.get("to")),
        f"the ledger says {amount} to {to!r}, but the request asked {my_pending.arguments}: approve the request you "
        "listed.",
    )
    return (
        f"process {pid} ran transfer({amount}, {to!r}) once, after {challenge.approver} approved request "
        f"{my_pending.request_id[:18]}…; the approval book says completed."
    )


EXERCISES = [
    Exercise(
        id="03.1",
        title="Suspend a session to JSON",
        level="easy",
        task=(
            "`restored` is the conversation you resumed above. Note the challenge's marker in its state "
            '(`restored.state["note"] = challenge.marker`: a session\'s state travels with it), then suspend it '
            "yourself: turn it into a plain dict with `to_dict()`, then into a JSON string with `json.dumps`. Put "
            "the string in `my_saved`."
        ),
        starter=(
            'restored.state["note"] = challenge.marker\n'
            "my_state = ...  # restored as a plain dict\n"
            "my_saved = ...  # that dict as a JSON string"
        ),
        check_call='check("03.1", my_saved=my_saved, session=restored, service=service)',
        verify=verify_suspend,
        answers=("my_saved",),
        challenge=marker_challenge,
    ),
    Exercise(
        id="03.2",
        title="Resume in-process and continue",
        level="easy",
        task=(
            "`saved` is the JSON text the lab suspended after the first turn. Rebuild a session from it with "
            "`AgentSession.from_dict(json.loads(saved))` and call it `my_session`. Ask it the challenge's question "
            'with `await agent.run(challenge.question, session=my_session, options={"max_tokens": 30})` and keep '
            "the reply in `my_reply`. The check asks the service what it stored under your session's new id."
        ),
        starter=(
            "my_session = ...  # a session rebuilt from saved\n"
            'my_reply = ...  # await agent.run(challenge.question, session=my_session, options={"max_tokens": 30})'
        ),
        check_call='check("03.2", my_session=my_session, my_reply=my_reply, saved=saved, service=service)',
        verify=verify_resume,
        answers=("my_session", "my_reply"),
        challenge=question_challenge,
    ),
    Exercise(
        id="03.3",
        title="Resume in another process",
        level="medium",
        task=(
            "Continue the **in-memory** conversation in a new process. Suspend `memory_session` to JSON "
            "(`memory_saved`), hand it to `resume_session_in_new_process(memory_saved, challenge.question, "
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
        challenge=child_challenge,
    ),
    Exercise(
        id="03.4",
        title="Prove that the in-memory form grows",
        level="stretch",
        task=(
            "Restore a copy of `memory_session` from its JSON (`my_copy`). Measure it in bytes "
            "(`len(json.dumps(my_copy.to_dict()).encode())`) as `size_before`, run one more turn on it with "
            "`memory_agent` and the challenge's question (`challenge.question`, `session=my_copy`), and measure "
            "again as `size_after`. The check measures again."
        ),
        starter=(
            "my_copy = ...  # memory_session, restored from its JSON\n"
            "size_before = ...\n"
            "# one more turn on my_copy: challenge.question\n"
            "size_after = ..."
        ),
        check_call=(
            'check("03.4", my_copy=my_copy, size_before=size_before, size_after=size_after,\n'
            "      memory_session=memory_session)"
        ),
        verify=verify_growth,
        answers=("my_copy", "size_before", "size_after"),
        challenge=question_challenge,
    ),
    Exercise(
        id="03.5",
        title="Approve in another process, exactly once",
        level="stretch",
        task=(
            "Run an approval's whole life yourself, for this run's conversation (`challenge.conversation_id`), in the "
            'same store and ledger as above. A new process asks (`teller_step("ask", ...)`); this kernel lists '
            "what is pending with `pending_approvals` (keep the one request as `my_pending`); another new process "
            'approves it as this run\'s approver (`teller_step("approve", ..., None, f"--by={challenge.approver}")`, '
            "kept as `my_done`). The check reads the ledger and the approval book, not the model's words."
        ),
        starter=(
            "# 1. a new process asks, in challenge.conversation_id\n"
            "my_pending = ...  # 2. the one request pending_approvals lists for it, in this kernel\n"
            "my_done = ...  # 3. what the approving process returned (approved as challenge.approver)"
        ),
        check_call='check("03.5", my_pending=my_pending, my_done=my_done, approval_db=approval_db, ledger=ledger)',
        verify=verify_approval,
        answers=("my_pending", "my_done"),
        challenge=approval_challenge,
    ),
]

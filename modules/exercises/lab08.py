"""Lab 08 (wrap-up) exercises: the course's spine in your own cells — route, one history on two tiers, persist."""

from __future__ import annotations

from typing import Any

from agent_framework import AgentSession

from modules.exercises.checker import Exercise, expect, expect_type
from modules.routing import RoutingDecision
from modules.storage import ConversationRecord


def _messages(session: AgentSession) -> list[dict[str, Any]]:
    return session.to_dict().get("state", {}).get("in_memory", {}).get("messages", [])


def verify_route_then_answer(wrap_decision: Any, wrap_answer: Any) -> str:
    expect_type(wrap_decision, RoutingDecision, "wrap_decision", "Keep what router.route(question) returns.")
    expect(not hasattr(wrap_answer, "__await__"), "`wrap_answer` is a coroutine: put `await` before tiers.answer(...).")
    expect(hasattr(wrap_answer, "tier"), "`wrap_answer` should be what `await tiers.answer(tier, question)` returns.")
    expect(
        wrap_answer.tier == wrap_decision.target,
        f"the {wrap_answer.tier} tier answered, but the router chose {wrap_decision.target}: "
        "pass wrap_decision.target.",
    )
    expect(bool(wrap_answer.text.strip()), "the answer is empty: give it max_tokens room.")
    return f"routed to {wrap_decision.target} ({wrap_decision.reasons[0]}), answered in {wrap_answer.seconds:.2f} s."


def verify_one_history(hybrid_session: Any, local_reply: Any, cloud_reply: Any) -> str:
    expect_type(hybrid_session, AgentSession, "hybrid_session", "Create it with local_agent.create_session().")
    for name, reply in (("local_reply", local_reply), ("cloud_reply", cloud_reply)):
        expect(not hasattr(reply, "__await__"), f"`{name}` is a coroutine: put `await` before agent.run(...).")
        expect(hasattr(reply, "usage_details"), f"`{name}` should be what agent.run(...) returns.")
    expect(
        hybrid_session.service_session_id is None,
        "the cloud leg stored the conversation on the service, so the local leg would lose it: use cloud_agent "
        "(store=False).",
    )
    messages = _messages(hybrid_session)
    expect(len(messages) == 4, f"the session holds {len(messages)} messages; expected 4 (two turns, one per tier).")
    first_in, second_in = (r.usage_details.get("input_token_count") for r in (local_reply, cloud_reply))
    expect(
        bool(first_in and second_in and second_in > first_in),
        "the cloud turn was not sent the local turn: run both with session=hybrid_session.",
    )
    return f"one history, two tiers: the cloud turn was sent {second_in} input tokens, the local one {first_in}."


def verify_persisted(resumed_hybrid: Any, hybrid_session: AgentSession, stored: Any) -> str:
    expect_type(stored, ConversationRecord, "stored", "Keep what store.load(...) returned.")
    expect_type(resumed_hybrid, AgentSession, "resumed_hybrid", "Use stored.to_session().")
    expect(resumed_hybrid is not hybrid_session, "`resumed_hybrid` is the live session: load it from the store.")
    expect(resumed_hybrid.session_id == hybrid_session.session_id, "`resumed_hybrid` is another conversation.")
    before, after = _messages(hybrid_session), _messages(resumed_hybrid)
    expect(
        len(after) == len(before) + 2 and after[: len(before)] == before,
        f"`resumed_hybrid` holds {len(after)} messages; expected the {len(before)} stored plus one more turn.",
    )
    return f"stored, loaded and continued: {len(after)} messages in one conversation across both tiers."


EXERCISES = [
    Exercise(
        id="08.1",
        title="Route, then answer",
        level="easy",
        task=(
            "Route a question of your own with `router.route(question)` (`wrap_decision`), then ask the tier it "
            "chose: `await tiers.answer(wrap_decision.target, question, max_tokens=40)` (`wrap_answer`)."
        ),
        starter="wrap_decision = ...\nwrap_answer = ...",
        check_call='check("08.1", wrap_decision=wrap_decision, wrap_answer=wrap_answer)',
        verify=verify_route_then_answer,
        answers=("wrap_decision", "wrap_answer"),
    ),
    Exercise(
        id="08.2",
        title="One history, two tiers",
        level="medium",
        task=(
            "Start `hybrid_session = local_agent.create_session()`. Run one turn on `local_agent` (`local_reply`) "
            "and the next on `cloud_agent` (`cloud_reply`), both with `session=hybrid_session` and "
            "`options=SHORT`. The cloud agent does not store on the service, so both legs see one history."
        ),
        starter="hybrid_session = ...\nlocal_reply = ...\ncloud_reply = ...",
        check_call='check("08.2", hybrid_session=hybrid_session, local_reply=local_reply, cloud_reply=cloud_reply)',
        verify=verify_one_history,
        answers=("hybrid_session", "local_reply", "cloud_reply"),
    ),
    Exercise(
        id="08.3",
        title="Persist the hybrid conversation and pick it up again",
        level="stretch",
        task=(
            "Save `hybrid_session` in `store` as a `ConversationRecord.from_session(...)`, load it back "
            "(`stored`), turn it into a session (`resumed_hybrid`) and run one more turn on it with `local_agent`."
        ),
        starter="stored = ...\nresumed_hybrid = ...\n# one more turn on resumed_hybrid",
        check_call='check("08.3", resumed_hybrid=resumed_hybrid, hybrid_session=hybrid_session, stored=stored)',
        verify=verify_persisted,
        answers=("stored", "resumed_hybrid"),
    ),
]

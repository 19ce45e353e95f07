"""Lab 08 (wrap-up) exercises: the course's spine in your own cells — route, one history on two tiers, persist.

The checks route the question again, read which API answered each reply (a Responses-API id for the cloud tier),
and reload the store, instead of trusting the objects passed in. Each challenge hands out the questions to ask, new on
every run, so the lab's own decisions, replies and records do not pass.
"""

from __future__ import annotations

import random
from typing import Any

from agent_framework import AgentResponse, AgentSession

from modules.config import load_settings
from modules.exercises import tier_calls
from modules.exercises.challenge import Challenge
from modules.exercises.checker import (
    Exercise,
    Wrong,
    expect,
    expect_agent_answered,
    expect_awaited,
    expect_type,
    kind_of,
    local_model,
    prompt_tokens,
    starts_like,
    step,
)
from modules.exercises.lab05 import _fingerprint
from modules.routing import RoutingDecision
from modules.storage import ConversationNotFoundError, ConversationRecord

CITIES = ("Porto", "Lyon", "Krakow", "Ghent", "Bergen", "Turin", "Leipzig", "Seville")
FRUITS = ("mango", "papaya", "lychee", "kiwi", "plum", "fig", "apricot", "guava")


def route_challenge(token: str, namespace: Any) -> dict[str, Any]:
    pick = random.Random(token)
    city = pick.choice(CITIES)
    question = pick.choice(
        (
            f"Hello! I am flying to {city} tomorrow.",
            f"What is {pick.randint(12, 49)} times {pick.randint(12, 49)}?",
            f"Plan three days in {city} with a budget, a route and a packing list.",
        )
    )
    return {"question": question}


def history_challenge(token: str, namespace: Any) -> dict[str, Any]:
    fruit = random.Random(token).choice(FRUITS)
    return {"fact": f"My favourite fruit is the {fruit} ({token}).", "question": "Which fruit do I like?"}


def turn_challenge(token: str, namespace: Any) -> dict[str, Any]:
    """The question to ask, plus what the store held before the turn and a watch on which agent is sent it."""
    for name in ("local_agent", "cloud_agent"):
        tier_calls.watch(namespace.get(name))
    store, session = namespace.get("store"), namespace.get("session")
    held = None
    try:
        held = _messages(AgentSession.from_dict(store.load(session.session_id).session))
    except Exception:  # noqa: BLE001 - no store or no conversation yet: the check says to run the whole-path cell
        held = None
    return {
        "question": f"Thanks! One more tip for {random.Random(token).choice(CITIES)}, please ({token}).",
        "_stored_messages": held,
        "_agents": {name: namespace.get(name) for name in ("local_agent", "cloud_agent")},
    }


def _texts(messages: list[dict[str, Any]], role: str) -> list[str]:
    return [(m.get("contents") or [{}])[0].get("text", "") for m in messages if m.get("role") == role]


def _messages(session: AgentSession) -> list[dict[str, Any]]:
    return session.to_dict().get("state", {}).get("in_memory", {}).get("messages", [])


def _answered_by_cloud(reply: AgentResponse) -> bool:
    """The cloud tier speaks the Responses API, whose answers carry a `resp_…` id; the local tier's do not."""
    return str(reply.response_id or "").startswith("resp_")


def verify_route_then_answer(
    my_question: Any, wrap_decision: Any, wrap_answer: Any, router: Any, challenge: Challenge
) -> str:
    expect_type(my_question, str, "my_question", "Use the challenge's question: my_question = challenge.question.")
    expect(
        my_question == challenge.question,
        f"`my_question` is {my_question[:60]!r}, but this run's challenge asks {challenge.question!r}: set "
        "my_question = challenge.question (run your cell from its first line).",
    )
    expect_type(wrap_decision, RoutingDecision, "wrap_decision", "Keep what router.route(my_question) returns.")
    step("routing `my_question` again with the lab's router")
    again = router.route(my_question)
    if _fingerprint(wrap_decision) != _fingerprint(again):
        mode, expected_mode = getattr(wrap_decision, "mode", None), getattr(again, "mode", None)
        other = f" in mode {mode!r}, not the lab router's {expected_mode!r}" if mode != expected_mode else ""
        raise Wrong(
            f"`wrap_decision` (P(cloud) {wrap_decision.cloud_probability:.2f}, {wrap_decision.target}){other} is not "
            f"the lab router's decision for `my_question` (P(cloud) {again.cloud_probability:.2f}, {again.target}): "
            "route `my_question` itself with `router` (the lab's), and keep what it returns."
        )
    expect_awaited(wrap_answer, "wrap_answer", "tiers.answer(...)")
    expect(
        hasattr(wrap_answer, "tier") and hasattr(wrap_answer, "text"),
        f"`wrap_answer` is {kind_of(wrap_answer)}: keep what `await tiers.answer(tier, my_question)` returns.",
    )
    expect(
        wrap_answer.tier == wrap_decision.target,
        f"the {wrap_answer.tier} tier answered, but the router chose {wrap_decision.target}: "
        "ask the tier the decision names: tiers.answer(wrap_decision.target, my_question, ...).",
    )
    expect(bool(wrap_answer.text.strip()), "the answer is empty: give it max_tokens room.")
    step("re-counting the tokens of `my_question` with the local model")
    llm = local_model()
    offline_cloud = load_settings().cloud.backend == "local_service"  # the same model behind the course's service
    if llm is not None and (wrap_answer.tier == "local" or offline_cloud):
        expected = prompt_tokens(llm, None, my_question)
        expect(
            getattr(wrap_answer, "input_tokens", None) == expected,
            f"`wrap_answer` was sent {getattr(wrap_answer, 'input_tokens', None)} input tokens, but `my_question` "
            f"alone is {expected} (tiers.answer sends no instructions unless you pass instructions=): it answers "
            "another question, or was written by hand. Ask the tier `my_question` itself, without instructions, "
            "and keep what it returns.",
        )
    if llm is not None and (wrap_answer.tier == "local" or offline_cloud):  # offline, both tiers run this model
        step("re-generating the first words of the answer to `my_question`")
        same, start = starts_like(llm, None, my_question, min(8, wrap_answer.output_tokens or 8), wrap_answer.text)
        expect(
            same,
            f"the model answers `my_question` (without instructions) with {start!r}…, but `wrap_answer` says "
            f"{wrap_answer.text.strip()[:40]!r}: keep the answer to `my_question` itself, asked without instructions.",
        )
    return f"routed to {wrap_decision.target} ({wrap_decision.reasons[0]}), answered in {wrap_answer.seconds:.2f} s."


def verify_one_history(hybrid_session: Any, local_reply: Any, cloud_reply: Any, challenge: Challenge) -> str:
    expect_type(hybrid_session, AgentSession, "hybrid_session", "Create it with local_agent.create_session().")
    for name, reply in (("local_reply", local_reply), ("cloud_reply", cloud_reply)):
        expect_awaited(reply, name, "agent.run(...)")
        expect_type(reply, AgentResponse, name, "Keep what `await agent.run(...)` returns.")
    expect(
        not _answered_by_cloud(local_reply),
        f"`local_reply` came from the Responses API ({local_reply.response_id}): run the first turn on local_agent.",
    )
    expect(
        _answered_by_cloud(cloud_reply),
        f"`cloud_reply` did not come from the cloud tier (its id is {cloud_reply.response_id!r}, not a Responses "
        "id): run the second turn on cloud_agent.",
    )
    expect(
        hybrid_session.service_session_id is None,
        "the cloud leg stored the conversation on the service, so the local leg would lose it: use cloud_agent "
        "(store=False).",
    )
    messages = _messages(hybrid_session)
    expect(len(messages) == 4, f"the session holds {len(messages)} messages; expected 4 (two turns, one per tier).")
    asked = _texts(messages, "user")
    expect(
        asked == [challenge.fact, challenge.question],
        f"the session holds the questions {[a[:40] for a in asked]}, but this run's challenge asks "
        f"{[challenge.fact, challenge.question]}: tell local_agent challenge.fact, then ask cloud_agent "
        "challenge.question, both with session=hybrid_session.",
    )
    texts = _texts(messages, "assistant")
    expect(
        texts == [local_reply.text, cloud_reply.text],
        "the replies are not the two answers `hybrid_session` holds: run both turns with session=hybrid_session.",
    )
    first_in, second_in = (r.usage_details.get("input_token_count") for r in (local_reply, cloud_reply))
    expect(
        bool(first_in and second_in and second_in > first_in),
        "the cloud turn was not sent the local turn: run both with session=hybrid_session.",
    )
    return f"one history, two tiers: the cloud turn was sent {second_in} input tokens, the local one {first_in}."


def verify_persisted(stored: Any, resumed_hybrid: Any, session: AgentSession, store: Any, challenge: Challenge) -> str:
    expect_type(stored, ConversationRecord, "stored", "Keep what store.load(session.session_id) returned.")
    expect_type(resumed_hybrid, AgentSession, "resumed_hybrid", "Use stored.to_session().")
    expect(resumed_hybrid is not session, "`resumed_hybrid` is the live session: load it from the store.")
    expect(
        resumed_hybrid.session_id == session.session_id,
        f"`resumed_hybrid` is conversation {resumed_hybrid.session_id!r}, not {session.session_id!r}: load "
        "session.session_id from `store` and turn it into a session (stored.to_session()).",
    )
    before, after = challenge.values.get("_stored_messages"), _messages(resumed_hybrid)
    expect(
        before is not None,
        f'the store held no conversation {session.session_id!r} when `challenge = exercise("08.3")` ran: run '
        "the whole-path cell first, then your cell from its first line.",
    )
    expect(
        after[: len(before)] == before,
        f"`resumed_hybrid` does not start with the {len(before)} messages the store held when your cell started: "
        "it was not loaded from the store. Load it with store.load(session.session_id).to_session().",
    )
    expect(
        len(after) == len(before) + 2,
        f"`resumed_hybrid` holds {len(after)} messages; expected the {len(before)} stored plus exactly one more "
        "turn (2 messages): run one turn on it with local_agent.run(challenge.question, session=resumed_hybrid, "
        "...), then run your cell again from its first line.",
    )
    expect_agent_answered(after, "resumed_hybrid", "run the turn with local_agent.run(..., session=resumed_hybrid).")
    asked = _texts(after, "user")[-1]
    expect(
        asked == challenge.question,
        f"the turn on `resumed_hybrid` asked {asked[:60]!r}, but this run's challenge asks {challenge.question!r}: "
        "run local_agent.run(challenge.question, session=resumed_hybrid, ...).",
    )
    agents = challenge.values.get("_agents") or {}
    on_cloud = tier_calls.asked(agents.get("cloud_agent"), challenge.issued_at) or []
    on_local = tier_calls.asked(agents.get("local_agent"), challenge.issued_at)
    expect(
        challenge.question not in on_cloud and (on_local is None or challenge.question in on_local),
        "the turn on `resumed_hybrid` was run on cloud_agent, not local_agent: run "
        "local_agent.run(challenge.question, session=resumed_hybrid, ...).",
    )
    step("loading the conversation from `store` again")
    try:
        in_store = store.load(session.session_id)
    except ConversationNotFoundError:
        expect(False, f"the store holds no conversation {session.session_id!r}: run the whole-path cell first.")
    expect(
        _messages(AgentSession.from_dict(in_store.session)) == after,
        f"the store holds {in_store.message_count} messages, `resumed_hybrid` {len(after)}: put the session back "
        "into `stored` (stored.update_session(resumed_hybrid)) and save it in `store`.",
    )
    expect(
        (stored.revision, stored.updated_at) == (in_store.revision, in_store.updated_at),
        f"`stored` is at revision {stored.revision}, the store's copy at {in_store.revision}: `stored` was not the "
        "record you loaded and saved back. Load it with store.load(session.session_id), continue, save that record.",
    )
    return f"stored, loaded, continued and saved: {len(after)} messages in one conversation across both tiers."


EXERCISES = [
    Exercise(
        id="08.1",
        title="Route, then answer",
        level="easy",
        task=(
            "Take the question the challenge hands out (`my_question = challenge.question`), route it with "
            "`router.route(my_question)` "
            "(`wrap_decision`), then ask the tier it chose: "
            "`await tiers.answer(wrap_decision.target, my_question, max_tokens=40)` (`wrap_answer`)."
        ),
        starter="my_question = ...  # challenge.question\nwrap_decision = ...\nwrap_answer = ...",
        check_call=(
            'check("08.1", my_question=my_question, wrap_decision=wrap_decision, wrap_answer=wrap_answer,\n'
            "      router=router)"
        ),
        verify=verify_route_then_answer,
        answers=("my_question", "wrap_decision", "wrap_answer"),
        challenge=route_challenge,
    ),
    Exercise(
        id="08.2",
        title="One history, two tiers",
        level="medium",
        task=(
            "Start `hybrid_session = local_agent.create_session()`. Tell `local_agent` the challenge's fact "
            "(`challenge.fact`: `local_reply`) and ask `cloud_agent` the challenge's question (`challenge.question`: "
            "`cloud_reply`), both with `session=hybrid_session` and "
            "`options=SHORT`. The cloud agent does not store on the service, so both legs see one history."
        ),
        starter="hybrid_session = ...\nlocal_reply = ...\ncloud_reply = ...",
        check_call='check("08.2", hybrid_session=hybrid_session, local_reply=local_reply, cloud_reply=cloud_reply)',
        verify=verify_one_history,
        answers=("hybrid_session", "local_reply", "cloud_reply"),
        challenge=history_challenge,
    ),
    Exercise(
        id="08.3",
        title="Pick the stored conversation up again",
        level="stretch",
        task=(
            "The whole-path cell saved its conversation in `store`. Load it back (`stored`, by "
            "`session.session_id`), turn it into a session (`resumed_hybrid`), run one more turn on it with "
            "`local_agent` and the challenge's question (`challenge.question`), then put the session back into "
            "`stored` and save it. The check reads the store."
        ),
        starter=(
            "stored = ...\nresumed_hybrid = ...\n"
            "# one more turn on resumed_hybrid (challenge.question), then update `stored` and save it"
        ),
        check_call='check("08.3", stored=stored, resumed_hybrid=resumed_hybrid, session=session, store=store)',
        verify=verify_persisted,
        answers=("stored", "resumed_hybrid"),
        challenge=turn_challenge,
    ),
]

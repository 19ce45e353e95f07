"""Lab 06 exercises: a routed turn of your own, persist and resume a hybrid conversation, force a switch and count it,
a tool turn sent to the tier that can do it.

Every check reads the mechanism (the tier that answered, the messages it was sent, the stored routing metadata, the
tool's ledger), never the small model's wording. Each challenge hands out a question (or a directory) new on every
run, so a turn or a store the lab made earlier does not pass.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from modules.exercises.challenge import Challenge
from modules.exercises.checker import Exercise, expect, expect_awaited, expect_number, expect_type, step
from modules.hybrid import HybridConversationManager, HybridTurn
from modules.storage import ConversationNotFoundError, FileStore

TOPICS = ("winter", "swarming", "honey", "wax moths", "queens", "varroa mites", "spring", "hive tools")
CITIES = ("Lisbon", "Oslo", "Lima", "Cairo", "Osaka", "Quito", "Dakar", "Perth", "Tunis", "Riga")


def question_challenge(token: str, namespace: Any) -> dict[str, Any]:
    topic = random.Random(token).choice(TOPICS)
    return {"question": f"One tip about {topic} for my bees, please ({token})."}


def weather_challenge(token: str, namespace: Any) -> dict[str, Any]:
    city = random.Random(token).choice(CITIES)
    return {"question": f"What is the weather in {city}? ({token})"}


def directory_challenge(token: str, namespace: Any) -> dict[str, Any]:
    return {"directory": f"my-store-{token}"}


def _asked(turn: HybridTurn, question: str, name: str, call: str) -> None:
    sent = turn.sent[-1] if turn.sent else ("", "")
    expect(
        tuple(sent) == ("user", question),
        f"`{name}` answered {str(sent[1])[:60]!r}, but this run's challenge asks {question!r}: {call}.",
    )


def _a_turn(value: Any, name: str, call: str) -> None:
    expect_awaited(value, name, call)
    expect_type(value, HybridTurn, name, f"Keep what `await {call}` returns.")


def _whole_history(turn: HybridTurn) -> int:
    """How many messages a turn's tier is given: every earlier message (two per exchange) plus the question."""
    return 2 * (turn.metadata["turn"] - 1) + 1


def _operating_point(router: Any) -> tuple[Any, ...]:
    """What decides where a router sends a query: its mode, threshold, target and the strategy that scores."""
    strategy = getattr(router, "strategy", None)
    return (
        getattr(router, "mode", None),
        getattr(router, "threshold", None),
        getattr(router, "target", None),
        getattr(strategy, "name", type(strategy).__name__),
    )


def _sent_as_recorded(turn: HybridTurn) -> int:
    """How many messages the manager recorded giving the tier: the whole history, or what fitted its window once
    the conversation outgrew it (the exchange's `received` entry)."""
    received = turn.metadata.get("received")
    if isinstance(received, dict) and isinstance(received.get("messages"), int):
        return received["messages"]
    return _whole_history(turn)


def _switches(metadata: list[dict[str, Any]]) -> int:
    sources = [entry["source"] for entry in metadata]
    return sum(before != after for before, after in zip(sources, sources[1:], strict=False))


def _stored_metadata(manager: Any) -> list[dict[str, Any]] | None:
    """The routing metadata the manager's store holds for its conversation (None without a store)."""
    if getattr(manager, "store", None) is None:
        return None
    try:
        return manager.store.load(manager.conversation_id).routing_metadata
    except ConversationNotFoundError:
        return []


def verify_own_turn(my_turn: Any, my_tier: Any, my_sent: Any, conversation: Any, challenge: Challenge) -> str:
    _a_turn(my_turn, "my_turn", "conversation.chat(challenge.question)")
    _asked(my_turn, challenge.question, "my_turn", "ask `conversation`: await conversation.chat(challenge.question)")
    expect(
        my_turn.metadata in conversation.context.routing_metadata,
        "`my_turn` is not an exchange of `conversation`: ask the manager from Scenario 3, not a new one.",
    )
    expect(
        not my_turn.metadata.get("forced"),
        f"`my_turn` was forced onto the {my_turn.tier} tier (force_tier=), so the router did not choose it, and "
        "this exercise is about the router's choice: ask without force_tier=, "
        "await conversation.chat(challenge.question), and read the tier it picked.",
    )
    newest = conversation.context.routing_metadata[-1]
    expect(
        my_turn.metadata is newest or my_turn.metadata == newest,
        f"`my_turn` is exchange {my_turn.metadata['turn']} of `conversation`, an earlier one; the newest is "
        f"{newest['turn']}: ask it challenge.question and check right after.",
    )
    expect(
        my_tier == my_turn.tier,
        f"`my_tier` is {my_tier!r}, but {my_turn.tier!r} answered: read `my_turn.tier` (the router's choice, "
        "`my_turn.decision.target`, differs when a tier failed and the other one answered).",
    )
    my_sent = expect_number(my_sent, "my_sent", "Count the messages: `len(my_turn.sent)`.", whole=True)
    expect(
        my_sent == len(my_turn.sent) == my_turn.metadata["messages_sent"],
        f"`my_sent` is {my_sent}, but the {my_turn.tier} tier was sent {len(my_turn.sent)} messages "
        "(`len(my_turn.sent)`, also stored as `my_turn.metadata['messages_sent']`).",
    )
    expected = _whole_history(my_turn)
    expect(
        my_sent == expected,
        f"exchange {my_turn.metadata['turn']} should be sent {expected} messages (every earlier one plus your "
        f"question), not {my_sent}: ask `conversation`, the manager from Scenario 3, not a new one.",
    )
    step("reading the routing metadata the lab's store holds for `conversation`")
    stored = _stored_metadata(conversation)
    if stored is not None:
        expect(
            any(entry.get("turn") == my_turn.metadata["turn"] and entry["source"] == my_turn.tier for entry in stored),
            f"the store has no exchange {my_turn.metadata['turn']} answered by {my_turn.tier}: ask `conversation`.",
        )
    reason = my_turn.decision.reasons[0] if my_turn.decision.reasons else "no reason given"
    return (
        f"the {my_turn.tier} tier answered ({reason}) and was sent {my_sent} messages: the {my_sent - 1} earlier "
        "ones, whichever tier wrote them, plus your question."
    )


def _settings(manager: Any) -> dict[str, Any]:
    """What shapes a manager's answers besides its router and tiers (max_tokens, instructions, tools, ...)."""
    names = ("max_tokens", "timeout_s", "instructions", "strategy", "cascade_threshold", "tool_choice")
    found = {name: getattr(manager, name, None) for name in names}
    found["tools"] = [getattr(t, "name", t) for t in getattr(manager, "tools", ())]
    return found


def verify_resumed(
    file_store: Any, resumed_conversation: Any, conversation: HybridConversationManager, challenge: Challenge
) -> str:
    expect_type(file_store, FileStore, "file_store", "Create it with FileStore(WORK / challenge.directory).")
    expect(
        Path(file_store.directory).name == challenge.directory,
        f"`file_store` is the directory {Path(file_store.directory).name!r}, but this run's challenge names "
        f"{challenge.directory!r}: create it with FileStore(WORK / challenge.directory).",
    )
    step("loading the conversation from `file_store`")
    try:
        record = file_store.load(conversation.conversation_id)
    except ConversationNotFoundError:
        expect(False, "`file_store` does not hold the conversation: `await conversation.save(file_store)`.")
    stored_tiers = [entry["source"] for entry in record.routing_metadata]
    live_tiers = [entry["source"] for entry in conversation.context.routing_metadata]
    expect(
        record.message_count == len(conversation.context.messages) and stored_tiers == live_tiers,
        f"`file_store` holds {record.message_count} messages and {len(stored_tiers)} exchanges, `conversation` "
        f"{len(conversation.context.messages)} and {len(live_tiers)} now: persist `conversation` as it is now "
        "(await conversation.save(file_store)), after its newest exchange.",
    )
    expect_type(
        resumed_conversation,
        HybridConversationManager,
        "resumed_conversation",
        "Create a new HybridConversationManager(router, tiers, file_store, session_id=...) and resume it.",
    )
    expect(
        resumed_conversation is not conversation,
        "`resumed_conversation` is the live manager: create a new one and resume it from the file store.",
    )
    # The places this manager's context was read from or saved to, each named with the store's location.
    read_from = list(getattr(resumed_conversation.context, "_revisions", {}))
    expect(
        len(read_from) == 1 and read_from[0].endswith(f" {file_store.location}"),
        f"`resumed_conversation` was not read back from `file_store` (it was read from {read_from or 'nowhere'}): "
        "call `await resumed_conversation.resume()` on a new manager whose store is `file_store`.",
    )
    resumed_tiers = [entry["source"] for entry in resumed_conversation.context.routing_metadata]
    expect(
        _operating_point(resumed_conversation.router) == _operating_point(conversation.router)
        and resumed_conversation.tiers is conversation.tiers,
        "the new manager does not route like `conversation`: its router is "
        f"{_operating_point(resumed_conversation.router)[:2]} (mode, threshold), the lab's "
        f"{_operating_point(conversation.router)[:2]}, or it has other tiers. Build it with the lab's `router` and "
        "`tiers`: HybridConversationManager(router, tiers, file_store, session_id=...).",
    )
    mine, lab = _settings(resumed_conversation), _settings(conversation)
    differ = [f"{name}={mine[name]!r} (the lab's {lab[name]!r})" for name in lab if mine[name] != lab[name]]
    expect(
        not differ,
        f"the new manager does not answer like `conversation`: it has {', '.join(differ)}. Build it with the "
        "lab's settings, e.g. HybridConversationManager(router, tiers, file_store, session_id=..., "
        f"max_tokens={lab['max_tokens']!r}), and leave the other options as the lab's manager has them.",
    )
    expect(
        resumed_conversation.conversation_id == conversation.conversation_id,
        f"the new manager is conversation {resumed_conversation.conversation_id!r}: pass "
        "session_id=conversation.conversation_id.",
    )
    expect(
        resumed_conversation.context.messages == conversation.context.messages and resumed_tiers == stored_tiers,
        f"the new manager holds {len(resumed_conversation.context.messages)} messages and {len(resumed_tiers)} "
        f"exchanges, `file_store` {record.message_count} and {len(stored_tiers)}: resume the new manager from the "
        "file store after persisting `conversation`.",
    )
    return (
        f"the file store holds {record.message_count} messages and the routing metadata of {len(stored_tiers)} "
        f"exchanges ({', '.join(stored_tiers)}); the new manager resumed all of them."
    )


def verify_switch(last_tier: Any, switch_turn: Any, my_switches: Any, conversation: Any, challenge: Challenge) -> str:
    expect(
        isinstance(last_tier, str) and last_tier in ("local", "cloud"),
        f"`last_tier` is {last_tier!r}; it is 'local' or 'cloud': read the \"source\" of the last entry.",
    )
    _a_turn(switch_turn, "switch_turn", "conversation.chat(challenge.question, force_tier=...)")
    _asked(switch_turn, challenge.question, "switch_turn", "ask conversation.chat(challenge.question, force_tier=...)")
    metadata = conversation.context.routing_metadata
    expect(
        bool(metadata) and switch_turn.metadata == metadata[-1],
        "`switch_turn` is not the last exchange of `conversation`: ask that manager, and check right after.",
    )
    before = metadata[-2]["source"] if len(metadata) > 1 else None
    expect(
        last_tier == before,
        f"`last_tier` is {last_tier!r}, but the exchange before yours was answered by {before!r}: read it before "
        "you ask.",
    )
    how = "forced" if switch_turn.metadata.get("forced") else "routed"
    expect(
        bool(switch_turn.metadata.get("forced")) and switch_turn.tier != last_tier,
        f"your turn was answered by {switch_turn.tier!r} ({how}): force the other tier with force_tier=.",
    )
    expect(
        switch_turn.metadata["switched"],
        "the metadata does not mark your turn as a switch: ask `conversation` right after reading `last_tier`.",
    )
    expect(
        len(switch_turn.sent) == _sent_as_recorded(switch_turn) == switch_turn.metadata.get("messages_sent"),
        f"the {switch_turn.tier} tier was sent {len(switch_turn.sent)} messages, not what `conversation` recorded "
        f"giving it ({_sent_as_recorded(switch_turn)}): ask "
        "`conversation` itself, not a new manager.",
    )
    counted = _switches(metadata)
    my_switches = expect_number(
        my_switches, "my_switches", "Count with sum(...) over consecutive pairs of sources.", whole=True
    )
    expect(
        my_switches == counted,
        f"`my_switches` is {my_switches}, but the metadata has {counted} exchanges whose source differs from the "
        "one before: count after your switch, over every pair of neighbours.",
    )
    summary = conversation.get_conversation_summary()["routing_stats"]["model_switches"]
    expect(
        summary == counted,
        f"the summary reports {summary} switches but the metadata shows {counted}: ask `conversation` itself.",
    )
    step("reading the routing metadata the lab's store holds for `conversation`")
    stored = _stored_metadata(conversation)
    if stored is not None:
        expect(
            _switches(stored) == counted,
            f"the stored record has {_switches(stored)} switches, the live one {counted}: ask `conversation` itself.",
        )
    return (
        f"{last_tier} -> {switch_turn.tier}: the forced turn was sent all {len(switch_turn.sent)} messages, and "
        f"{counted} switches are in the metadata, in the summary and in the stored record alike."
    )


def _last_question(turn: HybridTurn) -> str | None:
    """The newest user message the answering tier was sent: the turn's question (tool results come after it)."""
    return next((text for role, text in reversed(turn.sent) if role == "user"), None)


def verify_tool_turn(
    my_tool_turn: Any,
    my_tool_tier: Any,
    my_tool_result: Any,
    tool_conversation: Any,
    tool_ledger: Any,
    challenge: Challenge,
) -> str:
    call = "tool_conversation.chat(challenge.question)"
    _a_turn(my_tool_turn, "my_tool_turn", call)
    asked = _last_question(my_tool_turn)
    expect(
        asked == challenge.question,
        f"`my_tool_turn` asked {str(asked)[:60]!r}, but this run's challenge asks {challenge.question!r}: "
        f"await {call}.",
    )
    metadata = tool_conversation.context.routing_metadata
    expect(
        bool(metadata) and my_tool_turn.metadata == metadata[-1],
        "`my_tool_turn` is not the newest exchange of `tool_conversation`: ask that manager, and check right after.",
    )
    floor = tool_conversation.router.tool_floor
    recorded = my_tool_turn.metadata.get("tool_calls") or []
    expect(
        len(recorded) == 1 and recorded[0]["tool"] == "get_weather",
        f"your turn recorded {len(recorded)} tool call(s) ({', '.join(c['tool'] for c in recorded) or 'none'}): "
        'name the tool for the turn first, tool_conversation.tool_choice = {"mode": "required", '
        '"required_function_name": "get_weather"}, then ask.',
    )
    [entry] = recorded
    if floor.accuracy is not None and floor.accuracy < floor.floor:
        expect(
            my_tool_turn.tier == "cloud" and not my_tool_turn.metadata.get("forced"),
            f"the local tool accuracy ({floor.accuracy:.0%}) is below the tool floor ({floor.floor:.0%}), yet the "
            f"{my_tool_turn.tier} tier answered: ask without force_tier=, so the router decides.",
        )
    expect(
        my_tool_tier == entry["tier"],
        f"`my_tool_tier` is {my_tool_tier!r}, but the record says {entry['tier']!r} asked for the call: read "
        '`my_tool_turn.metadata["tool_calls"][0]["tier"]`.',
    )
    expect(
        my_tool_result == entry["result"],
        f"`my_tool_result` is {str(my_tool_result)[:60]!r}, but the record holds the result "
        f'{entry["result"]!r}: read `my_tool_turn.metadata["tool_calls"][0]["result"]`.',
    )
    step("reading the tool's ledger: one entry per run of the tool")
    runs = sum(len(e.get("tool_calls") or []) for e in metadata)
    expect(
        isinstance(tool_ledger, list) and len(tool_ledger) == runs,
        f"the ledger holds {len(tool_ledger) if isinstance(tool_ledger, list) else tool_ledger!r} runs, the "
        f"conversation records {runs} tool calls: each call must run the tool exactly once; pass the lab's "
        "`tool_ledger`, which the tool appends to.",
    )
    expect(
        tool_ledger[-1] == entry["arguments"].get("city"),
        f"the tool's last run was for {tool_ledger[-1]!r}, but your turn recorded the arguments "
        f"{entry['arguments']!r}: ask `tool_conversation` and check right after.",
    )
    step("reading the routing metadata the lab's store holds for `tool_conversation`")
    stored = _stored_metadata(tool_conversation)
    expect(
        stored is not None and bool(stored) and stored[-1].get("tool_calls") == recorded,
        "the store's newest exchange of `tool_conversation` does not hold your tool call: ask the lab's "
        "`tool_conversation` (created with the lab's store), which saves after every exchange.",
    )
    return (
        f"the {my_tool_turn.tier} tier asked for get_weather({entry['arguments'].get('city')!r}); the tool ran once "
        f"(the ledger has {runs} runs for {runs} recorded calls) and the call, its arguments and result "
        f"{entry['result']!r} are in the stored exchange."
    )


EXERCISES = [
    Exercise(
        id="06.1",
        title="Which tier answered, and what was it sent?",
        level="easy",
        task=(
            "Ask `conversation` (the manager from Scenario 3) the challenge's question with "
            "`await conversation.chat(challenge.question)` and keep the turn in `my_turn`. From it, read which tier "
            "answered (`my_tier`) and how many messages that tier was sent (`my_sent`). Compare `my_sent` with the "
            "number of messages already in the conversation."
        ),
        starter=(
            "my_turn = ...  # await conversation.chat(challenge.question)\n"
            "my_tier = ...  # the tier that answered\n"
            "my_sent = ...  # how many messages that tier was sent"
        ),
        check_call='check("06.1", my_turn=my_turn, my_tier=my_tier, my_sent=my_sent, conversation=conversation)',
        verify=verify_own_turn,
        answers=("my_turn", "my_tier", "my_sent"),
        challenge=question_challenge,
    ),
    Exercise(
        id="06.2",
        title="Persist to a file store, resume in a new manager",
        level="medium",
        task=(
            "Create `file_store = FileStore(WORK / challenge.directory)` (a new directory on every run) and save "
            "`conversation` into it with "
            "`await conversation.save(file_store)`. Then create a **new** "
            "`HybridConversationManager(router, tiers, file_store, session_id=conversation.conversation_id, "
            "max_tokens=24)` (`resumed_conversation`) and read the conversation back with "
            "`await resumed_conversation.resume()`."
        ),
        starter=(
            "from modules.storage import FileStore\n\n"
            "file_store = ...  # a FileStore in WORK / challenge.directory, holding `conversation`\n"
            "resumed_conversation = ...  # a new manager on file_store, resumed"
        ),
        check_call=(
            'check("06.2", file_store=file_store, resumed_conversation=resumed_conversation, conversation=conversation)'
        ),
        verify=verify_resumed,
        answers=("file_store", "resumed_conversation"),
        challenge=directory_challenge,
    ),
    Exercise(
        id="06.3",
        title="Force a switch and count it from the metadata",
        level="stretch",
        task=(
            "Read the tier of the last exchange in `conversation.context.routing_metadata` (`last_tier`, each "
            "entry's `\"source\"`). Ask `conversation` the challenge's question (`challenge.question`) forced onto "
            "the **other** tier (`switch_turn`, `force_tier=...`). Then count the switches yourself from the routing "
            "metadata: the exchanges whose source differs from the one before (`my_switches`). The check compares "
            "your count with the summary "
            "and with the record in the lab's store."
        ),
        starter=(
            "last_tier = ...  # the source of the last exchange, before your question\n"
            "switch_turn = ...  # await conversation.chat(challenge.question, force_tier=<the other tier>)\n"
            "my_switches = ...  # switches in conversation.context.routing_metadata, after your turn"
        ),
        check_call=(
            'check("06.3", last_tier=last_tier, switch_turn=switch_turn, my_switches=my_switches,\n'
            "      conversation=conversation)"
        ),
        verify=verify_switch,
        answers=("last_tier", "switch_turn", "my_switches"),
        challenge=question_challenge,
    ),
    Exercise(
        id="06.4",
        title="A tool turn: who asked, what ran, what was stored",
        level="stretch",
        task=(
            'Name the tool for the next turn: `tool_conversation.tool_choice = {"mode": "required", '
            '"required_function_name": "get_weather"}` (SmolLM2\'s own choice of tool is weak, see above). Ask '
            "`tool_conversation` the challenge's question (`my_tool_turn`, without `force_tier`: the router decides). "
            "From the exchange's record, read the tier that asked for the call (`my_tool_tier`) and the result the "
            "tool returned (`my_tool_result`). The check compares them with the tool's ledger and with the record in "
            "the lab's store."
        ),
        starter=(
            "my_tool_turn = ...  # await tool_conversation.chat(challenge.question), with get_weather named\n"
            'my_tool_tier = ...  # the tier that asked for the call, from my_tool_turn.metadata["tool_calls"]\n'
            "my_tool_result = ...  # what the tool returned, from the same record"
        ),
        check_call=(
            'check("06.4", my_tool_turn=my_tool_turn, my_tool_tier=my_tool_tier, my_tool_result=my_tool_result,\n'
            "      tool_conversation=tool_conversation, tool_ledger=tool_ledger)"
        ),
        verify=verify_tool_turn,
        answers=("my_tool_turn", "my_tool_tier", "my_tool_result"),
        challenge=weather_challenge,
    ),
]

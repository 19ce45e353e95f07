"""Wrong answers a red-team run found the checkers accepting, one test per mechanism: each is rejected by name.

An error raised for another input and re-worded, a record saved but never loaded back, a record changed after
loading, an error from another file or another key: the checks read what the course's code was given and returned,
not only what the objects say.
"""

from __future__ import annotations

import pytest
from exercise_support import passed, pin, raised, rejected

from modules.config import ConfigError, load_settings
from modules.exercises import exercise
from modules.exercises.challenge import issue
from modules.exercises.lab05 import remember_queries
from modules.labkit.sample import sample_record
from modules.storage import Cipher, SqliteStore, StorageError


def test_01_2_an_error_for_another_endpoint_with_its_message_edited_is_rejected():
    challenge = exercise("01.2")
    other = raised(
        lambda: load_settings(environ={"AZURE_OPENAI_ENDPOINT": "https://my.openai.azure.com"}, env_file=None)
    )
    assert isinstance(other, ConfigError)
    other.args = (str(other).replace("https://my.openai.azure.com", challenge.endpoint),)
    rejected("01.2", "not this run's", my_error=other)
    right = raised(lambda: load_settings(environ={"AZURE_OPENAI_ENDPOINT": challenge.endpoint}, env_file=None))
    passed("01.2", my_error=right)


def test_04_1_and_04_4_a_record_saved_but_never_loaded_back_is_rejected(tmp_path):
    record = sample_record(2, conversation_id="c1")
    pin("04.1", filename="mine.sqlite3")
    with SqliteStore(tmp_path / "mine.sqlite3") as my_store:
        my_loaded = record.as_new()
        my_store.save(my_loaded)
        rejected("04.1", "never loaded from a store", my_store=my_store, my_loaded=my_loaded, record=record)
        passed("04.1", my_store=my_store, my_loaded=my_store.load("c1"), record=record)
    cipher = Cipher.from_text(Cipher.generate_key())
    pin("04.4", filename="locked.sqlite3")
    with SqliteStore(tmp_path / "locked.sqlite3", cipher=cipher) as locked:
        unlocked = record.as_new()
        locked.save(unlocked)
        error = raised(lambda: SqliteStore(locked.path).load("c1"))
        answers = {"no_key_error": error, "locked_path": locked.path, "record": record, "cipher": cipher}
        rejected("04.4", "never loaded from a store", unlocked=unlocked, **answers)
        passed("04.4", unlocked=locked.load("c1"), **answers)


def test_04_2_a_record_saved_but_never_loaded_is_rejected(tmp_path):
    from agent_framework import Message

    record = sample_record(2, conversation_id="c1")
    pin("04.2", filename="continue.sqlite3", question="q")
    with SqliteStore(tmp_path / "continue.sqlite3") as store:
        store.save(record.as_new())
        my_loaded = record.as_new()  # never loaded: saved over the stored copy with the turn added
        session = my_loaded.to_session()
        session.state["in_memory"]["messages"] += [Message("user", ["q"]), Message("assistant", ["a"], author_name="a")]
        my_loaded.update_session(session)
        my_loaded.revision = store.load("c1").revision
        store.save(my_loaded)
        answers = {"continue_store": store, "record": record, "my_reloaded": store.load("c1")}
        rejected("04.2", "`my_loaded` was never loaded", my_loaded=my_loaded, **answers)


def test_04_3_a_record_changed_after_loading_is_rejected(tmp_path):
    pin("04.3", missing_id="never-saved")
    with SqliteStore(tmp_path / "s.sqlite3") as store:
        store.save(sample_record(2, conversation_id="c1"))
        error = raised(lambda: store.load("never-saved"))
        assert isinstance(error, StorageError)
        still_there = store.load("c1")
        still_there.routing_metadata.clear()
        answers = {"my_error": error, "store": store, "conversation_id": "c1"}
        rejected("04.3", "differs from what sqlite_store holds in routing_metadata", still_there=still_there, **answers)
        passed("04.3", still_there=store.load("c1"), **answers)


def test_04_4_the_no_key_error_must_come_from_locked_path_opened_without_a_key(tmp_path):
    record = sample_record(2, conversation_id="c1")
    cipher = Cipher.from_text(Cipher.generate_key())
    pin("04.4", filename="locked.sqlite3")
    with (
        SqliteStore(tmp_path / "locked.sqlite3", cipher=cipher) as locked,
        SqliteStore(tmp_path / "lab.sqlite3", cipher=cipher) as lab_store,
    ):
        locked.save(record.as_new())
        lab_store.save(record.as_new())
        answers = {"unlocked": locked.load("c1"), "locked_path": locked.path, "record": record, "cipher": cipher}
        from_other_file = raised(lambda: SqliteStore(lab_store.path).load("c1"))
        rejected("04.4", "not the file at `locked_path`", no_key_error=from_other_file, **answers)
        wrong_key = Cipher.from_text(Cipher.generate_key())
        with_wrong_key = raised(lambda: SqliteStore(locked.path, cipher=wrong_key).load("c1"))
        rejected("04.4", "wrong-key error", no_key_error=with_wrong_key, **answers)
        passed("04.4", no_key_error=raised(lambda: SqliteStore(locked.path).load("c1")), **answers)


def test_05_1_a_decision_for_another_query_with_the_same_fields_is_rejected():
    from modules.routing import HybridRouter

    remember_queries()  # done when lab 05's exercises load, before the attendee's cell routes
    pin("05.1", query="How many minutes are in 35 hours?")
    router = HybridRouter()
    other = router.route("How many minutes are in 5 hours?")
    right = router.route("How many minutes are in 35 hours?")
    assert (other.target, other.reasons) == (right.target, right.reasons)  # nothing in its fields tells them apart
    rejected("05.1", "was routed for 'How many minutes are in 5 hours?'", my_query=right_query(), my_decision=other)
    passed("05.1", my_query=right_query(), my_decision=right)


def right_query() -> str:
    return "How many minutes are in 35 hours?"


def test_07_challenges_name_a_conversation_whose_tier_counts_no_other_shares(tmp_path):
    from modules.exercises.lab07 import conversation_challenge
    from modules.storage import ConversationRecord

    def stored(conversation_id: str, sources: list[str]) -> ConversationRecord:
        record = sample_record(1, conversation_id=conversation_id)
        record.routing_metadata = [{"turn": n + 1, "source": source} for n, source in enumerate(sources)]
        return record

    with SqliteStore(tmp_path / "s.sqlite3") as store:
        for conversation_id, sources in (
            ("attendee-1", ["local", "cloud"]),
            ("attendee-2", ["cloud", "local"]),  # the same counts as attendee-1: a share cannot tell them apart
            ("attendee-3", ["local"]),  # the lab's own example
            ("attendee-4", ["cloud", "cloud", "local"]),
        ):
            store.save(stored(conversation_id, sources))
        picked = {conversation_challenge(f"{n:06x}", {"store": store})["conversation_id"] for n in range(40)}
    assert picked == {"attendee-4"}


def test_03_3_a_child_without_the_labs_instructions_is_rejected():
    import json
    import os

    from agent_framework import AgentSession, Message

    from modules.exercises import handoffs
    from modules.sessions.handoff import SessionHandoffResult

    def handed_back(result, instructions):  # as the hand-over calls its observers: `instructions` in its frame
        handoffs.remember(result)
        return result

    def session(*texts):
        made = AgentSession(session_id="s1")
        made.state["in_memory"] = {
            "messages": [Message(("user", "assistant")[i % 2], [t]) for i, t in enumerate(texts)]
        }
        return made

    memory_session = session("I keep bees.", "Nice!")
    grown = json.dumps(session("I keep bees.", "Nice!", "What do I keep?", "Bees.").to_dict())
    pin("03.3", question="What do I keep?", _instructions="Keep answers short.")
    answers = {"memory_saved": json.dumps(memory_session.to_dict()), "memory_session": memory_session}
    for instructions in (None, "Answer like a pirate."):
        child = handed_back(SessionHandoffResult("Bees.", grown, os.getpid() + 1), instructions)
        back = AgentSession.from_dict(json.loads(grown))
        rejected("03.3", "not the lab's INSTRUCTIONS", memory_child=child, memory_back=back, **answers)
    child = handed_back(SessionHandoffResult("Bees.", grown, os.getpid() + 1), "Keep answers short.")
    passed("03.3", memory_child=child, memory_back=AgentSession.from_dict(json.loads(grown)), **answers)


def test_04_1_and_04_2_a_store_closed_by_a_with_block_is_read_through_the_checkers_own_handle(tmp_path):
    from agent_framework import Message

    record = sample_record(2, conversation_id="c1")
    pin("04.1", filename="mine.sqlite3")
    with SqliteStore(tmp_path / "mine.sqlite3") as my_store:  # a correct answer: closed when the check runs
        my_store.save(record.as_new())
        my_loaded = my_store.load("c1")
    passed("04.1", my_store=my_store, my_loaded=my_loaded, record=record)
    pin("04.2", filename="continue.sqlite3", question="q")
    with SqliteStore(tmp_path / "continue.sqlite3") as continue_store:
        continue_store.save(record.as_new())
        my_loaded = continue_store.load("c1")
        my_session = my_loaded.to_session()
        turn = [Message("user", ["q"]), Message("assistant", ["a"], author_name="agent")]
        my_session.state["in_memory"]["messages"] += turn
        continue_store.save(my_loaded.update_session(my_session))
        my_reloaded = continue_store.load("c1")
    passed("04.2", my_loaded=my_loaded, my_reloaded=my_reloaded, continue_store=continue_store, record=record)


def test_04_2_a_turn_run_on_a_session_the_lab_already_held_is_rejected(tmp_path):
    from agent_framework import Message

    from modules.exercises.lab04 import continue_challenge

    record = sample_record(2, conversation_id="c1")
    session = record.to_session()  # the lab's live session, as lab 04 leaves it
    values = continue_challenge("00abcd", {"session": session, "record": record})
    values["filename"] = "continue.sqlite3"
    issue("04.2", lambda token, namespace: values, {})
    with SqliteStore(tmp_path / "continue.sqlite3") as continue_store:
        continue_store.save(record.as_new())
        my_loaded = continue_store.load("c1")
        turn = [Message("user", [values["question"]]), Message("assistant", ["a"], author_name="agent")]
        session.state["in_memory"]["messages"] += turn  # agent.run(..., session=session)
        continue_store.save(my_loaded.update_session(session))
        answers = {"my_loaded": my_loaded, "continue_store": continue_store, "record": record}
        rejected("04.2", "the turn ran on `session`", my_reloaded=continue_store.load("c1"), **answers)


def test_04_4_a_record_changed_after_loading_is_rejected(tmp_path):
    record = sample_record(2, conversation_id="c1")
    record.add_turn(tier="local")
    cipher = Cipher.from_text(Cipher.generate_key())
    pin("04.4", filename="locked.sqlite3")
    with SqliteStore(tmp_path / "locked.sqlite3", cipher=cipher) as locked:
        locked.save(record.as_new())
        error = raised(lambda: SqliteStore(locked.path).load("c1"))
        answers = {"no_key_error": error, "locked_path": locked.path, "record": record, "cipher": cipher}
        unlocked = locked.load("c1")
        unlocked.routing_metadata.clear()
        rejected("04.4", "differs from what the locked file holds in routing_metadata", unlocked=unlocked, **answers)
        passed("04.4", unlocked=locked.load("c1"), **answers)


@pytest.fixture(scope="module")
def tiers():
    from modules.tiers.clients import start_tiers

    started = start_tiers()
    yield started
    started.close()


@pytest.mark.asyncio(loop_scope="module")
async def test_06_1_a_forced_turn_and_06_2_a_manager_with_other_settings_are_rejected(tiers, tmp_path):
    from modules.hybrid import HybridConversationManager
    from modules.routing import HybridRouter
    from modules.storage import FileStore

    router = HybridRouter()
    with SqliteStore(tmp_path / "c.sqlite3") as store:
        conversation = HybridConversationManager(router, tiers, store, session_id="ana", max_tokens=4)
        await conversation.chat("Hello! My name is Ana.")
        question = "Can you give me one tip for keeping bees in winter?"
        pin("06.1", question=question)
        forced = await conversation.chat(question, force_tier="local")
        answers = {"my_tier": forced.tier, "my_sent": len(forced.sent), "conversation": conversation}
        rejected("06.1", "was forced onto the local tier", my_turn=forced, **answers)
        routed = await conversation.chat(question)
        passed("06.1", my_turn=routed, my_tier=routed.tier, my_sent=len(routed.sent), conversation=conversation)

        pin("06.2", directory="my-store")
        file_store = FileStore(tmp_path / "my-store")
        await conversation.save(file_store)
        longer = HybridConversationManager(router, tiers, file_store, session_id="ana", max_tokens=400)
        await longer.resume()
        answers = {"file_store": file_store, "conversation": conversation}
        rejected("06.2", "max_tokens=400 (the lab's 4)", resumed_conversation=longer, **answers)
        same = HybridConversationManager(router, tiers, file_store, session_id="ana", max_tokens=4)
        await same.resume()
        passed("06.2", resumed_conversation=same, **answers)


def test_05_2_a_query_that_is_only_the_name_is_rejected():
    pin("05.2", name="Lena")
    cloud_query = "Plan a migration of the billing system of Lena to Postgres, with risks and steps."
    rejected("05.2", "just the name, not a sentence", local_query="Lena", cloud_query=cloud_query)
    rejected("05.2", "the name and one word", local_query="Hi Lena", cloud_query=cloud_query)
    passed("05.2", local_query="Good evening, Lena, nice to meet you!", cloud_query=cloud_query)


def test_05_4_never_hands_out_a_budget_a_lab_router_already_meets_best():
    from modules.exercises.lab05 import BUDGETS_USD_PER_1K, _best_for, budget_challenge
    from modules.routing import CloudBudget, HybridRouter

    lab = {"routers": {"at most 30% cloud": HybridRouter(target=CloudBudget(0.3))}, "balanced": HybridRouter()}
    met = {b for b in BUDGETS_USD_PER_1K if any(_best_for(r, b) for r in [*lab["routers"].values(), lab["balanced"]])}
    handed_out = {budget_challenge(str(token), lab)["budget"] for token in range(300)}
    assert handed_out and not handed_out & met
    assert handed_out | met == set(BUDGETS_USD_PER_1K)

"""The exercise checkers, fed right answers and plausible wrong ones; the notebook cell tools (reset / fill / insert).

Every exercise of labs 01-04 and 06-08 gets at least two wrong answers of different kinds (a value typed by hand, a
copy instead of a round trip, a skipped step, the wrong tier, a missing `await`, ...), each rejected with a message
naming the problem. The checks of labs 02, 03, 06 and 08 that read a real model, service or manager run against the
real tiers (a few tokens per answer). Each solution runs in its lab under nbval (see conftest.py).
"""

from __future__ import annotations

import copy
import json
import os
import secrets
import shutil
from pathlib import Path

import nbformat
import pytest
from agent_framework import AgentSession, Message
from exercise_support import passed, pin, raised, rejected

from modules.config import ConfigError, load_settings
from modules.exercises import STRICT_ENV, ExerciseNotPassedError, check, evaluate, exercise, exercises
from modules.exercises import notebook_cells as cells
from modules.exercises.__main__ import main as cli
from modules.exercises.checker import WRONG
from modules.storage import ConversationNotFoundError, ConversationRecord, SqliteStore

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SHIPPED_WITH_EXERCISES = [
    "02_local_model",
    "03_sessions_suspend_resume",
    "04_conversation_storage",
    "06_hybrid_conversations",
    "07_routing_analytics",
    "08_wrap_up",
]
INSERTED_LATER = ["01_environment_setup", "05_query_router"]


@pytest.fixture(autouse=True)
def challenges_issued():
    """Every exercise's challenge, issued as the first line of its cell would (a test reads the values it needs)."""
    return {ex.id: exercise(ex.id) for ex in exercises()}


def issue_08_3(question: str, **namespace):
    """Issue 08.3's challenge as its cell would (noting what the store holds), with a known question."""
    from modules.exercises.challenge import issue
    from modules.exercises.lab08 import turn_challenge

    return issue("08.3", lambda token, names: {**turn_challenge(token, names), "question": question}, namespace)


def service_session(service_id: str = "resp_abc") -> AgentSession:
    return AgentSession(session_id="conv-1", service_session_id=service_id)


# --------------------------------------------------------------------------- the checker


def test_a_placeholder_is_not_done_and_does_not_raise(monkeypatch, capsys):
    monkeypatch.delenv(STRICT_ENV, raising=False)
    check("03.1", my_saved=..., session=service_session())
    out = capsys.readouterr().out
    assert "03.1: not done yet" in out and "`my_saved`" in out


def test_strict_mode_raises_on_a_placeholder_and_on_a_wrong_answer(monkeypatch):
    monkeypatch.setenv(STRICT_ENV, "1")
    with pytest.raises(ExerciseNotPassedError, match="not done yet"):
        check("03.1", my_saved=..., session=service_session())
    with pytest.raises(ExerciseNotPassedError, match="not right yet"):
        check("03.1", my_saved=str(service_session().to_dict()), session=service_session())


def in_memory_session(*texts: str, session_id: str | None = None) -> AgentSession:
    session = AgentSession(session_id=session_id)
    roles = ("user", "assistant")
    session.state["in_memory"] = {"messages": [Message(roles[i % 2], [text]) for i, text in enumerate(texts)]}
    return session


def agent_reply(text: str) -> Message:
    """An answer as agent.run writes it into a session: stamped with the agent's name."""
    return Message("assistant", [text], author_name="assistant")


def as_if_handed_back(result):
    """Register a result as one a child process handed back (what resume_session_in_new_process does)."""
    from modules.exercises import handoffs

    handoffs.remember(result)
    return result


def a_coroutine():
    async def answer():
        return None

    return answer()


def test_a_missing_await_is_named_under_the_cell_that_made_it(capsys):
    from modules.exercises.awaits import report_unawaited

    namespace = {"my_reply": a_coroutine(), "_private": a_coroutine(), "fine": 3}
    assert report_unawaited(namespace) == ["my_reply"]
    assert "`my_reply` holds a coroutine that never ran: put `await`" in capsys.readouterr().out
    assert report_unawaited(namespace) == [], "reported once, then closed"
    namespace["_private"].close()
    pin("02.1", question="Why?")
    rejected("02.1", "put `await`", my_question="Why?", my_reply=namespace["my_reply"], instructions="x")


def test_an_object_made_before_the_challenge_is_named_and_rejected():
    lab_settings = load_settings()  # the lab's object, in the namespace when the challenge is issued
    namespace = {"settings": lab_settings, "exercise": exercise}
    exec('challenge = exercise("01.1")', namespace)  # noqa: S102 - the first line of the cell, as a kernel runs it
    message = rejected("01.1", "already existed", my_settings=lab_settings, my_mode=lab_settings.mode)
    assert "`settings`" in message and "after that line" in message
    passed("01.1", my_settings=load_settings(), my_mode=lab_settings.mode)  # made after the challenge


def test_without_a_challenge_the_exercise_is_not_done_yet():
    from modules.exercises import challenge as challenges

    challenges.forget("01.1")
    feedback = evaluate("01.1", my_settings=load_settings(), my_mode="offline")
    assert feedback.status == "not done yet" and 'challenge = exercise("01.1")' in feedback.message


def test_an_error_inside_a_checker_becomes_a_message_naming_the_step(challenges_issued):
    message = rejected("07.3", "the checker stopped while loading", my_sources=["local"], my_switches=0, store=object())
    assert challenges_issued["07.3"].conversation_id in message and "AttributeError" in message
    assert "Traceback" not in message


# --------------------------------------------------------------------------- lab 01: re-run load_settings()


def test_01_1_mode_must_come_from_the_settings_of_this_machine():
    settings = load_settings()
    passed("01.1", my_settings=settings, my_mode=settings.mode)
    rejected("01.1", "instead of typing it", my_settings=settings, my_mode="real")  # typed by hand
    rejected("01.1", "on this machine", my_settings=load_settings(environ={}, env_file=None), my_mode="offline")
    rejected("01.1", "not a Settings", my_settings=settings.describe(), my_mode=settings.mode)


def test_01_2_the_error_must_be_raised_by_load_settings_for_the_half_configured_environment(challenges_issued):
    half = {"AZURE_OPENAI_ENDPOINT": challenges_issued["01.2"].endpoint}
    passed("01.2", my_error=raised(lambda: load_settings(environ=half, env_file=None)))
    rejected("01.2", "built by hand", my_error=ConfigError("AZURE_OPENAI_API_KEY is missing"))

    def raise_it_yourself():
        raise ConfigError("Set AZURE_OPENAI_API_KEY.")

    rejected("01.2", "raised by your own code", my_error=raised(raise_it_yourself))
    typo = raised(lambda: load_settings(environ={"LOCAL_BACKEND": "olama"}, env_file=None))
    rejected("01.2", "not this run's", my_error=typo)
    lab_example = {"AZURE_OPENAI_ENDPOINT": "https://example.openai.azure.com"}
    rejected("01.2", "not this run's", my_error=raised(lambda: load_settings(environ=lab_example, env_file=None)))


def test_01_3_described_must_be_what_describe_returns_for_the_key(challenges_issued):
    key = challenges_issued["01.3"].key
    described = load_settings(environ={"OPENAI_API_KEY": key}, env_file=None).describe()
    passed("01.3", described=described, fake_key=key)
    rejected("01.3", "must never show it", described={**described, "cloud key": key}, fake_key=key)
    hand_written = {"mode": "real", "cloud key": "OPENAI_API_KEY is set"}
    rejected("01.3", "differs from what describe() returns", described=hand_written, fake_key=key)
    without_key = load_settings(environ={}, env_file=None).describe()
    rejected("01.3", "'cloud key'", described=without_key, fake_key=key)
    rejected("01.3", "challenge key", described=described, fake_key="sk-test-abcdefghijkl")  # a key of its own


# --------------------------------------------------------------------------- lab 02: re-count, compare identities


# --------------------------------------------------------------------------- lab 03: the service and re-measured sizes


def test_03_1_my_saved_must_be_json_of_restored_as_it_is_now():
    restored = service_session("resp_now")
    pin("03.1", marker="suspended-1")
    unmarked = json.dumps(restored.to_dict())
    restored.state["note"] = "suspended-1"
    passed("03.1", my_saved=json.dumps(restored.to_dict()), session=restored)
    rejected("03.1", "challenge marker is 'suspended-1'", my_saved=unmarked, session=restored)
    rejected("03.1", "json.dumps", my_saved=str(restored.to_dict()), session=restored)
    rejected("03.1", "json.dumps", my_saved=restored.to_dict(), session=restored)
    earlier = service_session("resp_first")  # the lab's `saved`, from before restored ran (marked by hand)
    earlier.state["note"] = "suspended-1"
    message = rejected("03.1", "as it is now", my_saved=json.dumps(earlier.to_dict()), session=restored)
    assert "yours 'resp_first', restored's 'resp_now'" in message  # what differs, once each


def test_03_3_the_session_must_come_back_from_the_child_process():
    from modules.sessions.handoff import SessionHandoffResult

    memory_session = in_memory_session("I keep bees.", "Nice!")
    memory_saved = json.dumps(memory_session.to_dict())
    pin("03.3", question="What do I keep?")
    grown = in_memory_session("I keep bees.", "Nice!", "What do I keep?", "Bees.", session_id=memory_session.session_id)
    child = as_if_handed_back(
        SessionHandoffResult(text="Bees.", session_json=json.dumps(grown.to_dict()), child_pid=os.getpid() + 1)
    )
    memory_back = AgentSession.from_dict(json.loads(child.session_json))
    answers = {"memory_saved": memory_saved, "memory_session": memory_session}
    passed("03.3", memory_child=child, memory_back=memory_back, **answers)
    here = SessionHandoffResult(text="Bees.", session_json=child.session_json, child_pid=os.getpid())
    rejected("03.3", "not from a new process", memory_child=here, memory_back=memory_back, **answers)
    from_own_json = AgentSession.from_dict(json.loads(memory_saved))  # restored what was sent, not what came back
    rejected("03.3", "not the child's session", memory_child=child, memory_back=from_own_json, **answers)
    stored = AgentSession.from_dict({**json.loads(child.session_json), "service_session_id": "resp_x"})
    stored_json = json.dumps(stored.to_dict())
    child_stored = as_if_handed_back(
        SessionHandoffResult(text="Bees.", session_json=stored_json, child_pid=os.getpid() + 1)
    )
    rejected("03.3", "store=False", memory_child=child_stored, memory_back=stored, **answers)
    pin("03.3", question="What is my name?")  # another run's question: the child was asked the old one
    rejected("03.3", "this run's challenge asks", memory_child=child, memory_back=memory_back, **answers)


def test_03_4_sizes_are_measured_again():
    import numpy as np

    pin("03.4", question="Thanks!")
    memory_session = in_memory_session("I keep bees.", "Nice!")
    my_copy = AgentSession.from_dict(json.loads(json.dumps(memory_session.to_dict())))
    size_before = len(json.dumps(my_copy.to_dict()).encode())
    my_copy.state["in_memory"]["messages"] += [Message("user", ["Thanks!"]), agent_reply("You're welcome.")]
    size_after = len(json.dumps(my_copy.to_dict()).encode())
    answers = {"my_copy": my_copy, "memory_session": memory_session, "size_after": size_after}
    passed("03.4", size_before=size_before, **answers)
    passed("03.4", size_before=np.int64(size_before), **answers)  # numpy's int is a whole number too
    rejected("03.4", "measure it before the turn", size_before=0, **answers)  # the measurement skipped
    longer = AgentSession.from_dict(my_copy.to_dict())  # two turns on the copy: 03.3's memory_back, say
    longer.state["in_memory"]["messages"] += [Message("user", ["And?"]), agent_reply("More.")]
    longer_size = len(json.dumps(longer.to_dict()).encode())
    rejected(
        "03.4", "exactly one more turn", **{**answers, "my_copy": longer, "size_after": longer_size}, size_before=1
    )
    pin("03.4", question="What else?")
    rejected("03.4", "this run's challenge asks", size_before=size_before, **answers)
    untouched = AgentSession.from_dict(json.loads(json.dumps(memory_session.to_dict())))
    same = len(json.dumps(untouched.to_dict()).encode())
    rejected(
        "03.4",
        "exactly one more turn",
        my_copy=untouched,
        size_before=same,
        size_after=same,
        memory_session=memory_session,
    )
    rejected("03.4", "itself", my_copy=memory_session, size_before=same, size_after=same, memory_session=memory_session)


def test_03_5_the_ledger_and_the_approval_book_must_show_one_approved_run_in_another_process(tmp_path):
    """Real steps, each in a new process (modules.labkit.teller, the embedded model): ask, list here, approve."""
    import dataclasses

    from modules.hybrid import pending_approvals
    from modules.labkit import teller_step

    approval_db, ledger = tmp_path / "approvals.sqlite3", str(tmp_path / "ledger.sqlite3")
    store = f"sqlite:{approval_db}"

    def listed(conversation_id):
        with SqliteStore(approval_db) as approval_store:
            return pending_approvals(approval_store, conversation_id)

    teller_step("ask", store, "in-memory", "c-approved", ledger)
    [my_pending] = listed("c-approved")
    my_done = teller_step("approve", store, "in-memory", "c-approved", ledger, None, "--by=approver-1")
    lab = {"approval_db": approval_db, "ledger": ledger}
    pin("03.5", conversation_id="c-approved", approver="approver-1")
    passed("03.5", my_pending=my_pending, my_done=my_done, **lab)
    after = dataclasses.replace(my_pending, status="completed", decision="approved")
    rejected("03.5", "listed when the request was already completed", my_pending=after, my_done=my_done, **lab)
    rejected("03.5", "reports on request", my_pending=my_pending, my_done={**my_done, "request_id": "x"}, **lab)
    rejected("03.5", "made in this kernel", my_pending=my_pending, my_done={**my_done, "pid": os.getpid()}, **lab)
    rejected("03.5", "keep what", my_pending=my_pending, my_done=str(my_done), **lab)
    rejected("03.5", "not a PendingApproval", my_pending=my_pending.request_id, my_done=my_done, **lab)
    pin("03.5", conversation_id="c-approved", approver="approver-2")  # another run's approver
    rejected("03.5", "this run's approver is 'approver-2'", my_pending=my_pending, my_done=my_done, **lab)
    pin("03.5", conversation_id="c-other", approver="approver-1")  # another run's conversation
    rejected("03.5", "this run's challenge is 'c-other'", my_pending=my_pending, my_done=my_done, **lab)

    teller_step("ask", store, "in-memory", "c-rejected", ledger)
    [refused] = listed("c-rejected")
    refused_done = teller_step("approve", store, "in-memory", "c-rejected", ledger, None, "--reject", "--by=approver-1")
    pin("03.5", conversation_id="c-rejected", approver="approver-1")
    rejected("03.5", "was rejected", my_pending=refused, my_done=refused_done, **lab)
    teller_step("ask", store, "in-memory", "c-waiting", ledger)
    [waiting] = listed("c-waiting")
    pin("03.5", conversation_id="c-waiting", approver="approver-1")
    rejected("03.5", "still pending", my_pending=waiting, my_done=my_done, **lab)


# --------------------------------------------------------------------------- lab 04: reload from the store


def sample(conversation_id: str = "c1") -> ConversationRecord:
    from modules.labkit.sample import sample_record

    return sample_record(2, conversation_id=conversation_id)


def test_04_1_the_record_must_come_back_from_the_attendees_store(tmp_path):
    record = sample()
    pin("04.1", filename="mine.sqlite3")
    with SqliteStore(tmp_path / "mine.sqlite3") as my_store:
        rejected("04.1", "holds no conversation", my_store=my_store, my_loaded=copy.deepcopy(record), record=record)
        my_store.save(record)
        passed("04.1", my_store=my_store, my_loaded=my_store.load(record.conversation_id), record=record)
        rejected("04.1", "very object", my_store=my_store, my_loaded=record, record=record)
        with SqliteStore(tmp_path / "other.sqlite3") as other:
            older = sample()
            older.session["state"]["in_memory"]["messages"] = older.session["state"]["in_memory"]["messages"][:2]
            other.save(older)
            rejected(
                "04.1",
                "not loaded from my_store",
                my_store=my_store,
                my_loaded=other.load(older.conversation_id),
                record=record,
            )
            rejected(
                "04.1", "challenge names 'mine.sqlite3'", my_store=other, my_loaded=my_store.load("c1"), record=record
            )


def test_04_2_the_continued_conversation_must_be_saved_and_loaded_again(tmp_path):
    record = sample()
    pin("04.2", filename="continue.sqlite3", question="q")
    with SqliteStore(tmp_path / "continue.sqlite3") as store:
        store.save(record)
        my_loaded = store.load(record.conversation_id)
        grown = in_memory_session(*(["q", "a"] * 2), session_id="c1")
        grown.state["in_memory"]["messages"] += [Message("user", ["q"]), agent_reply("a")]
        answers = {"my_loaded": my_loaded, "continue_store": store, "record": record}
        rejected(
            "04.2", "save my_loaded in continue_store", **{**answers, "my_reloaded": store.load("c1")}
        )  # the turn ran, but the record was never updated and saved
        stale = store.load(record.conversation_id)
        my_loaded.session["state"]["in_memory"]["messages"] += grown.to_dict()["state"]["in_memory"]["messages"][4:]
        store.save(my_loaded)
        passed("04.2", **answers, my_reloaded=store.load(record.conversation_id))
        rejected("04.2", "load it again", **answers, my_reloaded=stale)
        rejected("04.2", "`my_reloaded` is `my_loaded`", **answers, my_reloaded=my_loaded)
        pin("04.2", filename="continue.sqlite3", question="Give me one sailing tip.")  # the lab's own question
        rejected("04.2", "this run's challenge asks", **answers, my_reloaded=store.load("c1"))


def test_04_3_the_error_must_be_raised_by_the_store_and_the_record_still_there(tmp_path):
    pin("04.3", missing_id="never-saved")
    with SqliteStore(tmp_path / "s.sqlite3") as store:
        record = sample()
        store.save(record)
        answers = {"still_there": store.load("c1"), "store": store, "conversation_id": "c1"}
        passed("04.3", my_error=raised(lambda: store.load("never-saved")), **answers)
        rejected("04.3", "built by hand", my_error=ConversationNotFoundError("never-saved", "not found"), **answers)
        rejected("04.3", "refused that id", my_error=raised(lambda: store.load("../etc/passwd")), **answers)
        rejected("04.3", "not a ConversationNotFoundError", my_error=KeyError("never-saved"), **answers)
        rejected(
            "04.3", "this run's challenge names", my_error=raised(lambda: store.load("never-saved-here")), **answers
        )
        store.delete("c1")  # deleted to provoke the error: a message, not a traceback
        message = rejected(
            "04.3", "no longer holds 'c1'", my_error=raised(lambda: store.load("never-saved")), **answers
        )
        assert "Traceback" not in message


def test_04_4_the_file_must_be_encrypted_and_the_error_real(tmp_path):
    from modules.storage import Cipher, DecryptionError

    record, cipher = sample(), Cipher.from_text(Cipher.generate_key())
    pin("04.4", filename="locked.sqlite3")
    with SqliteStore(tmp_path / "locked.sqlite3", cipher=cipher) as locked:
        locked.save(record)
        error = raised(lambda: SqliteStore(locked.path).load("c1"))
        answers = {"locked_path": locked.path, "record": record, "cipher": cipher}
        passed("04.4", no_key_error=error, unlocked=locked.load("c1"), **answers)
        rejected(
            "04.4", "built by hand", no_key_error=DecryptionError("c1", "no key"), unlocked=locked.load("c1"), **answers
        )
        rejected("04.4", "`record` itself", no_key_error=error, unlocked=record, **answers)
    with SqliteStore(tmp_path / "plain.sqlite3") as plain:  # saved without the cipher
        plain.save(record)
        plain_path = plain.path
    rejected(
        "04.4",
        "challenge names 'locked.sqlite3'",
        no_key_error=error,
        unlocked=record,
        locked_path=plain_path,
        record=record,
        cipher=cipher,
    )
    pin("04.4", filename="plain.sqlite3")
    rejected(
        "04.4",
        "pass cipher=",
        no_key_error=error,
        unlocked=record,
        locked_path=plain_path,
        record=record,
        cipher=cipher,
    )


# --------------------------------------------------------------------------- lab 07: recount from the metadata


def hand_made_record(conversation_id: str = "attendee-9") -> ConversationRecord:
    from tests.analytics_support import known_conversation

    return ConversationRecord.from_session(
        AgentSession(session_id=conversation_id), routing_metadata=known_conversation()
    )


def test_07_1_the_share_and_counts_are_recounted_from_the_managers():
    from types import SimpleNamespace

    from modules.analytics import exchanges_frame, routing_distribution

    record, other = hand_made_record(), hand_made_record("attendee-8")
    other.routing_metadata = other.routing_metadata[:1]
    managers = [
        SimpleNamespace(conversation_id=r.conversation_id, context=SimpleNamespace(routing_metadata=r.routing_metadata))
        for r in (record, other)
    ]
    df = exchanges_frame([record, other])
    pin("07.1", conversation_id=record.conversation_id)
    rows = df[df["conversation"] == record.conversation_id]
    share, counts = (rows["tier"] == "local").mean(), routing_distribution(rows)
    assert type(share).__name__ == "float64"  # numpy's float: a number like any other
    answers = {"df": df, "managers": managers}
    passed("07.1", local_share=share, distribution=counts, **answers)
    rejected("07.1", "between 0 and 1", local_share=share * 100, distribution=counts, **answers)
    rejected("07.1", "(= 0.5000)", local_share=share / 2, distribution=counts, **answers)  # divided by 2x rows
    everyone = (df["tier"] == "local").mean()  # the whole frame, not the challenge's conversation
    assert everyone != share
    rejected("07.1", "challenge.conversation_id", local_share=everyone, distribution=counts, **answers)
    rejected("07.1", "on the manager whose", local_share=share, distribution={"local": 4, "cloud": 2}, **answers)
    message = rejected(
        "07.1", "between 0 and 1", local_share=(df["tier"] == "local").sum(), distribution=counts, **answers
    )
    assert "a int" not in message


def test_07_2_the_chart_must_draw_a_record_loaded_from_the_store(tmp_path):
    from modules.analytics import charts, exchanges_frame

    record = hand_made_record()
    pin("07.2", conversation_id=record.conversation_id)
    with SqliteStore(tmp_path / "s.sqlite3") as store:
        store.save(record)
        loaded = store.load(record.conversation_id)
        passed("07.2", my_record=loaded, my_chart=charts.routing_distribution_chart(loaded), store=store)
        other = ConversationRecord.from_session(AgentSession(session_id="x"), routing_metadata=record.routing_metadata)
        rejected(
            "07.2",
            "challenge.conversation_id",
            my_record=other,
            my_chart=charts.routing_distribution_chart(loaded),
            store=store,
        )
        rejected(
            "07.2",
            "routing_distribution_chart",
            my_record=loaded,
            my_chart=charts.latency_by_tier_chart(loaded),
            store=store,
        )
        everything = exchanges_frame([record, hand_made_record("attendee-8")])
        rejected(
            "07.2", "not `df`", my_record=loaded, my_chart=charts.routing_distribution_chart(everything), store=store
        )


def test_07_3_sources_and_switches_are_read_again_from_the_store(tmp_path):
    import numpy as np

    record = hand_made_record()
    pin("07.3", conversation_id=record.conversation_id)
    with SqliteStore(tmp_path / "s.sqlite3") as store:
        store.save(record)
        sources = [entry["source"] for entry in record.routing_metadata]
        assert sources == ["local", "cloud", "local", "local", "cloud", "cloud"]
        answers = {"store": store}
        passed("07.3", my_sources=sources, my_switches=3, **answers)
        passed(
            "07.3",
            my_sources=sources,
            my_switches=np.sum([a != b for a, b in zip(sources, sources[1:], strict=False)]),
            **answers,
        )
        rejected("07.3", "count the pairs", my_sources=sources, my_switches=len(set(sources)), **answers)
        rejected(
            "07.3", "load challenge.conversation_id", my_sources=sources + ["local", "cloud"], my_switches=3, **answers
        )
        rejected("07.3", "not a whole number", my_sources=sources, my_switches=3.0, **answers)


# --------------------------------------------------------------------------- lab 08: route again


# --------------------------------------------------------------------------- wrong answers found after review
# Each of these was accepted before the checker was changed to verify the mechanism it names.


def test_03_3_a_result_built_by_hand_is_not_one_a_child_handed_back():
    from modules.sessions.handoff import SessionHandoffResult

    memory_session = in_memory_session("I keep bees.", "Nice!")
    pin("03.3", question="What do I keep?")
    grown = in_memory_session("I keep bees.", "Nice!", "What do I keep?", "Bees.", session_id=memory_session.session_id)
    made_here = SessionHandoffResult(text="Bees.", session_json=json.dumps(grown.to_dict()), child_pid=12345)
    rejected(
        "03.3",
        "not handed back by a child process",
        memory_saved=json.dumps(memory_session.to_dict()),
        memory_child=made_here,  # the turn run in this kernel, wrapped with a made-up pid
        memory_back=AgentSession.from_dict(json.loads(made_here.session_json)),
        memory_session=memory_session,
    )


def test_03_4_and_04_2_a_turn_typed_into_the_history_is_not_a_turn():
    pin("03.4", question="Thanks!")
    memory_session = in_memory_session("I keep bees.", "Nice!")
    my_copy = AgentSession.from_dict(json.loads(json.dumps(memory_session.to_dict())))
    size_before = len(json.dumps(my_copy.to_dict()).encode())
    my_copy.state["in_memory"]["messages"] += [Message("user", ["Thanks!"]), Message("assistant", ["You're welcome."])]
    size_after = len(json.dumps(my_copy.to_dict()).encode())
    rejected(
        "03.4",
        "not written by an agent",
        my_copy=my_copy,
        size_before=size_before,
        size_after=size_after,
        memory_session=memory_session,
    )


def test_04_2_a_turn_typed_into_the_stored_record_is_not_a_turn(tmp_path):
    record = sample()
    pin("04.2", filename="continue.sqlite3", question="Give me one sailing tip.")
    with SqliteStore(tmp_path / "continue.sqlite3") as store:
        store.save(record)
        my_loaded = store.load(record.conversation_id)
        my_loaded.session["state"]["in_memory"]["messages"] += [
            Message("user", ["Give me one sailing tip."]).to_dict(),
            Message("assistant", ["Reef early."]).to_dict(),
        ]
        store.save(my_loaded)
        reloaded = store.load(record.conversation_id)
        rejected(
            "04.2",
            "not written by an agent",
            my_loaded=my_loaded,
            my_reloaded=reloaded,
            continue_store=store,
            record=record,
        )


def test_04_1_a_copy_taken_before_saving_is_not_loaded(tmp_path):
    record = sample()
    pin("04.1", filename="mine.sqlite3")
    with SqliteStore(tmp_path / "mine.sqlite3") as my_store:
        copied = copy.deepcopy(record)
        my_store.save(record)
        rejected("04.1", "never loaded from a store", my_store=my_store, my_loaded=copied, record=record)


def test_04_3_an_error_from_another_store_is_not_sqlite_stores(tmp_path):
    pin("04.3", missing_id="never-saved")
    with SqliteStore(tmp_path / "s.sqlite3") as store, SqliteStore(tmp_path / "empty.sqlite3") as empty:
        store.save(sample())
        answers = {"still_there": store.load("c1"), "store": store, "conversation_id": "c1"}
        rejected("04.3", "raised by another store", my_error=raised(lambda: empty.load("never-saved")), **answers)


def test_04_4_an_error_about_another_key_is_not_about_locked_path(tmp_path):
    from modules.storage import Cipher

    record, cipher = sample(), Cipher.from_text(Cipher.generate_key())
    pin("04.4", filename="locked.sqlite3")
    with (
        SqliteStore(tmp_path / "locked.sqlite3", cipher=cipher) as locked,
        SqliteStore(tmp_path / "other.sqlite3", cipher=Cipher.from_text(Cipher.generate_key())) as other,
    ):
        locked.save(record)
        other.save(sample())  # the same conversation id, saved with another key
        error = raised(lambda: SqliteStore(other.path).load("c1"))
        rejected(
            "04.4",
            "not the file at `locked_path`",
            no_key_error=error,
            unlocked=locked.load("c1"),
            locked_path=locked.path,
            record=record,
            cipher=cipher,
        )


def test_07_2_a_record_built_here_or_bars_drawn_by_hand_are_rejected(tmp_path):
    import matplotlib.pyplot as plt

    from modules.analytics import charts

    record = hand_made_record("attendee-2")
    pin("07.2", conversation_id="attendee-2")
    with SqliteStore(tmp_path / "s.sqlite3") as store:
        store.save(record)
        rebuilt = ConversationRecord.from_session(
            AgentSession(session_id="attendee-2"), routing_metadata=record.routing_metadata
        )  # same id and metadata, never loaded
        chart = charts.routing_distribution_chart(rebuilt)
        rejected("07.2", "built or changed here", my_record=rebuilt, my_chart=chart, store=store)
        figure, axes = plt.subplots()
        axes.barh(["local", "cloud"], [3, 3])  # the right bar lengths, drawn by hand
        rejected(
            "07.2",
            "charts.routing_distribution_chart",
            my_record=store.load("attendee-2"),
            my_chart=figure,
            store=store,
        )
        plt.close("all")


# --------------------------------------------------------------------------- live: a real model and service

live = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def tiers():
    from modules.tiers.clients import start_tiers

    started = start_tiers()
    yield started
    started.close()


TINY = {"max_tokens": 4}
INSTRUCTIONS = "Answer in one short sentence."


@live
async def test_02_1_the_reply_must_answer_the_question_asked(tiers):
    agent = tiers.local_client.as_agent(name="local", instructions=INSTRUCTIONS)
    question = "What is the largest planet?"
    pin("02.1", question=question)
    reply = await agent.run(question, options=TINY)
    answers = {"my_question": question, "instructions": INSTRUCTIONS}
    passed("02.1", my_reply=reply, **answers)
    rejected("02.1", "not its text", my_reply=reply.text, **answers)
    lab_reply = await agent.run("What is the capital of France?", options=TINY)  # the lab's reply, kept
    rejected("02.1", "answers another question", my_reply=lab_reply, **answers)
    rejected(
        "02.1",
        "this run's challenge asks",
        my_question="What is the capital of France?",
        my_reply=lab_reply,
        instructions=INSTRUCTIONS,
    )
    rejected("02.1", "put `await`", my_reply=a_coroutine(), **answers)


@live
async def test_02_2_updates_must_be_the_ones_one_stream_produced(tiers):
    from agent_framework import AgentResponseUpdate, Content

    agent = tiers.local_client.as_agent(name="local", instructions=INSTRUCTIONS)
    pin("02.2", question="Name three colours.")
    stream = agent.run("Name three colours.", stream=True, options=TINY)
    updates = [update async for update in stream]
    final = await stream.get_final_response()
    passed("02.2", my_stream=stream, my_updates=updates, my_final=final, instructions=INSTRUCTIONS)
    pieces = [update.text for update in updates if update.text]
    rejected("02.2", "not their text", my_stream=stream, my_updates=pieces, my_final=final)
    whole = await agent.run("Name three colours.", options=TINY)  # not streamed, cut into "updates"
    chopped = [AgentResponseUpdate(role="assistant", contents=[Content.from_text(text=w)]) for w in whole.text.split()]
    rejected("02.2", "and not these", my_stream=stream, my_updates=chopped * 2, my_final=final)
    other = agent.run("Name three fruits.", stream=True, options=TINY)
    other_updates = [update async for update in other]
    rejected("02.2", "and not these", my_stream=stream, my_updates=other_updates, my_final=final)
    other_final = await other.get_final_response()  # a whole stream of the lab's question, not the challenge's
    message = rejected(
        "02.2",
        "stream agent.run(challenge.question",
        my_stream=other,
        my_updates=other_updates,
        my_final=other_final,
        instructions=INSTRUCTIONS,
    )
    assert "Name three colours." in message


@live
async def test_03_2_the_service_must_hold_the_resumed_turn(tiers):
    agent = tiers.cloud_client.as_agent(name="assistant", instructions=INSTRUCTIONS)
    session = agent.create_session()
    await agent.run("My name is Sam.", session=session, options=TINY)
    saved = json.dumps(session.to_dict())
    answers = {"saved": saved, "service": tiers.service}
    pin("03.2", question="What is my name?")
    my_session = AgentSession.from_dict(json.loads(saved))
    my_reply = await agent.run("What is my name?", session=my_session, options=TINY)
    passed("03.2", my_session=my_session, my_reply=my_reply, **answers)
    fresh = agent.create_session()
    fresh_reply = await agent.run("What is my name?", session=fresh, options=TINY)
    rejected("03.2", "agent.create_session()", my_session=fresh, my_reply=fresh_reply, **answers)
    not_run = AgentSession.from_dict(json.loads(saved))
    rejected("03.2", "a turn on another session", my_session=not_run, my_reply=my_reply, **answers)
    rejected("03.2", "not the answer the service stored", my_session=my_session, my_reply=fresh_reply, **answers)
    rejected("03.2", "put `await`", my_session=my_session, my_reply=a_coroutine(), **answers)
    pin("03.2", question="Where do bees live?")  # the turn asked another run's question
    rejected("03.2", "this run's challenge asks", my_session=my_session, my_reply=my_reply, **answers)


@live
async def test_06_checks_read_the_managers_metadata_and_store(tiers, tmp_path):
    from modules.hybrid import HybridConversationManager
    from modules.routing import HybridRouter
    from modules.storage import FileStore

    router = HybridRouter()
    with SqliteStore(tmp_path / "c.sqlite3") as store:
        conversation = HybridConversationManager(router, tiers, store, session_id="ana", max_tokens=4)
        await conversation.chat("Hello! My name is Ana.")
        pin("06.1", question="Can you give me one tip for keeping bees in winter?")
        turn = await conversation.chat("Can you give me one tip for keeping bees in winter?")
        passed("06.1", my_turn=turn, my_tier=turn.tier, my_sent=len(turn.sent), conversation=conversation)
        import numpy as np

        passed("06.1", my_turn=turn, my_tier=turn.tier, my_sent=np.int64(len(turn.sent)), conversation=conversation)
        other_tier = "cloud" if turn.tier == "local" else "local"
        rejected("06.1", "my_turn.tier", my_turn=turn, my_tier=other_tier, my_sent=3, conversation=conversation)
        rejected("06.1", "len(my_turn.sent)", my_turn=turn, my_tier=turn.tier, my_sent=1, conversation=conversation)
        elsewhere = HybridConversationManager(router, tiers, session_id="new", max_tokens=4)
        new_turn = await elsewhere.chat("Can you give me one tip for keeping bees in winter?")
        rejected(
            "06.1",
            "not an exchange of `conversation`",
            my_turn=new_turn,
            my_tier=new_turn.tier,
            my_sent=1,
            conversation=conversation,
        )

        pin("06.2", directory="my-store")
        file_store = FileStore(tmp_path / "my-store")
        fresh = HybridConversationManager(router, tiers, file_store, session_id="ana", max_tokens=4)
        rejected(
            "06.2",
            "does not hold the conversation",
            file_store=file_store,
            resumed_conversation=fresh,
            conversation=conversation,
        )  # never persisted
        await conversation.save(file_store)
        rejected(
            "06.2", "read from nowhere", file_store=file_store, resumed_conversation=fresh, conversation=conversation
        )  # created, never resumed
        rejected(
            "06.2", "live manager", file_store=file_store, resumed_conversation=conversation, conversation=conversation
        )
        await fresh.resume()
        passed("06.2", file_store=file_store, resumed_conversation=fresh, conversation=conversation)
        from modules.routing.modes import CloudBudget

        all_cloud = HybridConversationManager(
            HybridRouter(target=CloudBudget(1.0)), tiers, file_store, session_id="ana", max_tokens=4
        )
        await all_cloud.resume()
        rejected(
            "06.2",
            "does not route like",
            file_store=file_store,
            resumed_conversation=all_cloud,
            conversation=conversation,
        )  # resumed with another router: every later turn would go to the cloud

        last_tier = conversation.context.routing_metadata[-1]["source"]
        pin("06.3", question="And one more tip?")
        same = await conversation.chat("And one more tip?", force_tier=last_tier)  # forced onto the same tier
        rejected(
            "06.3",
            "force the other tier",
            last_tier=last_tier,
            switch_turn=same,
            my_switches=1,
            conversation=conversation,
        )
        other = "cloud" if last_tier == "local" else "local"
        rejected(
            "06.2", "as it is now", file_store=file_store, resumed_conversation=fresh, conversation=conversation
        )  # persisted before the newest exchange
        pin("06.3", question="Summarise in one line.")
        switch = await conversation.chat("Summarise in one line.", force_tier=other)
        sources = [entry["source"] for entry in conversation.context.routing_metadata]
        switches = sum(a != b for a, b in zip(sources, sources[1:], strict=False))
        passed("06.3", last_tier=last_tier, switch_turn=switch, my_switches=switches, conversation=conversation)
        rejected(
            "06.3",
            "read it before",
            last_tier=other,
            switch_turn=switch,
            my_switches=switches,
            conversation=conversation,
        )  # read after asking
        rejected(
            "06.3",
            "count after your switch",
            last_tier=last_tier,
            switch_turn=switch,
            my_switches=switches - 1,
            conversation=conversation,
        )
        pin("06.3", question="Another run's question?")
        rejected(
            "06.3",
            "this run's challenge asks",
            last_tier=last_tier,
            switch_turn=switch,
            my_switches=switches,
            conversation=conversation,
        )


@live
async def test_06_3_a_long_conversation_sends_what_fits_and_the_switch_still_passes(tiers, tmp_path):
    from modules.hybrid import HybridConversationManager
    from modules.routing import HybridRouter

    conversation = HybridConversationManager(
        HybridRouter(), tiers, session_id="long", max_tokens=4, compaction="sliding_window", max_history=2
    )
    for number in range(4):
        await conversation.chat(f"Tip number {number}?", force_tier="local")
    pin("06.3", question="Summarise in one line.")
    switch = await conversation.chat("Summarise in one line.", force_tier="cloud")
    assert len(switch.sent) < 2 * (switch.metadata["turn"] - 1) + 1, "the history should no longer fit whole"
    sources = [entry["source"] for entry in conversation.context.routing_metadata]
    switches = sum(a != b for a, b in zip(sources, sources[1:], strict=False))
    passed("06.3", last_tier="local", switch_turn=switch, my_switches=switches, conversation=conversation)


@live
async def test_08_2_and_08_3_read_which_api_answered_and_the_store(tiers, tmp_path):
    local_agent = tiers.local_client.as_agent(name="assistant", instructions=INSTRUCTIONS)
    cloud_agent = tiers.cloud_client.as_agent(
        name="assistant", instructions=INSTRUCTIONS, default_options={"store": False}
    )
    session = local_agent.create_session()
    pin("08.2", fact="My favourite fruit is the mango.", question="Which fruit do I like?")
    local_reply = await local_agent.run("My favourite fruit is the mango.", session=session, options=TINY)
    cloud_reply = await cloud_agent.run("Which fruit do I like?", session=session, options=TINY)
    passed("08.2", hybrid_session=session, local_reply=local_reply, cloud_reply=cloud_reply)
    pin("08.2", fact="My favourite fruit is the fig.", question="Which fruit do I like?")  # another run's fact
    rejected(
        "08.2", "this run's challenge asks", hybrid_session=session, local_reply=local_reply, cloud_reply=cloud_reply
    )
    pin("08.2", fact="My favourite fruit is the mango.", question="Which fruit do I like?")

    twice_local = local_agent.create_session()
    first = await local_agent.run("My favourite fruit is the mango.", session=twice_local, options=TINY)
    second = await local_agent.run("Which fruit do I like?", session=twice_local, options=TINY)
    rejected(
        "08.2", "did not come from the cloud tier", hybrid_session=twice_local, local_reply=first, cloud_reply=second
    )
    storing_agent = tiers.cloud_client.as_agent(name="assistant", instructions=INSTRUCTIONS)
    storing = local_agent.create_session()
    first = await local_agent.run("My favourite fruit is the mango.", session=storing, options=TINY)
    second = await storing_agent.run("Which fruit do I like?", session=storing, options=TINY)
    rejected(
        "08.2", "stored the conversation on the service", hybrid_session=storing, local_reply=first, cloud_reply=second
    )

    with SqliteStore(tmp_path / "s.sqlite3") as store:
        store.save(ConversationRecord.from_session(session))
        first = issue_08_3("Thanks!", store=store, session=session, local_agent=local_agent, cloud_agent=cloud_agent)
        stored = store.load(session.session_id)
        resumed = stored.to_session()
        await local_agent.run("Thanks!", session=resumed, options=TINY)
        rejected("08.3", "save it in `store`", stored=stored, resumed_hybrid=resumed, session=session, store=store)
        never_loaded = ConversationRecord.from_session(resumed)  # the live session, copied: never loaded
        store.save(stored.update_session(resumed))
        passed("08.3", stored=stored, resumed_hybrid=resumed, session=session, store=store)
        rejected("08.3", "already existed", stored=stored, resumed_hybrid=session, session=session, store=store)
        rejected(
            "08.3",
            "was not the record you loaded",
            stored=never_loaded,
            resumed_hybrid=resumed,
            session=session,
            store=store,
        )
        pin("08.3", question="And another tip?", _stored_messages=first.values["_stored_messages"])
        rejected(
            "08.3", "this run's challenge asks", stored=stored, resumed_hybrid=resumed, session=session, store=store
        )


@live
async def test_02_1_a_cloud_reply_or_the_reply_to_a_question_of_the_same_length_is_rejected(tiers):
    question = "What is the largest planet?"
    pin("02.1", question=question)
    answers = {"my_question": question, "instructions": INSTRUCTIONS}
    cloud_agent = tiers.cloud_client.as_agent(name="local", instructions=INSTRUCTIONS, default_options={"store": False})
    rejected("02.1", "Responses API", my_reply=await cloud_agent.run(question, options=TINY), **answers)
    agent = tiers.local_client.as_agent(name="local", instructions=INSTRUCTIONS)
    same_length = await agent.run("What is the largest moon?", options=TINY)  # as many tokens as `question`
    rejected("02.1", "answers another question", my_reply=same_length, **answers)


@live
async def test_02_2_a_final_response_from_another_run_is_rejected(tiers):
    agent = tiers.local_client.as_agent(name="local", instructions=INSTRUCTIONS)
    stream = agent.run("Name three colours.", stream=True, options=TINY)
    updates = [update async for update in stream]
    await stream.get_final_response()
    not_streamed = await agent.run("Name three colours.", options=TINY)  # the same text, from another run
    rejected(
        "02.2", "not the final response of `my_stream`", my_stream=stream, my_updates=updates, my_final=not_streamed
    )


@live
async def test_02_3_timings_are_re_counted_re_generated_and_must_use_the_exercise_limit(tiers):
    from modules.tiers.timing import StreamTiming, time_stream

    pin("02.3", prompt="Hi!")
    short = await time_stream(tiers.local_client, "Hi!", max_tokens=20)
    long = await time_stream(tiers.local_client, "Please read this carefully. " * 12 + "Hi!", max_tokens=20)
    passed("02.3", short_timing=short, long_timing=long)
    made_up = StreamTiming("Hi!", "Hello", 0.05, 0.2, 15)  # numbers written in, not measured
    rejected("02.3", "instead of writing the numbers in", short_timing=made_up, long_timing=long)
    typed = StreamTiming("Hi!", "Hello! How can I help?", 0.05, 0.2, 7)  # consistent numbers, a text typed in
    rejected("02.3", "keep what time_stream measured", short_timing=typed, long_timing=long)
    lab_timing = StreamTiming("Please read this carefully. " * 12 + "Hi!", "Whales " * 40, 0.1, 1.0, 41)
    rejected("02.3", "max_tokens=20", short_timing=short, long_timing=lab_timing)
    barely_longer = await time_stream(tiers.local_client, "Hi! Hi!", max_tokens=20)
    rejected("02.3", "not 5x", short_timing=short, long_timing=barely_longer)
    rejected("02.3", "put `await`", short_timing=a_coroutine(), long_timing=long)
    pin("02.3", prompt="Say the word apple.")  # another run's prompt: these timings answer the old one
    rejected("02.3", "this run's prompt", short_timing=short, long_timing=long)


@live
async def test_08_1_the_decision_and_the_answer_must_be_for_the_question_asked(tiers):
    from modules.routing import HybridRouter
    from modules.tiers.clients import Answer

    router = HybridRouter()
    question = "What is the capital of Italy?"
    pin("08.1", question=question)
    decision = router.route(question)
    answer = await tiers.answer(decision.target, question, max_tokens=4)
    answers = {"my_question": question, "router": router}
    passed("08.1", wrap_decision=decision, wrap_answer=answer, **answers)
    other = router.route("Write a threat model for our payment API, with mitigations and a rollout plan.")
    assert other.cloud_probability != decision.cloud_probability
    other_answer = Answer("Rome.", other.target, 0.1)
    rejected("08.1", "route `my_question` itself", wrap_decision=other, wrap_answer=other_answer, **answers)
    wrong_tier = Answer("Rome.", "cloud" if decision.target == "local" else "local", 0.1)
    rejected("08.1", "ask the tier the decision names", wrap_decision=decision, wrap_answer=wrong_tier, **answers)
    rejected("08.1", "put `await`", wrap_decision=decision, wrap_answer=a_coroutine(), **answers)
    typed = Answer("Rome.", decision.target, 0.1)  # written by hand
    rejected("08.1", "written by hand", wrap_decision=decision, wrap_answer=typed, **answers)
    greeting = await tiers.answer(decision.target, "Hello!", max_tokens=4)  # the right tier, another question
    rejected("08.1", "answers another question", wrap_decision=decision, wrap_answer=greeting, **answers)
    cost = HybridRouter(mode="cost").route(question)  # the same question, routed at another operating point
    rejected("08.1", "in mode 'cost'", wrap_decision=cost, wrap_answer=answer, **answers)
    pin("08.1", question="What is 17 times 23?")
    rejected("08.1", "this run's challenge asks", wrap_decision=decision, wrap_answer=answer, **answers)
    cloud_question = "What is 17 times 23?"  # the cloud's answer to a question of the same length is not its answer
    cloud_decision = router.route(cloud_question)
    assert cloud_decision.target == "cloud"
    cloud_answers = {"my_question": cloud_question, "router": router, "wrap_decision": cloud_decision}
    passed("08.1", wrap_answer=await tiers.answer("cloud", cloud_question, max_tokens=8), **cloud_answers)
    same_length = await tiers.answer("cloud", "What is 19 times 29?", max_tokens=8)
    rejected("08.1", "answers `my_question` (without instructions) with", wrap_answer=same_length, **cloud_answers)


@live
async def test_06_an_earlier_turn_another_store_or_a_copied_context_are_rejected(tiers, tmp_path):
    from modules.hybrid import HybridConversationManager
    from modules.routing import HybridRouter
    from modules.storage import FileStore

    router = HybridRouter()
    with SqliteStore(tmp_path / "c.sqlite3") as store:
        conversation = HybridConversationManager(router, tiers, store, session_id="ana", max_tokens=4)
        earlier = await conversation.chat("Hello! My name is Ana.")  # the lab's turn, not the attendee's
        await conversation.chat("Can you give me one tip for keeping bees in winter?")
        pin("06.1", question="Hello! My name is Ana.")  # even asked the challenge's question, it is not the newest
        rejected(
            "06.1",
            "an earlier one",
            my_turn=earlier,
            my_tier=earlier.tier,
            my_sent=len(earlier.sent),
            conversation=conversation,
        )
        pin("06.2", directory="my-store")
        file_store = FileStore(tmp_path / "my-store")
        await conversation.save(file_store)
        from_lab_store = HybridConversationManager(router, tiers, store, session_id="ana", max_tokens=4)
        await from_lab_store.resume()  # resumed, but from the lab's store
        answers = {"file_store": file_store, "conversation": conversation}
        rejected("06.2", "not read back from `file_store`", resumed_conversation=from_lab_store, **answers)
        copied = HybridConversationManager(router, tiers, file_store, session_id="ana", max_tokens=4)
        copied.context = copy.deepcopy(conversation.context)  # never read from the file store
        rejected("06.2", "not read back from `file_store`", resumed_conversation=copied, **answers)


@live
async def test_08_3_exactly_one_turn_on_local_agent_resumed_from_what_the_store_held(tiers, tmp_path):
    local_agent = tiers.local_client.as_agent(name="assistant", instructions=INSTRUCTIONS)
    cloud_agent = tiers.cloud_client.as_agent(
        name="assistant", instructions=INSTRUCTIONS, default_options={"store": False}
    )
    agents = {"local_agent": local_agent, "cloud_agent": cloud_agent}
    session = local_agent.create_session()
    await local_agent.run("My favourite fruit is the mango.", session=session, options=TINY)
    with SqliteStore(tmp_path / "s.sqlite3") as store:
        store.save(ConversationRecord.from_session(session))
        earlier = store.load(session.session_id)  # an earlier run of the cell: the store now holds more than `session`
        earlier_session = earlier.to_session()
        await local_agent.run("Hello again.", session=earlier_session, options=TINY)
        store.save(earlier.update_session(earlier_session))
        held = store.load(session.session_id)

        async def attempt(agent, turns: int, from_live: bool = False) -> dict:
            with SqliteStore(tmp_path / f"copy-{secrets.token_hex(3)}.sqlite3") as fresh:
                fresh.save(ConversationRecord.from_session(held.to_session()))
                challenge = issue_08_3("Thanks!", store=fresh, session=session, **agents)
                stored = fresh.load(session.session_id)
                resumed = AgentSession.from_dict(session.to_dict()) if from_live else stored.to_session()
                for _ in range(turns - 1):
                    await local_agent.run("Where was I?", session=resumed, options=TINY)
                await agent.run(challenge.question, session=resumed, options=TINY)
                fresh.save(stored.update_session(resumed))
                return evaluate("08.3", stored=stored, resumed_hybrid=resumed, session=session, store=fresh)

        assert (await attempt(local_agent, 1)).passed
        for feedback, phrase in (
            (await attempt(local_agent, 2), "exactly one more turn"),
            (await attempt(cloud_agent, 1), "run on cloud_agent, not local_agent"),
            (await attempt(local_agent, 1, from_live=True), "it was not loaded from the store"),
        ):
            assert feedback.status == WRONG and phrase in feedback.message, str(feedback)


@live
async def test_08_3_a_turn_typed_into_the_resumed_session_is_rejected(tiers, tmp_path):
    local_agent = tiers.local_client.as_agent(name="assistant", instructions=INSTRUCTIONS)
    session = local_agent.create_session()
    await local_agent.run("My favourite fruit is the mango.", session=session, options=TINY)
    with SqliteStore(tmp_path / "s.sqlite3") as store:
        store.save(ConversationRecord.from_session(session))
        issue_08_3("Thanks!", store=store, session=session)
        stored = store.load(session.session_id)
        resumed = stored.to_session()
        resumed.state["in_memory"]["messages"] += [Message("user", ["Thanks!"]), Message("assistant", ["Any time."])]
        store.save(stored.update_session(resumed))
        rejected("08.3", "not written by an agent", stored=stored, resumed_hybrid=resumed, session=session, store=store)


# --------------------------------------------------------------------------- definitions and solutions


def test_every_lab_has_two_to_four_exercises_from_easy_to_stretch_each_with_a_solution():
    order = {"easy": 0, "medium": 1, "stretch": 2}
    for lab in ("01", "02", "03", "04", "05", "06", "07", "08"):
        lab_exercises = exercises(lab)
        # Lab 03 has a fifth: its approvals section has an exercise of its own (issue 28).
        assert 2 <= len(lab_exercises) <= (5 if lab == "03" else 4), lab
        levels = [order[ex.level] for ex in lab_exercises]
        assert levels == sorted(levels) and levels[0] == 0 and levels[-1] == 2, lab
        assert set(cells.load_solutions(lab)) == {ex.id for ex in lab_exercises}, f"solutions/lab{lab}.md"
        for ex in lab_exercises:
            assert "..." in ex.starter and f'check("{ex.id}"' in ex.check_call


# --------------------------------------------------------------------------- notebooks: reset, fill, insert


@pytest.mark.parametrize("name", SHIPPED_WITH_EXERCISES)
def test_shipped_notebooks_are_in_their_exercise_state(name, tmp_path):
    path = NOTEBOOKS / f"{name}.ipynb"
    nb = cells.read(path)
    lab = cells.lab_of(path)
    assert cells.present_ids(nb) == [ex.id for ex in exercises(lab)]
    assert cells.reset(nb, lab) == 0, "an exercise cell differs from its definition: run the reset command"
    copy = tmp_path / path.name
    cells.write(nb, copy)
    assert copy.read_bytes() == path.read_bytes(), "reset would rewrite the shipped notebook"


def test_reset_undoes_an_attendees_work_deterministically(tmp_path):
    path = tmp_path / "03_sessions_suspend_resume.ipynb"
    shutil.copy(NOTEBOOKS / path.name, path)
    nb = cells.read(path)
    filled = cells.fill(nb, "03")
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="attendee output")]
    cells.write(nb, path)
    assert filled == ["03.1", "03.2", "03.3", "03.4", "03.5"]
    assert cli(["reset", str(path)]) == 0
    assert path.read_bytes() == (NOTEBOOKS / path.name).read_bytes()


@pytest.mark.parametrize("name", INSERTED_LATER)
def test_insert_adds_the_exercises_once_before_what_you_did(name, tmp_path):
    path = tmp_path / f"{name}.ipynb"
    shutil.copy(NOTEBOOKS / path.name, path)
    nb = cells.read(path)
    nb.cells = [c for c in nb.cells if not any(t.startswith(("exercise", "ex-")) for t in c.metadata.get("tags", []))]
    cells.write(nb, path)  # the lab as it was before its exercises were inserted
    assert not cells.present_ids(cells.read(path))
    assert cli(["insert", str(path)]) == 0
    once = path.read_bytes()
    assert cli(["insert", str(path)]) == 0
    assert path.read_bytes() == once, "insert is idempotent"
    nb = cells.read(path)
    lab = cells.lab_of(path)
    assert cells.present_ids(nb) == [ex.id for ex in exercises(lab)]
    sources = [cell.source for cell in nb.cells]
    first = next(i for i, s in enumerate(sources) if s.startswith("## Exercises"))
    closing = [i for i, s in enumerate(sources) if s.startswith("## What you did")]
    assert not closing or first < closing[0]
    assert sum(s.startswith("## Exercises") for s in sources) == 1
    assert once == (NOTEBOOKS / path.name).read_bytes(), "insert reproduces the shipped lab"


def test_the_cli_prints_help_and_never_fills_the_original(tmp_path, capsys):
    assert cli([]) == 0
    assert "reset" in capsys.readouterr().out
    path = tmp_path / "03_x.ipynb"
    shutil.copy(NOTEBOOKS / "03_sessions_suspend_resume.ipynb", path)
    with pytest.raises(SystemExit):
        cli(["fill", str(path), "--out", str(path)])
    assert path.read_bytes() == (NOTEBOOKS / "03_sessions_suspend_resume.ipynb").read_bytes()


def test_solutions_readme_shows_the_exact_cells_for_labs_01_and_05():
    readme = (Path(__file__).resolve().parent.parent / "solutions" / "README.md").read_text(encoding="utf-8")
    for lab in ("01", "05"):
        for ex in exercises(lab):
            assert cells.cell_source(ex, "exercise") in readme and cells.cell_source(ex, "exercise-check") in readme

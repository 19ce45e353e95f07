"""The exercise checker, the notebook cell tools (reset / fill / insert) and the solutions' coverage.

No model runs here; tests/test_solutions.py runs every lab with its solutions filled in.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from agent_framework import AgentSession

from modules.exercises import STRICT_ENV, ExerciseNotPassedError, check, evaluate, exercises
from modules.exercises import notebook_cells as cells
from modules.exercises.__main__ import main as cli
from modules.exercises.checker import NOT_DONE, PASSED, WRONG
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


def test_suspend_check_passes_the_real_lines_and_explains_each_mistake():
    session = service_session()
    assert evaluate("03.1", my_saved=json.dumps(session.to_dict()), session=session).status == PASSED
    not_json = evaluate("03.1", my_saved=str(session.to_dict()), session=session)
    assert not_json.status == WRONG and "json.dumps" in not_json.message
    a_dict = evaluate("03.1", my_saved=session.to_dict(), session=session)
    assert a_dict.status == WRONG and "json.dumps" in a_dict.message
    other = evaluate("03.1", my_saved=json.dumps(service_session("resp_other").to_dict()), session=session)
    assert other.status == WRONG and "restored" in other.message


def test_an_unfinished_earlier_exercise_is_named():
    feedback = evaluate("03.4", size_before=1, size_after=2, session=...)
    assert feedback.status == NOT_DONE and "earlier exercise" in feedback.message


def test_resume_check_spots_a_fresh_session_and_a_missing_await():
    saved = json.dumps(service_session().to_dict())
    fresh = AgentSession(session_id="someone-else", service_session_id="resp_new")

    class Reply:
        text = "hi"

    assert "create_session" in evaluate("03.2", my_session=fresh, my_reply=Reply(), my_saved=saved).message

    async def not_awaited():
        return Reply()

    coroutine = not_awaited()
    feedback = evaluate("03.2", my_session=service_session("resp_new"), my_reply=coroutine, my_saved=saved)
    coroutine.close()
    assert feedback.status == WRONG and "await" in feedback.message
    moved_on = service_session("resp_new")
    assert evaluate("03.2", my_session=moved_on, my_reply=Reply(), my_saved=saved).status == PASSED
    assert (
        "session=my_session" in evaluate("03.2", my_session=service_session(), my_reply=Reply(), my_saved=saved).message
    )


def test_storage_checks_use_a_real_store(tmp_path):
    record = ConversationRecord.from_session(service_session(), user_id="ana")
    with SqliteStore(tmp_path / "mine.sqlite3") as store:
        store.save(record)
        assert evaluate("04.1", my_loaded=store.load(record.conversation_id), record=record).status == PASSED
        assert "load it back" in evaluate("04.1", my_loaded=record, record=record).message
        try:
            store.load("never-saved")
        except ConversationNotFoundError as error:
            caught = error
        still_there = store.load(record.conversation_id)
        assert evaluate("04.3", my_error=caught, still_there=still_there, record=record).status == PASSED
        wrong_kind = evaluate("04.3", my_error=KeyError("x"), still_there=still_there, record=record)
        assert wrong_kind.status == WRONG and "try/except" in wrong_kind.message


def test_config_and_router_checks_judge_the_mechanism():
    from modules.config import load_settings

    assert evaluate("01.1", my_mode=load_settings().mode).status == PASSED
    assert evaluate("01.1", my_mode="somewhere").status == WRONG
    key = "sk-test-abcdefghijkl"
    described = load_settings(environ={"OPENAI_API_KEY": key}, env_file=None).describe()
    assert evaluate("01.3", described=described, fake_key=key).status == PASSED
    leaked = evaluate("01.3", described={**described, "cloud key": key}, fake_key=key)
    assert leaked.status == WRONG and "never" in leaked.message
    swapped = evaluate(
        "05.2", local_query="Write a threat model for our payment API, with mitigations.", cloud_query="Hi!"
    )
    assert swapped.status == WRONG


# --------------------------------------------------------------------------- definitions and solutions


def test_every_lab_has_two_to_four_exercises_from_easy_to_stretch_each_with_a_solution():
    order = {"easy": 0, "medium": 1, "stretch": 2}
    for lab in ("01", "02", "03", "04", "05", "06", "07", "08"):
        lab_exercises = exercises(lab)
        assert 2 <= len(lab_exercises) <= 4, lab
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
    assert filled == ["03.1", "03.2", "03.3", "03.4"]
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


# --------------------------------------------------------------------------- labs 06 and 07, on hand-made data


def hand_made_record(conversation_id: str = "attendee-9") -> ConversationRecord:
    from tests.analytics_support import known_conversation

    return ConversationRecord.from_session(
        AgentSession(session_id=conversation_id), routing_metadata=known_conversation()
    )


def test_own_turn_check_reads_the_tier_that_answered_and_the_messages_it_was_sent():
    from modules.hybrid.conversation import HybridTurn
    from modules.routing import HybridRouter
    from tests.analytics_support import exchange

    decision = HybridRouter().route("Compare Kafka and RabbitMQ for order events.")
    sent = [("user", "q1"), ("assistant", "a1"), ("user", "q2"), ("assistant", "a2"), ("user", "mine")]
    turn = HybridTurn("an answer", decision, "local", exchange(3, "local", messages_sent=5), sent)
    assert evaluate("06.1", my_turn=turn, my_tier="local", my_sent=5).status == PASSED
    wrong_tier = evaluate("06.1", my_turn=turn, my_tier="cloud", my_sent=5)
    assert wrong_tier.status == WRONG and "my_turn.tier" in wrong_tier.message
    assert "len(my_turn.sent)" in evaluate("06.1", my_turn=turn, my_tier="local", my_sent=1).message
    cut = HybridTurn("an answer", decision, "local", exchange(3, "local", messages_sent=1), sent[-1:])
    partial = evaluate("06.1", my_turn=cut, my_tier="local", my_sent=1)
    assert partial.status == WRONG and "every earlier one" in partial.message


def test_local_share_check_recomputes_it_from_the_frame():
    from modules.analytics import exchanges_frame, routing_distribution

    df = exchanges_frame(hand_made_record())
    share = float((df["tier"] == "local").mean())
    counts = routing_distribution(df)
    assert evaluate("07.1", local_share=share, distribution=counts, df=df).status == PASSED
    percent = evaluate("07.1", local_share=share * 100, distribution=counts, df=df)
    assert percent.status == WRONG and "between 0 and 1" in percent.message
    halved = evaluate("07.1", local_share=share / 2, distribution=counts, df=df)
    assert halved.status == WRONG and "tier 'local'" in halved.message


def test_stored_chart_check_reads_the_bars_of_a_record_from_a_real_store(tmp_path):
    from modules.analytics import charts

    record = hand_made_record()
    with SqliteStore(tmp_path / "s.sqlite3") as store:
        store.save(record)
        loaded = store.load(record.conversation_id)
        assert evaluate(
            "07.2", my_record=loaded, my_chart=charts.routing_distribution_chart(loaded), store=store
        ).passed
        other = ConversationRecord.from_session(AgentSession(session_id="x"), routing_metadata=record.routing_metadata)
        missing = evaluate("07.2", my_record=other, my_chart=charts.routing_distribution_chart(loaded), store=store)
        assert missing.status == WRONG and "store.list()" in missing.message
        flow = evaluate("07.2", my_record=loaded, my_chart=charts.latency_by_tier_chart(loaded), store=store)
        assert flow.status == WRONG and "routing_distribution_chart" in flow.message


def test_stored_switch_check_counts_neighbours_that_differ():
    record = hand_made_record()
    sources = [entry["source"] for entry in record.routing_metadata]
    assert sources == ["local", "cloud", "local", "local", "cloud", "cloud"]
    assert evaluate("07.3", my_sources=sources, my_switches=3, my_record=record).status == PASSED
    assert evaluate("07.3", my_sources=sources, my_switches=len(set(sources)), my_record=record).status == WRONG
    assert evaluate("07.3", my_sources=sources[:-1], my_switches=3, my_record=record).status == WRONG

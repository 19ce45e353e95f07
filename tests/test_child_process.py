"""The one helper for child processes: a one-shot child's JSON answer, and servers started, awaited and stopped."""

import sys

import pytest

from modules.runtime.child_process import run_json_child, start_child, stop_child, wait_until_ready


class Refused(RuntimeError):
    pass


def test_a_child_answers_with_the_json_object_on_its_last_line():
    assert run_json_child("json.tool", "--compact", stdin='{"answer": [1, 2]}', timeout_s=60) == {"answer": [1, 2]}


def test_a_failing_child_raises_the_callers_error_with_its_stderr():
    with pytest.raises(Refused, match=r"(?s)The probe failed \(exit code 1\).*No module named"):
        run_json_child("modules.no_such_module", timeout_s=60, error=Refused, what="The probe")
    with pytest.raises(Refused, match="printed no JSON reply"):
        run_json_child("json.tool", stdin='{"a": 1}', timeout_s=60, error=Refused)  # indented: last line is "}"


def test_a_server_that_exits_while_starting_is_reported_and_a_running_one_is_stopped():
    exited = start_child([sys.executable, "-c", "raise SystemExit(3)"])
    codes = []

    def report(code):
        codes.append(code)
        raise Refused(f"exit {code}")

    with pytest.raises(Refused, match="exit 3"):
        wait_until_ready(exited, lambda: False, 60, on_exit=report, on_timeout=lambda: None)
    assert codes == [3]
    running = start_child([sys.executable, "-c", "import time; time.sleep(600)"])
    stop_child(running)
    assert running.poll() is not None
    stop_child(running)  # idempotent

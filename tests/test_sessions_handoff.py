"""resume_session_in_new_process takes the session as JSON text (lab 03) and says so when given anything else.

The cross-process turn itself runs in lab 03 under nbval, against the real service.
"""

import json

import pytest
from agent_framework import AgentSession

from modules.sessions.handoff import resume_session_in_new_process


def test_a_session_object_or_dict_is_refused_with_the_line_to_use():
    session = AgentSession(session_id="s1")
    for wrong in (session, session.to_dict()):
        with pytest.raises(TypeError, match=r"json\.dumps\(session\.to_dict\(\)\)"):
            resume_session_in_new_process(wrong, "Hello?")


def test_text_that_is_not_json_fails_in_the_parent_before_any_process_starts():
    with pytest.raises(json.JSONDecodeError):
        resume_session_in_new_process('{"session_id": "s1"', "Hello?")

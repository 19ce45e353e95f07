"""Sessions (lab 03): continue a session in another process, recover from a lost service id, measure growth.

Modules: `handoff` (`resume_session_in_new_process` and `HandoffError`, which the hybrid hand-over raises too),
`resumed_turn` (the child's side of the hand-over), `recovery` (`run_or_recover`), `growth` (`measure_growth`).
"""

from modules.sessions.growth import measure_growth
from modules.sessions.handoff import (
    HandoffError,
    SessionHandoffResult,
    result_observers,
    resume_session_in_new_process,
)
from modules.sessions.recovery import is_unknown_service_id, run_or_recover
from modules.sessions.resumed_turn import run_resumed_turn

__all__ = [
    "HandoffError",
    "SessionHandoffResult",
    "is_unknown_service_id",
    "measure_growth",
    "result_observers",
    "resume_session_in_new_process",
    "run_or_recover",
    "run_resumed_turn",
]

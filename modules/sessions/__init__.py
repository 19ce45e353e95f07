"""Sessions (lab 03): continue a session in another process, recover from a lost service id, measure growth.

Modules: `handoff` (`resume_session_in_new_process` and `HandoffError`, which the hybrid hand-over raises too),
`resumed_turn` (the child's side of the hand-over), `recovery` (`run_or_recover`), `growth` (`measure_growth`).
"""

from modules.sessions.handoff import (
    HandoffError,
    SessionHandoffResult,
    result_observers,
    resume_session_in_new_process,
)

__all__ = ["HandoffError", "SessionHandoffResult", "resume_session_in_new_process", "result_observers"]

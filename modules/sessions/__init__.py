"""Sessions (lab 03): continue a session in another process, recover from a lost service id, measure growth."""

from modules.sessions.handoff import HandoffError, SessionHandoffResult, resume_session_in_new_process

__all__ = ["HandoffError", "SessionHandoffResult", "resume_session_in_new_process"]

"""The chat page's errors: each one has the HTTP status the page answers with and a message that says the fix.

The page shows the message as it is, so every message names what was wrong and what to do next.
"""

from __future__ import annotations

from modules.errors import CourseError


class ChatPageError(CourseError):
    """A request the page cannot carry out; the message says what was wrong and what to do.

    `status` is the HTTP status the page answers with; `code`, when set, lets the page's script offer the fix.
    """

    status = 400
    code: str | None = None


class BadRequestError(ChatPageError):
    """The request body is not the JSON object the page sends."""

    status = 400


class ForeignRequestError(ChatPageError):
    """A request that did not come from the page itself (another site, another host name)."""

    status = 403


class BodyTooLargeError(ChatPageError):
    """The request body is over the page's limit; it was refused before being read whole."""

    status = 413


class NotJsonError(ChatPageError):
    """A state-changing request that is not `application/json`."""

    status = 415


class EmptyMessageError(ChatPageError):
    """The message has no text."""

    status = 422


class MessageTooLongError(ChatPageError):
    """The message is longer than the local model can read."""

    status = 413


class UnknownTierError(ChatPageError):
    """`force_tier` is not auto, local or cloud."""

    status = 422


class UnknownModeError(ChatPageError):
    """`mode` is not one of the router's modes."""

    status = 422


class UnknownStrategyError(ChatPageError):
    """The page asked for a strategy other than the router deciding first ("route") or the cascade ("cascade")."""

    status = 422


class UnknownConversationError(ChatPageError):
    """No open conversation has that id."""

    status = 404


class ConversationBusyError(ChatPageError):
    """The conversation is still answering; the request would race with that turn."""

    status = 409


class SaveConflictError(ChatPageError):
    """Another page or process saved the conversation since this page loaded it; nothing was overwritten."""

    status = 409
    code = "save_conflict"


class UnsavedExchangesError(ChatPageError):
    """Resuming would drop exchanges that were answered but not saved yet."""

    status = 409
    code = "unsaved_exchanges"


# ---- tool calls and approvals -------------------------------------------------------------------------------


class UnknownToolError(ChatPageError):
    """The turn's `tool` is not none, auto or one of the page's tools."""

    status = 422


class UnknownApprovalError(ChatPageError):
    """No tool call with that request id waits for a decision in this conversation."""

    status = 404


class ApprovalConflictError(ChatPageError):
    """The tool call was decided already, or the conversation moved on: the decision cannot be made (again)."""

    status = 409
    code = "approval_conflict"


class ApprovalPendingError(ChatPageError):
    """A tool call waits for a decision; the conversation goes on only after Approve or Reject."""

    status = 409
    code = "approval_pending"


class ApprovalNotFinishedError(ChatPageError):
    """The decision was saved but the run after it failed (a tier failed); the same decision again finishes it."""

    status = 502
    code = "approval_not_finished"

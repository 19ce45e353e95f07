"""Every error the service answers, in the OpenAI error shape, so any OpenAI client reports it properly.

    {"error": {"message": "...", "type": "invalid_request_error", "param": "...", "code": "..."}}

`install_error_handlers(app)` makes FastAPI answer this way for our own `ApiError`s, unknown routes,
malformed requests and any unexpected failure (a 500 that names the failure's type, never its details).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from modules.errors import CourseError

log = logging.getLogger("modules.service")


class ServiceError(CourseError):
    """Base class: the course's Responses service could not carry out a request."""


class ApiError(ServiceError):
    """An error answered in the OpenAI error shape: HTTP `status`, a message naming the fix, and OpenAI's `code`."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type_: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type_, param, code

    def response(self) -> JSONResponse:
        body = {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}
        return JSONResponse(body, status_code=self.status)


def not_found(kind: str, identifier: str) -> ApiError:
    return ApiError(404, f"No {kind} with id {identifier[:80]!r}.", code="not_found")


def or_not_found(found, kind: str, identifier: str):
    """`found` itself, unless it is None or False (nothing under that id): then a 404 naming the id."""
    if found is None or found is False:
        raise not_found(kind, identifier)
    return found


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error in the OpenAI shape."""

    @app.exception_handler(ApiError)
    async def api_error(_: Request, error: ApiError) -> JSONResponse:
        return error.response()

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        code = "not_found" if error.status_code == 404 else None
        return ApiError(error.status_code, str(error.detail), code=code).response()

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return ApiError(400, f"Invalid request: {where}: {first.get('msg', 'invalid')}.").response()

    @app.exception_handler(Exception)
    async def server_error(request: Request, error: Exception) -> JSONResponse:
        # The log gets the traceback; the client gets the failure's type only (details may hold paths or input).
        log.exception("%s %s failed", request.method, request.url.path)
        return ApiError(
            500,
            f"The service failed while answering ({type(error).__name__}). The service's log has the details; "
            "retry, or restart the service.",
            type_="server_error",
            code="internal_error",
        ).response()

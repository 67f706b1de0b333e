"""Domain errors. Services raise them; the API turns them into JSON error bodies."""

from __future__ import annotations


class WarroomError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class InvalidInput(WarroomError):
    status_code = 422
    code = "invalid"


class NotFound(WarroomError):
    status_code = 404
    code = "not_found"


class Conflict(WarroomError):
    status_code = 409
    code = "conflict"


class Unauthorized(WarroomError):
    status_code = 401
    code = "unauthorized"


class Forbidden(WarroomError):
    status_code = 403
    code = "forbidden"

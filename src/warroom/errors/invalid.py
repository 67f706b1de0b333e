"""The error an event payload raises when it cannot be an event at all."""

from __future__ import annotations


class InvalidEvent(ValueError):
    """The payload cannot be an event; ``field`` is the JSON path at fault (``""``: the root)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field

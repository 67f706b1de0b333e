"""Refusals a route documents itself, beyond the ones every route shares
(``warroom.api.openapi`` adds those): ``responses=conflict("…")`` on the decorator."""

from __future__ import annotations

from typing import Any

ERROR_REF = {"$ref": "#/components/schemas/Error"}


def conflict(description: str) -> dict[int | str, dict[str, Any]]:
    """A 409: the request is well formed but the current state does not allow it."""
    return {
        409: {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}
    }

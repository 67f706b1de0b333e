"""The audit log, for admins: who changed what, when, from where, before and after."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from warroom.auth.audit_models import AuditAction
from warroom.auth.audit_queries import AuditFilter, search
from warroom.http.deps import SessionDep
from warroom.web import access
from warroom.web.routing import PageRoute
from warroom.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE_SIZE = 100


@router.get("/audit")
def audit_log(
    request: Request,
    session: SessionDep,
    _admin: access.AdminPage,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    object_type: Annotated[str | None, Query(max_length=64)] = None,
    object_id: Annotated[str | None, Query(max_length=255)] = None,
    action: Annotated[AuditAction | None, Query()] = None,
    cursor: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> Response:
    flt = AuditFilter(
        actor=actor or None,
        object_type=object_type or None,
        object_id=object_id or None,
        action=action,
    )
    rows, next_cursor = search(session, flt, PAGE_SIZE, cursor)
    query = {
        k: v
        for k, v in (
            ("actor", actor),
            ("object_type", object_type),
            ("object_id", object_id),
            ("action", action.value if action else None),
        )
        if v
    }
    return render(
        request,
        "audit/list.html",
        {
            "entries": rows,
            "filters": query,
            "actions": [a.value for a in AuditAction],
            "next_cursor": next_cursor,
        },
    )

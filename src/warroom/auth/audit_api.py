"""Route: reading the audit log (admins only). There is no route that changes it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from warroom.auth.audit_models import AuditAction
from warroom.auth.audit_queries import AuditFilter, search
from warroom.auth.audit_schemas import AuditEntryOut, AuditPage
from warroom.http.deps import AdminDep, SessionDep
from warroom.http.inputs import NO_NUL, Instant

router = APIRouter(prefix="/api/v1", tags=["audit"])
MAX_PAGE = 500


@router.get("/audit", response_model=AuditPage, summary="The audit log")
def list_audit(
    session: SessionDep,
    _admin: AdminDep,
    actor: Annotated[
        str | None, Query(max_length=64, pattern=NO_NUL, description="A username.")
    ] = None,
    object_type: Annotated[
        str | None, Query(max_length=64, pattern=NO_NUL, description="incident, user, …")
    ] = None,
    object_id: Annotated[
        str | None, Query(max_length=255, pattern=NO_NUL, description="INC-12, alice, 7, …")
    ] = None,
    action: AuditAction | None = None,
    since: Annotated[Instant | None, Query(description="at or after")] = None,
    until: Annotated[Instant | None, Query(description="before")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    cursor: Annotated[
        str | None,
        Query(pattern=r"^[0-9]{1,10}$", description="`next_cursor` of the previous page."),
    ] = None,
) -> AuditPage:
    """Who changed what, when and from where, newest first (see docs/audit.md)."""
    flt = AuditFilter(actor, object_type, object_id, action, since, until)
    rows, next_cursor = search(session, flt, limit, int(cursor) if cursor else None)
    return AuditPage(
        items=[AuditEntryOut.model_validate(row, from_attributes=True) for row in rows],
        next_cursor=str(next_cursor) if next_cursor is not None else None,
    )

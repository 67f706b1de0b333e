"""The database itself refuses to change or delete audit rows, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from tests.auth.audit_helpers import entries
from tests.support.api import Harness

REFUSAL = "audit_log is append-only"


def recorded(api: Harness) -> int:
    api.declare()
    rows = entries(api.engine)
    assert rows
    return rows[0].id


def refused(engine: Engine, statement: str) -> str:
    with pytest.raises(DBAPIError) as caught, engine.begin() as conn:
        conn.execute(text(statement))
    return str(caught.value.orig)


def test_an_update_of_an_audit_row_is_refused_by_the_database(api: Harness) -> None:
    entry_id = recorded(api)
    message = refused(api.engine, f"UPDATE audit_log SET actor = 'mallory' WHERE id = {entry_id}")
    assert REFUSAL in message
    [entry] = [e for e in entries(api.engine) if e.id == entry_id]
    assert entry.actor == "admin"


def test_a_delete_of_audit_rows_is_refused_by_the_database(api: Harness) -> None:
    recorded(api)
    before = len(entries(api.engine))
    assert REFUSAL in refused(api.engine, "DELETE FROM audit_log")
    assert len(entries(api.engine)) == before


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_truncate_of_the_audit_log_is_refused_by_postgresql(api: Harness) -> None:
    """SQLite has no TRUNCATE (``DELETE FROM audit_log`` is refused above)."""
    recorded(api)
    before = len(entries(api.engine))
    assert REFUSAL in refused(api.engine, "TRUNCATE audit_log")
    assert len(entries(api.engine)) == before


def test_new_rows_can_still_be_appended_after_a_refusal(api: Harness) -> None:
    recorded(api)
    refused(api.engine, "DELETE FROM audit_log")
    api.ok("PATCH", "/api/v1/incidents/INC-1", json={"title": "Still recorded"})
    assert entries(api.engine)[-1].after == {"title": "Still recorded"}

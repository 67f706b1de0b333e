"""Reading the audit log straight from the database, as an auditor would."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from warroom.auth.audit_models import AuditEntry


def entries(engine: Engine, **where: Any) -> list[AuditEntry]:
    """The rows, oldest first; ``where`` filters on columns (``object_type="incident"``)."""
    with Session(engine) as session:
        stmt = select(AuditEntry).filter_by(**where).order_by(AuditEntry.id)
        return list(session.scalars(stmt))


def raw_text(engine: Engine) -> str:
    """Every stored value of every audit row, as one string (what a leak check searches)."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM audit_log ORDER BY id")).all()
    return "\n".join(str(tuple(row)) for row in rows)

"""The audit log: who changed what, when, from where, and the values before and after.

One ``after_flush`` listener on the session factory (``install``) turns every row a person
creates, changes or deletes through the ORM in a table of ``AUDITED`` into an ``audit_log``
row, written on the same transaction: a write that rolls back leaves no record, and a
record never exists without its write.

Who: the request's ``Principal`` (``session.info[PRINCIPAL_KEY]``, set when the API or the
web app authenticates the caller) or an ``Actor`` given with ``act_as`` (Slack, signed email
links, the local CLI). A session with neither is warroom's own (the worker, ingest, timers):
its writes are not recorded, so the pipeline pays one dictionary look-up per flush. What
warroom does by itself is told by the incident timeline, the alert history and the delivery
log instead.
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.orm import InstanceState, Mapper, Session, UOWTransaction, sessionmaker
from sqlalchemy.orm.attributes import instance_state

from warroom.auth.audit_models import AuditAction, AuditEntry
from warroom.auth.audit_tables import AUDITED, Audited
from warroom.auth.permissions import PRINCIPAL_KEY, Principal
from warroom.clock import utcnow
from warroom.db.base import table_of

AUDIT_TABLE = table_of(AuditEntry)
ACTOR_KEY = "warroom_audit_actor"
"""``Session.info`` key of an ``Actor`` for callers without a ``Principal``."""
VIA_LINK = "link"
"""A signed link in an email page (acknowledge, resolve)."""
VIA_SLACK = "slack"
"""A Slack slash command or button, as the warroom user of the Slack account."""
VIA_CLI = "cli"
"""``warroom users|tokens …`` on the database directly, by an operator at the shell."""
SECRET = "[secret]"
"""What a secret column's value is recorded as: that it was set or changed, never what to."""
MAX_SUMMARY_FIELDS = 4
MAX_SUMMARY_VALUE = 60


@dataclass(frozen=True)
class Actor:
    """Who made a change: ``username`` (None for an operator at the shell), ``via`` how they
    reached warroom (``session``, ``token:<prefix>``, ``link``, ``slack``, ``cli``), and the
    address they came from."""

    username: str | None
    via: str
    address: str | None = None
    request_id: str | None = None


def act_as(session: Session, actor: Actor) -> None:
    """Record this session's later writes as ``actor``'s (when no ``Principal`` is set)."""
    session.info[ACTOR_KEY] = actor


def cli_actor() -> Actor:
    """An operator running ``warroom`` on the database directly: the OS account and host."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return Actor(None, VIA_CLI, f"{login}@{socket.gethostname()}")


def actor_of(session: Session) -> Actor | None:
    principal: Principal | None = session.info.get(PRINCIPAL_KEY)
    if principal is not None:
        return Actor(
            principal.user.username, principal.via, principal.address, principal.request_id
        )
    actor: Actor | None = session.info.get(ACTOR_KEY)
    return actor


def install(
    factory: sessionmaker[Session], clock: Callable[[], datetime] = utcnow
) -> Callable[[Session, UOWTransaction], None]:
    """Record the changes of the sessions ``factory`` makes; returns the listener (for
    ``sqlalchemy.event.remove``)."""

    def record_changes(session: Session, flush: UOWTransaction) -> None:
        actor = actor_of(session)
        if actor is None:
            return
        rows = entries(session, flush, actor, clock())
        if rows:
            session.connection().execute(insert(AUDIT_TABLE), rows)

    event.listen(factory, "after_flush", record_changes)
    return record_changes


def entries(
    session: Session, flush: UOWTransaction, actor: Actor, now: datetime
) -> list[dict[str, Any]]:
    """The audit rows of a flush, from ``after_flush``: the flush's own list of rows (which
    has the orphans a collection let go, unlike ``session.deleted``), each with its attribute
    history still in place. New rows come first, in the order they were added."""
    rows: list[dict[str, Any]] = []
    flushed = flush.states
    added = [state for state in map(instance_state, session.new) if state in flushed]
    first = set(added)
    for state in [*added, *(state for state in flushed if state not in first)]:
        is_delete, list_only = flushed[state]
        if list_only:
            continue
        spec = AUDITED.get(getattr(state.mapper.local_table, "name", ""))
        if spec is None:
            continue
        if is_delete:
            action = AuditAction.DELETE
        else:
            action = AuditAction.UPDATE if state.has_identity else AuditAction.CREATE
        change = _change(state, spec, action)
        if change is None:
            continue
        before, after = change
        values = _values(state)
        object_id = spec.key(values, session) if spec.key else _primary_key(state)
        rows.append(
            {
                "at": now,
                "actor": actor.username,
                "actor_via": actor.via,
                "address": actor.address,
                "action": action,
                "object_type": spec.object_type,
                "object_id": object_id,
                "summary": _summary(action, spec, object_id, values, session, before, after),
                "before": before,
                "after": after,
                "request_id": actor.request_id,
            }
        )
    return rows


def _columns(mapper: Mapper[Any]) -> Iterable[tuple[str, str]]:
    """(attribute key, column name) of each column the model maps."""
    for prop in mapper.column_attrs:
        yield prop.key, prop.columns[0].name


def _values(state: InstanceState[Any]) -> dict[str, Any]:
    """The loaded column values, by column name (nothing is loaded for this)."""
    loaded = state.dict
    return {name: loaded[key] for key, name in _columns(state.mapper) if key in loaded}


def _primary_key(state: InstanceState[Any]) -> str:
    mapper = state.mapper
    parts = [state.dict.get(mapper.get_property_by_column(c).key) for c in mapper.primary_key]
    return "/".join(str(part) for part in parts)


def _change(
    state: InstanceState[Any], spec: Audited, action: AuditAction
) -> tuple[dict[str, Any] | None, dict[str, Any] | None] | None:
    """(before, after) in plain JSON values; None when no recorded column changed."""
    if action is not AuditAction.UPDATE:
        values = {
            name: _recorded(name, value, spec)
            for name, value in _values(state).items()
            if name not in spec.omit
        }
        return (None, values) if action is AuditAction.CREATE else (values, None)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key, name in _columns(state.mapper):
        if name in spec.omit:
            continue
        history = state.attrs[key].history
        if not history.added:
            continue
        after[name] = _recorded(name, history.added[0], spec)
        if history.deleted:  # an old value warroom never read is left out
            before[name] = _recorded(name, history.deleted[0], spec)
    return (before, after) if after else None


def _recorded(name: str, value: Any, spec: Audited) -> Any:
    if name in spec.secret:
        return None if value is None else SECRET
    return plain(value)


def plain(value: Any) -> Any:
    """A JSON value for ``value`` (times as ISO 8601, enums as their values)."""
    if isinstance(value, Enum):
        return plain(value.value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


def _short(value: Any) -> str:
    text = "—" if value is None else str(value) or '""'
    return text if len(text) <= MAX_SUMMARY_VALUE else text[: MAX_SUMMARY_VALUE - 1] + "…"


def _summary(
    action: AuditAction,
    spec: Audited,
    object_id: str,
    values: Mapping[str, Any],
    session: Session,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> str:
    label = spec.label(values, session) if spec.label else None
    subject = f"{spec.object_type} {object_id}" + (f" ({_short(label)})" if label else "")
    if action is AuditAction.CREATE:
        return f"created {subject}"
    if action is AuditAction.DELETE:
        return f"deleted {subject}"
    old, new = before or {}, after or {}
    changes = [
        f"{name} {_short(old[name])} → {_short(value)}"
        if name in old
        else f"{name} → {_short(value)}"
        for name, value in new.items()
    ]
    more = len(changes) - MAX_SUMMARY_FIELDS
    shown = "; ".join(changes[:MAX_SUMMARY_FIELDS]) + (f"; and {more} more" if more > 0 else "")
    return f"changed {subject}: {shown}"

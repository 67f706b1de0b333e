"""Muting: silences, maintenance windows and inhibition all satisfy one small interface,
so none of them knows the pipeline (as Alertmanager's ``Muter``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Protocol

from sqlalchemy import ColumnElement, String, and_, bindparam, case, func, or_, select, type_coerce
from sqlalchemy.orm import InstrumentedAttribute, Session

from warroom.alerts.history import History
from warroom.alerts.labels import match_labels
from warroom.alerts.models import Alert, AlertEventKind, AlertStatus, Silence, SilenceKind
from warroom.alerts.state import ALERTS, AlertRow
from warroom.config import Config
from warroom.matchers import Matcher, MatchOp, match_all


class Muter(Protocol):
    def mutes(self, session: Session, alert: AlertRow, now: datetime) -> str | None:
        """Why the alert is muted (e.g. ``silence 4: deploy of checkout``), or None."""


@lru_cache(maxsize=1024)
def parsed(text: str) -> Matcher:
    return Matcher.parse(text)


def matchers(texts: Sequence[str]) -> list[Matcher]:
    return [parsed(t) for t in texts]


ACTIVE_SILENCES = (
    select(Silence)
    .where(
        Silence.starts_at <= bindparam("now"),
        Silence.ends_at > bindparam("now"),
        Silence.expired_at.is_(None),
    )
    .order_by(Silence.id)
)
"""Built once: the pipeline asks once per batch of signals."""


def active_silences(session: Session, now: datetime) -> list[Silence]:
    return list(session.scalars(ACTIVE_SILENCES, {"now": now}))


def silence_matches(silence: Silence, alert: AlertRow, labels: dict[str, str]) -> bool:
    if silence.kind is SilenceKind.MAINTENANCE and silence.service != alert.service:
        return False
    return match_all(matchers(silence.matchers), labels)


class SilenceMuter:
    """Silences and maintenance windows. Given ``silences``, it uses them instead of asking
    the database each time (the pipeline reads them once per batch of signals)."""

    def __init__(self, silences: Sequence[Silence] | None = None) -> None:
        self.silences = silences

    def mutes(self, session: Session, alert: AlertRow, now: datetime) -> str | None:
        labels = match_labels(alert)
        silences = self.silences if self.silences is not None else active_silences(session, now)
        for silence in silences:
            if silence_matches(silence, alert, labels):
                return f"{silence.kind.value} {silence.id}: {silence.comment}"
        return None


class InhibitMuter:
    """A firing source alert mutes target alerts that share the ``equal`` labels."""

    def __init__(self, config: Config) -> None:
        self.config = config

    def mutes(self, session: Session, alert: AlertRow, now: datetime) -> str | None:
        labels = match_labels(alert)
        for index, rule in enumerate(self.config.inhibit_rules):
            if not match_all(rule.target_matchers_parsed, labels):
                continue
            source = self._firing_source(
                session, alert, labels, rule.source_matchers_parsed, rule.equal
            )
            if source is not None:
                return f"inhibited by alert {source.id} ({source.title}) via inhibit rule {index}"
        return None

    def _firing_source(
        self,
        session: Session,
        alert: AlertRow,
        labels: dict[str, str],
        wanted: Sequence[Matcher],
        equal: Sequence[str],
    ) -> AlertRow | None:
        stmt = select(ALERTS).where(
            Alert.status != AlertStatus.RESOLVED,
            Alert.id != alert.id,
            or_(Alert.muted_by.is_(None), Alert.muted_by.not_like("inhibited%")),
            *source_conditions(wanted, equal, labels),
        )
        for values in session.execute(stmt.order_by(Alert.id)).all():
            candidate = AlertRow(*values)
            other = match_labels(candidate)
            if match_all(wanted, other) and all(other.get(n) == labels.get(n) for n in equal):
                return candidate
        return None


def source_conditions(
    wanted: Sequence[Matcher], equal: Sequence[str], labels: dict[str, str]
) -> list[ColumnElement[bool]]:
    """What the database can check of an inhibit rule's source before any row is loaded:
    its ``name="value"`` matchers and the ``equal`` labels (in an alert storm, reading every
    open alert per target took ~36 ms per thousand; now ~1 ms at 1,000 and ~5 ms at 5,000,
    ``python -m bench.route.inhibit``). Rows that pass are checked again in Python;
    anything SQL cannot say exactly is left to that."""
    conditions = []
    for matcher in wanted:
        value = label_value(matcher.name)
        if matcher.op is MatchOp.EQUAL and matcher.value and value is not None:
            conditions.append(value == matcher.value)
    for name in equal:
        value = label_value(name)
        if value is not None:
            mine = labels.get(name)
            conditions.append(value.is_(None) if mine is None else value == mine)
    return conditions


PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
"""Label names put into a JSON path as they are (others are checked in Python only)."""
DECIDED: dict[str, InstrumentedAttribute[str | None]] = {
    "severity": Alert.severity,
    "environment": Alert.environment,
    "team": Alert.team,
    "service": Alert.service,
}


def label_value(name: str) -> ColumnElement[str | None] | None:
    """SQL for ``match_labels(alert).get(name)`` (see ``warroom.alerts.labels``): the column
    warroom decided when it is set, the alert's own label before the pseudo-labels it adds."""
    if not PLAIN_NAME.match(name):
        return None
    own: ColumnElement[str | None] = Alert.labels[name].as_string()
    if name in DECIDED:
        column = DECIDED[name]
        return case((and_(column.is_not(None), column != ""), column), else_=own)
    added = {
        "alertname": Alert.title,
        "source": type_coerce(Alert.source, String),
        "integration": Alert.integration,
    }.get(name)
    return own if added is None else func.coalesce(own, added)


def first_reason(
    muters: Sequence[Muter], session: Session, alert: AlertRow, now: datetime
) -> str | None:
    for muter in muters:
        reason = muter.mutes(session, alert, now)
        if reason is not None:
            return reason
    return None


def mute_all(
    session: Session,
    config: Config,
    alerts: Sequence[AlertRow],
    silencer: SilenceMuter,
    history: History,
    flush: Callable[[], None],
) -> None:
    """The mute stage: each alert's reason to be muted now, its change in the history.
    ``flush`` writes the alerts' changes (whether a source is itself inhibited is read
    from the database)."""
    inhibits = bool(config.inhibit_rules)
    muters: list[Muter] = [silencer, InhibitMuter(config)] if inhibits else [silencer]
    changed = True  # the batch's new alerts may be sources: write them first
    for alert in alerts:
        if changed and inhibits:
            flush()
            changed = False
        reason = first_reason(muters, session, alert, history.now)
        if reason == alert.muted_by:
            continue  # unchanged: not even an UPDATE
        if reason is not None:
            history.add(alert, AlertEventKind.MUTED, f"muted: {reason}")
        alert.muted_by = reason
        changed = True


def would_mute(
    session: Session,
    kind: SilenceKind,
    texts: Sequence[str],
    service: str | None = None,
    *,
    limit: int,
) -> tuple[list[AlertRow], int]:
    """The open alerts a silence (or maintenance window) with these matchers would match
    now, newest first, and how many there are: what a page previews before it is created.
    The database narrows by the ``name="value"`` matchers; every candidate is then matched
    as the mute stage matches it."""
    candidate = Silence(kind=kind, matchers=list(texts), service=service)
    wanted = matchers(texts)
    conditions = [Alert.status != AlertStatus.RESOLVED, *source_conditions(wanted, (), {})]
    if kind is SilenceKind.MAINTENANCE:
        conditions.append(Alert.service == service)
    rows = session.execute(select(ALERTS).where(*conditions).order_by(Alert.id.desc())).all()
    found = [
        alert
        for alert in (AlertRow(*values) for values in rows)
        if silence_matches(candidate, alert, match_labels(alert))
    ]
    return found[:limit], len(found)

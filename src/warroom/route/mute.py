"""Muting: silences, maintenance windows and inhibition all satisfy one small interface,
so none of them knows the pipeline (as Alertmanager's ``Muter``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Protocol

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert, AlertStatus, Silence, SilenceKind
from warroom.config import Config
from warroom.matchers import Matcher, match_all
from warroom.route.labels import match_labels


class Muter(Protocol):
    def mutes(self, session: Session, alert: Alert, now: datetime) -> str | None:
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


def silence_matches(silence: Silence, alert: Alert, labels: dict[str, str]) -> bool:
    if silence.kind is SilenceKind.MAINTENANCE and silence.service != alert.service:
        return False
    return match_all(matchers(silence.matchers), labels)


class SilenceMuter:
    """Silences and maintenance windows. Given ``silences``, it uses them instead of asking
    the database each time (the pipeline reads them once per batch of signals)."""

    def __init__(self, silences: Sequence[Silence] | None = None) -> None:
        self.silences = silences

    def mutes(self, session: Session, alert: Alert, now: datetime) -> str | None:
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

    def mutes(self, session: Session, alert: Alert, now: datetime) -> str | None:
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
        alert: Alert,
        labels: dict[str, str],
        wanted: Sequence[Matcher],
        equal: Sequence[str],
    ) -> Alert | None:
        stmt = select(Alert).where(
            Alert.status != AlertStatus.RESOLVED,
            Alert.id != alert.id,
            or_(Alert.muted_by.is_(None), Alert.muted_by.not_like("inhibited%")),
        )
        for candidate in session.scalars(stmt.order_by(Alert.id)):
            other = match_labels(candidate)
            if match_all(wanted, other) and all(other.get(n) == labels.get(n) for n in equal):
                return candidate
        return None


def first_reason(
    muters: Sequence[Muter], session: Session, alert: Alert, now: datetime
) -> str | None:
    for muter in muters:
        reason = muter.mutes(session, alert, now)
        if reason is not None:
            return reason
    return None

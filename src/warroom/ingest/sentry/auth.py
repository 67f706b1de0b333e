"""Who sends: the DSN key from the ``X-Sentry-Auth`` header, the query string, or the
envelope's ``dsn`` header. Several may be given; they must name the same key."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from warroom.ingest.errors import IngestError


@dataclass(frozen=True)
class Credentials:
    public_key: str
    secret_key: str | None = None
    client: str | None = None
    project_id: int | None = None
    """From a DSN: the project it names (must be the project of the URL)."""


def parse_auth_header(value: str) -> dict[str, str]:
    """``Sentry sentry_key=abc, sentry_version=7`` → ``{"sentry_key": "abc", ...}``."""
    text = value.strip()
    if text[:7].lower() == "sentry ":
        text = text[7:]
    pairs: dict[str, str] = {}
    for part in text.split(","):
        name, sep, val = part.strip().partition("=")
        if sep:
            pairs[name.strip().lower()] = val.strip()
    return pairs


def from_header(value: str | None) -> Credentials | None:
    if value is None:
        return None
    pairs = parse_auth_header(value)
    key = pairs.get("sentry_key")
    if not key:
        raise IngestError(
            401, "X-Sentry-Auth has no sentry_key", field="x-sentry-auth", outcome="unauthorized"
        )
    return Credentials(key, pairs.get("sentry_secret"), pairs.get("sentry_client"))


def from_query(query: bytes) -> Credentials | None:
    pairs = dict(parse_qsl(query.decode("latin-1")))
    key = pairs.get("sentry_key")
    if key is None:
        return None
    if not key:
        raise IngestError(401, "sentry_key is empty", field="sentry_key", outcome="unauthorized")
    return Credentials(key, pairs.get("sentry_secret"), pairs.get("sentry_client"))


def from_dsn(dsn: object) -> Credentials | None:
    """The key of an envelope's ``dsn`` header."""
    if dsn is None:
        return None
    if not isinstance(dsn, str):
        raise IngestError(400, "envelope header dsn is not a string", field="dsn")
    parts = urlsplit(dsn)
    project = parts.path.rstrip("/").rpartition("/")[2]
    if not parts.username or not (project.isdecimal() and project.isascii()):
        raise IngestError(
            400, "envelope header dsn is not a DSN (scheme://key@host/project_id)", field="dsn"
        )
    return Credentials(parts.username, parts.password, None, int(project))


def agree(found: list[tuple[str, Credentials | None]]) -> Credentials:
    """The one key the request names; 401 for none, 401 when two places disagree."""
    given = [(where, c) for where, c in found if c is not None]
    if not given:
        raise IngestError(
            401,
            "missing authorization information: send X-Sentry-Auth, ?sentry_key= or an "
            "envelope dsn",
            field="x-sentry-auth",
            outcome="unauthorized",
        )
    where, credentials = given[0]
    for other_where, other in given[1:]:
        if other.public_key != credentials.public_key:
            raise IngestError(
                401,
                f"the key of {other_where} is not the key of {where}",
                field=other_where,
                outcome="unauthorized",
            )
    secrets = {c.secret_key for _, c in given if c.secret_key}
    if len(secrets) > 1:
        raise IngestError(401, "the secrets given differ", field=where, outcome="unauthorized")
    projects = {c.project_id for _, c in given if c.project_id is not None}
    return Credentials(
        credentials.public_key,
        next(iter(secrets), None),
        next((c.client for _, c in given if c.client), None),
        next(iter(projects), None),
    )

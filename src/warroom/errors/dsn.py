"""The DSN an application pastes into ``SENTRY_DSN``: warroom's public URL with the key."""

from __future__ import annotations

from urllib.parse import urlsplit

from warroom.config.projects import DsnKey, Project


def dsn(public_url: str, project: Project, key: DsnKey) -> str:
    """``http://<public_key>@warroom.example.com:8000/<project id>`` (a path prefix of the
    public URL stays: the SDK posts to ``<prefix>/api/<id>/envelope/``)."""
    parts = urlsplit(public_url)
    path = parts.path.rstrip("/")
    return f"{parts.scheme}://{key.public_key}@{parts.netloc}{path}/{project.id}"

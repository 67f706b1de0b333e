"""Issue trackers that action items and incidents are synced to (docs/trackers.md)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, StrictInt

from .base import StrictModel
from .values import HttpUrlStr, NonEmptyStr, Slug


class TrackerKind(StrEnum):
    GITHUB = "github"
    GITLAB = "gitlab"
    WEBHOOK = "webhook"


class Tracker(StrictModel):
    """One issue tracker: where issues are written, with which credentials, how fast."""

    name: Slug = Field(description="Identifier, unique across trackers; teams name it.")
    kind: TrackerKind = Field(description="github, gitlab or webhook.")
    url: HttpUrlStr = Field(
        description="API base (https://api.github.com, https://gitlab.example.com); for "
        "webhook: the URL warroom POSTs to."
    )
    project: NonEmptyStr | None = Field(
        None,
        description='Where issues go: GitHub "owner/repo", GitLab project id or path. Not '
        "used by webhook.",
    )
    token_env: NonEmptyStr | None = Field(
        None,
        description="Environment variable holding the API token (GitHub: a token with "
        "issues write access; GitLab: a token with api scope). Not used by webhook.",
    )
    webhook_secret_env: NonEmptyStr | None = Field(
        None,
        description="Environment variable holding the secret of inbound webhooks (GitHub: "
        "the webhook secret; GitLab: the secret token; webhook: the HMAC key that also signs "
        "what warroom sends). None: inbound webhooks of this tracker are refused.",
    )
    writes_per_minute: StrictInt = Field(
        30, ge=1, le=6000, description="At most this many writes a minute to this tracker."
    )
    labels: list[NonEmptyStr] = Field(
        default_factory=list, description="Labels added to every issue warroom creates."
    )

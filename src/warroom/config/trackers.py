"""Issue trackers that action items and incidents are synced to (docs/trackers.md)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, StrictInt

from .base import StrictModel
from .values import HttpUrlStr, NonEmptyStr, Slug


class TrackerKind(StrEnum):
    GITHUB = "github"
    GITLAB = "gitlab"
    JIRA = "jira"
    YOUTRACK = "youtrack"
    WEBHOOK = "webhook"


class Tracker(StrictModel):
    """One issue tracker: where issues are written, with which credentials, how fast."""

    name: Slug = Field(description="Identifier, unique across trackers; teams name it.")
    kind: TrackerKind = Field(description="github, gitlab, jira, youtrack or webhook.")
    url: HttpUrlStr = Field(
        description="API base (https://api.github.com, https://gitlab.example.com, "
        "https://acme.atlassian.net, https://acme.youtrack.cloud); for webhook: the URL "
        "warroom POSTs to."
    )
    project: NonEmptyStr | None = Field(
        None,
        description='Where issues go: GitHub "owner/repo", GitLab project id or path, Jira '
        "project key, YouTrack project id (e.g. 0-1). Not used by webhook.",
    )
    token_env: NonEmptyStr | None = Field(
        None,
        description="Environment variable holding the API token (GitHub: a token with "
        "issues write access; GitLab: a token with api scope; Jira Cloud: an API token of "
        "``email``; YouTrack: a permanent token). Not used by webhook.",
    )
    email: NonEmptyStr | None = Field(
        None,
        description="Jira Cloud only: the account email the API token belongs to (basic "
        "auth is email:token).",
    )
    issue_type: NonEmptyStr = Field(
        "Task", description="Jira only: the issue type name of the issues warroom creates."
    )
    webhook_secret_env: NonEmptyStr | None = Field(
        None,
        description="Environment variable holding the secret of inbound webhooks (GitHub: "
        "the webhook secret; GitLab: the secret token; webhook: the HMAC key that also signs "
        "what warroom sends). None: inbound webhooks of this tracker are refused.",
    )
    closed_state: NonEmptyStr = Field(
        "Fixed", description="YouTrack only: the State value that closes an issue."
    )
    open_state: NonEmptyStr = Field(
        "Open", description="YouTrack only: the State value that reopens an issue."
    )
    writes_per_minute: StrictInt = Field(
        30, ge=1, le=6000, description="At most this many writes a minute to this tracker."
    )
    labels: list[NonEmptyStr] = Field(
        default_factory=list, description="Labels added to every issue warroom creates."
    )

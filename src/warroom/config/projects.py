"""Error-tracking projects: what Sentry SDKs send to, who owns it, and what its issues start.

A project has a numeric id (the last part of its DSN), an owning team, DSN keys (each can be
disabled, rotated by adding a new one, and carry its own rate limit), a quota, the origins
browser SDKs may send from, and code-owner rules in Sentry's ownership syntax. Issue rules
(``issue_rules``) say what a new, regressed or busy error issue becomes.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

from warroom.matchers import Matcher, parse_all

from .alerting import RuleAction
from .base import StrictModel
from .code_owners import OwnershipRule, parse_ownership_rule
from .values import Duration, MatcherText, NonEmptyStr, Slug, config_problem, parse_duration

PUBLIC_KEY_PATTERN = r"^[A-Za-z0-9]{8,64}$"
"""A DSN's public key: letters and digits (Sentry's are 32 hex characters)."""
MAX_PROJECT_ID = 2**53
"""Project ids must fit a JSON number exactly (SDKs parse them as integers)."""
DEFAULT_SPIKE_MULTIPLE = 10
"""Spike protection throttles a project past this multiple of its own recent rate..."""
DEFAULT_SPIKE_FLOOR = 600
"""...but never below this many events per minute."""
DEFAULT_ACTION_INTERVAL = "30m"
LEVELS = ("debug", "info", "warning", "error", "fatal")
"""Event levels, least severe first (an issue rule's ``level`` is a minimum)."""

PublicKey = Annotated[str, Field(pattern=PUBLIC_KEY_PATTERN)]


def _origin(value: str) -> str:
    if value == "*":
        return value
    scheme, sep, host = value.partition("://")
    if not sep or scheme not in ("http", "https") or not host or "/" in host:
        raise config_problem(
            f"origin {value!r} is not scheme://host[:port] (e.g. https://app.example.com) or *"
        )
    return value.lower()


Origin = Annotated[str, AfterValidator(_origin)]


class DsnKey(StrictModel):
    """One DSN key of a project. Rotate a key by adding the new one, then disabling the old."""

    public_key: PublicKey = Field(
        description="The key in the DSN (the part before '@'): 8 to 64 letters and digits; "
        "unique across projects. `openssl rand -hex 16` makes one."
    )
    secret_key: PublicKey | None = Field(
        None,
        repr=False,
        description="Legacy secret (the part after ':' in old DSNs); when set, requests that "
        "send a secret must send this one.",
    )
    label: str = Field("", description="What the key is for, e.g. 'web frontend'.")
    disabled: StrictBool = Field(False, description="A disabled key is refused (403).")
    events_per_minute: StrictInt | None = Field(
        None, ge=1, description="This key's own limit of error events per minute."
    )


class Project(StrictModel):
    """An error-tracking project: applications point ``SENTRY_DSN`` at it."""

    slug: Slug = Field(description="Identifier; unique across projects.")
    id: StrictInt = Field(
        ge=1, le=MAX_PROJECT_ID, description="Numeric id, the last part of the DSN; unique."
    )
    team: NonEmptyStr = Field(description="Slug of the team that owns the project's errors.")
    platform: NonEmptyStr = Field(
        "other", description="Platform of events that name none, e.g. python, javascript, node."
    )
    service: Slug | None = Field(
        None, description="Slug of the catalog service the project's incidents are about."
    )
    allowed_origins: list[Origin] = Field(
        default_factory=list,
        description="Origins browser SDKs may send from (https://app.example.com, or * for any). "
        "Requests that carry an Origin not listed are refused; server SDKs send none.",
    )
    keys: list[DsnKey] = Field(min_length=1, description="DSN keys; at least one.")
    events_per_minute: StrictInt | None = Field(
        None, ge=1, description="Quota: error events per minute the project may send."
    )
    spike_protection: StrictBool = Field(
        True,
        description="Throttle the project when it sends more than "
        f"{DEFAULT_SPIKE_MULTIPLE}x its quota (or, without a quota, {DEFAULT_SPIKE_MULTIPLE}x "
        f"its rate of the last hour, at least {DEFAULT_SPIKE_FLOOR}/min).",
    )
    code_owners: list[NonEmptyStr] = Field(
        default_factory=list,
        description="Ownership rules in Sentry's syntax, e.g. 'path:src/billing/** #payments'; "
        "applied to the top in-app frame, the last matching rule wins.",
    )

    _rules: list[OwnershipRule] = PrivateAttr(default_factory=list)

    @field_validator("code_owners")
    @classmethod
    def _rules_parse(cls, rules: list[str]) -> list[str]:
        for index, text in enumerate(rules):
            try:
                parse_ownership_rule(text)
            except ValueError as exc:
                raise config_problem(f"code_owners[{index}]: {exc}") from None
        return rules

    def model_post_init(self, context: Any, /) -> None:
        self._rules = [parse_ownership_rule(text) for text in self.code_owners]

    @property
    def ownership_rules(self) -> list[OwnershipRule]:
        return self._rules

    def key(self, public_key: str) -> DsnKey | None:
        for key in self.keys:
            if key.public_key == public_key:
                return key
        return None


class IssueConditionKind(StrEnum):
    """What makes an issue rule fire (any one of a rule's conditions)."""

    NEW_ISSUE = "new_issue"
    REGRESSION = "regression"
    EVENTS = "events"
    USERS = "users"
    ESCALATING = "escalating"
    CRASH_FREE_BELOW = "crash_free_below"
    """About a release rather than an issue: checked when sessions arrive."""


COUNTED_CONDITIONS = (IssueConditionKind.EVENTS, IssueConditionKind.USERS)
MAX_PERCENT = 100


class IssueCondition(StrictModel):
    """One condition: a new issue, a regression, more than N events or N users within a
    window, escalating (a spike over the issue's own baseline), or a release's crash-free
    sessions rate below a threshold within a window."""

    kind: IssueConditionKind = Field(
        description="new_issue, regression, events, users, escalating or crash_free_below."
    )
    more_than: StrictInt | None = Field(
        None,
        ge=0,
        description="For events and users: fire past this many within `within`. For "
        "crash_free_below (optional): only judge a release with more than this many sessions "
        "within `within`.",
    )
    within: Duration | None = Field(
        None,
        description="For events, users and crash_free_below: the window counted in, e.g. 1h.",
    )
    threshold: float | None = Field(
        None,
        gt=0,
        le=MAX_PERCENT,
        description="For crash_free_below: fire when the crash-free sessions rate of a release "
        "and environment within `within` is below this percentage, e.g. 99.5.",
    )

    @model_validator(mode="after")
    def _counts_need_a_window(self) -> IssueCondition:
        kind = self.kind.value
        if self.kind is IssueConditionKind.CRASH_FREE_BELOW:
            if self.threshold is None or self.within is None:
                raise config_problem(f"a {kind} condition needs threshold and within")
            return self
        if self.threshold is not None:
            raise config_problem(f"a {kind} condition takes no threshold")
        counted = self.kind in COUNTED_CONDITIONS
        if counted and (self.more_than is None or self.within is None):
            raise config_problem(f"a {kind} condition needs more_than and within")
        if not counted and (self.more_than is not None or self.within is not None):
            raise config_problem(f"a {kind} condition takes no more_than or within")
        return self


class IssueRule(StrictModel):
    """What an error issue becomes. Rules are tried in order; every matching rule acts, each
    at most once per ``interval`` per issue."""

    name: Slug = Field(description="Identifier; unique among issue rules.")
    projects: list[Slug] = Field(
        default_factory=list, description="Slugs of the projects it covers; empty: all."
    )
    conditions: list[IssueCondition] = Field(
        min_length=1,
        description="Any one of these makes the rule fire. A crash_free_below condition is "
        "judged per release and environment (filters: environments, release) and its action "
        "opens an incident for the project's team, at most once per interval per release and "
        "environment.",
    )
    level: Literal["debug", "info", "warning", "error", "fatal"] | None = Field(
        None, description="Filter: only events at least this severe."
    )
    environments: list[NonEmptyStr] = Field(
        default_factory=list, description="Filter: only events of these environments."
    )
    release: NonEmptyStr | None = Field(
        None, description="Filter: only events of this release (a glob, e.g. 'api@2.*')."
    )
    tags: list[MatcherText] = Field(
        default_factory=list,
        description="Filter: matchers over the event's tags, e.g. 'customer_tier=enterprise'.",
    )
    older_than: Duration | None = Field(
        None, description="Filter: only issues first seen longer ago than this."
    )
    newer_than: Duration | None = Field(
        None, description="Filter: only issues first seen within this long."
    )
    action: RuleAction = Field(
        RuleAction.INCIDENT,
        description="incident (open one at `severity`), attach (to the open incident of the "
        "issue, else open one), notify (tell the owning team) or ticket (a SEV4 incident).",
    )
    severity: NonEmptyStr | None = Field(
        None, description="Severity of the incident; default incident_defaults.severity."
    )
    interval: Duration = Field(
        default=parse_duration(DEFAULT_ACTION_INTERVAL),
        description="Act at most once per this long per issue. Default 30m.",
    )

    _tag_matchers: list[Matcher] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _release_conditions_open_incidents(self) -> IssueRule:
        kinds = {condition.kind for condition in self.conditions}
        if IssueConditionKind.CRASH_FREE_BELOW in kinds and self.action is RuleAction.NOTIFY:
            raise config_problem(
                "a crash_free_below condition opens an incident (action incident, attach or "
                "ticket), it cannot only notify"
            )
        return self

    def model_post_init(self, context: Any, /) -> None:
        self._tag_matchers = parse_all(self.tags)

    @property
    def tag_matchers(self) -> list[Matcher]:
        return self._tag_matchers

    def covers(self, project: str) -> bool:
        return not self.projects or project in self.projects


def level_rank(level: str) -> int:
    """0 for debug up to 4 for fatal; unknown levels count as error."""
    try:
        return LEVELS.index(level)
    except ValueError:
        return LEVELS.index("error")


def spike_limit(project: Project, recent_per_minute: float) -> float:
    """Events per minute past which spike protection throttles ``project``."""
    base = project.events_per_minute or recent_per_minute
    return max(float(DEFAULT_SPIKE_FLOOR), DEFAULT_SPIKE_MULTIPLE * base)

"""What happens to alerts: ownership by naming rules, inhibition, alert rules, resolution.

Matchers are kept as written (strings, as in the YAML and its JSON dump) and parsed once into
``Matcher`` objects when the model is built, so the pipeline never parses them again.
Rules whose keys depend on each other (``after_occurrences`` needs ``within``) are checked
with the cross-references in ``references``, where each problem gets its own line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import Field, PrivateAttr, StrictInt, field_validator

from warroom.matchers import Matcher, match_all, parse_all

from .base import StrictModel
from .defaults import DEFAULT_FLAPPING_TRANSITIONS, DEFAULT_FLAPPING_WITHIN, DEFAULT_GROUP_WINDOW
from .errors import did_you_mean
from .values import (
    Duration,
    LabelName,
    MatcherText,
    NonEmptyStr,
    Slug,
    config_problem,
    parse_duration,
)

ROUTING_GROUPS = ("team", "service", "function", "product")
"""Named groups a naming rule may capture from an alert name."""


class NamingRule(StrictModel):
    """A regular expression over the alert name whose named groups say who owns the alert."""

    pattern: NonEmptyStr = Field(
        description="Python regular expression searched in the alert name (anchor it with ^); "
        "named groups team, service, function and product capture ownership."
    )
    description: str = Field("", description="What the convention is, for readers.")

    _regex: re.Pattern[str] = PrivateAttr()

    @field_validator("pattern")
    @classmethod
    def _pattern_captures_ownership(cls, pattern: str) -> str:
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            # Quoted as written in YAML: repr() would double every backslash.
            raise config_problem(f"invalid regular expression '{pattern}': {exc}") from None
        groups = list(regex.groupindex)
        for group in groups:
            if group not in ROUTING_GROUPS:
                raise config_problem(
                    f"unknown named group {group!r}{did_you_mean(group, ROUTING_GROUPS)}: "
                    "use team, service, function or product"
                )
        if not groups:
            raise config_problem(
                "the pattern has no named group: capture at least one of team, service, "
                "function or product, e.g. (?P<team>[a-z-]+)"
            )
        return pattern

    def model_post_init(self, context: Any, /) -> None:
        self._regex = re.compile(self.pattern)

    @property
    def regex(self) -> re.Pattern[str]:
        return self._regex

    def captures(self, alert_name: str) -> dict[str, str]:
        """The non-empty named groups found in ``alert_name``; empty if it does not match."""
        found = self._regex.search(alert_name)
        if found is None:
            return {}
        return {name: value for name, value in found.groupdict().items() if value}


class RoutingSettings(StrictModel):
    """How alerts find their owner beyond their labels and the service catalog."""

    naming_rules: list[NamingRule] = Field(
        default_factory=list,
        description="Ordered naming conventions applied to the alert name; the first that "
        "yields an owner wins.",
    )


class InhibitRule(StrictModel):
    """While an alert matching the source matchers fires, alerts matching the target matchers
    and sharing the ``equal`` labels with it are muted (as in Alertmanager)."""

    source_matchers: list[MatcherText] = Field(
        min_length=1, description="Matchers the muting (source) alert must satisfy."
    )
    target_matchers: list[MatcherText] = Field(
        min_length=1, description="Matchers the muted (target) alerts must satisfy."
    )
    equal: list[LabelName] = Field(
        default_factory=list,
        description="Labels that must have the same value on source and target.",
    )

    _source: list[Matcher] = PrivateAttr(default_factory=list)
    _target: list[Matcher] = PrivateAttr(default_factory=list)

    def model_post_init(self, context: Any, /) -> None:
        self._source = parse_all(self.source_matchers)
        self._target = parse_all(self.target_matchers)

    @property
    def source_matchers_parsed(self) -> list[Matcher]:
        return self._source

    @property
    def target_matchers_parsed(self) -> list[Matcher]:
        return self._target


class RuleAction(StrEnum):
    """What a matching alert starts."""

    INCIDENT = "incident"
    ATTACH = "attach"
    NOTIFY = "notify"
    TICKET = "ticket"


class RuleGroupBy(StrEnum):
    """Which open incident an alert joins instead of starting a new one."""

    GROUP_KEY = "group_key"
    SERVICE = "service"
    NONE = "none"


class AlertRule(StrictModel):
    """Decides what an alert becomes; rules are tried in order and the first match wins."""

    name: Slug = Field(description="Identifier shown on alerts it decided; unique among rules.")
    matchers: list[MatcherText] = Field(
        default_factory=list,
        description="All must match the alert's labels (with the pseudo-labels source, "
        "integration, severity, environment, team and service); empty matches every alert.",
    )
    after_occurrences: StrictInt | None = Field(
        None, ge=2, description="Act only once the alert occurred this often within `within`."
    )
    within: Duration | None = Field(
        None, description="The window after_occurrences counts in; only with after_occurrences."
    )
    firing_for: Duration | None = Field(
        None,
        description="Act only once the alert has fired this long; not with after_occurrences.",
    )
    action: RuleAction = Field(
        RuleAction.INCIDENT, description="incident, attach, notify or ticket. Default incident."
    )
    severity: NonEmptyStr | None = Field(
        None,
        description="Fixed incident severity; default: severity_map of the alert's severity, "
        "else incident_defaults.severity.",
    )
    group_by: RuleGroupBy = Field(
        RuleGroupBy.GROUP_KEY,
        description="Which open incident the alert joins: group_key, service or none.",
    )
    group_window: Duration = Field(
        default=parse_duration(DEFAULT_GROUP_WINDOW),
        description="With group_by service: join an open incident of the same service declared "
        "within this window. Default 30m.",
    )

    _matchers: list[Matcher] = PrivateAttr(default_factory=list)

    def model_post_init(self, context: Any, /) -> None:
        self._matchers = parse_all(self.matchers)

    @property
    def matchers_parsed(self) -> list[Matcher]:
        return self._matchers

    def matches(self, labels: Mapping[str, str]) -> bool:
        return match_all(self._matchers, labels)


class OnAllResolved(StrEnum):
    """What an incident does when every alert linked to it has resolved."""

    MITIGATE = "mitigate"
    RESOLVE = "resolve"
    NOTHING = "nothing"


class FlappingSettings(StrictModel):
    """An alert that changes between firing and resolved this often is marked flapping."""

    transitions: StrictInt = Field(
        DEFAULT_FLAPPING_TRANSITIONS,
        ge=2,
        description="This many firing/resolved changes ... Default 6.",
    )
    within: Duration = Field(
        default=parse_duration(DEFAULT_FLAPPING_WITHIN),
        description="... within this window mark an alert flapping. Default 1h.",
    )


class AlertSettings(StrictModel):
    """How incidents follow their alerts."""

    on_all_resolved: OnAllResolved = Field(
        OnAllResolved.MITIGATE,
        description="What an incident does when every linked alert has resolved: mitigate, "
        "resolve or nothing. Default mitigate.",
    )
    flapping: FlappingSettings = Field(
        default=FlappingSettings(), description="When an alert counts as flapping."
    )

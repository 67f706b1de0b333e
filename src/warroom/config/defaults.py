"""Built-in defaults, in the same shape as the YAML, so they read like a config file.

The severity ladder follows the seeds: SEV1 24/7, SEV2 extended hours, SEV3 working hours
(early warnings we *want* to catch during the day), SEV4 cosmetic.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

DEFAULT_SEVERITIES: Final[tuple[Mapping[str, Any], ...]] = tuple(
    MappingProxyType(severity)
    for severity in (
        {
            "key": "SEV1",
            "name": "Critical",
            "description": (
                "Customers cannot use the product: checkout, the API or the whole platform "
                "is down. Respond immediately, 24/7, nights and holidays included."
            ),
            "response": "always",
            "page": True,
            "update_every": "15m",
            "postmortem": "required",
        },
        {
            "key": "SEV2",
            "name": "Major",
            "description": (
                "The product is degraded for many customers (search is down, checkout is "
                "slow): real business impact, not catastrophic. Respond during extended hours."
            ),
            "response": "extended_hours",
            "page": True,
            "update_every": "30m",
            "postmortem": "required",
        },
        {
            "key": "SEV3",
            "name": "Minor",
            "description": (
                "Early warning, invisible to most users: memory climbing, latency or error "
                "rates rising on non-critical paths. Handle during working hours."
            ),
            "response": "working_hours",
            "page": False,
            "update_every": "4h",
            "postmortem": "optional",
        },
        {
            "key": "SEV4",
            "name": "Low",
            "description": (
                "Cosmetic, or affects fewer than 0.1% of users. Log a ticket and fix it "
                "in a coming sprint."
            ),
            "response": "none",
            "page": False,
            "update_every": None,
            "postmortem": "none",
        },
    )
)

DEFAULT_SEVERITY_KEYS: Final[tuple[str, ...]] = tuple(
    str(severity["key"]) for severity in DEFAULT_SEVERITIES
)
DEFAULT_INCIDENT_SEVERITY: Final = "SEV3"
DEFAULT_FIRST_UPDATE_WITHIN: Final = "10m"
DEFAULT_ORGANIZATION_NAME: Final = "warroom"

# --- alert intake ---------------------------------------------------------------------------

DEFAULT_RATE_LIMIT_PER_SECOND: Final = 200.0
DEFAULT_RATE_LIMIT_BURST: Final = 2000
DEFAULT_HEARTBEAT_GRACE: Final = "5m"
DEFAULT_HEARTBEAT_TIMEZONE: Final = "UTC"
DEFAULT_HEARTBEAT_SEVERITY: Final = "critical"

DEFAULT_SEVERITY_MAP: Final[Mapping[str, str]] = MappingProxyType(
    {
        "critical": "SEV1",
        "page": "SEV1",
        "error": "SEV2",
        "high": "SEV2",
        "major": "SEV2",
        "warning": "SEV3",
        "warn": "SEV3",
        "minor": "SEV3",
        "info": "SEV4",
        "low": "SEV4",
    }
)
"""Alert severity label (lowercase) -> incident severity, when ``severity_map`` is not set."""

DEFAULT_ALERT_RULES: Final[tuple[Mapping[str, Any], ...]] = (
    MappingProxyType({"name": "default", "action": "incident"}),
)
"""Without ``alert_rules``, every alert becomes (or joins) an incident."""

DEFAULT_GROUP_WINDOW: Final = "30m"
DEFAULT_FLAPPING_TRANSITIONS: Final = 6
DEFAULT_FLAPPING_WITHIN: Final = "1h"

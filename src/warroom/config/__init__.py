"""Configuration as code: teams, services, severities and incident defaults from YAML.

``load_config`` reads one file or a folder of them and reports every problem with its file,
line and YAML path; ``LiveConfig`` reloads without a restart, keeping the old configuration
in force when the new one is broken.
"""

from .errors import ConfigError, ConfigIssue
from .live import LiveConfig
from .loader import config_json_schema, load_config, parse_config, summary
from .models import (
    Config,
    Contact,
    ContactKind,
    HoursWindow,
    IncidentDefaults,
    Organization,
    PostmortemPolicy,
    ResponseWindow,
    Service,
    Severity,
    Team,
    Weekday,
)
from .values import format_duration, parse_duration

__all__ = [
    "Config",
    "ConfigError",
    "ConfigIssue",
    "Contact",
    "ContactKind",
    "HoursWindow",
    "IncidentDefaults",
    "LiveConfig",
    "Organization",
    "PostmortemPolicy",
    "ResponseWindow",
    "Service",
    "Severity",
    "Team",
    "Weekday",
    "config_json_schema",
    "format_duration",
    "load_config",
    "parse_config",
    "parse_duration",
    "summary",
]

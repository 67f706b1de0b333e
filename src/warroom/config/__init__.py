"""Configuration as code: teams, services, severities, incident defaults and alert intake
(integrations, routing, alert rules) from YAML.

``load_config`` reads one file or a folder of them and reports every problem with its file,
line and YAML path; ``LiveConfig`` reloads without a restart, keeping the old configuration
in force when the new one is broken.
"""

from .alerting import (
    ROUTING_GROUPS,
    AlertRule,
    AlertSettings,
    FlappingSettings,
    InhibitRule,
    NamingRule,
    OnAllResolved,
    RoutingSettings,
    RuleAction,
    RuleGroupBy,
)
from .errors import ConfigError, ConfigIssue
from .hours import HoursWindow, Weekday
from .intake import (
    HeartbeatSpec,
    Integration,
    IntegrationKind,
    RateLimit,
    TransformLink,
    WebhookTransform,
)
from .lint import config_warnings
from .live import LiveConfig
from .loader import config_json_schema, load_config, parse_config, summary
from .models import (
    Config,
    Contact,
    ContactKind,
    IncidentDefaults,
    Organization,
    PostmortemPolicy,
    ResponseWindow,
    Service,
    Severity,
    Team,
)
from .monitors import (
    AnomalyMonitor,
    MetricsSettings,
    Monitor,
    MonitorSource,
    PrometheusSettings,
)
from .values import format_duration, parse_duration

__all__ = [
    "ROUTING_GROUPS",
    "AlertRule",
    "AlertSettings",
    "AnomalyMonitor",
    "Config",
    "ConfigError",
    "ConfigIssue",
    "Contact",
    "ContactKind",
    "FlappingSettings",
    "HeartbeatSpec",
    "HoursWindow",
    "IncidentDefaults",
    "InhibitRule",
    "Integration",
    "IntegrationKind",
    "LiveConfig",
    "MetricsSettings",
    "Monitor",
    "MonitorSource",
    "NamingRule",
    "OnAllResolved",
    "Organization",
    "PostmortemPolicy",
    "PrometheusSettings",
    "RateLimit",
    "ResponseWindow",
    "RoutingSettings",
    "RuleAction",
    "RuleGroupBy",
    "Service",
    "Severity",
    "Team",
    "TransformLink",
    "WebhookTransform",
    "Weekday",
    "config_json_schema",
    "config_warnings",
    "format_duration",
    "load_config",
    "parse_config",
    "parse_duration",
    "summary",
]

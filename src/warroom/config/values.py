"""Value types of the configuration: durations, times of day, slugs, time zones, URLs.

Each type validates with a human message (no pydantic jargon) and documents itself in the
JSON Schema the way it is written in YAML.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from pydantic import AfterValidator, Field, PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from warroom.matchers import Matcher, MatcherError

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
SEVERITY_KEY_PATTERN = r"^[A-Za-z0-9_-]+$"
DURATION_PATTERN = r"^(?=[0-9])(?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?$"
TIME_OF_DAY_PATTERN = r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$"
LABEL_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
INTEGRATION_KEY_PATTERN = r"^[A-Za-z0-9_-]{16,128}$"

_DURATION_RE = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_TIME_RE = re.compile(TIME_OF_DAY_PATTERN)


def config_problem(message: str) -> PydanticCustomError:
    """A validation error whose text is exactly ``message``."""
    return PydanticCustomError("warroom_config", "{message}", {"message": message})


def shown(value: object) -> str:
    """A value as a YAML author would recognise it in a message."""
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return repr(value)


# --- durations ---------------------------------------------------------------------------


def parse_duration(value: object) -> timedelta:
    """Parse ``90s``, ``15m``, ``1h30m``, ``2d`` (parts in d, h, m, s order) into a timedelta."""
    if isinstance(value, timedelta):
        if value <= timedelta(0):
            raise config_problem(f"duration must be longer than zero, got {value}")
        return value
    match = _DURATION_RE.match(value) if isinstance(value, str) else None
    if match is None or not any(match.groups()):
        raise config_problem(
            f"invalid duration {shown(value)}: use a number and a unit, e.g. 90s, 15m, 1h30m, 2d"
        )
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    result = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if result <= timedelta(0):
        raise config_problem(f"duration must be longer than zero, got {shown(value)}")
    return result


def parse_delay(value: object) -> timedelta:
    """A duration that may be zero (``0s``: at once)."""
    if value in ("0", "0s", 0) or value == timedelta(0):
        return timedelta(0)
    return parse_duration(value)


def format_duration(value: timedelta) -> str:
    """The inverse of :func:`parse_duration`: ``timedelta(minutes=90)`` -> ``"1h30m"``."""
    total = int(value.total_seconds())
    text = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, total = divmod(total, size)
        if count:
            text += f"{count}{unit}"
    return text or "0s"


Duration = Annotated[
    timedelta,
    PlainValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": DURATION_PATTERN,
            "examples": ["90s", "15m", "1h30m", "2d"],
            "description": "A duration: numbers with units d, h, m, s, e.g. 90s, 15m, 1h30m, 2d.",
        }
    ),
]


Delay = Annotated[
    timedelta,
    PlainValidator(parse_delay),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "examples": ["0s", "2m", "1h"],
            "description": "A delay: 0s (at once) or numbers with units d, h, m, s, e.g. 2m.",
        }
    ),
]


# --- times of day ------------------------------------------------------------------------


def parse_time_of_day(value: object) -> time:
    """Parse a 24-hour ``HH:MM`` time of day."""
    if isinstance(value, time):
        return value
    if isinstance(value, str) and _TIME_RE.match(value):
        hour, minute = value.split(":")
        return time(int(hour), int(minute))
    raise config_problem(f"invalid time {shown(value)}: use 24-hour HH:MM, e.g. 09:00 or 17:30")


TimeOfDay = Annotated[
    time,
    PlainValidator(parse_time_of_day),
    PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": TIME_OF_DAY_PATTERN,
            "examples": ["09:00", "17:30"],
            "description": "A time of day, 24-hour HH:MM.",
        }
    ),
]


# --- names ---------------------------------------------------------------------------------

Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=63)]
SeverityKey = Annotated[str, Field(pattern=SEVERITY_KEY_PATTERN, max_length=32)]
NonEmptyStr = Annotated[str, Field(min_length=1)]


@lru_cache(maxsize=512)
def _zone_exists(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def check_time_zone(name: str) -> str:
    if not _zone_exists(name):
        raise config_problem(f"unknown time zone {name!r}: use an IANA name like Europe/Prague")
    return name


TimeZoneName = Annotated[
    str,
    AfterValidator(check_time_zone),
    Field(examples=["Europe/Prague", "America/New_York", "UTC"]),
]


def check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        raise config_problem(f"invalid URL {value!r}: use an http:// or https:// address")
    return value


HttpUrlStr = Annotated[
    str, AfterValidator(check_http_url), WithJsonSchema({"type": "string", "format": "uri"})
]


# --- alert intake ----------------------------------------------------------------------------

LabelName = Annotated[str, Field(pattern=LABEL_NAME_PATTERN, examples=["datacenter", "service"])]
IntegrationKey = Annotated[str, Field(pattern=INTEGRATION_KEY_PATTERN)]


def check_severity_label(label: str) -> str:
    if not label.strip():
        raise config_problem("must not be empty")
    if label != label.strip().lower():
        raise config_problem(
            f"severity labels are compared in lowercase: write {label.strip().lower()!r}"
        )
    return label


SeverityLabel = Annotated[str, AfterValidator(check_severity_label)]
"""The value of an alert's severity label, e.g. critical; stored lowercase."""


def check_matcher(text: str) -> str:
    try:
        Matcher.parse(text)
    except MatcherError as exc:
        raise config_problem(str(exc)) from None
    return text


MatcherText = Annotated[
    str,
    AfterValidator(check_matcher),
    WithJsonSchema(
        {
            "type": "string",
            "examples": ['severity="critical"', 'environment=~"prod|production"'],
            "description": 'A label matcher as in Alertmanager: name="value", name!="value", '
            'name=~"regex" or name!~"regex" (regular expressions match the whole value).',
        }
    ),
]

_TEMPLATES = SandboxedEnvironment()


def check_template(text: str) -> str:
    """A Jinja2 template compiles in the sandbox it will be rendered in."""
    if not text.strip():
        raise config_problem("must not be empty")
    try:
        _TEMPLATES.from_string(text)
    except TemplateError as exc:
        message = (exc.message or str(exc)).removesuffix(".")
        where = getattr(exc, "lineno", None)
        suffix = f" (line {where} of the template)" if where and "\n" in text else ""
        raise config_problem(
            f"invalid template: {message[:1].lower()}{message[1:]}{suffix}"
        ) from None
    return text


Template = Annotated[
    str,
    AfterValidator(check_template),
    WithJsonSchema(
        {
            "type": "string",
            "examples": ["{{ payload.title }}", "{{ payload.state | lower }}"],
            "description": "A Jinja2 template rendered over the JSON payload (variable payload).",
        }
    ),
]

CRON_EXAMPLE = "0 3 * * *"


def check_cron(expression: str) -> str:
    """A 5-field cron expression: minute hour day-of-month month day-of-week."""
    if len(expression.split()) != 5:
        raise config_problem(
            f"invalid cron expression {expression!r}: use 5 fields (minute hour day-of-month "
            f"month day-of-week), e.g. '{CRON_EXAMPLE}'"
        )
    try:
        CronSim(expression, datetime(2000, 1, 1))
    except CronSimError as exc:
        reason = str(exc)
        raise config_problem(
            f"invalid cron expression {expression!r}: {reason[:1].lower()}{reason[1:]}"
        ) from None
    return expression


CronExpression = Annotated[
    str,
    AfterValidator(check_cron),
    WithJsonSchema(
        {
            "type": "string",
            "examples": [CRON_EXAMPLE, "*/15 * * * *", "30 2 * * mon-fri"],
            "description": "A cron expression of 5 fields: minute hour day-of-month month "
            "day-of-week.",
        }
    ),
]

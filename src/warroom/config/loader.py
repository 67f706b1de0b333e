"""Load, validate and describe configuration files."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic.json_schema import GenerateJsonSchema

from .errors import ConfigError, ConfigIssue
from .messages import human_message
from .models import DEFER_REFERENCES, Config
from .references import reference_problems
from .values import format_duration
from .yamlsource import Source, parse_text, read_source

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def load_config(path: str | Path) -> Config:
    """Load a YAML file, or a folder of them, raising ConfigError with every problem found."""
    return _validated(read_source(Path(path), str(path)))


def parse_config(text: str, file: str = "<string>") -> Config:
    """Load configuration from YAML text; ``file`` names it in error messages."""
    return _validated(parse_text(text, file))


def config_json_schema() -> dict[str, Any]:
    """JSON Schema of the configuration file, for editors and CI."""
    schema = Config.model_json_schema(schema_generator=_ConfigJsonSchema)
    return {"$schema": JSON_SCHEMA_DIALECT, **schema}


class _ConfigJsonSchema(GenerateJsonSchema):
    def encode_default(self, dft: Any) -> Any:
        # A bare duration default would otherwise be ISO 8601 (PT10M), not YAML's 10m.
        if isinstance(dft, timedelta):
            return format_duration(dft)
        return super().encode_default(dft)


def summary(config: Config) -> str:
    """One line such as ``5 teams, 14 services, 4 severities``."""
    counts = (
        (len(config.teams), "team", "teams"),
        (len(config.services), "service", "services"),
        (len(config.severities), "severity", "severities"),
    )
    return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in counts)


def _validated(source: Source) -> Config:
    issues = list(source.issues)
    if source.fatal:
        raise ConfigError(_in_reading_order(issues, source))
    config: Config | None = None
    try:
        config = Config.model_validate(source.data, context={DEFER_REFERENCES: True})
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            issues.append(source.issue(_loc_of(error["loc"]), human_message(error, Config)))
    for problem in reference_problems(source.data):
        file, _ = source.locate(problem.loc)
        message = problem.render(partial(source.describe, seen_from=file))
        issues.append(source.issue(problem.loc, message))
    if issues or config is None:
        raise ConfigError(_in_reading_order(issues, source))
    return config


def _loc_of(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """Pydantic marks a bad mapping key with a trailing ``[key]``: the key itself is the place."""
    return loc[:-1] if loc and loc[-1] == "[key]" else loc


def _in_reading_order(issues: list[ConfigIssue], source: Source) -> list[ConfigIssue]:
    order = {file: index for index, file in enumerate(source.files)}
    return sorted(issues, key=lambda i: (order.get(i.file, len(order)), i.line or 0))

"""Pydantic's validation errors reworded for people editing YAML."""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from .errors import Loc, did_you_mean
from .values import (
    INTEGRATION_KEY_PATTERN,
    LABEL_NAME_PATTERN,
    SEVERITY_KEY_PATTERN,
    SLUG_PATTERN,
    shown,
)

_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}

_PATTERNS = {
    SLUG_PATTERN: "invalid slug {value}: use lowercase letters, digits and hyphens, "
    "starting with a letter or digit",
    SEVERITY_KEY_PATTERN: "invalid severity key {value}: use letters, digits, '-' and '_'",
    LABEL_NAME_PATTERN: "invalid label name {value}: use letters, digits and '_', not "
    "starting with a digit",
    # The key is a secret: describe it, never echo it.
    INTEGRATION_KEY_PATTERN: "invalid integration key: use 16 to 128 letters, digits, '-' and '_'",
}


def human_message(error: ErrorDetails, root: type[BaseModel]) -> str:
    kind = error["type"]
    loc: Loc = tuple(error["loc"])
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    value = error.get("input")
    if kind == "warroom_config":
        return str(ctx["message"])
    if kind == "extra_forbidden":
        return f"unknown key {str(loc[-1])!r}{_allowed_keys_hint(root, loc)}"
    if kind == "missing":
        return f"missing required key {str(loc[-1])!r}"
    if kind in _EXPECTED:
        got = "nothing (null)" if value is None else shown(value)
        if _is_secret(loc) and isinstance(value, int | float):
            got = "a number (quote the key)"
        return f"expected {_EXPECTED[kind]}, got {got}"
    if kind in ("enum", "literal_error"):
        return f"invalid value {shown(value)}: expected {ctx['expected']}"
    if kind == "string_pattern_mismatch":
        template = _PATTERNS.get(str(ctx.get("pattern")), "invalid value {value}")
        return template.format(value=shown(value))
    if kind in ("too_short", "string_too_short"):
        size = int(ctx["min_length"])
        if size == 1:
            return "must not be empty"
        unit = "items" if kind == "too_short" else "characters"
        return f"must have at least {size} {unit}"
    if kind in ("too_long", "string_too_long"):
        unit = "items" if kind == "too_long" else "characters"
        return f"must have at most {ctx['max_length']} {unit}"
    if kind == "greater_than":
        bound = ctx["gt"]
        if isinstance(bound, float) and bound.is_integer():
            bound = int(bound)
        return f"must be more than {shown(bound)}, got {shown(value)}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx['ge']}, got {shown(value)}"
    if kind == "less_than_equal":
        return f"must be at most {ctx['le']}, got {shown(value)}"
    message = error["msg"].removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _is_secret(loc: Loc) -> bool:
    """Integration keys are never echoed: error output ends up in CI logs."""
    return len(loc) == 3 and loc[0] == "integrations" and loc[2] == "key"


def _allowed_keys_hint(root: type[BaseModel], loc: Loc) -> str:
    model = _model_at(root, loc[:-1])
    if model is None:
        return ""
    allowed = list(model.model_fields)
    return did_you_mean(str(loc[-1]), allowed) or f" (allowed keys: {', '.join(allowed)})"


def _model_at(root: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    model = root
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        found = None if field is None else _model_in(field.annotation)
        if found is None:
            return None
        model = found
    return model


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None

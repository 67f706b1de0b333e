"""Form input through the API's own schemas, so a page refuses exactly what the API
refuses, naming the same field."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from warroom.problems import InvalidInput

M = TypeVar("M", bound=BaseModel)


def validated(model: type[M], **fields: Any) -> M:
    """``model`` from the form's fields (empty optional fields left out)."""
    data = {name: value for name, value in fields.items() if value not in (None, "")}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first.get("loc", ())) or "form"
        if first.get("type") == "missing":
            raise InvalidInput(f"{field} is required", field=field) from None
        raise InvalidInput(f"{field}: {first.get('msg', 'is invalid')}", field=field) from None


def words(value: str | None) -> list[str]:
    """A list typed as ``a, b c`` in one text field."""
    return [part for part in (value or "").replace(",", " ").split() if part]

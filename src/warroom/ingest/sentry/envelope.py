"""Sentry envelopes: ``Headers {"\\n" Item} ["\\n"]``, ``Item = Headers "\\n" Payload``.

Headers are one-line JSON objects. An item's ``length`` (bytes) is optional: without it the
payload runs to the next newline. Framing errors refuse the whole envelope (400, naming the
item); a payload that is not what its type needs is the worker's to drop, alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from warroom.ingest.errors import IngestError

NEWLINE = 0x0A


@dataclass(frozen=True)
class Item:
    headers: dict[str, Any]
    payload: bytes

    @property
    def type(self) -> str:
        kind = self.headers.get("type")
        return kind if isinstance(kind, str) else ""


@dataclass(frozen=True)
class Envelope:
    headers: dict[str, Any]
    items: list[Item]


def _header(line: bytes, field: str) -> dict[str, Any]:
    try:
        value = orjson.loads(line) if line.strip() else {}
    except orjson.JSONDecodeError as exc:
        raise IngestError(400, f"{field} is not valid JSON: {exc}", field=field) from None
    if not isinstance(value, dict):
        raise IngestError(400, f"{field} is not a JSON object", field=field)
    return value


def parse_envelope(body: bytes) -> Envelope:
    end = body.find(b"\n")
    first = body if end < 0 else body[:end]
    headers = _header(first, "envelope header")
    position = len(body) if end < 0 else end + 1
    items: list[Item] = []
    size = len(body)
    while position < size:
        if body[position] == NEWLINE:  # blank lines between and after items
            position += 1
            continue
        field = f"item {len(items)} header"
        end = body.find(b"\n", position)
        line = body[position:] if end < 0 else body[position:end]
        item_headers = _header(line, field)
        kind = item_headers.get("type")
        if not isinstance(kind, str) or not kind:
            raise IngestError(400, f"{field} has no type", field=f"{field}.type")
        position = size if end < 0 else end + 1
        length = item_headers.get("length")
        if length is not None:
            if not isinstance(length, int) or isinstance(length, bool) or length < 0:
                raise IngestError(
                    400, f"{field}: length is not a byte count", field=f"{field}.length"
                )
            if position + length > size:
                raise IngestError(
                    400,
                    f"{field}: length {length} runs past the end of the envelope",
                    field=f"{field}.length",
                )
            payload = body[position : position + length]
            position += length
            if position < size and body[position] == NEWLINE:
                position += 1
        else:
            end = body.find(b"\n", position)
            payload = body[position:] if end < 0 else body[position:end]
            position = size if end < 0 else end + 1
        items.append(Item(item_headers, payload))
    return Envelope(headers, items)

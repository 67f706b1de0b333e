"""Sentry envelopes: ``Headers {"\\n" Item} ["\\n"]``, ``Item = Headers "\\n" Payload``.

Headers are one-line JSON objects. An item's ``length`` (bytes) is optional: without it the
payload runs to the next newline. Framing errors refuse the whole envelope (400, naming the
item); a payload that is not what its type needs is the worker's to drop, alone.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import orjson

from warroom.ingest.errors import IngestError

NEWLINE = 0x0A


class Item(NamedTuple):
    """One item: its headers (``type`` checked to be a non-empty string) and payload.
    (Named tuples, not frozen dataclasses: built for every item of every request, and a
    frozen dataclass's ``__init__`` costs several times more.)"""

    headers: dict[str, Any]
    payload: bytes
    type: str


class Envelope(NamedTuple):
    headers: dict[str, Any]
    items: list[Item]


def _header(line: bytes, index: int | None) -> dict[str, Any]:
    """A header line as a JSON object; ``index``: the item's (None: the envelope's)."""
    try:
        value = orjson.loads(line) if line.strip() else {}
    except orjson.JSONDecodeError as exc:
        field = _field(index)
        raise IngestError(400, f"{field} is not valid JSON: {exc}", field=field) from None
    if type(value) is not dict:
        field = _field(index)
        raise IngestError(400, f"{field} is not a JSON object", field=field)
    return value


def _field(index: int | None) -> str:
    """The name of a header line in answers (built only for a refusal)."""
    return "envelope header" if index is None else f"item {index} header"


def parse_envelope(body: bytes) -> Envelope:
    end = body.find(b"\n")
    headers = _header(body if end < 0 else body[:end], None)
    position = len(body) if end < 0 else end + 1
    items: list[Item] = []
    size = len(body)
    find = body.find
    while position < size:
        if body[position] == NEWLINE:  # blank lines between and after items
            position += 1
            continue
        end = find(b"\n", position)
        item_headers = _header(body[position:] if end < 0 else body[position:end], len(items))
        kind = item_headers.get("type")
        if type(kind) is not str or not kind:
            field = _field(len(items))
            raise IngestError(400, f"{field} has no type", field=f"{field}.type")
        position = size if end < 0 else end + 1
        length = item_headers.get("length")
        if length is not None:
            if type(length) is not int or length < 0:
                field = _field(len(items))
                raise IngestError(
                    400, f"{field}: length is not a byte count", field=f"{field}.length"
                )
            if position + length > size:
                field = _field(len(items))
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
            end = find(b"\n", position)
            payload = body[position:] if end < 0 else body[position:end]
            position = size if end < 0 else end + 1
        items.append(Item(item_headers, payload, kind))
    return Envelope(headers, items)

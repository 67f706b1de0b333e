"""Prometheus remote-write 1.0: a snappy (block format) compressed protobuf ``WriteRequest``.

Only the fields warroom stores are decoded — ``WriteRequest.timeseries`` (1), each with its
``labels`` (1: name 1, value 2) and ``samples`` (2: value 1 as double, timestamp 2 as int64
milliseconds); everything else (metadata, exemplars, native histograms) is skipped by wire
type. A hand-written decoder keeps the message shape in one readable place without codegen.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import cramjam

__all__ = ["PushedSeries", "RemoteWriteError", "decode_write_request", "decompress"]


class RemoteWriteError(ValueError):
    """The body is not a snappy-compressed WriteRequest; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class PushedSeries:
    labels: dict[str, str]
    samples: list[tuple[int, float]]
    """(timestamp in milliseconds, value)"""


VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5


def decompress(body: bytes, limit: int) -> bytes:
    """Snappy block format, refused when the declared length passes ``limit``."""
    declared, _ = _varint(body, 0) if body else (0, 0)
    if declared > limit:
        raise RemoteWriteError(f"decompressed body would be {declared} bytes, over {limit}")
    try:
        return bytes(cramjam.snappy.decompress_raw(body))
    except cramjam.DecompressionError as error:
        raise RemoteWriteError(f"body is not snappy block-compressed: {error}") from None


def _varint(data: bytes, at: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if at >= len(data):
            raise RemoteWriteError("truncated varint")
        byte = data[at]
        at += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, at
        shift += 7
        if shift > 63:
            raise RemoteWriteError("varint longer than 10 bytes")


def _fields(data: bytes) -> list[tuple[int, int, int | bytes]]:
    """(field number, wire type, value) of one message: ints for varint/fixed, bytes for
    length-delimited fields."""
    out: list[tuple[int, int, int | bytes]] = []
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == VARINT:
            value, at = _varint(data, at)
        elif wire == FIXED64:
            if at + 8 > len(data):
                raise RemoteWriteError("truncated 64-bit field")
            value = int.from_bytes(data[at : at + 8], "little")
            at += 8
        elif wire == LENGTH:
            size, at = _varint(data, at)
            if at + size > len(data):
                raise RemoteWriteError("truncated length-delimited field")
            value = data[at : at + size]
            at += size
        elif wire == FIXED32:
            if at + 4 > len(data):
                raise RemoteWriteError("truncated 32-bit field")
            value = int.from_bytes(data[at : at + 4], "little")
            at += 4
        else:
            raise RemoteWriteError(f"unsupported wire type {wire}")
        out.append((number, wire, value))
    return out


def _label(data: bytes) -> tuple[str, str]:
    name = value = ""
    for number, wire, raw in _fields(data):
        if wire == LENGTH and isinstance(raw, bytes):
            text = raw.decode("utf-8", errors="replace")
            if number == 1:
                name = text
            elif number == 2:
                value = text
    return name, value


def _sample(data: bytes) -> tuple[int, float]:
    value, timestamp = 0.0, 0
    for number, wire, raw in _fields(data):
        if number == 1 and wire == FIXED64 and isinstance(raw, int):
            value = struct.unpack("<d", raw.to_bytes(8, "little"))[0]
        elif number == 2 and wire == VARINT and isinstance(raw, int):
            timestamp = raw - (1 << 64) if raw >= 1 << 63 else raw
    return timestamp, value


def _series(data: bytes) -> PushedSeries:
    labels: dict[str, str] = {}
    samples: list[tuple[int, float]] = []
    for number, wire, raw in _fields(data):
        if wire != LENGTH or not isinstance(raw, bytes):
            continue
        if number == 1:
            name, value = _label(raw)
            labels[name] = value
        elif number == 2:
            samples.append(_sample(raw))
    return PushedSeries(labels, samples)


def decode_write_request(data: bytes) -> list[PushedSeries]:
    return [
        _series(raw)
        for number, wire, raw in _fields(data)
        if number == 1 and wire == LENGTH and isinstance(raw, bytes)
    ]

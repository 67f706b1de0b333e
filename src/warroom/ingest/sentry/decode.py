"""Bounded decompression of request bodies: gzip, deflate, br and zstd.

Every decoder stops at ``limit`` bytes of output, so a small compression bomb costs at most
``limit`` bytes of memory before it is refused with 413. gzip and deflate go through ISA-L
(``isal``, the same formats, about a third faster than zlib here: every SDK envelope is
gzip).
"""

from __future__ import annotations

import brotli
import zstandard
from isal import isal_zlib

from warroom.ingest.errors import IngestError

ZLIB_WRAPPED = 15
GZIP_WRAPPED = 31
RAW_DEFLATE = -15
ENCODINGS = ("gzip", "x-gzip", "deflate", "br", "zstd", "identity", "")


def _too_large(limit: int) -> IngestError:
    return IngestError(
        413, f"decompressed body exceeds {limit} bytes", field="body", outcome="too_large"
    )


def _broken(encoding: str, exc: Exception) -> IngestError:
    return IngestError(
        400, f"body cannot be decompressed as {encoding}: {exc}", field="body", outcome="malformed"
    )


class InflateError(ValueError):
    pass


INFLATE_ERRORS: tuple[type[Exception], ...] = (isal_zlib.error, InflateError)  # type: ignore[assignment]


def _inflate(body: bytes, limit: int, wbits: int) -> bytes:
    inflater = isal_zlib.decompressobj(wbits)
    out: bytes = inflater.decompress(body, limit + 1)
    if len(out) > limit or inflater.unconsumed_tail:
        raise _too_large(limit)
    if not inflater.eof:  # garbage, or a stream cut short: no end of stream came
        raise InflateError("the stream ends before its end")
    return out


def _gzip(body: bytes, limit: int) -> bytes:
    try:
        return _inflate(body, limit, GZIP_WRAPPED)
    except INFLATE_ERRORS as exc:
        raise _broken("gzip", exc) from None


def gunzip(body: bytes, limit: int) -> bytes:
    """``decompress(body, "gzip", limit)``, for the Content-Encoding every SDK sends."""
    return _gzip(body, limit)


def _deflate(body: bytes, limit: int) -> bytes:
    """HTTP's deflate is zlib-wrapped; some clients send raw deflate: both are taken."""
    try:
        return _inflate(body, limit, ZLIB_WRAPPED)
    except INFLATE_ERRORS:
        pass
    try:
        return _inflate(body, limit, RAW_DEFLATE)
    except INFLATE_ERRORS as exc:
        raise _broken("deflate", exc) from None


def _brotli(body: bytes, limit: int) -> bytes:
    decoder = brotli.Decompressor()
    try:
        out: bytes = decoder.process(body, output_buffer_limit=limit + 1)
        if len(out) > limit or not decoder.can_accept_more_data():
            raise _too_large(limit)
    except brotli.error as exc:
        raise _broken("br", exc) from None
    if not decoder.is_finished():
        raise _broken("br", ValueError("truncated stream"))
    return out


def declared_zstd_size(body: bytes) -> int | None:
    """The content size a zstd frame declares, if it does."""
    try:
        size = zstandard.frame_content_size(body)
    except zstandard.ZstdError:
        return None
    return size if size >= 0 else None


def decompress(body: bytes, encoding: str, limit: int) -> bytes:
    """``body`` decoded per its Content-Encoding (possibly a list, applied in order), at
    most ``limit`` bytes; 415 for an encoding not taken, 400 for a broken stream, 413 past
    ``limit``."""
    codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
    for coding in reversed(codings):  # the last coding listed was applied last
        if coding in ("identity", ""):
            continue
        if coding in ("gzip", "x-gzip"):
            body = _gzip(body, limit)
        elif coding == "deflate":
            body = _deflate(body, limit)
        elif coding == "br":
            body = _brotli(body, limit)
        elif coding == "zstd":
            size = declared_zstd_size(body)
            if size is not None and size > limit:
                raise _too_large(limit)
            body = _zstd_bounded(body, limit)
        else:
            raise IngestError(
                415,
                f"unsupported Content-Encoding {coding!r}: send gzip, deflate, br, zstd or none",
                field="content-encoding",
            )
    return body


def _zstd_bounded(body: bytes, limit: int) -> bytes:
    """zstd through a stream reader that stops at ``limit`` + 1 bytes (frames that do not
    declare their size cannot blow past the limit either)."""
    reader = zstandard.ZstdDecompressor().stream_reader(body, read_across_frames=True)
    try:
        out = reader.read(limit + 1)
        while len(out) <= limit:
            more = reader.read(limit + 1 - len(out))
            if not more:
                break
            out += more
    except zstandard.ZstdError as exc:
        raise _broken("zstd", exc) from None
    if len(out) > limit:
        raise _too_large(limit)
    return out

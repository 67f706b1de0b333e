"""Previous/next links of a paginated list: the same query with another offset."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request


@dataclass(frozen=True)
class Paging:
    total: int
    offset: int
    shown: int
    previous_url: str | None
    next_url: str | None

    @property
    def first(self) -> int:
        return self.offset + 1 if self.shown else 0

    @property
    def last(self) -> int:
        return self.offset + self.shown


def paging(request: Request, total: int, offset: int, shown: int, page_size: int) -> Paging:
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]

    def url(at: int) -> str:
        query = urlencode(kept + ([("offset", str(at))] if at else []))
        return f"{request.url.path}?{query}" if query else request.url.path

    previous_url = url(max(0, offset - page_size)) if offset > 0 else None
    next_url = url(offset + page_size) if offset + shown < total else None
    return Paging(total, offset, shown, previous_url, next_url)

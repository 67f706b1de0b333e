"""Full-text search over published postmortems: "have we seen this before?".

SQLite: the FTS5 table ``postmortem_search`` (triggers keep it to the published ones, see
migration 0013), ranked by bm25. PostgreSQL: ``to_tsvector('english', title || ' ' ||
search_text)`` (the GIN index of migration 0013) matched by ``websearch_to_tsquery``, ranked
by ``ts_rank``. A query is words: every word must appear (``any_word`` for suggestions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

MAX_QUERY = 200
WORD = re.compile(r"[\w][\w.-]*", re.UNICODE)
STOP = frozenset({"the", "and", "for", "with", "from", "was", "are", "but", "not", "inc"})


@dataclass(frozen=True)
class Hit:
    postmortem_id: int
    incident_id: int
    title: str
    snippet: str
    rank: float


def words(query: str) -> list[str]:
    found: list[str] = []
    for found_word in WORD.findall(query[:MAX_QUERY].lower()):
        word = found_word.strip(".-")
        if len(word) >= 2 and word not in STOP and word not in found:
            found.append(word)
    return found[:20]


def search(session: Session, query: str, *, limit: int = 20, any_word: bool = False) -> list[Hit]:
    terms = words(query)
    if not terms:
        return []
    if session.get_bind().dialect.name == "sqlite":
        joiner = " OR " if any_word else " "
        match = joiner.join('"' + term.replace('"', "") + '"' for term in terms)
        rows = session.execute(
            text(
                "SELECT s.rowid, p.incident_id, p.title, "
                "snippet(postmortem_search, 1, '[', ']', '…', 16), bm25(postmortem_search) "
                "FROM postmortem_search s JOIN postmortems p ON p.id = s.rowid "
                "WHERE postmortem_search MATCH :match ORDER BY bm25(postmortem_search) LIMIT :limit"
            ),
            {"match": match, "limit": limit},
        )
        return [Hit(r[0], r[1], r[2], r[3], -float(r[4])) for r in rows]
    joiner = " or " if any_word else " "
    rows = session.execute(
        text(
            "SELECT id, incident_id, title, "
            "ts_headline('english', search_text, q, "
            "'StartSel=[,StopSel=],MaxWords=20,MinWords=5'), "
            "ts_rank(to_tsvector('english', title || ' ' || search_text), q) AS rank "
            "FROM postmortems, websearch_to_tsquery('english', :query) q "
            "WHERE status = 'published' "
            "AND to_tsvector('english', title || ' ' || search_text) @@ q "
            "ORDER BY rank DESC, id DESC LIMIT :limit"
        ),
        {"query": joiner.join(terms), "limit": limit},
    )
    return [Hit(r[0], r[1], r[2], r[3], float(r[4])) for r in rows]

"""Markdown to safe HTML: the preview in the editor, the published page and the PDF.

markdown-it-py (CommonMark, raw HTML off, so ``<script>`` stays text) renders; nh3 (the
Ammonia sanitiser) then keeps only an allow-list of tags and attributes, and only http,
https and mailto links, in case a future renderer option lets something through.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
TAGS = {
    "a", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "hr", "li", "ol", "p",
    "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul", "del",
}  # fmt: skip


def to_html(markdown: str) -> str:
    return nh3.clean(
        _MARKDOWN.render(markdown),
        tags=TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )

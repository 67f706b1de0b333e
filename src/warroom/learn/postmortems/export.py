"""A postmortem as a file: Markdown as written, or PDF (WeasyPrint) of the sanitised HTML
with a small print style sheet; nothing is fetched from outside."""

from __future__ import annotations

from html import escape

from warroom.learn.postmortems.rendering import to_html

PRINT_CSS = """
@page { size: A4; margin: 18mm 16mm;
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; } }
body { font-family: sans-serif; font-size: 10pt; line-height: 1.4; color: #111; }
h1 { font-size: 18pt; margin: 0 0 8pt; }
h2 { font-size: 13pt; margin: 14pt 0 4pt; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #bbb; padding: 3pt 5pt; text-align: left; vertical-align: top; }
code, pre { font-family: monospace; font-size: 9pt; }
"""


def _refuse(url: str, *_args: object, **_kwargs: object) -> dict[str, object]:
    """A postmortem PDF fetches nothing (no images, fonts or style sheets from links)."""
    raise ValueError(f"not fetched: {url}")


def to_pdf(markdown: str, title: str) -> bytes:
    from weasyprint import HTML  # imported on use: it loads Pango (native) at import

    document = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{PRINT_CSS}</style></head><body>{to_html(markdown)}</body></html>"
    )
    pdf: bytes = HTML(string=document, base_url=None, url_fetcher=_refuse).write_pdf()
    return pdf

"""A nudge for vague action items: "improve monitoring" is not done on any particular day.

An item reads as vague when it leads with a verb that names no outcome (improve, look into,
investigate, review, ...) or says "better"/"more", and names nothing measurable: no number,
threshold, percentile, duration or concrete artefact (an alert, a runbook, a test, a
dashboard, a limit). The nudge is advice shown next to the item; it never refuses it.
"""

from __future__ import annotations

import re

VAGUE = re.compile(
    r"^\s*(improve|enhance|look into|investigate|review|revisit|consider|think about|"
    r"explore|monitor|try to|be more|make sure|ensure|fix issues?|optimi[sz]e|clean ?up)\b"
    r"|\b(better|more robust|more reliable|as needed|where possible|in general)\b",
    re.IGNORECASE,
)
MEASURABLE = re.compile(
    r"\d|%|\bp\d\d\b|\b(alert|alerts|runbook|test|tests|dashboard|slo|sli|limit|timeout|"
    r"threshold|page|pages|check|checklist|canary|rollback|retry|retries|quota|budget|"
    r"owner|on-call|ci|lint|migration)\b",
    re.IGNORECASE,
)


def nudge(title: str, description: str = "") -> str | None:
    """The advice for a vague item, or None."""
    text = f"{title} {description}"
    if VAGUE.search(title) and not MEASURABLE.search(text):
        return (
            "This reads as vague: name a measurable outcome, e.g. "
            '"alert when checkout p95 > 800 ms for 10m" instead of "improve monitoring".'
        )
    return None

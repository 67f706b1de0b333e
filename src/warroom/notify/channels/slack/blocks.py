"""Block Kit for warroom's generic messages: a section with the text, a context line with the
incident's severity, status and team, and Acknowledge / Resolve buttons.

The buttons carry the incident ID in ``value``; a click comes back to ``/slack/interactions``
with ``action_id`` ``warroom_acknowledge`` or ``warroom_resolve``.
"""

from __future__ import annotations

from typing import Any

ACKNOWLEDGE_ACTION = "warroom_acknowledge"
RESOLVE_ACTION = "warroom_resolve"
CLOSED_STATUSES = frozenset({"resolved", "closed"})
MAX_SECTION_TEXT = 3000


def escape(text: str) -> str:
    """Slack's three control characters, escaped as its formatting docs require."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Text Slack sent us (a slash command) as the person typed it."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def fallback_text(message: dict[str, Any]) -> str:
    """The notification text (``text`` argument): shown in notifications and old clients."""
    subject = str(message.get("subject") or "")
    text = str(message.get("text") or "")
    joined = text if not subject else f"{subject}\n{text}" if text else subject
    return escape(joined)


def _title(message: dict[str, Any]) -> str:
    incident = message.get("incident") or {}
    subject = escape(str(message.get("subject") or ""))
    url = incident.get("url")
    if url and subject:
        return f"*<{url}|{subject}>*"
    return f"*{subject}*" if subject else ""


def blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    incident = message.get("incident") or {}
    text = escape(str(message.get("text") or ""))
    body = "\n".join(part for part in (_title(message), text) if part)
    out: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": body[:MAX_SECTION_TEXT] or " "}}
    ]
    if incident:
        facts = [
            f"*{incident.get('ref', '')}*",
            str(incident.get("severity", "")),
            str(incident.get("status", "")),
            f"team {incident.get('team', '')}",
        ]
        if incident.get("alert_count"):
            facts.append(f"{incident['alert_count']:,} alerts")
        out.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": " · ".join(f for f in facts if f)}],
            }
        )
    if incident.get("id") is not None and incident.get("status") not in CLOSED_STATUSES:
        value = str(incident["id"])
        buttons: list[dict[str, Any]] = []
        if incident.get("status") == "triggered" or message.get("kind") in ("page", "reminder"):
            buttons.append(_button("Acknowledge", ACKNOWLEDGE_ACTION, value, "primary"))
        buttons.append(_button("Resolve", RESOLVE_ACTION, value, None))
        out.append({"type": "actions", "elements": buttons})
    return out


def _button(label: str, action_id: str, value: str, style: str | None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }
    if style is not None:
        button["style"] = style
    return button

"""What a postmortem says, section by section, and the Markdown document made of it.

The content is structured so that the parts people reason about across incidents (five
whys, the detection review) stay queryable; the free-text sections are Markdown. The whole
document (``to_markdown``) is what is exported, diffed between revisions and searched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

MAX_TEXT = 20_000
MAX_ITEMS = 50


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    PARTLY = "partly"
    UNKNOWN = "unknown"


class Why(BaseModel):
    """One step of the five whys: the question and what was found."""

    model_config = ConfigDict(extra="forbid")

    why: str = Field(max_length=1000, description="Why did this happen?")
    because: str = Field(max_length=2000, description="Because ...")


class TimelineLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: datetime
    text: str = Field(max_length=2000)
    kind: str = Field("note", max_length=32)
    pinned: bool = False


class Responder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(max_length=64)
    display_name: str | None = Field(None, max_length=200)
    roles: list[str] = Field(default_factory=list, max_length=10)


class DetectionReview(BaseModel):
    """Saleor's questions after an incident: how it was found, and what would have found it
    sooner."""

    model_config = ConfigDict(extra="forbid")

    alert_fired: Answer = Field(Answer.UNKNOWN, description="Did an alert fire?")
    first_alert_at: datetime | None = Field(None, description="When the first alert fired.")
    fired_late: Answer = Field(Answer.UNKNOWN, description="Did it fire late?")
    earlier_signal: str = Field(
        "", max_length=MAX_TEXT, description="Would another signal have caught it earlier?"
    )
    ownership_clear: Answer = Field(Answer.UNKNOWN, description="Was ownership clear?")
    runbook_right: Answer = Field(Answer.UNKNOWN, description="Was the runbook right?")
    notes: str = Field(
        "",
        max_length=MAX_TEXT,
        description="Missing signals, wrong assumptions, undocumented steps.",
    )


class Durations(BaseModel):
    """Seconds, from the incident's timestamps (TTD from impact start to the first signal;
    the others from detection)."""

    model_config = ConfigDict(extra="forbid")

    time_to_detect: float | None = None
    time_to_acknowledge: float | None = None
    time_to_mitigate: float | None = None
    time_to_resolve: float | None = None


class PostmortemContent(BaseModel):
    """Every section of a postmortem."""

    model_config = ConfigDict(extra="forbid")

    summary: str = Field("", max_length=MAX_TEXT, description="Markdown.")
    impact: str = Field("", max_length=MAX_TEXT, description="Markdown.")
    durations: Durations = Field(default_factory=Durations)
    timeline: list[TimelineLine] = Field(default_factory=list, max_length=500)
    responders: list[Responder] = Field(default_factory=list, max_length=MAX_ITEMS)
    five_whys: list[Why] = Field(default_factory=list, max_length=10)
    detection: DetectionReview = Field(default_factory=DetectionReview)
    went_well: str = Field("", max_length=MAX_TEXT, description="Markdown.")
    got_lucky: str = Field("", max_length=MAX_TEXT, description="Markdown: where we got lucky.")

    def as_json(self) -> dict[str, object]:
        return self.model_dump(mode="json")


FREE_TEXT = ("summary", "impact", "went_well", "got_lucky")
"""The Markdown sections (what the blameless lint reads, with the whys and detection)."""


@dataclass(frozen=True)
class FactorLine:
    category: str
    description: str
    tags: Sequence[str]
    service: str | None


@dataclass(frozen=True)
class ActionLine:
    title: str
    owner: str | None
    team: str
    due: str
    priority: str
    kind: str
    status: str


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    total = int(seconds)
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days}d"] if days else []
    if hours:
        parts.append(f"{hours}h")
    if minutes:
        parts.append(f"{minutes}m")
    if secs and not days:
        parts.append(f"{secs}s")
    return " ".join(parts) or "0s"


def _answer(value: Answer) -> str:
    return value.value


def _escape_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(
    title: str,
    content: PostmortemContent,
    factors: Sequence[FactorLine] = (),
    actions: Sequence[ActionLine] = (),
) -> str:
    """The postmortem as one Markdown document, in a fixed section order."""
    out: list[str] = [f"# {title}", ""]

    def section(heading: str, body: str) -> None:
        out.extend([f"## {heading}", "", body.strip() or "_Not written yet._", ""])

    section("Summary", content.summary)
    section("Impact", content.impact)
    d = content.durations
    out.extend(
        [
            "## Durations",
            "",
            "| Time to detect | Time to acknowledge | Time to mitigate | Time to resolve |",
            "|---|---|---|---|",
            f"| {duration_text(d.time_to_detect)} | {duration_text(d.time_to_acknowledge)} "
            f"| {duration_text(d.time_to_mitigate)} | {duration_text(d.time_to_resolve)} |",
            "",
            "## Timeline",
            "",
        ]
    )
    if content.timeline:
        for line in content.timeline:
            pin = " (pinned)" if line.pinned else ""
            out.append(f"- **{line.at:%Y-%m-%d %H:%M} UTC**{pin} {line.text}")
    else:
        out.append("_No entries._")
    out.extend(["", "## Responders", ""])
    for responder in content.responders:
        name = responder.display_name or responder.username
        roles = f" ({', '.join(responder.roles)})" if responder.roles else ""
        out.append(f"- {name}{roles}")
    if not content.responders:
        out.append("_None recorded._")
    out.extend(["", "## Five whys", ""])
    for number, why in enumerate(content.five_whys, start=1):
        out.append(f"{number}. **{why.why.strip()}** {why.because.strip()}")
    if not content.five_whys:
        out.append("_Not written yet._")
    out.extend(["", "## Contributing factors", ""])
    for factor in factors:
        tags = f" [{', '.join(factor.tags)}]" if factor.tags else ""
        service = f" ({factor.service})" if factor.service else ""
        out.append(f"- **{factor.category}**{service}{tags}: {factor.description.strip()}")
    if not factors:
        out.append("_None yet._")
    review = content.detection
    first = f"{review.first_alert_at:%Y-%m-%d %H:%M} UTC" if review.first_alert_at else "—"
    out.extend(
        [
            "",
            "## Detection review",
            "",
            f"- Did an alert fire? {_answer(review.alert_fired)} (first at {first})",
            f"- Did it fire late? {_answer(review.fired_late)}",
            "- Would another signal have caught it earlier? "
            f"{review.earlier_signal.strip() or '—'}",
            f"- Was ownership clear? {_answer(review.ownership_clear)}",
            f"- Was the runbook right? {_answer(review.runbook_right)}",
        ]
    )
    if review.notes.strip():
        out.extend(["", review.notes.strip()])
    out.append("")
    section("What went well", content.went_well)
    section("Where we got lucky", content.got_lucky)
    out.extend(["## Action items", ""])
    if actions:
        out.extend(
            [
                "| Action | Kind | Priority | Owner | Team | Due | Status |",
                "|---|---|---|---|---|---|---|",
            ]
        )
        for item in actions:
            out.append(
                f"| {_escape_cell(item.title)} | {item.kind} | {item.priority} | "
                f"{item.owner or '—'} | {item.team} | {item.due} | {item.status} |"
            )
    else:
        out.append("_None yet._")
    return "\n".join(out).rstrip() + "\n"

"""Creating, editing, publishing and waiving postmortems, and their contributing factors."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.auth.models import User
from warroom.config import Config
from warroom.incidents.enums import IncidentRole, IncidentStatus
from warroom.incidents.models import Incident
from warroom.incidents.people import current_holder
from warroom.learn.actions.models import ActionItem
from warroom.learn.postmortems import blameless, draft, policy
from warroom.learn.postmortems.content import (
    FREE_TEXT,
    ActionLine,
    FactorLine,
    PostmortemContent,
    to_markdown,
)
from warroom.learn.postmortems.models import (
    ContributingFactor,
    Postmortem,
    PostmortemRevision,
    PostmortemStatus,
)
from warroom.problems import Conflict, InvalidInput, NotFound

MAX_TAGS = 10
MAX_TAG = 40


def find(session: Session, incident: Incident) -> Postmortem | None:
    return session.scalar(select(Postmortem).where(Postmortem.incident_id == incident.id))


def get(session: Session, incident: Incident) -> Postmortem:
    found = find(session, incident)
    if found is None:
        raise NotFound(f"{incident.ref} has no postmortem yet", field="incident")
    return found


def content_of(postmortem: Postmortem) -> PostmortemContent:
    return PostmortemContent.model_validate(postmortem.content)


def _add_revision(
    session: Session, postmortem: Postmortem, author: User | None, now: datetime, note: str
) -> PostmortemRevision:
    revision = PostmortemRevision(
        postmortem_id=postmortem.id,
        number=postmortem.revision,
        title=postmortem.title,
        content=postmortem.content,
        author_id=author.id if author is not None else None,
        at=now,
        note=note[:300],
    )
    session.add(revision)
    return revision


def ensure_draft(
    session: Session, config: Config, incident: Incident, author: User | None, now: datetime
) -> tuple[Postmortem, bool]:
    """The incident's postmortem, generated from its record if it has none yet (revision
    1); with whether it was made now. The reviewer is the incident lead."""
    existing = find(session, incident)
    if existing is not None:
        return existing, False
    lead = current_holder(incident, IncidentRole.LEAD)
    postmortem = Postmortem(
        incident_id=incident.id,
        title=f"{incident.ref}: {incident.title}"[:300],
        status=PostmortemStatus.DRAFT,
        content=draft.draft(session, incident).as_json(),
        revision=1,
        reviewer_id=lead.user_id if lead is not None else None,
        due_at=policy.due_at(config, incident),
        created_at=now,
        updated_at=now,
        search_text="",
    )
    session.add(postmortem)
    session.flush()
    _add_revision(session, postmortem, author, now, "draft generated from the incident")
    return postmortem, True


def save(
    session: Session,
    postmortem: Postmortem,
    author: User,
    content: PostmortemContent,
    now: datetime,
    *,
    title: str | None = None,
    base_revision: int | None = None,
    note: str = "",
) -> Postmortem:
    """A new revision with ``content``. ``base_revision`` (the revision the editor started
    from) refuses a save over someone else's newer one instead of losing it."""
    if base_revision is not None and base_revision != postmortem.revision:
        raise Conflict(
            f"revision {postmortem.revision} was saved since revision {base_revision} you "
            "edited; reload and apply your changes to it",
            code="stale_revision",
            field="base_revision",
        )
    new_content = content.as_json()
    new_title = title.strip() if title is not None else postmortem.title
    if not new_title:
        raise InvalidInput("title must not be empty", field="title")
    if new_content == postmortem.content and new_title == postmortem.title:
        return postmortem
    postmortem.content = new_content
    postmortem.title = new_title[:300]
    postmortem.revision += 1
    postmortem.updated_at = now
    if postmortem.status is PostmortemStatus.PUBLISHED:
        postmortem.search_text = search_text(session, postmortem)
    _add_revision(session, postmortem, author, now, note)
    return postmortem


def refresh(
    session: Session, incident: Incident, postmortem: Postmortem, author: User, now: datetime
) -> Postmortem:
    """Regenerate the facts (durations, timeline, responders) from the incident as it is now."""
    content = draft.refresh_facts(session, incident, content_of(postmortem))
    return save(session, postmortem, author, content, now, note="facts refreshed from the incident")


def set_reviewer(postmortem: Postmortem, reviewer: User, now: datetime) -> None:
    postmortem.reviewer_id = reviewer.id
    postmortem.reviewer = reviewer
    postmortem.updated_at = now


def factor_lines(postmortem: Postmortem) -> list[FactorLine]:
    return [
        FactorLine(f.category, f.description, list(f.tags), f.service) for f in postmortem.factors
    ]


def action_lines(session: Session, incident_id: int) -> list[ActionLine]:
    items = session.scalars(
        select(ActionItem).where(ActionItem.incident_id == incident_id).order_by(ActionItem.id)
    )
    return [
        ActionLine(
            item.title,
            item.owner.username if item.owner is not None else None,
            item.team,
            item.due_on.isoformat(),
            item.priority.value,
            item.kind.value,
            item.status.value,
        )
        for item in items
    ]


def markdown(
    session: Session, postmortem: Postmortem, content: PostmortemContent | None = None
) -> str:
    return to_markdown(
        postmortem.title,
        content or content_of(postmortem),
        factor_lines(postmortem),
        action_lines(session, postmortem.incident_id),
    )


def search_text(session: Session, postmortem: Postmortem) -> str:
    return markdown(session, postmortem)


def people_names(session: Session, config: Config) -> list[str]:
    names: list[str] = []
    for username, display in session.execute(select(User.username, User.display_name)):
        names.append(username)
        if display:
            names.append(display)
            names.extend(part for part in display.split() if len(part) > 3)
    for person in config.people:
        names.append(person.username)
        if person.name:
            names.append(person.name)
    return names


def lint(
    session: Session, config: Config, content: PostmortemContent, factors: Sequence[FactorLine] = ()
) -> list[blameless.Warning]:
    sections = {name: str(getattr(content, name)) for name in FREE_TEXT}
    for number, why in enumerate(content.five_whys, start=1):
        sections[f"five_whys[{number}]"] = f"{why.why} {why.because}"
    sections["detection"] = f"{content.detection.earlier_signal}\n{content.detection.notes}"
    for number, factor in enumerate(factors, start=1):
        sections[f"factors[{number}]"] = factor.description
    return blameless.lint(sections, people_names(session, config))


def publish(
    session: Session, incident: Incident, postmortem: Postmortem, actor: User, now: datetime
) -> Postmortem:
    if incident.status not in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
        raise Conflict(
            f"{incident.ref} is {incident.status.value}: publish the postmortem once it is "
            "resolved",
            code="incident_not_resolved",
            field="incident",
        )
    if postmortem.status is PostmortemStatus.PUBLISHED:
        return postmortem
    postmortem.status = PostmortemStatus.PUBLISHED
    postmortem.published_at = now
    postmortem.published_by_id = actor.id
    postmortem.updated_at = now
    postmortem.search_text = search_text(session, postmortem)
    return postmortem


def unpublish(postmortem: Postmortem, now: datetime) -> Postmortem:
    """Back to draft (to rework it); it leaves the search until published again."""
    postmortem.status = PostmortemStatus.DRAFT
    postmortem.published_at = None
    postmortem.published_by_id = None
    postmortem.updated_at = now
    return postmortem


@dataclass(frozen=True)
class FactorInput:
    category: str
    description: str
    tags: list[str]
    service: str | None


def check_factor(config: Config, factor: FactorInput) -> FactorInput:
    if factor.category not in config.postmortems.factor_categories:
        known = ", ".join(config.postmortems.factor_categories)
        raise InvalidInput(
            f"unknown category '{factor.category}' (configured: {known})", field="category"
        )
    description = factor.description.strip()
    if not description:
        raise InvalidInput("description must not be empty", field="description")
    if factor.service is not None and config.service(factor.service) is None:
        raise InvalidInput(f"unknown service '{factor.service}'", field="service")
    tags: list[str] = []
    for tag in factor.tags:
        clean = tag.strip().lower()
        if not clean or len(clean) > MAX_TAG:
            raise InvalidInput(f"tags must be 1 to {MAX_TAG} characters", field="tags")
        if clean not in tags:
            tags.append(clean)
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"at most {MAX_TAGS} tags", field="tags")
    return FactorInput(factor.category, description, tags, factor.service)


def add_factor(
    session: Session, config: Config, postmortem: Postmortem, factor: FactorInput, now: datetime
) -> ContributingFactor:
    checked = check_factor(config, factor)
    row = ContributingFactor(
        postmortem_id=postmortem.id,
        incident_id=postmortem.incident_id,
        category=checked.category,
        description=checked.description,
        tags=checked.tags,
        service=checked.service,
        created_at=now,
    )
    session.add(row)
    postmortem.factors.append(row)
    postmortem.updated_at = now
    session.flush()
    return row


def get_factor(postmortem: Postmortem, factor_id: int) -> ContributingFactor:
    for factor in postmortem.factors:
        if factor.id == factor_id:
            return factor
    raise NotFound(f"no contributing factor {factor_id} in this postmortem", field="factor_id")


def remove_factor(session: Session, postmortem: Postmortem, factor_id: int, now: datetime) -> None:
    factor = get_factor(postmortem, factor_id)
    postmortem.factors.remove(factor)
    session.delete(factor)
    postmortem.updated_at = now


def revisions(session: Session, postmortem: Postmortem) -> list[PostmortemRevision]:
    return list(
        session.scalars(
            select(PostmortemRevision)
            .where(PostmortemRevision.postmortem_id == postmortem.id)
            .order_by(PostmortemRevision.number.desc())
        )
    )


def revision(session: Session, postmortem: Postmortem, number: int) -> PostmortemRevision:
    found = session.scalar(
        select(PostmortemRevision).where(
            PostmortemRevision.postmortem_id == postmortem.id, PostmortemRevision.number == number
        )
    )
    if found is None:
        raise NotFound(f"no revision {number}", field="revision")
    return found


def diff(session: Session, postmortem: Postmortem, old: int, new: int) -> str:
    """A unified diff of the Markdown documents of two revisions (the factor and action
    lists are today's: they are not part of a revision)."""
    before = revision(session, postmortem, old)
    after = revision(session, postmortem, new)
    factors = factor_lines(postmortem)
    actions = action_lines(session, postmortem.incident_id)
    old_text = to_markdown(
        before.title, PostmortemContent.model_validate(before.content), factors, actions
    )
    new_text = to_markdown(
        after.title, PostmortemContent.model_validate(after.content), factors, actions
    )
    return "".join(
        difflib.unified_diff(
            old_text.splitlines(keepends=True),
            new_text.splitlines(keepends=True),
            fromfile=f"revision {old}",
            tofile=f"revision {new}",
        )
    )

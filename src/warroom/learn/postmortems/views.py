"""From postmortem rows to API answers."""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.incidents.models import Incident
from warroom.incidents.views import person
from warroom.learn.postmortems import policy, service
from warroom.learn.postmortems.content import PostmortemContent
from warroom.learn.postmortems.models import ContributingFactor, Postmortem, PostmortemRevision
from warroom.learn.postmortems.schemas import (
    FactorOut,
    LintWarning,
    PostmortemOut,
    RevisionDetail,
    RevisionOut,
)


def factor_out(factor: ContributingFactor) -> FactorOut:
    return FactorOut(
        id=factor.id,
        category=factor.category,
        description=factor.description,
        tags=list(factor.tags),
        service=factor.service,
        created_at=factor.created_at,
    )


def postmortem_out(
    session: Session, config: Config, incident: Incident, postmortem: Postmortem
) -> PostmortemOut:
    content = service.content_of(postmortem)
    warnings = service.lint(session, config, content, service.factor_lines(postmortem))
    return PostmortemOut(
        incident=incident.ref,
        title=postmortem.title,
        status=postmortem.status.value,
        revision=postmortem.revision,
        required=policy.required(config, incident),
        reviewer=person(postmortem.reviewer) if postmortem.reviewer is not None else None,
        due_at=postmortem.due_at,
        created_at=postmortem.created_at,
        updated_at=postmortem.updated_at,
        published_at=postmortem.published_at,
        waived_at=postmortem.waived_at,
        waived_reason=postmortem.waived_reason,
        content=content,
        factors=[factor_out(f) for f in postmortem.factors],
        warnings=[
            LintWarning(section=w.section, sentence=w.sentence, person=w.person, message=w.message)
            for w in warnings
        ],
    )


def revision_out(revision: PostmortemRevision) -> RevisionOut:
    return RevisionOut(
        number=revision.number,
        title=revision.title,
        author=revision.author.username if revision.author is not None else None,
        at=revision.at,
        note=revision.note,
    )


def revision_detail(revision: PostmortemRevision) -> RevisionDetail:
    return RevisionDetail(
        **revision_out(revision).model_dump(),
        content=PostmortemContent.model_validate(revision.content),
    )

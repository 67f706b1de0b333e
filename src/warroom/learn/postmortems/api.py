"""REST routes of postmortems: /api/v1/incidents/{ref}/postmortem and /api/v1/postmortems."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from sqlalchemy import select

from warroom.http.deps import ConfigDep, NowDep, SessionDep, UserDep, WriterDep
from warroom.http.documented import conflict
from warroom.http.inputs import MAX_INT, Instant
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.incidents.people import find_user
from warroom.learn.postmortems import export, recurrence, search, service, similar, views
from warroom.learn.postmortems.models import Postmortem, PostmortemStatus
from warroom.learn.postmortems.schemas import (
    DiffOut,
    FactorCreate,
    FactorCreated,
    PostmortemOut,
    PostmortemSave,
    PostmortemSummary,
    RecurringFactorOut,
    ReviewerSet,
    RevisionDetail,
    RevisionOut,
    SearchHit,
    SimilarOut,
)

router = APIRouter(prefix="/api/v1", tags=["postmortems"])
REVISION = Annotated[int, Query(ge=1, le=1_000_000)]
MAX_LIST = 200


def _incident(request: Request, session: SessionDep, ref: str, *, for_update: bool) -> Incident:
    incident = incidents.lock(session, ref) if for_update else incidents.get(session, ref)
    request.state.incident = incident.ref
    return incident


@router.get("/incidents/{ref}/postmortem", response_model=PostmortemOut)
def get_postmortem(
    ref: str, request: Request, session: SessionDep, config: ConfigDep, _user: UserDep
) -> PostmortemOut:
    incident = _incident(request, session, ref, for_update=False)
    return views.postmortem_out(session, config, incident, service.get(session, incident))


@router.post(
    "/incidents/{ref}/postmortem",
    response_model=PostmortemOut,
    responses={200: {"description": "It existed already: unchanged."}},
    status_code=status.HTTP_201_CREATED,
)
def create_postmortem(
    ref: str,
    request: Request,
    response: Response,
    session: SessionDep,
    config: ConfigDep,
    user: WriterDep,
    now: NowDep,
) -> PostmortemOut:
    """The draft, generated from the incident's record (or the existing postmortem)."""
    incident = _incident(request, session, ref, for_update=True)
    postmortem, made = service.ensure_draft(session, config, incident, user, now)
    session.commit()
    if not made:
        response.status_code = status.HTTP_200_OK
    return views.postmortem_out(session, config, incident, postmortem)


@router.put(
    "/incidents/{ref}/postmortem",
    response_model=PostmortemOut,
    responses=conflict("Someone saved a newer revision than base_revision."),
)
def save_postmortem(
    ref: str,
    body: PostmortemSave,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    user: WriterDep,
    now: NowDep,
) -> PostmortemOut:
    incident = _incident(request, session, ref, for_update=True)
    postmortem = service.get(session, incident)
    service.save(
        session,
        postmortem,
        user,
        body.content,
        now,
        title=body.title,
        base_revision=body.base_revision,
        note=body.note,
    )
    session.commit()
    return views.postmortem_out(session, config, incident, postmortem)


@router.post("/incidents/{ref}/postmortem/refresh", response_model=PostmortemOut)
def refresh_postmortem(
    ref: str,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    user: WriterDep,
    now: NowDep,
) -> PostmortemOut:
    """Durations, timeline and responders written again from the incident; the rest stays."""
    incident = _incident(request, session, ref, for_update=True)
    postmortem = service.refresh(session, incident, service.get(session, incident), user, now)
    session.commit()
    return views.postmortem_out(session, config, incident, postmortem)


@router.post(
    "/incidents/{ref}/postmortem/publish",
    response_model=PostmortemOut,
    responses=conflict("The incident is not resolved yet."),
)
def publish_postmortem(
    ref: str,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    user: WriterDep,
    now: NowDep,
) -> PostmortemOut:
    incident = _incident(request, session, ref, for_update=True)
    postmortem = service.publish(session, incident, service.get(session, incident), user, now)
    session.commit()
    return views.postmortem_out(session, config, incident, postmortem)


@router.post("/incidents/{ref}/postmortem/unpublish", response_model=PostmortemOut)
def unpublish_postmortem(
    ref: str,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    _user: WriterDep,
    now: NowDep,
) -> PostmortemOut:
    incident = _incident(request, session, ref, for_update=True)
    postmortem = service.unpublish(service.get(session, incident), now)
    session.commit()
    return views.postmortem_out(session, config, incident, postmortem)


@router.put("/incidents/{ref}/postmortem/reviewer", response_model=PostmortemOut)
def set_reviewer(
    ref: str,
    body: ReviewerSet,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    _user: WriterDep,
    now: NowDep,
) -> PostmortemOut:
    incident = _incident(request, session, ref, for_update=True)
    postmortem = service.get(session, incident)
    service.set_reviewer(postmortem, find_user(session, body.username, "username"), now)
    session.commit()
    return views.postmortem_out(session, config, incident, postmortem)


@router.get("/incidents/{ref}/postmortem/revisions", response_model=list[RevisionOut])
def list_revisions(
    ref: str, request: Request, session: SessionDep, _user: UserDep
) -> list[RevisionOut]:
    incident = _incident(request, session, ref, for_update=False)
    postmortem = service.get(session, incident)
    return [views.revision_out(r) for r in service.revisions(session, postmortem)]


@router.get("/incidents/{ref}/postmortem/revisions/{number}", response_model=RevisionDetail)
def get_revision(
    ref: str, number: int, request: Request, session: SessionDep, _user: UserDep
) -> RevisionDetail:
    incident = _incident(request, session, ref, for_update=False)
    postmortem = service.get(session, incident)
    return views.revision_detail(service.revision(session, postmortem, number))


@router.get("/incidents/{ref}/postmortem/diff", response_model=DiffOut)
def diff_revisions(
    ref: str,
    request: Request,
    session: SessionDep,
    _user: UserDep,
    from_: Annotated[int, Query(alias="from", ge=1, le=1_000_000)],
    to: REVISION,
) -> DiffOut:
    incident = _incident(request, session, ref, for_update=False)
    postmortem = service.get(session, incident)
    text = service.diff(session, postmortem, from_, to)
    return DiffOut(from_revision=from_, to_revision=to, diff=text)


@router.get(
    "/incidents/{ref}/postmortem.md",
    response_class=Response,
    responses={200: {"content": {"text/markdown": {}}}},
)
def export_markdown(ref: str, request: Request, session: SessionDep, _user: UserDep) -> Response:
    incident = _incident(request, session, ref, for_update=False)
    postmortem = service.get(session, incident)
    return Response(
        service.markdown(session, postmortem),
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{incident.ref}-postmortem.md"'},
    )


@router.get(
    "/incidents/{ref}/postmortem.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def export_pdf(ref: str, request: Request, session: SessionDep, _user: UserDep) -> Response:
    incident = _incident(request, session, ref, for_update=False)
    postmortem = service.get(session, incident)
    pdf = export.to_pdf(service.markdown(session, postmortem), postmortem.title)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{incident.ref}-postmortem.pdf"'},
    )


@router.post(
    "/incidents/{ref}/postmortem/factors",
    response_model=FactorCreated,
    status_code=status.HTTP_201_CREATED,
)
def add_factor(
    ref: str,
    body: FactorCreate,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    _user: WriterDep,
    now: NowDep,
) -> FactorCreated:
    incident = _incident(request, session, ref, for_update=True)
    postmortem = service.get(session, incident)
    factor = service.add_factor(
        session,
        config,
        postmortem,
        service.FactorInput(body.category, body.description, body.tags, body.service),
        now,
    )
    found = recurrence.check(session, config, factor, now)
    refs = {
        i.id: i.ref
        for i in session.scalars(
            select(Incident).where(Incident.id.in_({f.incident_id for f in found.earlier}))
        )
    }
    session.commit()
    return FactorCreated(
        **views.factor_out(factor).model_dump(),
        recurs_in=sorted(set(refs.values())),
        open_action_items=[item.id for item in found.open_items],
    )


@router.delete(
    "/incidents/{ref}/postmortem/factors/{factor_id}", status_code=status.HTTP_204_NO_CONTENT
)
def remove_factor(
    ref: str,
    factor_id: Annotated[int, Path(ge=1, le=MAX_INT)],
    request: Request,
    session: SessionDep,
    _user: WriterDep,
    now: NowDep,
) -> Response:
    incident = _incident(request, session, ref, for_update=True)
    service.remove_factor(session, service.get(session, incident), factor_id, now)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/incidents/{ref}/similar", response_model=list[SimilarOut])
def similar_incidents(
    ref: str, request: Request, session: SessionDep, _user: UserDep
) -> list[SimilarOut]:
    """Past incidents like this one: shared services, alerts and errors, and postmortems
    that mention its title's words."""
    incident = _incident(request, session, ref, for_update=False)
    return [
        SimilarOut(
            incident=s.incident.ref,
            title=s.incident.title,
            status=s.incident.status.value,
            severity=s.incident.severity,
            detected_at=s.incident.detected_at,
            score=s.score,
            reasons=s.reasons,
            postmortem_published=s.postmortem_published,
        )
        for s in similar.similar(session, incident)
    ]


@router.get("/postmortems/search", response_model=list[SearchHit])
def search_postmortems(
    session: SessionDep,
    _user: UserDep,
    q: Annotated[str, Query(min_length=1, max_length=search.MAX_QUERY)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[SearchHit]:
    """Published postmortems matching every word of ``q``, best first."""
    hits = search.search(session, q, limit=limit)
    refs = {
        i.id: i.ref
        for i in session.scalars(
            select(Incident).where(Incident.id.in_([h.incident_id for h in hits]))
        )
    }
    return [
        SearchHit(incident=refs[h.incident_id], title=h.title, snippet=h.snippet, rank=h.rank)
        for h in hits
        if h.incident_id in refs
    ]


@router.get("/postmortems", response_model=list[PostmortemSummary])
def list_postmortems(
    session: SessionDep,
    _user: UserDep,
    now: NowDep,
    status_: Annotated[PostmortemStatus | None, Query(alias="status")] = None,
    team: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[PostmortemSummary]:
    query = select(Postmortem, Incident).join(Incident, Incident.id == Postmortem.incident_id)
    if status_ is not None:
        query = query.where(Postmortem.status == status_)
    if team is not None:
        query = query.where(Incident.team == team)
    rows = session.execute(
        query.order_by(Postmortem.updated_at.desc(), Postmortem.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [
        PostmortemSummary(
            incident=incident.ref,
            title=postmortem.title,
            status=postmortem.status.value,
            severity=incident.severity,
            team=incident.team,
            due_at=postmortem.due_at,
            published_at=postmortem.published_at,
            overdue=postmortem.status is PostmortemStatus.DRAFT
            and postmortem.due_at is not None
            and postmortem.due_at < now,
        )
        for postmortem, incident in rows
    ]


@router.get("/postmortems/recurring-factors", response_model=list[RecurringFactorOut])
def recurring_factors(
    session: SessionDep,
    _user: UserDep,
    now: NowDep,
    since: Annotated[Instant | None, Query(description="default: 90 days ago")] = None,
    until: Annotated[Instant | None, Query(description="default: now")] = None,
    minimum: Annotated[int, Query(ge=2, le=100)] = 2,
) -> list[RecurringFactorOut]:
    """Contributing factors (category, service, tag) found in several incidents, with how
    many of the action items addressing them are done."""
    end: datetime = until or now
    start: datetime = since or end - timedelta(days=90)
    groups = recurrence.recurring(session, start, end, minimum)
    ids = {i for g in groups for i in g.incidents}
    refs = {i.id: i.ref for i in session.scalars(select(Incident).where(Incident.id.in_(ids)))}
    return [
        RecurringFactorOut(
            category=g.category,
            service=g.service,
            tags=g.tags,
            incidents=[refs[i] for i in g.incidents if i in refs],
            action_items_done=g.items_done,
            action_items_open=g.items_open,
        )
        for g in groups
    ]

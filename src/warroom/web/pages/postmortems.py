"""Postmortems in the browser: the document with its factors and action items, the editor
with a sanitised Markdown preview, revisions with diffs, publishing, and the list with
full-text search."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from warroom.auth.permissions import Permission, Principal
from warroom.config import Config
from warroom.http.deps import ConfigDep, NowDep, SessionDep
from warroom.http.inputs import MAX_INT
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.incidents.people import find_user
from warroom.learn.actions import service as action_items
from warroom.learn.actions import vague
from warroom.learn.actions.models import ActionKind, ActionPriority
from warroom.learn.actions.schemas import ActionItemCreate
from warroom.learn.postmortems import policy, recurrence, search, service
from warroom.learn.postmortems.content import Answer, PostmortemContent, Why
from warroom.learn.postmortems.models import Postmortem, PostmortemStatus
from warroom.learn.postmortems.rendering import to_html
from warroom.problems import InvalidInput
from warroom.web import access
from warroom.web.forms import validated, words
from warroom.web.routing import PageRoute
from warroom.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

TEXT = 20_000
WHYS = 5
PAGE = "/incidents/{ref}/postmortem"


def _back(incident: Incident, anchor: str = "") -> Response:
    return RedirectResponse(f"/incidents/{incident.ref}/postmortem{anchor}", status_code=303)


def _document(
    session: Session, postmortem: Postmortem, content: PostmortemContent | None = None
) -> Markup:
    # The one place a page shows HTML made from people's text: nh3 has sanitised it.
    return Markup(to_html(service.markdown(session, postmortem, content)))


def _context(
    session: Session, config: Config, incident: Incident, postmortem: Postmortem | None
) -> dict[str, Any]:
    items = action_items.search(session, action_items.ItemFilter(incident_id=incident.id))
    context: dict[str, Any] = {
        "incident": incident,
        "postmortem": postmortem,
        "required": policy.required(config, incident),
        "items": [{"item": i, "nudge": vague.nudge(i.title, i.description)} for i in items],
        "categories": config.postmortems.factor_categories,
        "kinds": [k.value for k in ActionKind],
        "priorities": [p.value for p in ActionPriority],
        "teams": [t.slug for t in config.teams],
        "services": [s.slug for s in config.services],
    }
    if postmortem is not None:
        content = service.content_of(postmortem)
        context["document"] = _document(session, postmortem, content)
        context["warnings"] = service.lint(
            session, config, content, service.factor_lines(postmortem)
        )
    return context


@router.get(PAGE)
def postmortem_page(
    ref: str, request: Request, session: SessionDep, config: ConfigDep, caller: access.ReaderPage
) -> Response:
    incident = incidents.get(session, ref)
    postmortem = service.find(session, incident)
    context = _context(session, config, incident, postmortem)
    context["can_edit"] = caller.may(Permission.RESPOND)
    return render(request, "postmortems/page.html", context)


@router.post(PAGE + "/draft")
def make_draft(
    ref: str, session: SessionDep, config: ConfigDep, now: NowDep, caller: access.ResponderAction
) -> Response:
    incident = incidents.lock(session, ref)
    service.ensure_draft(session, config, incident, caller.user, now)
    session.commit()
    return _back(incident)


def _content_from_form(current: PostmortemContent, form: dict[str, str]) -> PostmortemContent:
    whys = [
        Why(why=form.get(f"why_{n}", "").strip(), because=form.get(f"because_{n}", "").strip())
        for n in range(1, WHYS + 1)
        if form.get(f"why_{n}", "").strip() or form.get(f"because_{n}", "").strip()
    ]
    detection = current.detection.model_copy(
        update={
            "alert_fired": Answer(form.get("alert_fired", "unknown")),
            "fired_late": Answer(form.get("fired_late", "unknown")),
            "ownership_clear": Answer(form.get("ownership_clear", "unknown")),
            "runbook_right": Answer(form.get("runbook_right", "unknown")),
            "earlier_signal": form.get("earlier_signal", ""),
            "notes": form.get("detection_notes", ""),
        }
    )
    data = current.model_dump()
    data.update(
        {
            "summary": form.get("summary", ""),
            "impact": form.get("impact", ""),
            "went_well": form.get("went_well", ""),
            "got_lucky": form.get("got_lucky", ""),
            "five_whys": [w.model_dump() for w in whys],
            "detection": detection.model_dump(),
        }
    )
    try:
        return PostmortemContent.model_validate(data)
    except (ValidationError, ValueError) as exc:
        raise InvalidInput(f"the postmortem is not valid: {exc}", field="content") from None


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    fields: dict[str, str] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            if len(value) > TEXT:
                raise InvalidInput(f"{name} is longer than {TEXT} characters", field=name)
            fields[name] = value
    return fields


def _editor(
    incident: Incident, postmortem: Postmortem, content: PostmortemContent, preview: Markup | None
) -> dict[str, Any]:
    """The editor's context: five rows of whys (the written ones, then blank)."""
    blank = [Why(why="", because="")] * (WHYS - len(content.five_whys))
    return {
        "incident": incident,
        "postmortem": postmortem,
        "content": content,
        "whys": content.five_whys + blank,
        "answers": [a.value for a in Answer],
        "preview": preview,
    }


@router.get(PAGE + "/edit")
def edit_page(
    ref: str,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    _caller: access.ResponderPage,
) -> Response:
    incident = incidents.get(session, ref)
    postmortem = service.get(session, incident)
    content = service.content_of(postmortem)
    return render(request, "postmortems/edit.html", _editor(incident, postmortem, content, None))


@router.post(PAGE + "/preview")
async def preview(
    ref: str, request: Request, session: SessionDep, _caller: access.ResponderAction
) -> Response:
    """The document as it would read with the form's text (htmx swaps it in beside the
    editor; without JS the editor page comes back with the preview)."""
    incident = incidents.get(session, ref)
    postmortem = service.get(session, incident)
    form = await _form(request)
    content = _content_from_form(service.content_of(postmortem), form)
    document = _document(session, postmortem, content)
    if request.headers.get("HX-Request") == "true":
        return render(request, "postmortems/_preview.html", {"document": document})
    return render(
        request, "postmortems/edit.html", _editor(incident, postmortem, content, document)
    )


@router.post(PAGE)
async def save(
    ref: str,
    request: Request,
    session: SessionDep,
    now: NowDep,
    caller: access.ResponderAction,
) -> Response:
    incident = incidents.lock(session, ref)
    postmortem = service.get(session, incident)
    form = await _form(request)
    content = _content_from_form(service.content_of(postmortem), form)
    base = form.get("base_revision", "")
    service.save(
        session,
        postmortem,
        caller.user,
        content,
        now,
        title=form.get("title") or None,
        base_revision=int(base) if base.isdecimal() and base.isascii() else None,
        note=form.get("note", "")[:300],
    )
    session.commit()
    return _back(incident)


def _change_state(
    session: Session, ref: str, step: str, caller: Principal, now: datetime
) -> Response:
    incident = incidents.lock(session, ref)
    postmortem = service.get(session, incident)
    if step == "publish":
        service.publish(session, incident, postmortem, caller.user, now)
    elif step == "unpublish":
        service.unpublish(postmortem, now)
    else:
        service.refresh(session, incident, postmortem, caller.user, now)
    session.commit()
    return _back(incident)


@router.post(PAGE + "/publish")
def publish(ref: str, session: SessionDep, now: NowDep, caller: access.ResponderAction) -> Response:
    return _change_state(session, ref, "publish", caller, now)


@router.post(PAGE + "/unpublish")
def unpublish(
    ref: str, session: SessionDep, now: NowDep, caller: access.ResponderAction
) -> Response:
    return _change_state(session, ref, "unpublish", caller, now)


@router.post(PAGE + "/refresh")
def refresh(ref: str, session: SessionDep, now: NowDep, caller: access.ResponderAction) -> Response:
    """Durations, timeline and responders written again from the incident."""
    return _change_state(session, ref, "refresh", caller, now)


@router.post(PAGE + "/reviewer")
def set_reviewer(
    ref: str,
    session: SessionDep,
    now: NowDep,
    _caller: access.ResponderAction,
    username: Annotated[str, Form(min_length=1, max_length=64)],
) -> Response:
    incident = incidents.lock(session, ref)
    service.set_reviewer(
        service.get(session, incident), find_user(session, username, "username"), now
    )
    session.commit()
    return _back(incident)


@router.post(PAGE + "/factors")
def add_factor(
    ref: str,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    _caller: access.ResponderAction,
    category: Annotated[str, Form(max_length=64)],
    description: Annotated[str, Form(max_length=5000)],
    tags: Annotated[str, Form(max_length=500)] = "",
    service_: Annotated[str, Form(alias="service", max_length=64)] = "",
) -> Response:
    incident = incidents.lock(session, ref)
    postmortem = service.get(session, incident)
    factor = service.add_factor(
        session,
        config,
        postmortem,
        service.FactorInput(category, description, words(tags), service_ or None),
        now,
    )
    recurrence.check(session, config, factor, now)
    session.commit()
    return _back(incident, "#factors")


@router.post(PAGE + "/factors/{factor_id}/delete")
def remove_factor(
    ref: str,
    factor_id: Annotated[int, Path(ge=1, le=MAX_INT)],
    session: SessionDep,
    now: NowDep,
    _caller: access.ResponderAction,
) -> Response:
    incident = incidents.lock(session, ref)
    service.remove_factor(session, service.get(session, incident), factor_id, now)
    session.commit()
    return _back(incident, "#factors")


@router.post("/incidents/{ref}/action-items")
def add_item(
    ref: str,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    _caller: access.ResponderAction,
    title: Annotated[str, Form(max_length=300)],
    team: Annotated[str, Form(max_length=64)],
    due_on: Annotated[str, Form(max_length=10)],
    kind: Annotated[str, Form(max_length=16)],
    priority: Annotated[str, Form(max_length=16)] = "medium",
    owner: Annotated[str, Form(max_length=64)] = "",
    description: Annotated[str, Form(max_length=10_000)] = "",
    factor_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    incident = incidents.get(session, ref)
    body = validated(
        ActionItemCreate,
        title=title,
        team=team,
        due_on=due_on,
        kind=kind,
        priority=priority,
        owner=owner,
        description=description,
        factor_id=factor_id,
    )
    action_items.create(session, config, incident, body.command(), now)
    session.commit()
    return _back(incident, "#action-items")


@router.get(PAGE + "/revisions")
def revisions_page(
    ref: str,
    request: Request,
    session: SessionDep,
    _caller: access.ReaderPage,
    from_: Annotated[int | None, Query(alias="from", ge=1, le=1_000_000)] = None,
    to: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> Response:
    incident = incidents.get(session, ref)
    postmortem = service.get(session, incident)
    diff = None
    if from_ is not None and to is not None:
        diff = service.diff(session, postmortem, from_, to)
    return render(
        request,
        "postmortems/revisions.html",
        {
            "incident": incident,
            "postmortem": postmortem,
            "revisions": service.revisions(session, postmortem),
            "diff": diff,
            "diff_from": from_,
            "diff_to": to,
        },
    )


@router.get("/postmortems")
def postmortem_list(
    request: Request,
    session: SessionDep,
    now: NowDep,
    _caller: access.ReaderPage,
    q: Annotated[str, Query(max_length=search.MAX_QUERY)] = "",
    status: Annotated[PostmortemStatus | None, Query()] = None,
) -> Response:
    hits = search.search(session, q, limit=50) if q.strip() else []
    query = select(Postmortem, Incident).join(Incident, Incident.id == Postmortem.incident_id)
    if status is not None:
        query = query.where(Postmortem.status == status)
    rows = list(session.execute(query.order_by(Postmortem.updated_at.desc()).limit(100)))
    refs = {
        i.id: i.ref
        for i in session.scalars(
            select(Incident).where(Incident.id.in_([h.incident_id for h in hits]))
        )
    }
    return render(
        request,
        "postmortems/list.html",
        {
            "q": q,
            "hits": [(refs.get(h.incident_id, "?"), h) for h in hits],
            "rows": [(p, i) for p, i in rows],
            "status": status.value if status else "",
            "statuses": [s.value for s in PostmortemStatus],
            "now": now,
        },
    )

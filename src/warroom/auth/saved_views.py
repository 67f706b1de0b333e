"""Saved views: a person's named filters of a list page, optionally shared with a team."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from warroom.auth.models import SavedView, User, UserRole
from warroom.problems import Conflict, InvalidInput, NotFound

PAGES = ("incidents", "alerts", "errors")
MAX_VIEWS_PER_PAGE = 50


def visible(session: Session, user: User, page: str) -> list[SavedView]:
    """The user's own views of ``page`` and those shared with their teams, by name."""
    teams = user.teams
    condition = SavedView.user_id == user.id
    if teams:
        condition = or_(condition, SavedView.team.in_(teams))
    return list(
        session.scalars(
            select(SavedView)
            .where(SavedView.page == page, condition)
            .order_by(SavedView.name, SavedView.id)
        )
    )


def save(
    session: Session,
    user: User,
    page: str,
    name: str,
    query: str,
    team: str | None,
    now: datetime,
) -> SavedView:
    if page not in PAGES:
        raise InvalidInput(f"no list page {page!r} (one of {', '.join(PAGES)})", field="page")
    name = name.strip()
    if not name:
        raise InvalidInput("name the view", field="name")
    if team is not None and user.role is not UserRole.ADMIN and team not in user.teams:
        raise InvalidInput(f"{user.username} is not a member of team {team}", field="team")
    own = [v for v in visible(session, user, page) if v.user_id == user.id]
    if any(v.name == name for v in own):
        raise Conflict(f"you already have a view named {name!r}", field="name")
    if len(own) >= MAX_VIEWS_PER_PAGE:
        raise Conflict(f"at most {MAX_VIEWS_PER_PAGE} views per page", field="name")
    view = SavedView(
        user_id=user.id, page=page, name=name, query=query.lstrip("?"), team=team, created_at=now
    )
    session.add(view)
    session.flush()
    return view


def delete(session: Session, user: User, view_id: int) -> None:
    view = session.get(SavedView, view_id)
    if view is None or (view.user_id != user.id and user.role is not UserRole.ADMIN):
        raise NotFound(f"view {view_id} does not exist", field="view_id")
    session.delete(view)

"""Routes for the caller, users (admins) and API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from warroom.auth import service
from warroom.auth.models import ApiToken, User, UserRole
from warroom.auth.schemas import TokenCreate, TokenCreated, TokenOut, UserCreate, UserOut
from warroom.http.deps import AdminDep, NowDep, SessionDep, UserDep
from warroom.http.documented import conflict
from warroom.http.inputs import MAX_INT

router = APIRouter(prefix="/api/v1", tags=["auth"])


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        email=user.email,
        display_name=user.display_name,
        role=user.role,
        created_at=user.created_at,
    )


def token_out(token: ApiToken) -> TokenOut:
    return TokenOut(
        id=token.id,
        user=token.user.username,
        name=token.name,
        prefix=token.prefix,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
        role=token.role,
        team=token.team,
    )


@router.get("/me", response_model=UserOut)
def me(user: UserDep) -> UserOut:
    return user_out(user)


@router.get("/users", response_model=list[UserOut])
def list_users(session: SessionDep, _user: UserDep) -> list[UserOut]:
    return [user_out(u) for u in session.query(User).order_by(User.username)]


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    responses=conflict("A user with this username exists."),
)
def create_user(body: UserCreate, session: SessionDep, _admin: AdminDep, now: NowDep) -> UserOut:
    user = service.create_user(
        session, body.username, body.role, now, email=body.email, display_name=body.display_name
    )
    session.commit()
    return user_out(user)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(session: SessionDep, user: UserDep) -> list[TokenOut]:
    owner = None if user.role is UserRole.ADMIN else user
    return [token_out(t) for t in service.list_tokens(session, owner)]


@router.post("/tokens", status_code=status.HTTP_201_CREATED, response_model=TokenCreated)
def create_token(
    body: TokenCreate, session: SessionDep, user: UserDep, now: NowDep
) -> TokenCreated:
    token, secret = service.create_token(
        session, user, body.name, now, role=body.role, team=body.team
    )
    session.commit()
    return TokenCreated(**token_out(token).model_dump(), token=secret)


@router.delete(
    "/tokens/{token_id}",
    response_model=TokenOut,
    responses=conflict("The token is already revoked."),
)
def revoke_token(
    token_id: Annotated[int, Path(le=MAX_INT)], session: SessionDep, user: UserDep, now: NowDep
) -> TokenOut:
    owner = None if user.role is UserRole.ADMIN else user
    token = service.revoke_token(session, token_id, now, owner)
    session.commit()
    return token_out(token)

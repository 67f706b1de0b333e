"""Commands that work on the local database and config: db, users, tokens, config."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from warroom.auth import audit, web_sessions
from warroom.auth import service as auth_service
from warroom.auth.models import User, UserRole
from warroom.cli.output import (
    Column,
    JsonOption,
    WideOption,
    console,
    fail,
    print_json,
    table,
    when,
)
from warroom.clock import utcnow
from warroom.config import (
    ConfigError,
    config_json_schema,
    config_warnings,
    load_config,
    summary,
)
from warroom.db.backup import BackupError, backup, restore
from warroom.db.engine import make_engine, make_session_factory
from warroom.db.migrate import SchemaNewerThanCode, current, upgrade
from warroom.problems import WarroomError
from warroom.schedules.gaps import schedule_gap_warnings
from warroom.settings import Settings

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(
    help="People who use warroom (works on the database directly).", no_args_is_help=True
)
tokens_app = typer.Typer(help="API tokens (works on the database directly).", no_args_is_help=True)
config_app = typer.Typer(help="Configuration as code.", no_args_is_help=True)

DatabaseOption = typer.Option(
    "--database-url",
    envvar="WARROOM_DATABASE_URL",
    help="SQLAlchemy URL; default sqlite:///./warroom.db.",
)
TOKEN_COLUMNS = (
    Column("id", whole=True),
    Column("user", whole=True),
    Column("name", priority=1),
    Column("prefix", whole=True),
    Column("created", priority=2, whole=True),
    Column("last used", priority=1, whole=True),
    Column("revoked", priority=1, whole=True),
)


def _url(database_url: str | None) -> str:
    return database_url or Settings.from_env().database_url


def _audited_session(engine: Engine) -> Session:
    """A session whose writes the audit log records as the operator's (``cli``)."""
    factory = make_session_factory(engine)
    audit.install(factory)
    session = factory()
    audit.act_as(session, audit.cli_actor())
    return session


@db_app.command("upgrade")
def db_upgrade(database_url: Annotated[str | None, DatabaseOption] = None) -> None:
    """Create or migrate the database schema to the latest version."""
    engine = make_engine(_url(database_url))
    try:
        upgrade(engine)
        console.print(f"database at revision {current(engine)}")
    except SchemaNewerThanCode as exc:
        fail(str(exc))
    except OperationalError as exc:
        fail(f"cannot reach the database: {exc.orig}")
    finally:
        engine.dispose()


@users_app.command("create")
def users_create(
    username: str,
    email: Annotated[str | None, typer.Option("--email", help="Email address.")] = None,
    role: Annotated[
        UserRole, typer.Option("--role", help="admin, team_manager, responder or viewer.")
    ] = UserRole.RESPONDER,
    display_name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    token: Annotated[bool, typer.Option("--token", help="Also create an API token.")] = False,
    password: Annotated[
        bool, typer.Option("--password", help="Ask for a password to sign in to the web app.")
    ] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    database_url: Annotated[str | None, DatabaseOption] = None,
    as_json: Annotated[bool, JsonOption] = False,
) -> None:
    """Create a user (with --token, print a new API token once; with --password, let them
    sign in to the web app)."""
    secret_password = _read_password(password, password_stdin)
    engine = make_engine(_url(database_url))
    try:
        with _audited_session(engine) as session:
            now = utcnow()
            user = auth_service.create_user(
                session, username, role, now, email=email, display_name=display_name
            )
            if secret_password is not None:
                web_sessions.set_password(session, user, secret_password, now)
            secret = None
            if token:
                _row, secret = auth_service.create_token(session, user, "cli", now)
            session.commit()
    except WarroomError as exc:
        fail(exc.message)
    except OperationalError as exc:
        fail(f"cannot use the database (did you run 'warroom db upgrade'?): {exc.orig}")
    finally:
        engine.dispose()
    if as_json:
        print_json({"username": username, "role": role.value, "email": email, "token": secret})
        return
    console.print(f"created {role.value} [bold]{username}[/]")
    if secret:
        console.print(f"API token (shown once): [bold]{secret}[/]", highlight=False)


def _read_password(prompt: bool, stdin: bool) -> str | None:
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    if prompt:
        value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return value
    return None


@users_app.command("set-password")
def users_set_password(
    username: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    database_url: Annotated[str | None, DatabaseOption] = None,
) -> None:
    """Set (or reset) a user's web sign-in password; their browser sessions end."""
    secret = _read_password(True, password_stdin)
    assert secret is not None
    engine = make_engine(_url(database_url))
    try:
        with make_session_factory(engine)() as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                fail(f"unknown user '{username}'")
            web_sessions.set_password(session, user, secret, utcnow())
            session.commit()
    except WarroomError as exc:
        fail(exc.message)
    finally:
        engine.dispose()
    console.print(f"password set for [bold]{username}[/]")


@tokens_app.command("create")
def tokens_create(
    user: Annotated[str, typer.Option("--user", help="Owner of the token.")],
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "cli",
    role: Annotated[
        UserRole | None,
        typer.Option("--role", help="Cap the token's role (at most the owner's)."),
    ] = None,
    team: Annotated[
        str | None, typer.Option("--team", help="Scope the token to one of the owner's teams.")
    ] = None,
    database_url: Annotated[str | None, DatabaseOption] = None,
    as_json: Annotated[bool, JsonOption] = False,
) -> None:
    """Create an API token for a user and print it once."""
    engine = make_engine(_url(database_url))
    try:
        with _audited_session(engine) as session:
            owner = session.scalar(select(User).where(User.username == user))
            if owner is None:
                fail(f"unknown user '{user}'")
            row, secret = auth_service.create_token(
                session, owner, name, utcnow(), role=role, team=team
            )
            session.commit()
            token_id = row.id
    except WarroomError as exc:
        fail(exc.message)
    finally:
        engine.dispose()
    if as_json:
        print_json({"id": token_id, "user": user, "name": name, "token": secret})
    else:
        console.print(
            f"token {token_id} for {user} (shown once): [bold]{secret}[/]", highlight=False
        )


@tokens_app.command("list")
def tokens_list(
    user: Annotated[str | None, typer.Option("--user", help="Only this user's tokens.")] = None,
    database_url: Annotated[str | None, DatabaseOption] = None,
    as_json: Annotated[bool, JsonOption] = False,
    wide: Annotated[bool, WideOption] = False,
) -> None:
    """List API tokens (never their secrets)."""
    engine = make_engine(_url(database_url))
    try:
        with make_session_factory(engine)() as session:
            owner = None
            if user is not None:
                owner = session.scalar(select(User).where(User.username == user))
                if owner is None:
                    fail(f"unknown user '{user}'")
            rows: list[dict[str, Any]] = [
                {
                    "id": t.id,
                    "user": t.user.username,
                    "name": t.name,
                    "prefix": t.prefix,
                    "created_at": t.created_at.isoformat(),
                    "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                    "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
                }
                for t in auth_service.list_tokens(session, owner)
            ]
    finally:
        engine.dispose()
    if as_json:
        print_json(rows)
        return
    table(
        "API tokens",
        TOKEN_COLUMNS,
        [
            [
                r["id"],
                r["user"],
                r["name"],
                r["prefix"] + "…",
                when(r["created_at"]),
                when(r["last_used_at"]),
                when(r["revoked_at"]),
            ]
            for r in rows
        ],
        wide,
    )


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: int,
    database_url: Annotated[str | None, DatabaseOption] = None,
    as_json: Annotated[bool, JsonOption] = False,
) -> None:
    """Revoke an API token by id; it stops working at once."""
    engine = make_engine(_url(database_url))
    try:
        with _audited_session(engine) as session:
            auth_service.revoke_token(session, token_id, utcnow(), None)
            session.commit()
    except WarroomError as exc:
        fail(exc.message)
    finally:
        engine.dispose()
    if as_json:
        print_json({"id": token_id, "revoked": True})
    else:
        console.print(f"token {token_id} revoked")


@config_app.command("check")
def config_check(path: Annotated[Path, typer.Argument(help="YAML file or folder.")]) -> None:
    """Validate a config; print every error (exit 1) or a one-line summary (exit 0)."""
    try:
        config = load_config(path)
    except ConfigError as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{path}: OK: {summary(config)}")
    for warning in config_warnings(config) + schedule_gap_warnings(config, utcnow()):
        typer.echo(f"warning: {warning}", err=True)


@config_app.command("schema")
def config_schema() -> None:
    """Print the JSON Schema of the config file (for editors)."""
    print_json(config_json_schema())


def backup_command(
    file: Annotated[Path, typer.Argument(help="The backup file to write (must not exist).")],
    database_url: Annotated[str | None, DatabaseOption] = None,
) -> None:
    """Write a consistent copy of the database while warroom runs (SQLite online backup,
    or pg_dump -Fc for PostgreSQL)."""
    engine = make_engine(_url(database_url))
    try:
        backup(engine, file)
    except BackupError as exc:
        fail(str(exc))
    except OperationalError as exc:
        fail(f"cannot reach the database: {exc.orig}")
    finally:
        engine.dispose()
    console.print(f"backup written to {file} ({file.stat().st_size} bytes)", highlight=False)


def restore_command(
    file: Annotated[Path, typer.Argument(help="A file written by 'warroom backup'.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that holds data.")
    ] = False,
    database_url: Annotated[str | None, DatabaseOption] = None,
) -> None:
    """Replace the database with a backup (stop serve and the workers first); refuses a
    database that holds data unless --force."""
    engine = make_engine(_url(database_url))
    try:
        restore(engine, file, force=force)
        console.print(f"restored {file}; database at revision {current(engine)}")
    except BackupError as exc:
        fail(str(exc))
    except OperationalError as exc:
        fail(f"cannot reach the database: {exc.orig}")
    finally:
        engine.dispose()

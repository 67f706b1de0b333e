"""Plumbing shared by the commands that talk to a running warroom over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from warroom.cli.client import USAGE_EXIT_CODE, ApiClient, ClientError, from_env
from warroom.cli.output import console, fail, print_json


@contextmanager
def api() -> Iterator[ApiClient]:
    """A client from the environment; any failure inside is one line and an exit code."""
    try:
        client = from_env()
    except ClientError as exc:
        fail(exc.message, exc.exit_code)
    with client:
        try:
            yield client
        except ClientError as exc:
            fail(exc.message, exc.exit_code)
        except (KeyError, TypeError, ValueError) as exc:
            fail(
                f"unexpected answer from warroom at {client.url} ({exc!r}); "
                "is the server the same version as this CLI?"
            )


def say(line: str) -> None:
    """Print server text as is: it quotes user input, which is never rich markup."""
    console.print(line, markup=False, highlight=False, soft_wrap=True)


def emit(data: Any, as_json: bool, human: Callable[[], None]) -> None:
    if as_json:
        print_json(data)
    else:
        human()


def instant(value: str, option: str) -> str:
    """ISO 8601 → an aware ISO string; without an offset the value is local time."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        fail(
            f"{option}: '{value}' is not an ISO 8601 time like 2026-03-02T09:15:00Z",
            USAGE_EXIT_CODE,
        )
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.isoformat()

"""``warroom heartbeat ping KEY``: report that a scheduled job ran (or failed), for scripts::

    pg_dump … && warroom heartbeat ping "$KEY" || warroom heartbeat ping "$KEY" --fail

One line on stdout when the ping is recorded; one ``error:`` line on stderr and a non-zero
exit when it is not (server unreachable, key unknown, …). No API token is needed: the
integration key in the URL is the credential.
"""

from __future__ import annotations

import os
import time
from typing import Annotated
from urllib.parse import quote

import httpx
import typer

from warroom import __version__
from warroom.cli.client import (
    DEFAULT_TIMEOUT_SECONDS,
    DEFAULT_URL,
    USAGE_EXIT_CODE,
    ClientError,
    error_from_response,
)
from warroom.cli.output import fail

app = typer.Typer(help="Heartbeats of scheduled jobs.", no_args_is_help=True)

BODY_LIMIT = 64 * 1024
RETRY_DELAY_SECONDS = 0.5
MAX_RETRY_AFTER_SECONDS = 10.0


def _timeout() -> float:
    raw = os.environ.get("WARROOM_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_TIMEOUT_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ClientError(
            f"WARROOM_TIMEOUT must be a positive number of seconds, got {raw!r}",
            exit_code=USAGE_EXIT_CODE,
        )
    return value


def _retryable(response: httpx.Response) -> bool:
    return response.status_code == httpx.codes.TOO_MANY_REQUESTS or response.status_code >= 500


def _retry_delay(response: httpx.Response | None, attempt: int) -> float:
    delay = RETRY_DELAY_SECONDS * float(2**attempt)
    after = response.headers.get("retry-after", "") if response is not None else ""
    if after.isdecimal() and after.isascii():
        delay = max(delay, float(after))
    return min(delay, MAX_RETRY_AFTER_SECONDS)


def send_ping(
    url: str, key: str, *, failed: bool, message: str | None, retries: int, timeout: float
) -> dict[str, object]:
    """POST one ping; the server's answer, or a :class:`ClientError` with one line."""
    base = url.rstrip("/")
    path = f"/ingest/heartbeat/{quote(key, safe='')}"
    params = {"status": "fail"} if failed else {}
    body = (message or "").encode()[:BODY_LIMIT]
    headers = {"User-Agent": f"warroom-cli/{__version__}", "Content-Type": "text/plain"}
    try:
        client = httpx.Client(base_url=base, timeout=httpx.Timeout(timeout), headers=headers)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise ClientError(
            f"not a valid warroom URL: {url!r} ({exc})", exit_code=USAGE_EXIT_CODE
        ) from None
    with client:
        for attempt in range(retries + 1):
            last = attempt == retries
            response: httpx.Response | None = None
            try:
                response = client.post(path, params=params, content=body)
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                raise ClientError(
                    f"the warroom URL must be http:// or https://, got {base!r} ({exc})",
                    exit_code=USAGE_EXIT_CODE,
                ) from None
            except httpx.ConnectError as exc:
                if last:
                    raise ClientError(f"cannot reach warroom at {base}: {exc}") from None
            except httpx.TimeoutException as exc:
                if last:
                    raise ClientError(
                        f"warroom at {base} did not answer within {timeout:g}s "
                        f"({type(exc).__name__}); set WARROOM_TIMEOUT to wait longer"
                    ) from None
            except httpx.HTTPError as exc:
                if last:
                    raise ClientError(f"lost the connection to warroom at {base}: {exc}") from None
            if response is not None and (last or not _retryable(response)):
                return _answer(response, base)
            time.sleep(_retry_delay(response, attempt))
    raise AssertionError("unreachable")  # pragma: no cover


def _answer(response: httpx.Response, base: str) -> dict[str, object]:
    if not response.is_success:
        error = error_from_response(response, base)
        if response.status_code == httpx.codes.NOT_FOUND:
            raise ClientError(
                f"warroom at {base} does not know this heartbeat key ({error.message})",
                status=404,
            )
        raise ClientError(f"{error.message} (HTTP {response.status_code})", status=error.status)
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or answer.get("status") != "ok":
        raise ClientError(
            f"{base} answered the ping with something that is not warroom's; "
            "is the URL a warroom server?"
        )
    return answer


@app.command("ping")
def ping(
    key: Annotated[str, typer.Argument(metavar="KEY", help="The heartbeat integration's key.")],
    failed: Annotated[
        bool, typer.Option("--fail", help="Report that the job failed: the alert fires now.")
    ] = False,
    message: Annotated[
        str | None,
        typer.Option(
            "--message",
            "-m",
            help="Text sent with the ping, e.g. the job's output "
            "(the first 10 KiB show in the failure alert).",
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            envvar="WARROOM_URL",
            show_envvar=True,
            help=f"The warroom server. Default {DEFAULT_URL}.",
        ),
    ] = None,
    retries: Annotated[
        int,
        typer.Option(
            "--retries", min=0, max=10, help="Retries on network errors, 429 and 5xx answers."
        ),
    ] = 2,
) -> None:
    """Tell warroom that the job behind KEY ran (or, with --fail, that it failed)."""
    base = (url or "").strip() or DEFAULT_URL
    try:
        answer = send_ping(
            base, key, failed=failed, message=message, retries=retries, timeout=_timeout()
        )
    except ClientError as exc:
        fail(exc.message, exc.exit_code)
    what = "failure reported" if failed else "beat recorded"
    typer.echo(
        f"ok: {what}; state {answer.get('state')}, next beat due by {answer.get('next_deadline')}"
    )

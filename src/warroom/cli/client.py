"""A small HTTP client for the warroom REST API, used by the CLI.

Every failure becomes a :class:`ClientError` with one line a person can act on: the
server's own message for API errors, the URL for network errors, and what to fix for
a missing or refused token. The CLI prints it; nothing here prints or exits.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from warroom import __version__

DEFAULT_URL = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT_SECONDS = 10.0
USAGE_EXIT_CODE = 2
REF_PATTERN = re.compile(r"^(?:INC-)?(\d+)$", re.IGNORECASE)
MAX_BODY_IN_MESSAGE = 200


class ClientError(Exception):
    """One line for a person; ``exit_code`` 2 means the invocation itself is wrong."""

    def __init__(
        self,
        message: str,
        *,
        exit_code: int = 1,
        status: int | None = None,
        code: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.status = status
        self.code = code
        self.field = field


def normalise_ref(ref: str) -> str:
    """``12``, ``inc-12`` and ``INC-012`` are ``INC-12``; anything else is left to the server."""
    match = REF_PATTERN.match(ref.strip())
    return f"INC-{int(match.group(1))}" if match else ref.strip()


def incident_path(ref: str, *parts: str) -> str:
    """``/api/v1/incidents/INC-12/…`` with every part escaped."""
    tail = "".join(f"/{quote(part, safe='')}" for part in parts)
    return f"/api/v1/incidents/{quote(normalise_ref(ref), safe='')}{tail}"


def _with_field(message: str, field: str | None) -> str:
    if not field or re.search(rf"(?<![\w.]){re.escape(field)}(?![\w\[])", message):
        return message
    return f"{message} (field: {field})"


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "(empty body)"
    return line if len(line) <= MAX_BODY_IN_MESSAGE else line[:MAX_BODY_IN_MESSAGE] + "…"


def error_from_response(response: httpx.Response, url: str) -> ClientError:
    """Turn a non-2xx answer into one line, from the JSON error body when there is one."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("message"), str):
        return ClientError(
            f"HTTP {status} from warroom at {url}: {_first_line(response.text)}", status=status
        )
    message: str = error["message"]
    field = error.get("field") if isinstance(error.get("field"), str) else None
    code = error.get("code") if isinstance(error.get("code"), str) else None
    details = error.get("details")
    if isinstance(details, list) and len(details) > 1:
        message = "; ".join(
            str(d.get("message")) for d in details if isinstance(d, dict) and d.get("message")
        )
        field = None
    if status == httpx.codes.UNAUTHORIZED:
        return ClientError(
            f"not authenticated: WARROOM_TOKEN is missing or invalid ({message}); "
            "create a token with 'warroom tokens create --user NAME'",
            status=status,
            code=code,
        )
    # The field helps to fix bad input; for a refusal or a missing thing the message says it.
    input_error = status in (httpx.codes.BAD_REQUEST, httpx.codes.UNPROCESSABLE_ENTITY)
    line = _with_field(message, field) if input_error else message
    if status >= httpx.codes.INTERNAL_SERVER_ERROR:
        request_id = response.headers.get("x-request-id")
        line = f"server error (HTTP {status}): {line}"
        if request_id:
            line += f" (request id {request_id})"
    return ClientError(line, status=status, code=code, field=field)


class ApiClient:
    """Authenticated JSON requests against one warroom server."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        try:
            self._http = httpx.Client(
                base_url=self.url,
                headers={
                    "Authorization": f"Bearer {token}",
                    "Accept": "application/json",
                    "User-Agent": f"warroom-cli/{__version__}",
                },
                timeout=httpx.Timeout(timeout),
                transport=transport,
                follow_redirects=False,
            )
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            raise ClientError(
                f"WARROOM_URL is not a valid URL: {url!r} ({exc})", exit_code=USAGE_EXIT_CODE
            ) from None

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        raw: bool = False,
    ) -> Any:
        """The decoded JSON answer, or with ``raw`` the body's bytes as they came."""
        try:
            response = self._http.request(method, path, json=json, params=params)
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise ClientError(
                f"WARROOM_URL must be an http:// or https:// URL, got {self.url!r} ({exc})",
                exit_code=USAGE_EXIT_CODE,
            ) from None
        except httpx.ConnectError as exc:
            raise ClientError(f"cannot reach warroom at {self.url}: {exc}") from None
        except httpx.TimeoutException as exc:
            kind = type(exc).__name__
            raise ClientError(
                f"warroom at {self.url} did not answer within {self.timeout:g}s ({kind}); "
                "set WARROOM_TIMEOUT to wait longer"
            ) from None
        except httpx.HTTPError as exc:
            raise ClientError(f"lost the connection to warroom at {self.url}: {exc}") from None
        if response.is_redirect:
            target = response.headers.get("location", "?")
            raise ClientError(
                f"warroom at {self.url} redirected to {target}; set WARROOM_URL to the final URL",
                status=response.status_code,
            )
        if not response.is_success:
            raise error_from_response(response, self.url)
        if raw:
            return response.content
        if response.status_code == httpx.codes.NO_CONTENT or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ClientError(
                f"{self.url} answered {method} {path} with something that is not JSON; "
                "is WARROOM_URL a warroom server?",
                status=response.status_code,
            ) from None

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def download(self, path: str) -> bytes:
        """A file the server renders (Markdown, PDF): its bytes, not JSON."""
        body: bytes = self.request("GET", path, raw=True)
        return body

    def post(self, path: str, json: Any = None) -> Any:
        return self.request("POST", path, json=json)

    def patch(self, path: str, json: Any) -> Any:
        return self.request("PATCH", path, json=json)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)


def from_env(environ: Mapping[str, str] | None = None) -> ApiClient:
    """A client for ``WARROOM_URL`` with ``WARROOM_TOKEN`` (and ``WARROOM_TIMEOUT`` seconds)."""
    env = os.environ if environ is None else environ
    url = env.get("WARROOM_URL", "").strip() or DEFAULT_URL
    token = env.get("WARROOM_TOKEN", "").strip()
    if not token:
        raise ClientError(
            "WARROOM_TOKEN is not set: export WARROOM_TOKEN=<token> "
            "(create one with 'warroom tokens create --user NAME')",
            exit_code=USAGE_EXIT_CODE,
        )
    raw_timeout = env.get("WARROOM_TIMEOUT", "").strip()
    timeout = DEFAULT_TIMEOUT_SECONDS
    if raw_timeout:
        try:
            timeout = float(raw_timeout)
        except ValueError:
            timeout = -1.0
        if not timeout > 0:
            raise ClientError(
                f"WARROOM_TIMEOUT must be a positive number of seconds, got {raw_timeout!r}",
                exit_code=USAGE_EXIT_CODE,
            )
    return ApiClient(url, token, timeout=timeout)

"""A local Slack Web API for tests: the documented contract of the methods warroom calls.

Methods: chat.postMessage, conversations.open, conversations.create, conversations.invite.
Requests are POSTs with a form or JSON body and ``Authorization: Bearer xoxb-...``. Answers
are HTTP 200 ``{"ok": true, ...}`` or ``{"ok": false, "error": "..."}`` with Slack's error
codes (``not_authed``, ``invalid_auth``, ``channel_not_found``, ``not_in_channel``,
``name_taken``, ``invalid_name_specials``, ``invalid_name_maxlength``, ``user_not_found``,
``already_in_channel``); a rate limit is HTTP 429 with ``Retry-After`` and
``{"ok": false, "error": "ratelimited"}``. No live workspace was available: this follows
Slack's method documentation.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
CHANNEL_NAME = re.compile(r"^[a-z0-9_-]+$")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    authorization: str | None
    content_type: str


@dataclass
class SlackWorkspace:
    """The state the fake API keeps: channels (id -> name, members), users, and calls."""

    token: str = TOKEN
    bot_user: str = "UBOT00001"
    users: set[str] = field(default_factory=set)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    rate_limited: int = 0
    """Answer this many next calls with 429 ratelimited."""
    rate_limited_method: str | None = None
    """Only calls of this method count against ``rate_limited`` (None: every call)."""
    retry_after: int = 30
    server_errors: int = 0
    """Answer this many next calls with a 503 HTML page."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def add_channel(self, name: str, *, bot_is_member: bool = True) -> str:
        channel_id = f"C{next(self._ids):08d}"
        members = {self.bot_user} if bot_is_member else set()
        self.channels[channel_id] = {"id": channel_id, "name": name, "members": members}
        return channel_id

    def channel_named(self, name: str) -> dict[str, Any] | None:
        return next((c for c in self.channels.values() if c["name"] == name), None)

    def calls_of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def messages_in(self, channel_id: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["channel"] == channel_id]

    # --- methods -------------------------------------------------------------------------

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = {
            "chat.postMessage": self.post_message,
            "conversations.open": self.open_conversation,
            "conversations.create": self.create_conversation,
            "conversations.invite": self.invite,
        }.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        result: dict[str, Any] = handler(params)
        return result

    def _resolve_channel(self, value: str) -> dict[str, Any] | None:
        if value in self.channels:
            return self.channels[value]
        return self.channel_named(value.removeprefix("#"))

    def post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("text") and not params.get("blocks"):
            return {"ok": False, "error": "no_text"}
        channel = self._resolve_channel(str(params["channel"]))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if self.bot_user not in channel["members"]:
            return {"ok": False, "error": "not_in_channel"}
        ts = f"1700000000.{next(self._ids):06d}"
        blocks = params.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        message = {"channel": channel["id"], "ts": ts, "text": params.get("text"), "blocks": blocks}
        self.messages.append(message)
        return {"ok": True, "channel": channel["id"], "ts": ts, "message": message}

    def open_conversation(self, params: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(params.get("users", "")).split(",") if u]
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        if any(user not in self.users for user in users):
            return {"ok": False, "error": "user_not_found"}
        name = "im-" + "-".join(sorted(users))
        channel = self.channel_named(name)
        if channel is None:
            channel_id = self.add_channel(name)
            channel = self.channels[channel_id]
            channel["id"] = "D" + channel_id[1:]
            self.channels[channel["id"]] = self.channels.pop(channel_id)
            channel["members"].update(users)
        return {"ok": True, "channel": {"id": channel["id"]}}

    def create_conversation(self, params: dict[str, Any]) -> dict[str, Any]:
        name = str(params.get("name", ""))
        if not name:
            return {"ok": False, "error": "invalid_name_required"}
        if len(name) > 80:
            return {"ok": False, "error": "invalid_name_maxlength"}
        if not CHANNEL_NAME.match(name):
            return {"ok": False, "error": "invalid_name_specials"}
        if self.channel_named(name) is not None:
            return {"ok": False, "error": "name_taken"}
        channel_id = self.add_channel(name)
        return {
            "ok": True,
            "channel": {"id": channel_id, "name": name, "is_channel": True, "is_private": False},
        }

    def invite(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(params.get("channel", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        users = [u for u in str(params.get("users", "")).split(",") if u]
        if not users:
            return {"ok": False, "error": "no_user"}
        if self.bot_user not in channel["members"]:
            return {"ok": False, "error": "not_in_channel"}
        for user in users:
            if user not in self.users:
                return {"ok": False, "error": "user_not_found"}
            if user in channel["members"]:
                return {"ok": False, "error": "already_in_channel"}
        channel["members"].update(users)
        return {"ok": True, "channel": {"id": channel["id"], "name": channel["name"]}}


def _handler(workspace: SlackWorkspace) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            method = self.path.rstrip("/").rsplit("/", 1)[-1]
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8")
            content_type = self.headers.get("Content-Type", "")
            if content_type.startswith("application/json"):
                params = json.loads(raw or "{}")
            else:
                params = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            authorization = self.headers.get("Authorization")
            with workspace.lock:
                workspace.calls.append(Call(method, params, authorization, content_type))
                if workspace.server_errors > 0:
                    workspace.server_errors -= 1
                    self._send(503, b"<html>Service Unavailable</html>", "text/html")
                    return
                if workspace.rate_limited > 0 and workspace.rate_limited_method in (None, method):
                    workspace.rate_limited -= 1
                    body = json.dumps({"ok": False, "error": "ratelimited"}).encode()
                    extra = {"Retry-After": str(workspace.retry_after)}
                    self._send(429, body, "application/json", extra)
                    return
                answer = self._authorised(authorization) or workspace.answer(method, params)
            self._send(200, json.dumps(answer).encode(), "application/json; charset=utf-8")

        def _authorised(self, authorization: str | None) -> dict[str, Any] | None:
            if not authorization or not authorization.startswith("Bearer "):
                return {"ok": False, "error": "not_authed"}
            if authorization.removeprefix("Bearer ") != workspace.token:
                return {"ok": False, "error": "invalid_auth"}
            return None

        def _send(
            self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def slack_api(workspace: SlackWorkspace | None = None) -> Iterator[tuple[SlackWorkspace, str]]:
    """Serve the fake Web API on loopback; yields the workspace and the base URL (…/api/)."""
    workspace = workspace or SlackWorkspace()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(workspace))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield workspace, f"http://127.0.0.1:{server.server_address[1]}/api/"
    finally:
        server.shutdown()
        server.server_close()

"""Security headers on every answer of the app (pages, API, ingest, errors).

The pages' policy allows scripts and styles only from warroom itself: no inline scripts, no
``eval``, no third-party origin. Swagger UI (``/api/docs``) has one inline script of its own;
its policy allows exactly that script by hash instead of ``unsafe-inline``.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)

_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)


def policy_for_inline_scripts(html: bytes) -> str:
    """``PAGE_POLICY`` extended with the hashes of the inline scripts of one fixed page."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    return PAGE_POLICY.replace("script-src 'self'", f"script-src 'self' {hashes}".rstrip())


COMMON_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    """Adds the headers to each response start, unless the app set one of them itself (a
    route may have a stricter or page-specific policy)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.policy = PAGE_POLICY.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = self.policy

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in COMMON_HEADERS:
                    if name not in present:
                        headers.append((name, value))
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", policy))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

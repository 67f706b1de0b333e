"""Generic JSON webhooks: the integration's transform (Jinja2 templates, rendered in a
sandbox) turns any JSON body into signals.

Templates see ``payload`` (the whole body); ``alert``, once per element of a top-level
``alerts`` list, when the transform mentions ``alert``; and ``message``, the ``Message`` of
an AWS SNS notification (parsed when it holds JSON). A missing key renders empty. Senders
control the data, never the templates: the sandbox keeps the data away from Python's
internals, and every rendering failure is a 400 naming the transform field.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson
from jinja2 import ChainableUndefined, Template, TemplateError, Undefined, meta
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from warroom.config import Integration, WebhookTransform
from warroom.ingest.errors import IngestError
from warroom.ingest.models import SignalAction
from warroom.ingest.signal import SignalIn

BODY_LIMIT = 1024 * 1024
MAX_TEMPLATES = 8192
MAX_TITLE = 1024
MAX_IDENTITY = 255
MAX_NAME = 64  # severity, environment, team, service
MAX_REPEAT = 100_000
MAX_POWER_BITS = 8192
MAX_REASON = 200
EPOCH_MILLIS_FROM = 10**11  # as epoch seconds, this is the year 5138
FIRING = frozenset({"firing", "alerting", "triggered", "active"})
RESOLVED = frozenset({"resolved", "ok", "inactive"})
SNS_SUBSCRIBE = "SubscriptionConfirmation"
SNS_UNSUBSCRIBE = "UnsubscribeConfirmation"
NAME_FIELDS = ("severity", "environment", "team", "service")


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, made strict about unsafe access (by default it renders such
    access as an empty string) and about ``*``/``**`` building huge values; and a JSON
    object's key wins over a method of the same name (``alert.values``, ``payload.items``)."""

    intercepted_binops = frozenset({"*", "**"})

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, dict) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise SecurityError(
            f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe"
        )

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                if (
                    isinstance(sequence, str | list | tuple)
                    and isinstance(times, int)
                    and len(sequence) * times > MAX_REPEAT
                ):
                    raise SecurityError(f"'*' would build more than {MAX_REPEAT} items")
        elif (
            isinstance(left, int)
            and isinstance(right, int)
            and abs(left) > 1
            and left.bit_length() * right > MAX_POWER_BITS
        ):
            raise SecurityError(f"'**' would build a number of more than {MAX_POWER_BITS} bits")
        return super().call_binop(context, operator, left, right)


def _finalize(value: Any) -> Any:
    """A method reached by a missing key (``payload.items`` when there is no key "items")
    renders empty, like any missing key, not as ``<built-in method …>``."""
    return "" if callable(value) else value


_ENV = _Sandbox(undefined=ChainableUndefined, autoescape=False, finalize=_finalize)


@dataclass(frozen=True)
class _Compiled:
    template: Template
    uses_alert: bool


@lru_cache(maxsize=MAX_TEMPLATES)
def _compile(text: str) -> _Compiled:
    """Each template text is compiled once, whichever configs and reloads share it."""
    return _Compiled(
        _ENV.from_string(text), "alert" in meta.find_undeclared_variables(_ENV.parse(text))
    )


def _compiled(field: str, text: str) -> _Compiled:
    try:
        return _compile(text)
    except TemplateError as exc:  # config validation compiles them: only a safety net
        raise _failure(field, "does not compile", exc) from None


def _failure(field: str, what: str, exc: BaseException, where: str = "") -> IngestError:
    reason = str(exc) if isinstance(exc, TemplateError) else f"{type(exc).__name__}: {exc}"
    if len(reason) > MAX_REASON:
        reason = reason[: MAX_REASON - 1] + "…"
    return IngestError(
        400, f"transform.{field} {what}{where}: {reason}", field=f"transform.{field}"
    )


def _sources(transform: WebhookTransform) -> list[tuple[str, str]]:
    """(field, template) for every template of the transform."""
    out = [
        (name, text)
        for name in (
            "title",
            "dedup_key",
            "status",
            "severity",
            "description",
            "source",
            "starts_at",
            "environment",
            "service",
            "team",
        )
        if (text := getattr(transform, name)) is not None
    ]
    out += [(f"labels.{name}", text) for name, text in transform.labels.items()]
    for index, link in enumerate(transform.links):
        out.append((f"links[{index}].href", link.href))
        if link.text is not None:
            out.append((f"links[{index}].text", link.text))
    return out


def uses_alert(transform: WebhookTransform) -> bool:
    """Whether any template reads the ``alert`` variable."""
    return any(_compiled(field, text).uses_alert for field, text in _sources(transform))


@dataclass(frozen=True)
class _Renderer:
    variables: dict[str, Any]
    where: str  # " (alerts[3])" when rendering one element of a list

    def text(self, field: str, source: str | None) -> str:
        if source is None:
            return ""
        template = _compiled(field, source).template
        try:
            rendered = template.render(self.variables)
        except Exception as exc:  # filters and sandbox raise anything; the sender gets a 400
            raise _failure(field, "cannot be rendered", exc, self.where) from None
        return rendered.replace("\x00", "").strip()  # PostgreSQL text cannot hold NUL

    def required(self, field: str, source: str) -> str:
        value = self.text(field, source)
        if not value:
            raise IngestError(
                400, f"transform.{field} rendered empty{self.where}", field=f"transform.{field}"
            )
        return value

    def name(self, field: str, source: str | None) -> str | None:
        value = self.text(field, source)
        if len(value) > MAX_NAME:
            raise IngestError(
                400,
                f"transform.{field} rendered {len(value)} characters{self.where}; "
                f"at most {MAX_NAME}",
                field=f"transform.{field}",
            )
        return value or None

    def problem(self, field: str, rendered: str, expected: str) -> IngestError:
        shown = rendered if len(rendered) <= MAX_REASON else rendered[:MAX_REASON] + "…"
        return IngestError(
            400,
            f"transform.{field} rendered {shown!r}{self.where}: expected {expected}",
            field=f"transform.{field}",
        )


def _action(renderer: _Renderer, source: str) -> SignalAction:
    rendered = renderer.required("status", source)
    status = rendered.lower()
    if status in FIRING:
        return SignalAction.TRIGGER
    if status in RESOLVED:
        return SignalAction.RESOLVE
    raise renderer.problem("status", rendered, "firing or resolved")


def _starts_at(renderer: _Renderer, source: str | None) -> datetime | None:
    rendered = renderer.text("starts_at", source)
    if not rendered:
        return None
    try:
        number = float(rendered)
    except ValueError:
        number = None
    try:
        if number is not None:
            seconds = number / 1000 if abs(number) >= EPOCH_MILLIS_FROM else number
            return datetime.fromtimestamp(seconds, UTC)
        moment = datetime.fromisoformat(rendered)
    except (ValueError, OverflowError, OSError):
        raise renderer.problem("starts_at", rendered, "ISO 8601 or epoch seconds") from None
    if moment.year <= 1:  # Go's zero time, "0001-01-01T00:00:00Z": not set
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _identity(key: str) -> str:
    """Long keys are hashed, not cut: two keys sharing a prefix stay two alerts."""
    if len(key) <= MAX_IDENTITY:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _title(title: str) -> str:
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1] + "…"


def _links(renderer: _Renderer, transform: WebhookTransform) -> list[dict[str, str]]:
    """Links whose href renders to an http(s) URL; others (empty, javascript:, …) are left out."""
    links = []
    for index, link in enumerate(transform.links):
        href = renderer.text(f"links[{index}].href", link.href)
        if not href.lower().startswith(("http://", "https://")):
            continue
        text = renderer.text(f"links[{index}].text", link.text)
        links.append({"href": href, "text": text or href})
    return links


def _signal(transform: WebhookTransform, renderer: _Renderer, integration: Integration) -> SignalIn:
    title = renderer.required("title", transform.title)
    identity = renderer.required("dedup_key", transform.dedup_key)
    action = _action(renderer, transform.status)
    names = {field: renderer.name(field, getattr(transform, field)) for field in NAME_FIELDS}
    labels = {
        name: value
        for name, source in transform.labels.items()
        if (value := renderer.text(f"labels.{name}", source))
    }
    source = renderer.text("source", transform.source)
    return SignalIn(
        action=action,
        identity=_identity(identity),
        title=_title(title),
        description=renderer.text("description", transform.description),
        severity=names["severity"],
        environment=names["environment"] or integration.environment,
        labels=labels,
        annotations={"source": source} if source else {},
        links=_links(renderer, transform),
        starts_at=_starts_at(renderer, transform.starts_at),
        team=names["team"],
        service=names["service"],
    )


def _sns_message(doc: Any) -> Any:
    """The ``Message`` of an SNS notification: parsed if it holds JSON, else the text;
    None when the payload is no SNS notification (``message`` then renders empty)."""
    if not isinstance(doc, dict) or doc.get("Type") != "Notification":
        return None
    message = doc.get("Message")
    if not isinstance(message, str):
        return None
    try:
        return orjson.loads(message)
    except orjson.JSONDecodeError:
        return message


@dataclass(frozen=True)
class Delivery:
    """What one request asks for: the variables of each signal to render. Its size is
    known before any rendering, so the rate limit is checked before the work is done."""

    integration: Integration
    transform: WebhookTransform
    renderers: list[_Renderer]

    def __len__(self) -> int:
        return len(self.renderers)

    def render(self) -> list[SignalIn]:
        """All signals, or an IngestError for the first that fails: nothing partial."""
        return [_signal(self.transform, r, self.integration) for r in self.renderers]


def delivery(doc: Any, integration: Integration) -> Delivery:
    """Binds ``payload``, ``message`` and, per element of ``alerts``, ``alert``."""
    transform = integration.transform
    if transform is None:  # the config requires a transform for kind webhook
        raise IngestError(400, "the integration has no transform", field="transform")
    variables: dict[str, Any] = {"payload": doc}
    message = _sns_message(doc)
    if message is not None:
        variables["message"] = message
    alerts = doc.get("alerts") if isinstance(doc, dict) else None
    if not isinstance(alerts, list) or not uses_alert(transform):
        return Delivery(integration, transform, [_Renderer(variables, "")])
    renderers = []
    for index, alert in enumerate(alerts):
        if not isinstance(alert, dict):
            field = f"alerts[{index}]"
            raise IngestError(400, f"{field} must be an object", field=field)
        renderers.append(_Renderer({**variables, "alert": alert}, f" (alerts[{index}])"))
    return Delivery(integration, transform, renderers)


def parse(doc: Any, integration: Integration) -> list[SignalIn]:
    """The signals the integration's transform makes of the JSON document ``doc``."""
    return delivery(doc, integration).render()


@dataclass(frozen=True)
class SnsControl:
    """An SNS message about the subscription itself, not a notification."""

    kind: str
    topic: str | None
    subscribe_url: str | None


def sns_control(doc: Any) -> SnsControl | None:
    """SNS's (un)subscription confirmations; None for anything else."""
    if not isinstance(doc, dict) or doc.get("Type") not in (SNS_SUBSCRIBE, SNS_UNSUBSCRIBE):
        return None
    topic = doc.get("TopicArn")
    url = doc.get("SubscribeURL")
    if doc["Type"] == SNS_SUBSCRIBE and (not isinstance(url, str) or not url):
        raise IngestError(400, "SubscribeURL must be a non-empty string", field="SubscribeURL")
    return SnsControl(
        kind=str(doc["Type"]),
        topic=topic if isinstance(topic, str) else None,
        subscribe_url=url if isinstance(url, str) else None,
    )

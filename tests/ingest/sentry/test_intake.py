"""Sentry intake over HTTP, in-process on both databases: what SDKs send is durable before
the 200, and every refusal is the documented answer (status, body, headers)."""

from __future__ import annotations

import base64
import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import brotli
import orjson
import pytest
import zstandard
from sqlalchemy import Engine

from tests.errors.support import (
    AUTH,
    ENVELOPES,
    KEY,
    OTHER_KEY,
    OTHER_PROJECT_ID,
    PROJECT_ID,
    envelope,
    error_app,
    event_envelope,
    make_envelope,
    post_envelope,
    stored_items,
)
from tests.support.api import Harness
from warroom.ingest.sentry.intake import MAX_CHECK_IN_BYTES, MAX_ENVELOPE_BYTES

EVENT_ID = "7e4567b307874c7d8f6b77873eb3c7cf"
FIXTURE_KINDS = {
    "envelope_checkin_in_progress.txt": ["check_in"],
    "envelope_checkin_ok.txt": ["check_in"],
    "envelope_client_report.txt": ["client_report"],
    "envelope_event_chained_exception.txt": ["event"],
    "envelope_event_with_attachment.txt": ["event", "attachment"],
    "envelope_logs.txt": ["log"],
    "envelope_message_fingerprint.txt": ["event"],
    "envelope_sessions_aggregate.txt": ["sessions"],
    "envelope_transaction.txt": ["transaction"],
    "envelope_wsgi_unhandled_event.txt": ["event"],
}


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Iterator[Harness]:
    with error_app(engine, tmp_path) as harness:
        yield harness


def error_of(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert body["detail"] == body["error"]["message"]
    return body["error"]


def test_every_captured_envelope_is_accepted_and_its_items_kept(
    api: Harness, engine: Engine
) -> None:
    assert sorted(FIXTURE_KINDS) == sorted(p.name for p in ENVELOPES.glob("*.txt"))
    expected: list[str] = []
    for name, kinds in FIXTURE_KINDS.items():
        body = envelope(name)
        response = post_envelope(api, body)
        assert response.status_code == 200, (name, response.text)
        header = orjson.loads(body.split(b"\n", 1)[0])
        assert response.json() == ({"id": header["event_id"]} if "event_id" in header else {})
        expected += kinds
    items = stored_items(engine)
    assert [item.kind.value for item in items] == expected
    assert all(item.project_id == PROJECT_ID and item.public_key == KEY for item in items)


def test_the_chained_exception_capture_replays_with_its_own_headers(api: Harness) -> None:
    raw = (ENVELOPES / "envelope_event_chained_exception.http-headers").read_text()
    headers = dict(line.split(": ", 1) for line in raw.splitlines()[1:] if ": " in line)
    body = gzip.compress(envelope("envelope_event_chained_exception.txt"))
    sent = {k: v for k, v in headers.items() if k not in ("Host", "Content-Length")}
    response = api.client.post(raw.split()[1], content=body, headers=sent)
    assert response.status_code == 200, response.text


def test_an_events_payload_is_stored_as_sent(api: Harness, engine: Engine) -> None:
    body = envelope("envelope_wsgi_unhandled_event.txt")
    assert post_envelope(api, body).json() == {"id": EVENT_ID}
    (item,) = stored_items(engine)
    assert item.event_id == EVENT_ID
    assert orjson.loads(item.payload)["exception"]["values"][0]["type"] == "KeyError"
    assert item.headers["type"] == "event"
    assert item.headers["trace"]["release"] == "myapp@1.2.4"
    assert item.headers["client"] == "sentry.python/2.75.0"
    assert item.processed_at is None


def test_a_repeated_event_id_is_stored_once(api: Harness, engine: Engine) -> None:
    body = event_envelope(EVENT_ID)
    first, again = post_envelope(api, body), post_envelope(api, body)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() == {"id": EVENT_ID}
    assert len(stored_items(engine)) == 1


@pytest.mark.parametrize(
    ("where", "send"),
    [
        ("header", {"auth": AUTH, "query": ""}),
        ("query", {"auth": None, "query": f"?sentry_key={KEY}&sentry_version=7"}),
    ],
)
def test_the_key_may_come_in_the_header_or_the_query(
    api: Harness, engine: Engine, where: str, send: dict[str, Any]
) -> None:
    response = post_envelope(api, event_envelope(EVENT_ID), **send)
    assert response.status_code == 200, (where, response.text)
    assert len(stored_items(engine)) == 1


def test_the_key_may_come_in_the_envelopes_dsn(api: Harness, engine: Engine) -> None:
    body = make_envelope(
        {"event_id": EVENT_ID, "dsn": f"http://{KEY}@127.0.0.1:8000/{PROJECT_ID}"},
        ({"type": "event"}, b'{"message":"hi"}'),
    )
    assert post_envelope(api, body, auth=None).status_code == 200
    assert len(stored_items(engine)) == 1


def test_the_authorization_header_may_carry_the_sentry_scheme(api: Harness) -> None:
    response = post_envelope(
        api, event_envelope(EVENT_ID), auth=None, headers={"Authorization": AUTH}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("case", "kwargs", "status", "field"),
    [
        ("no key at all", {"auth": None}, 401, "x-sentry-auth"),
        (
            "unknown key",
            {"auth": "Sentry sentry_key=nosuchkey99, sentry_version=7"},
            401,
            "sentry_key",
        ),
        ("header and query disagree", {"query": f"?sentry_key={OTHER_KEY}"}, 401, "sentry_key"),
        ("a key of another project", {"project": OTHER_PROJECT_ID}, 403, "project_id"),
        ("a disabled key", {"auth": "Sentry sentry_key=disabledkey0001"}, 403, "sentry_key"),
    ],
)
def test_auth_refusals(
    api: Harness, engine: Engine, case: str, kwargs: dict[str, Any], status: int, field: str
) -> None:
    response = post_envelope(api, event_envelope(EVENT_ID), **kwargs)
    assert response.status_code == status, case
    assert error_of(response)["field"] == field, case
    assert response.headers["x-sentry-error"] == error_of(response)["message"]
    assert stored_items(engine) == []


def test_a_dsn_naming_another_project_is_refused(api: Harness, engine: Engine) -> None:
    body = make_envelope(
        {"dsn": f"http://{KEY}@127.0.0.1:8000/{OTHER_PROJECT_ID}"},
        ({"type": "event"}, b"{}"),
    )
    response = post_envelope(api, body, auth=None)
    assert response.status_code == 403
    assert error_of(response)["field"] == "dsn"
    assert stored_items(engine) == []


ENCODERS = {
    "gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": brotli.compress,
    "zstd": lambda data: zstandard.ZstdCompressor().compress(data),
    "identity": lambda data: data,
}


@pytest.mark.parametrize("encoding", sorted(ENCODERS))
def test_every_content_encoding_is_taken(api: Harness, engine: Engine, encoding: str) -> None:
    body = ENCODERS[encoding](event_envelope(EVENT_ID))
    response = post_envelope(api, body, gzipped=False, headers={"Content-Encoding": encoding})
    assert response.status_code == 200, response.text
    assert response.json() == {"id": EVENT_ID}
    assert len(stored_items(engine)) == 1


def test_raw_deflate_is_taken_too(api: Harness, engine: Engine) -> None:
    packer = zlib.compressobj(wbits=-15)
    body = packer.compress(event_envelope(EVENT_ID)) + packer.flush()
    response = post_envelope(api, body, gzipped=False, headers={"Content-Encoding": "deflate"})
    assert response.status_code == 200


def test_a_chunked_body_is_taken(api: Harness, engine: Engine) -> None:
    body = gzip.compress(event_envelope(EVENT_ID))

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 7):
            yield body[start : start + 7]

    response = api.client.post(
        f"/api/{PROJECT_ID}/envelope/",
        content=chunks(),
        headers={"X-Sentry-Auth": AUTH, "Content-Encoding": "gzip"},
    )
    assert response.status_code == 200, response.text
    assert len(stored_items(engine)) == 1


@pytest.mark.parametrize("encoding", ["gzip", "br", "zstd", "deflate"])
def test_a_compression_bomb_is_refused_with_413(
    api: Harness, engine: Engine, encoding: str
) -> None:
    bomb = ENCODERS[encoding](b"\n" * (MAX_ENVELOPE_BYTES + 1))
    assert len(bomb) < MAX_ENVELOPE_BYTES // 100
    response = post_envelope(api, bomb, gzipped=False, headers={"Content-Encoding": encoding})
    assert response.status_code == 413
    assert error_of(response)["field"] == "body"
    assert stored_items(engine) == []


def test_a_broken_stream_and_an_unknown_encoding(api: Harness) -> None:
    broken = post_envelope(api, b"not gzip", gzipped=False, headers={"Content-Encoding": "gzip"})
    assert broken.status_code == 400
    assert error_of(broken)["field"] == "body"
    cut = gzip.compress(event_envelope(EVENT_ID))[:-12]
    truncated = post_envelope(api, cut, gzipped=False, headers={"Content-Encoding": "gzip"})
    assert truncated.status_code == 400
    assert error_of(truncated)["field"] == "body"
    unknown = post_envelope(api, b"x", gzipped=False, headers={"Content-Encoding": "lzma"})
    assert unknown.status_code == 415
    assert error_of(unknown)["field"] == "content-encoding"


def test_unknown_item_types_are_skipped_and_counted_never_refused(
    api: Harness, engine: Engine
) -> None:
    body = make_envelope(
        {"event_id": EVENT_ID},
        ({"type": "event"}, b'{"message":"kept"}'),
        ({"type": "made_up_type"}, b'{"a":1}'),
        ({"type": "profile"}, b'{"b":2}'),
        ({"type": "made_up_type", "length": 3}, b"abc"),
    )
    response = post_envelope(api, body)
    assert response.status_code == 200
    assert [item.kind.value for item in stored_items(engine)] == ["event"]
    counts = api.app.state.sentry.stats.of("api")
    assert counts["skipped:unknown:made_up_type"] == 2
    assert counts["skipped:profile"] == 1
    assert counts["accepted"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json\n", "envelope header"),
        (b"[1]\n", "envelope header"),
        (b'{}\n{"length": 2}\nab\n', "item 0 header.type"),
        (
            b'{}\n{"type":"event"}\n{}\n{"type":"event", "length": 999}\n{}\n',
            "item 1 header.length",
        ),
        (b'{}\n{"type":"event", "length": -1}\n{}\n', "item 0 header.length"),
        (b'{"event_id":"xyz"}\n{"type":"event"}\n{}\n', "event_id"),
    ],
)
def test_a_malformed_envelope_is_refused_whole(
    api: Harness, engine: Engine, body: bytes, field: str
) -> None:
    response = post_envelope(api, body)
    assert response.status_code == 400
    assert error_of(response)["field"] == field
    assert stored_items(engine) == []


def test_an_item_whose_payload_is_not_json_is_kept_for_the_worker_to_judge(
    api: Harness, engine: Engine
) -> None:
    body = make_envelope(
        {"event_id": EVENT_ID},
        ({"type": "event"}, b"{not json"),
        ({"type": "sessions"}, b'{"attrs":{"release":"1"},"aggregates":[]}'),
    )
    assert post_envelope(api, body).status_code == 200
    assert [item.kind.value for item in stored_items(engine)] == ["event", "sessions"]


def test_an_item_over_its_limit_refuses_the_request_with_413(api: Harness, engine: Engine) -> None:
    check_in = orjson.dumps({"monitor_slug": "x", "pad": "a" * MAX_CHECK_IN_BYTES})
    body = make_envelope({}, ({"type": "check_in"}, check_in))
    response = post_envelope(api, body)
    assert response.status_code == 413
    assert error_of(response)["field"] == "item 0"
    assert stored_items(engine) == []


def test_the_legacy_store_endpoint_takes_an_event(api: Harness, engine: Engine) -> None:
    response = api.client.post(
        f"/api/{PROJECT_ID}/store/",
        content=orjson.dumps({"event_id": EVENT_ID.upper(), "message": "old sdk"}),
        headers={"X-Sentry-Auth": AUTH, "Content-Type": "application/json"},
    )
    assert response.status_code == 200
    assert response.json() == {"id": EVENT_ID}
    (item,) = stored_items(engine)
    assert item.kind.value == "event"
    assert item.event_id == EVENT_ID


def test_the_store_endpoint_gives_an_event_without_id_a_new_one(
    api: Harness, engine: Engine
) -> None:
    packed = base64.b64encode(zlib.compress(b'{"message":"oldest sdk"}'))
    response = api.client.post(
        f"/api/{PROJECT_ID}/store/?sentry_key={KEY}&sentry_version=5", content=packed
    )
    assert response.status_code == 200
    (item,) = stored_items(engine)
    assert response.json() == {"id": item.event_id}
    assert len(item.event_id or "") == 32
    assert orjson.loads(item.payload) == {"message": "oldest sdk"}


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [(b"{nope", 400, "body"), (b"[1,2]", 400, "body"), (b'{"event_id": 5}', 400, "event_id")],
)
def test_the_store_endpoint_refuses_what_is_not_an_event(
    api: Harness, engine: Engine, body: bytes, status: int, field: str
) -> None:
    response = api.client.post(
        f"/api/{PROJECT_ID}/store/", content=body, headers={"X-Sentry-Auth": AUTH}
    )
    assert response.status_code == status
    assert error_of(response)["field"] == field
    assert stored_items(engine) == []


ORIGIN = "http://127.0.0.1:5173"


def test_cors_preflight_for_an_allowed_origin(api: Harness) -> None:
    response = api.client.options(
        f"/api/{PROJECT_ID}/envelope/?sentry_key={KEY}",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "x-sentry-auth" in response.headers["access-control-allow-headers"]
    assert "content-type" in response.headers["access-control-allow-headers"]


def test_cors_preflight_for_another_origin_is_refused(api: Harness) -> None:
    response = api.client.options(
        f"/api/{PROJECT_ID}/envelope/",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers


def test_a_browser_post_from_an_allowed_origin_may_read_the_answer(
    api: Harness, engine: Engine
) -> None:
    response = post_envelope(
        api,
        event_envelope(EVENT_ID),
        auth=None,
        query=f"?sentry_key={KEY}&sentry_version=7",
        headers={"Origin": ORIGIN, "Content-Type": "text/plain;charset=UTF-8"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "x-sentry-rate-limits" in response.headers["access-control-expose-headers"]


def test_a_browser_post_from_another_origin_is_refused_and_not_kept(
    api: Harness, engine: Engine
) -> None:
    response = post_envelope(api, event_envelope(EVENT_ID), headers={"Origin": "https://x.test"})
    assert response.status_code == 403
    assert error_of(response)["field"] == "origin"
    assert "access-control-allow-origin" not in response.headers
    assert stored_items(engine) == []


def test_a_project_without_origins_refuses_browsers(api: Harness, engine: Engine) -> None:
    response = post_envelope(
        api,
        event_envelope(EVENT_ID),
        project=OTHER_PROJECT_ID,
        auth=f"Sentry sentry_key={OTHER_KEY}",
        headers={"Origin": ORIGIN},
    )
    assert response.status_code == 403


def quota(events_per_minute: int, key_limit: int | None = None) -> Any:
    def change(doc: dict[str, Any]) -> None:
        project = doc["projects"][0]
        project["events_per_minute"] = events_per_minute
        if key_limit is not None:
            project["keys"][0]["events_per_minute"] = key_limit

    return change


def test_past_the_project_quota_events_get_429_with_sentrys_headers(
    engine: Engine, tmp_path: Path
) -> None:
    with error_app(engine, tmp_path, quota(12)) as api:  # 10 s worth at once: 2
        answers = [post_envelope(api, event_envelope(f"{n:032x}")) for n in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        limited = answers[2]
        retry = int(limited.headers["retry-after"])
        assert 1 <= retry <= 60
        assert (
            limited.headers["x-sentry-rate-limits"]
            == f"{retry}:error;default:project:project_quota"
        )
        assert error_of(limited)["code"] == "rate_limited"
        assert len(stored_items(engine)) == 2
        assert api.app.state.sentry.stats.of("api")["rate_limited"] == 1


def test_a_keys_own_limit_is_scoped_to_the_key(engine: Engine, tmp_path: Path) -> None:
    with error_app(engine, tmp_path, quota(600, key_limit=6)) as api:
        answers = [post_envelope(api, event_envelope(f"{n:032x}")) for n in range(2)]
        assert [a.status_code for a in answers] == [200, 429]
        assert answers[1].headers["x-sentry-rate-limits"].endswith(":error;default:key:key_quota")


def test_a_limited_envelope_keeps_its_other_items_and_says_what_was_limited(
    engine: Engine, tmp_path: Path
) -> None:
    with error_app(engine, tmp_path, quota(6)) as api:
        assert post_envelope(api, event_envelope(f"{1:032x}")).status_code == 200
        body = make_envelope(
            {"event_id": f"{2:032x}"},
            ({"type": "event"}, b'{"message":"over quota"}'),
            ({"type": "attachment", "filename": "a.txt"}, b"data"),
            ({"type": "sessions"}, b'{"attrs":{"release":"1"},"aggregates":[]}'),
        )
        response = post_envelope(api, body)
        assert response.status_code == 200
        assert response.headers["x-sentry-rate-limits"].endswith(
            ":error;default:project:project_quota"
        )
        assert [item.kind.value for item in stored_items(engine)] == ["event", "sessions"]

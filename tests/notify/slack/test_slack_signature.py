"""Slack request signatures: Slack's documented example, and what must be refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from warroom.notify.channels.slack.signature import verify_request
from warroom.problems import Unauthorized

# From Slack's documentation "Verifying requests from Slack" (the worked example): signing
# secret, timestamp, raw slash-command body and the signature Slack sent with it. The body is
# reproduced from that page; its HMAC equals the documented signature (checked below).
DOC_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DOC_TIMESTAMP = 1531420618
DOC_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
    "&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
    "&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands"
    "%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
DOC_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
DOC_TIME = datetime.fromtimestamp(DOC_TIMESTAMP, UTC)


def headers(signature: str = DOC_SIGNATURE, timestamp: int = DOC_TIMESTAMP) -> dict[str, str]:
    return {"x-slack-signature": signature, "x-slack-request-timestamp": str(timestamp)}


def test_documented_example_verifies() -> None:
    verify_request(DOC_SECRET, DOC_BODY.encode(), headers(), lambda: DOC_TIME)


def test_documented_example_within_five_minutes_verifies() -> None:
    later = DOC_TIME + timedelta(minutes=4, seconds=59)
    verify_request(DOC_SECRET, DOC_BODY.encode(), headers(), lambda: later)


@pytest.mark.parametrize("offset", [timedelta(minutes=5, seconds=1), -timedelta(minutes=6)])
def test_a_stale_or_future_timestamp_is_refused(offset: timedelta) -> None:
    with pytest.raises(Unauthorized) as refused:
        verify_request(DOC_SECRET, DOC_BODY.encode(), headers(), lambda: DOC_TIME + offset)
    assert refused.value.field == "x-slack-request-timestamp"


def test_a_changed_body_is_refused() -> None:
    body = DOC_BODY.replace("text=", "text=declare").encode()
    with pytest.raises(Unauthorized) as refused:
        verify_request(DOC_SECRET, body, headers(), lambda: DOC_TIME)
    assert refused.value.field == "x-slack-signature"


def test_another_secret_is_refused() -> None:
    with pytest.raises(Unauthorized):
        verify_request("another-secret", DOC_BODY.encode(), headers(), lambda: DOC_TIME)


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"x-slack-request-timestamp": str(DOC_TIMESTAMP)}, "x-slack-signature"),
        ({"x-slack-signature": DOC_SIGNATURE}, "x-slack-request-timestamp"),
        (
            {"x-slack-signature": DOC_SIGNATURE, "x-slack-request-timestamp": "soon"},
            "x-slack-request-timestamp",
        ),
    ],
)
def test_missing_or_malformed_headers_are_refused(given: dict[str, str], field: str) -> None:
    with pytest.raises(Unauthorized) as refused:
        verify_request(DOC_SECRET, DOC_BODY.encode(), given, lambda: DOC_TIME)
    assert refused.value.field == field


def test_a_body_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(Unauthorized):
        verify_request(DOC_SECRET, b"\xff\xfe", headers(), lambda: DOC_TIME)

"""Message grouping and the parameterisation of variable parts."""

from __future__ import annotations

import pytest
from tests.errors.support_grouping import event, grouping, md5

from warroom.errors.grouping.parameterize import normalize_message, parameterize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Error with order #1231", "Error with order #<int>"),
        ("mail bob.smith+x@example.com failed", "mail <email> failed"),
        ("GET https://api.example.com/v1/orders?id=3 failed", "GET <url> failed"),
        ("cannot reach db-1.internal.example.com now", "cannot reach <hostname> now"),
        ("connect to 10.0.0.12 refused", "connect to <ip> refused"),
        ("connect to 2001:db8::1 refused", "connect to <ip> refused"),
        ("order 6f1c2e3a-1b2c-4d5e-8f90-1234567890ab missing", "order <uuid> missing"),
        ("blob deadbeefcafebabe0123456789abcdef01234567 gone", "blob <sha1> gone"),
        ("etag 0123456789abcdef0123456789abcdef stale", "etag <md5> stale"),
        ("expired at 2024-01-02T10:00:00Z", "expired at <date>"),
        ("expired on Mon, 02 Jan 2006 15:04:05 MST", "expired on <date>"),
        ("took 350ms", "took <duration>"),
        ("took 2.5s", "took <duration>"),
        ("bad pointer 0x7ffee4b2c8a0", "bad pointer <hex>"),
        ("bad frame 7FFEE4B2C8A0", "bad frame <hex>"),
        ("deployed a1b2c3d today", "deployed <git_sha> today"),
        ("ratio 0.75 too high", "ratio <float> too high"),
        ("balance -12 below zero", "balance <int> below zero"),
        ("user='bob' active=true", "user=<quoted_str> active=<bool>"),
        ("nothing variable here", "nothing variable here"),
        ("Foo::bar failed", "Foo::bar failed"),
    ],
)
def test_each_kind_of_variable_part(text: str, expected: str) -> None:
    assert parameterize(text) == expected


def test_messages_keep_two_non_empty_lines() -> None:
    assert normalize_message("first\n\nsecond\nthird") == "first\nsecond..."
    assert normalize_message("one line") == "one line"


def message_event(text: str, **fields: object) -> dict[str, object]:
    return event({"message": text, **fields})


def test_messages_differing_in_variable_parts_merge() -> None:
    first = grouping(message_event("Error with order #1231"))
    second = grouping(message_event("Error with order #1232"))
    assert first.hashes == second.hashes == [md5("Error with order #<int>")]


def test_different_messages_split() -> None:
    assert (
        grouping(message_event("Payment failed")).hashes
        != grouping(message_event("Refund failed")).hashes
    )


def test_the_message_template_groups_before_the_formatted_text() -> None:
    def logged(param: str) -> list[str]:
        return grouping(
            event({"logentry": {"message": "user %s logged in", "params": [param]}})
        ).hashes

    assert logged("alice") == logged("bob") == [md5("user %s logged in")]


def test_an_event_with_nothing_to_group_by_gets_the_fallback_hash() -> None:
    group = grouping(event({}))
    assert group.hashes == [md5()]
    assert group.variants[-1].name == "fallback"

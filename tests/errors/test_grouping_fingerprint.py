"""Custom fingerprints: replacing the default grouping, extending it, variables."""

from __future__ import annotations

import pytest
from tests.errors.support_grouping import event, exception_event, frame, grouping, md5

STACK = [frame("get", module="app.views")]
DEFAULT_HASH = md5("app.views", "get", "ZeroDivisionError")


def test_a_custom_fingerprint_replaces_the_default() -> None:
    first = grouping(exception_event(STACK, fingerprint=["payments", "timeout"]))
    other_stack = grouping(
        exception_event(
            [frame("post", module="app.api")], type="KeyError", fingerprint=["payments", "timeout"]
        )
    )
    assert first.hashes == other_stack.hashes == [md5("payments", "timeout")]
    assert first.variants[-1].name == "custom-fingerprint"
    assert all(variant.hash is None for variant in first.variants[:-1])
    assert (
        grouping(exception_event(STACK, fingerprint=["payments", "other"])).hashes != first.hashes
    )


@pytest.mark.parametrize("default", ["{{ default }}", "{{default}}", "{{  default  }}"])
def test_default_alone_is_the_default_grouping(default: str) -> None:
    assert grouping(exception_event(STACK, fingerprint=[default])).hashes == [DEFAULT_HASH]


def test_default_with_more_entries_splits_the_default_group() -> None:
    eu = grouping(exception_event(STACK, fingerprint=["{{default}}", "eu"]))
    us = grouping(exception_event(STACK, fingerprint=["{{ default }}", "us"]))
    assert eu.hashes == [md5("app.views", "get", "ZeroDivisionError", "eu")]
    assert eu.hashes != us.hashes
    same_region = grouping(
        exception_event(
            [frame("get", module="app.views", lineno=99)], fingerprint=["{{ default }}", "eu"]
        )
    )
    assert same_region.hashes == eu.hashes


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("{{ transaction }}", "/checkout"),
        ("{{ type }}", "ZeroDivisionError"),
        ("{{ error.type }}", "ZeroDivisionError"),
        ("{{ value }}", "division by zero"),
        ("{{ function }}", "get"),
        ("{{ module }}", "app.views"),
        ("{{ stack.filename }}", "app/views.py"),
        ("{{ path }}", "/srv/app/views.py"),
        ("{{ level }}", "warning"),
        ("{{ logger }}", "app.log"),
        ("{{ message }}", "division by zero"),
        ("{{ tags.region }}", "eu"),
        ("{{ tags.missing }}", "<no-value-for-tag-missing>"),
        ("{{ package }}", "<no-package>"),
        ("{{ unknown_thing }}", "{{ unknown_thing }}"),
    ],
)
def test_fingerprint_variables(variable: str, value: str) -> None:
    raw = exception_event(
        [frame("get", module="app.views", filename="app/views.py", abs_path="/srv/app/views.py")],
        fingerprint=["x", variable],
        transaction="/checkout",
        level="warning",
        logger="app.log",
        tags={"region": "eu"},
    )
    group = grouping(raw)
    assert group.hashes == [md5("x", value)]
    fingerprint = group.variants[-1].fingerprint
    assert fingerprint is not None and fingerprint == ("x", value)


def test_message_variable_prefers_the_log_message() -> None:
    raw = event({"message": "hello", "fingerprint": ["{{ message }}"]})
    assert grouping(raw).hashes == [md5("hello")]

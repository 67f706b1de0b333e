"""A hostile regular expression in a silence's matchers cannot hold the server: the preview
answers that the pattern takes too long, the pipeline's matching gives up on it (the alert
is not muted), and every ordinary pattern means what it meant."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

import pytest

from tests.alerts.support import alerts, am_alert, send
from tests.support.api import Harness
from tests.support.web import web_user
from tests.web.test_alert_pages import previewed
from warroom.matchers import Matcher, MatcherTimeout, bounded

CATASTROPHIC = "(a|aa)+"
"""Exponential backtracking in Python's ``re`` (and the ``regex`` module) when the value
almost matches: ~1 s at 30 characters, doubling about every 1.5 more."""
LONG_VALUE = "a" * 100 + "!"
GUARD_SECONDS = 60
"""Only for the test not to hang if the bound were removed: the request takes ~1 s."""
T = TypeVar("T")


def answer_within(seconds: float, call: Callable[[], T]) -> T:
    """``call()``'s value, or a failure if it is still running after ``seconds``."""
    result: list[T] = []
    worker = threading.Thread(target=lambda: result.append(call()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert result, f"still evaluating after {seconds} s: the regex bound is gone"
    return result[0]


def test_a_catastrophic_pattern_gets_a_clear_answer_in_the_preview(api: Harness) -> None:
    send(api, am_alert("DiskFull", path=LONG_VALUE, instance="db-1"))
    send(api, am_alert("DiskFull", path="aaaa", instance="db-2"))
    rita = web_user(api, "rita")
    query = "/alerts/silences/preview?" + urlencode({"matchers": f'path=~"{CATASTROPHIC}"'})

    page: Any = answer_within(
        GUARD_SECONDS, lambda: rita.get(query, headers={"HX-Request": "true"})
    )

    assert page.status_code == 200
    text = page.text
    assert (
        "matchers: the regular expression of path=~&#34;(a|aa)+&#34; takes too long to "
        "evaluate against the alerts&#39; labels"
    ) in text
    assert "Field: <code>matchers</code>" in text
    assert previewed(text) == []


def test_an_ordinary_regex_still_previews_next_to_a_long_value(api: Harness) -> None:
    send(api, am_alert("DiskFull", path=LONG_VALUE, instance="db-1"))
    send(api, am_alert("DiskFull", path="aaaa", instance="db-2"))
    ids = {a["labels"]["instance"]: a["id"] for a in alerts(api)}
    rita = web_user(api, "rita")
    query = "/alerts/silences/preview?" + urlencode({"matchers": 'path=~"a+"'})
    page = rita.get(query, headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert previewed(page.text) == [ids["db-2"]]


def test_the_pipeline_gives_up_on_a_catastrophic_pattern_without_muting() -> None:
    """Outside a preview, running out of time counts as "no match" for ``=~`` and ``!~``
    alike: a silence never mutes by accident."""
    labels = {"path": LONG_VALUE}
    for op in ("=~", "!~"):
        matcher = Matcher.parse(f'path{op}"{CATASTROPHIC}"')
        assert answer_within(GUARD_SECONDS, lambda m=matcher: m.matches(labels)) is False


def test_inside_bounded_a_catastrophic_pattern_raises() -> None:
    matcher = Matcher.parse(f'path=~"{CATASTROPHIC}"')

    def evaluate() -> str:
        with bounded(1.0):
            try:
                matcher.matches({"path": LONG_VALUE})
            except MatcherTimeout as exc:
                return str(exc.matcher)
        return "no timeout"

    assert answer_within(GUARD_SECONDS, evaluate) == 'path=~"(a|aa)+"'


@pytest.mark.parametrize(
    ("matcher", "value", "expected"),
    [
        ('a=~"db-.*"', "db-1", True),
        ('a=~"db-.*"', "xdb-1", False),  # anchored at both ends, as Alertmanager
        ('a=~"db"', "db-1", False),
        ('a!~"db-.*"', "web-1", True),
        ('a=~"(?i:DB)"', "db", True),
        ('a=~"a|b"', "b", True),
        ('a=~""', "", True),
        ('a!~".+"', "", True),
        ('a=~"\\\\d+"', "123", True),
        ('a=~"[0-9]{2,3}"', "1234", False),
    ],
)
def test_regex_matchers_mean_what_they_meant(matcher: str, value: str, expected: bool) -> None:
    assert Matcher.parse(matcher).matches({"a": value}) is expected

"""Alertmanager's matcher syntax: quoting, escapes, non-ASCII values and inline flags."""

from __future__ import annotations

import pytest

from warroom.matchers import Matcher, MatcherError, MatchOp


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('team="café"', "café"),
        ('service="支付"', "支付"),
        ('summary="say \\"hi\\""', 'say "hi"'),
        ('path="C:\\\\temp"', "C:\\temp"),
        ('text="two\\nlines"', "two\nlines"),
        ('host=~"db\\.prod"', "db\\.prod"),
    ],
)
def test_a_quoted_value_is_read_as_alertmanager_reads_it(text: str, value: str) -> None:
    matcher = Matcher.parse(text)
    assert matcher.value == value
    assert Matcher.parse(str(matcher)) == matcher


def test_a_non_ascii_value_matches_the_same_label() -> None:
    assert Matcher.parse('team="café"').matches({"team": "café"})
    assert not Matcher.parse('team="café"').matches({"team": "cafe"})


def test_an_escaped_dot_in_a_regex_stays_literal() -> None:
    matcher = Matcher.parse('host=~"db\\.prod"')
    assert matcher.matches({"host": "db.prod"})
    assert not matcher.matches({"host": "dbxprod"})


def test_leading_inline_flags_apply_to_the_whole_anchored_pattern() -> None:
    matcher = Matcher.parse('alertname=~"(?i)disk.*full"')
    assert matcher.op is MatchOp.REGEX
    assert matcher.matches({"alertname": "DiskAlmostFull"})
    assert not matcher.matches({"alertname": "xDiskFull"})


def test_a_flag_group_that_is_not_leading_is_still_an_error() -> None:
    with pytest.raises(MatcherError, match="invalid regular expression"):
        Matcher.create("alertname", "=~", "disk(?i)full")

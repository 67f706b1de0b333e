"""The crash_free_below issue-rule condition: what it needs and what it refuses."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from warroom.config.projects import IssueCondition, IssueConditionKind, IssueRule


def condition(**fields: Any) -> IssueCondition:
    return IssueCondition.model_validate({"kind": "crash_free_below", **fields})


def test_threshold_and_window_make_a_condition() -> None:
    found = condition(threshold=99.5, within="1h", more_than=20)
    assert (found.kind, found.threshold, found.more_than) == (
        IssueConditionKind.CRASH_FREE_BELOW,
        99.5,
        20,
    )
    assert condition(threshold=95, within="30m").threshold == 95


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"within": "1h"}, "a crash_free_below condition needs threshold and within"),
        ({"threshold": 95}, "a crash_free_below condition needs threshold and within"),
        ({"threshold": 0, "within": "1h"}, "greater than 0"),
        ({"threshold": 101, "within": "1h"}, "less than or equal to 100"),
    ],
)
def test_incomplete_or_out_of_range_conditions_are_refused(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        condition(**fields)


def test_other_conditions_take_no_threshold() -> None:
    with pytest.raises(ValidationError, match="a new_issue condition takes no threshold"):
        IssueCondition.model_validate({"kind": "new_issue", "threshold": 90})


def test_a_crash_free_rule_must_open_an_incident() -> None:
    rule = {
        "name": "crashes",
        "conditions": [{"kind": "crash_free_below", "threshold": 99, "within": "1h"}],
    }
    assert IssueRule.model_validate(rule).action.value == "incident"
    with pytest.raises(ValidationError, match="cannot only notify"):
        IssueRule.model_validate({**rule, "action": "notify"})

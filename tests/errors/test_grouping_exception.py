"""Exception grouping: type, value, chains, exception groups, threads, precedence."""

from __future__ import annotations

import json

from tests.errors.support_grouping import event, exception_event, frame, grouping, md5


def test_value_counts_only_without_a_contributing_stack_trace() -> None:
    with_stack = [frame("get", module="app.views")]
    assert (
        grouping(exception_event(with_stack, value="a")).hashes
        == grouping(exception_event(with_stack, value="b")).hashes
    )
    assert (
        grouping(exception_event(None, value="a")).hashes
        != grouping(exception_event(None, value="b")).hashes
    )
    assert grouping(exception_event(None, value="a")).hashes == [md5("ZeroDivisionError", "a")]


def test_value_is_parameterised_when_it_counts() -> None:
    first = grouping(exception_event(None, type="OrderError", value="Error with order #1231"))
    second = grouping(exception_event(None, type="OrderError", value="Error with order #1232"))
    assert first.hashes == second.hashes == [md5("OrderError", "Error with order #<int>")]


def test_type_change_splits() -> None:
    stack = [frame("get", module="app.views")]
    assert (
        grouping(exception_event(stack, type="KeyError")).hashes
        != grouping(exception_event(stack, type="ValueError")).hashes
    )


def test_synthetic_exception_types_do_not_count() -> None:
    def synthetic(ty: str) -> list[str]:
        raw = {
            "exception": [
                {
                    "type": ty,
                    "mechanism": {"synthetic": True},
                    "stacktrace": {"frames": [frame("f", module="m")]},
                }
            ]
        }
        return grouping(event(raw)).hashes

    assert synthetic("SIGSEGV") == synthetic("EXC_BAD_ACCESS") == [md5("m", "f")]


def test_chained_exceptions_concatenate_in_list_order() -> None:
    cause = {"type": "KeyError", "value": "id"}
    error = {"type": "ValueError", "value": "bad"}
    forward = grouping(event({"exception": [cause, error]}))
    backward = grouping(event({"exception": [error, cause]}))
    assert forward.hashes == [md5("KeyError", "id", "ValueError", "bad")]
    assert backward.hashes == [md5("ValueError", "bad", "KeyError", "id")]


def test_chained_exceptions_with_stack_traces_use_frames_and_types() -> None:
    def chain(value: str) -> list[str]:
        raw = {
            "exception": [
                {
                    "type": "KeyError",
                    "value": value,
                    "stacktrace": {"frames": [frame("load", module="app.db")]},
                },
                {
                    "type": "ValueError",
                    "value": value,
                    "stacktrace": {"frames": [frame("get", module="app.views")]},
                },
            ],
            "platform": "python",
        }
        return grouping(event(raw)).hashes

    assert (
        chain("one")
        == chain("two")
        == [md5("app.db", "load", "KeyError", "app.views", "get", "ValueError")]
    )


def exception_group(*leaves: str) -> dict[str, object]:
    values: list[dict[str, object]] = [
        {
            "type": "ExceptionGroup",
            "value": "many",
            "mechanism": {"exception_id": 0, "is_exception_group": True},
        }
    ]
    for index, leaf in enumerate(leaves, start=1):
        values.append(
            {
                "type": leaf,
                "value": f"v{index}",
                "mechanism": {"exception_id": index, "parent_id": 0},
            }
        )
    return event({"exception": values, "platform": "javascript"})


def test_an_exception_group_of_alike_leaves_groups_as_one_leaf() -> None:
    # Leaves without stack traces differ by value here, so they are distinct: one of each
    # plus the group itself, sorted by type (descending), counts.
    mixed = grouping(exception_group("TypeError", "RangeError"))
    assert mixed.hashes == [md5("TypeError", "v1", "RangeError", "v2", "ExceptionGroup", "many")]
    raw = {
        "exception": [
            {
                "type": "ExceptionGroup",
                "value": "many",
                "mechanism": {"exception_id": 0, "is_exception_group": True},
            },
            {
                "type": "TypeError",
                "value": "same",
                "mechanism": {"exception_id": 1, "parent_id": 0},
            },
            {
                "type": "TypeError",
                "value": "same",
                "mechanism": {"exception_id": 2, "parent_id": 0},
            },
        ],
        "platform": "javascript",
    }
    assert grouping(event(raw)).hashes == [md5("TypeError", "same")]


def test_without_an_exception_tree_every_exception_counts() -> None:
    raw = {
        "exception": [
            {"type": "A", "value": "a", "mechanism": {"exception_id": 0}},
            {"type": "B", "value": "b"},
        ]
    }
    assert grouping(event(raw)).hashes == [md5("A", "a", "B", "b")]


def test_exception_takes_precedence_over_the_message() -> None:
    with_message = exception_event(None, value="x", message="something else")
    group = grouping(with_message)
    assert group.hashes == [md5("ZeroDivisionError", "x")]
    default = group.variant("default")
    assert default is not None and default.hash is None


def test_a_lone_thread_stack_trace_groups_an_event_without_exception() -> None:
    raw = {
        "platform": "python",
        "message": "hang",
        "threads": {
            "values": [
                {
                    "id": 1,
                    "crashed": True,
                    "stacktrace": {"frames": [frame("wait", module="app.q")]},
                },
                {"id": 2},
            ]
        },
    }
    assert grouping(event(raw)).hashes == [md5("app.q", "wait")]


def test_a_bare_stack_trace_groups_an_event_without_exception() -> None:
    raw = {
        "platform": "python",
        "message": "slow",
        "stacktrace": {"frames": [frame("tick", module="app.cron")]},
    }
    assert grouping(event(raw)).hashes == [md5("app.cron", "tick")]


def test_grouping_is_json_serialisable() -> None:
    group = grouping(exception_event([frame("get", module="app.views")]))
    data = json.loads(json.dumps(group.to_dict()))
    assert data["config"] == "newstyle:2023-01-11"
    assert data["hashes"] == group.hashes
    app = next(variant for variant in data["variants"] if variant["name"] == "app")
    assert app["component"]["id"] == "app"
    assert app["component"]["values"][0]["id"] == "exception"

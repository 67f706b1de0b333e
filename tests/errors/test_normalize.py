"""normalize_event: every rule of the canonical event."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from warroom.errors import limits
from warroom.errors.normalize import InvalidEvent, normalize_event

RECEIVED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NOW = RECEIVED_AT.timestamp()


def norm(raw: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return normalize_event(raw, received_at=RECEIVED_AT, **kwargs)


def test_input_is_not_mutated_and_a_new_dict_comes_back() -> None:
    raw = {"message": "hi", "tags": {"a": "b"}, "exception": [{"type": "E"}]}
    before = copy.deepcopy(raw)
    event = norm(raw)
    assert raw == before
    assert event is not raw


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("D2E68809A8524BE4B1A1D314A1F159EC", "d2e68809a8524be4b1a1d314a1f159ec"),
        ("d2e68809-a852-4be4-b1a1-d314a1f159ec", "d2e68809a8524be4b1a1d314a1f159ec"),
    ],
)
def test_event_id_is_32_lowercase_hex(given: str, expected: str) -> None:
    assert norm({"event_id": given})["event_id"] == expected


def test_missing_event_id_is_generated() -> None:
    first, second = norm({})["event_id"], norm({})["event_id"]
    assert len(first) == 32 and first != second
    assert int(first, 16) >= 0


@pytest.mark.parametrize("bad", ["nope", 42, "d2e68809a8524be4b1a1d314a1f159ecff"])
def test_invalid_event_id_is_refused(bad: Any) -> None:
    with pytest.raises(InvalidEvent) as caught:
        norm({"event_id": bad})
    assert caught.value.field == "event_id"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2026-03-01T11:59:00Z", NOW - 60),
        ("2026-03-01T11:59:00.5+00:00", NOW - 59.5),
        ("2026-03-01T12:59:00+01:00", NOW - 60),
        ("2026-03-01T11:59:00", NOW - 60),  # naive: UTC
        ("2026-03-01T11:59:00.123456789Z", NOW - 60 + 0.123456),
        (NOW - 10, NOW - 10),
        (int(NOW) - 10, NOW - 10),
        (str(NOW - 10), NOW - 10),
    ],
)
def test_timestamp_formats(given: Any, expected: float) -> None:
    assert norm({"timestamp": given})["timestamp"] == pytest.approx(expected)


@pytest.mark.parametrize("bad", [None, "yesterday", True, -5, {"t": 1}])
def test_missing_or_invalid_timestamp_is_the_receipt_time(bad: Any) -> None:
    event = norm({"timestamp": bad})
    assert event["timestamp"] == NOW
    assert event["received"] == NOW


def test_clock_drift_clamps_to_the_receipt_time() -> None:
    ahead = RECEIVED_AT + timedelta(seconds=limits.MAX_SECS_IN_FUTURE + 1)
    slightly_ahead = RECEIVED_AT + timedelta(seconds=limits.MAX_SECS_IN_FUTURE - 1)
    too_old = RECEIVED_AT - timedelta(seconds=limits.MAX_SECS_IN_PAST + 1)
    assert norm({"timestamp": ahead.isoformat()})["timestamp"] == NOW
    assert (
        norm({"timestamp": slightly_ahead.isoformat()})["timestamp"] == slightly_ahead.timestamp()
    )
    assert norm({"timestamp": too_old.timestamp()})["timestamp"] == NOW


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, "error"),
        ("ERROR", "error"),
        ("warn", "warning"),
        ("Warning", "warning"),
        ("critical", "fatal"),
        ("log", "info"),
        ("debug", "debug"),
        ("loud", "error"),
        (30, "warning"),
        (3.5, "error"),
    ],
)
def test_level(given: Any, expected: str) -> None:
    assert norm({"level": given})["level"] == expected


def test_platform_from_event_else_project_else_other() -> None:
    assert norm({"platform": "python"}, platform="ruby")["platform"] == "python"
    assert norm({}, platform="ruby")["platform"] == "ruby"
    assert norm({"platform": "cobol"})["platform"] == "other"
    assert norm({})["platform"] == "other"


def test_environment_defaults_to_production_and_may_come_from_a_tag() -> None:
    assert norm({})["environment"] == "production"
    assert norm({"environment": "staging"})["environment"] == "staging"
    event = norm({"tags": {"environment": "qa", "a": "b"}})
    assert event["environment"] == "qa"
    assert event["tags"] == [["a", "b"]]
    assert norm({"environment": "bad/name"})["environment"] == "production"


def test_tags_as_object_become_pairs_in_order() -> None:
    event = norm({"tags": {"b": "2", "a": 1, "flag": True, "float": 1.5}})
    assert event["tags"] == [["b", "2"], ["a", "1"], ["flag", "True"], ["float", "1.5"]]


def test_tags_as_pairs_drop_invalid_entries() -> None:
    long_key, long_value = (
        "k" * (limits.TAG_KEY_MAX_CHARS + 1),
        "v" * (limits.TAG_VALUE_MAX_CHARS + 1),
    )
    tags = [
        ["ok", "yes"],
        ["ok", "duplicate, first wins"],
        ["", "empty key"],
        ["empty", ""],
        ["none", None],
        ["nested", {"a": 1}],
        [long_key, "x"],
        ["long", long_value],
        ["edge", "v" * limits.TAG_VALUE_MAX_CHARS],
        ["release", "internal, set from release"],
        ["multi\nline", "x"],
        ["line", "two\nlines"],
        "not a pair",
        ["one"],
        ["a", "b", "c"],
    ]
    event = norm({"tags": tags})
    assert event["tags"] == [
        ["ok", "yes"],
        ["edge", "v" * limits.TAG_VALUE_MAX_CHARS],
        ["multi\nline", "x"],
    ]


def test_tags_of_the_wrong_type_are_refused() -> None:
    with pytest.raises(InvalidEvent) as caught:
        norm({"tags": "a=b"})
    assert caught.value.field == "tags"


def test_logentry_formats_printf_params() -> None:
    event = norm({"logentry": {"message": "This is a warning: %s", "params": ["warning"]}})
    assert event["logentry"] == {
        "message": "This is a warning: %s",
        "params": ["warning"],
        "formatted": "This is a warning: warning",
    }
    assert event["message"] == "This is a warning: warning"


@pytest.mark.parametrize(
    ("message", "params", "formatted"),
    [
        ("%d items at %.2f", [3, 1.5], "3 items at 1.50"),
        ("hello %(name)s, 100%%", {"name": "bob"}, "hello bob, 100%"),
        ("hello {}", ["world"], "hello world"),
        ("hello {0} {0}", ["world"], "hello world world"),
        ("Here is a new {foo}", {"foo": "error"}, "Here is a new error"),
        ("value %s", [None], "value null"),
    ],
)
def test_logentry_formatting_styles(message: str, params: Any, formatted: str) -> None:
    assert norm({"logentry": {"message": message, "params": params}})["logentry"]["formatted"] == (
        formatted
    )


@pytest.mark.parametrize(
    ("message", "params"),
    [
        ("%s and %s", ["only one"]),
        ("%d", ["not a number"]),
        ("{name}", ["positional"]),
        ("%(name)s", ["positional"]),
        ("%999999999s", ["huge width"]),
    ],
)
def test_logentry_that_cannot_be_formatted_keeps_the_message(message: str, params: Any) -> None:
    entry = norm({"logentry": {"message": message, "params": params}})["logentry"]
    assert entry["formatted"] == message
    assert "message" not in entry


def test_logentry_keeps_a_formatted_text_the_sdk_sent() -> None:
    raw = {"message": {"message": "like {foo}", "params": {"foo": "x"}, "formatted": "like {foo}"}}
    assert norm(raw)["logentry"] == {"params": {"foo": "x"}, "formatted": "like {foo}"}


def test_message_as_a_string_is_the_formatted_text() -> None:
    event = norm({"message": "plain"})
    assert event["logentry"] == {"formatted": "plain"}
    assert event["message"] == "plain"


def test_logentry_wins_over_message_and_empty_ones_vanish() -> None:
    assert norm({"logentry": {"message": "a"}, "message": "b"})["logentry"] == {"formatted": "a"}
    assert "logentry" not in norm({"logentry": {"params": [1]}})
    assert "message" not in norm({"message": ""})


def test_message_is_trimmed_to_sentrys_limit() -> None:
    fits = "x" * (limits.MESSAGE.limit + limits.MESSAGE.allowance)
    long = fits + "x"
    assert norm({"message": fits})["logentry"]["formatted"] == fits
    trimmed = norm({"message": long})["logentry"]["formatted"]
    assert len(trimmed) == limits.MESSAGE.limit and trimmed.endswith("...")


def test_logentry_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(InvalidEvent) as caught:
        norm({"logentry": ["x"]})
    assert caught.value.field == "logentry"


def test_exception_as_object_or_bare_list() -> None:
    one = {"type": "ValueError", "value": "bad"}
    assert norm({"exception": {"values": [one]}})["exception"] == {"values": [one]}
    assert norm({"exception": [one]})["exception"] == {"values": [one]}
    assert "exception" not in norm({"exception": []})
    assert "exception" not in norm({"exception": {"values": None}})


def test_exception_without_type_and_value_is_dropped_and_type_split_from_value() -> None:
    event = norm({"exception": [{"module": "x"}, {"value": "KeyError: 'id'"}, {"value": 42}]})
    assert event["exception"]["values"] == [
        {"type": "KeyError", "value": "'id'"},
        {"value": "42"},
    ]


def test_exception_value_of_an_object_becomes_json() -> None:
    event = norm({"exception": [{"type": "E", "value": {"unauthorized": True}}]})
    assert event["exception"]["values"][0]["value"] == '{"unauthorized":true}'


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"exception": "boom"}, "exception"),
        ({"exception": {"values": "boom"}}, "exception.values"),
        ({"exception": ["boom"]}, "exception.values.0"),
        ({"exception": [{"type": "E", "stacktrace": "x"}]}, "exception.values.0.stacktrace"),
        (
            {"exception": [{"type": "E", "stacktrace": {"frames": {}}}]},
            "exception.values.0.stacktrace.frames",
        ),
        (
            {"exception": [{"type": "E", "stacktrace": {"frames": [1]}}]},
            "exception.values.0.stacktrace.frames.0",
        ),
        ({"exception": [{"type": "E", "mechanism": "x"}]}, "exception.values.0.mechanism"),
        ({"threads": [{"stacktrace": []}]}, "threads.values.0.stacktrace"),
        ({"breadcrumbs": "x"}, "breadcrumbs"),
        ({"user": "bob"}, "user"),
        ({"fingerprint": "x"}, "fingerprint"),
    ],
)
def test_wrong_shapes_name_the_field(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        norm(raw)
    assert caught.value.field == field
    assert field in str(caught.value)


def test_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidEvent) as caught:
        normalize_event([], received_at=RECEIVED_AT)  # type: ignore[arg-type]
    assert caught.value.field == ""


def test_top_level_stacktrace_goes_to_the_lone_exception() -> None:
    frames = [{"function": "f", "filename": "a.py"}]
    event = norm({"exception": [{"type": "E"}], "stacktrace": {"frames": frames}})
    assert "stacktrace" not in event
    assert event["exception"]["values"][0]["stacktrace"]["frames"][0]["function"] == "f"
    two = norm({"exception": [{"type": "A"}, {"type": "B"}], "stacktrace": {"frames": frames}})
    assert two["stacktrace"]["frames"][0]["function"] == "f"
    alone = norm({"stacktrace": {"frames": frames}})
    assert alone["stacktrace"]["frames"][0]["function"] == "f"


def test_frames_fill_paths_and_drop_unknown_function() -> None:
    frames = [
        {"filename": "http://localhost:4201/vendor.js", "function": "?", "lineno": 3},
        {"abs_path": "/app/x.py", "in_app": True, "lineno": -1, "colno": "7"},
        {"filename": "x.py", "abs_path": "/app/x.py", "in_app": "yes"},
        {"abs_path": "https://example.com/"},
    ]
    event = norm({"exception": [{"type": "E", "stacktrace": {"frames": frames}}]})
    got = event["exception"]["values"][0]["stacktrace"]["frames"]
    assert got[0] == {
        "abs_path": "http://localhost:4201/vendor.js",
        "filename": "/vendor.js",
        "lineno": 3,
        "in_app": None,
    }
    assert got[1] == {"abs_path": "/app/x.py", "filename": "/app/x.py", "in_app": True}
    assert got[2]["in_app"] is None
    assert got[3]["filename"] == "https://example.com/"


def test_frame_strings_are_trimmed() -> None:
    name = "f" * (limits.SYMBOL.limit + limits.SYMBOL.allowance + 1)
    event = norm({"exception": [{"type": "E", "stacktrace": {"frames": [{"function": name}]}}]})
    function = event["exception"]["values"][0]["stacktrace"]["frames"][0]["function"]
    assert len(function) == limits.SYMBOL.limit


def test_breadcrumbs_as_list_or_values_keep_the_last_hundred() -> None:
    crumbs = [{"message": str(i)} for i in range(limits.MAX_BREADCRUMBS + 5)]
    for form in (crumbs, {"values": crumbs}):
        kept = norm({"breadcrumbs": form})["breadcrumbs"]["values"]
        assert len(kept) == limits.MAX_BREADCRUMBS
        assert kept[0] == {"message": "5"} and kept[-1] == {"message": str(len(crumbs) - 1)}
    assert "breadcrumbs" not in norm({"breadcrumbs": {"values": []}})


def test_threads_keep_their_stack_traces() -> None:
    raw = {
        "threads": {
            "values": [{"id": 1, "crashed": True, "stacktrace": {"frames": [{"function": "f"}]}}]
        }
    }
    thread = norm(raw)["threads"]["values"][0]
    assert thread["id"] == 1 and thread["stacktrace"]["frames"][0]["function"] == "f"


def test_kept_fields() -> None:
    raw = {
        "user": {"id": "1"},
        "request": {"url": "https://x"},
        "contexts": {"os": {"name": "Linux"}},
        "extra": {"a": 1},
        "modules": {"django": "4"},
        "sdk": {"name": "sentry.python"},
        "release": " 1.2.3 ",
        "dist": "42",
        "server_name": "web-1",
        "transaction": "/checkout",
        "logger": "app",
        "fingerprint": ["{{ default }}", 42, True, None, "x"],
    }
    event = norm(raw)
    for key in ("user", "request", "contexts", "extra", "modules", "sdk"):
        assert event[key] == raw[key]
    assert event["release"] == "1.2.3"
    assert event["dist"] == "42"
    assert event["server_name"] == "web-1"
    assert event["transaction"] == "/checkout"
    assert event["logger"] == "app"
    assert event["fingerprint"] == ["{{ default }}", "42", "x"]


@pytest.mark.parametrize("release", ["", ".", "..", "latest", "a/b", "a\nb", "x" * 201])
def test_invalid_releases_are_dropped(release: str) -> None:
    assert "release" not in norm({"release": release})


def test_logger_is_trimmed_to_its_limit() -> None:
    logger = norm({"logger": "l" * 100})["logger"]
    assert len(logger) == limits.LOGGER.limit

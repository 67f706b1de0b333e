"""Stack-trace grouping: what merges two events and what splits them."""

from __future__ import annotations

from tests.errors.support_grouping import (
    exception_event,
    frame,
    grouping,
    md5,
    variant_hash,
)


def views(**fields: object) -> dict[str, object]:
    return frame("get", module="app.views", filename="app/views.py", **fields)


def test_hash_is_the_md5_of_module_function_context_line_and_type() -> None:
    event = exception_event([views(context_line="    return 1 / 0")])
    assert grouping(event).hashes == [md5("app.views", "get", "return 1 / 0", "ZeroDivisionError")]


def test_a_changed_line_number_merges() -> None:
    assert (
        grouping(exception_event([views(lineno=10)])).hashes
        == grouping(exception_event([views(lineno=99, colno=4)])).hashes
    )


def test_a_path_prefix_or_an_absolute_path_merges() -> None:
    def at(path: str) -> list[str]:
        return grouping(exception_event([frame("handler", filename=path)], platform="go")).hashes

    assert at("/srv/releases/41/billing/Invoice.go") == at("C:\\build\\billing\\invoice.go")
    assert at("invoice.go") == [md5("invoice.go", "handler", "ZeroDivisionError")]


def test_the_module_takes_precedence_over_the_filename() -> None:
    first = exception_event([frame("get", module="app.views", filename="a.py")])
    second = exception_event([frame("get", module="app.views", filename="b.py")])
    assert grouping(first).hashes == grouping(second).hashes
    assert (
        grouping(first).hashes
        != grouping(exception_event([frame("get", module="app.other")])).hashes
    )


def test_a_changed_function_splits() -> None:
    assert (
        grouping(exception_event([views()])).hashes
        != grouping(exception_event([frame("post", module="app.views")])).hashes
    )


def test_in_app_frames_split_the_app_hash_system_frames_only_the_system_hash() -> None:
    lib = frame("dispatch", module="django.core", in_app=False)
    other_lib = frame("run", module="gunicorn.worker", in_app=False)
    base = grouping(exception_event([lib, views()]))
    system_changed = grouping(exception_event([other_lib, views()]))
    app_changed = grouping(exception_event([lib, frame("post", module="app.views")]))

    assert variant_hash(base, "app") == variant_hash(system_changed, "app")
    assert variant_hash(base, "system") != variant_hash(system_changed, "system")
    assert variant_hash(base, "app") != variant_hash(app_changed, "app")
    assert base.hashes == [
        md5("app.views", "get", "ZeroDivisionError"),
        md5("django.core", "dispatch", "app.views", "get", "ZeroDivisionError"),
    ]


def test_without_in_app_frames_the_system_hash_is_the_only_one() -> None:
    lib = frame("dispatch", module="django.core", in_app=False)
    group = grouping(exception_event([lib]))
    app = group.variant("app")
    assert app is not None and app.hash is None
    assert group.hashes == [md5("django.core", "dispatch", "ZeroDivisionError")]


def test_an_unset_in_app_counts_as_not_in_app() -> None:
    unset = grouping(exception_event([frame("get", module="m", in_app=None)]))
    assert unset.hashes == [md5("m", "get", "ZeroDivisionError")]
    assert variant_hash(unset, "app") is None


def test_context_line_counts_with_whitespace_collapsed() -> None:
    spaced = grouping(exception_event([views(context_line="\t x  =  1 /0 ")]))
    tight = grouping(exception_event([views(context_line="x = 1 /0")]))
    other = grouping(exception_event([views(context_line="y = 2 / 0")]))
    assert (
        spaced.hashes == tight.hashes == [md5("app.views", "get", "x = 1 /0", "ZeroDivisionError")]
    )
    assert other.hashes != tight.hashes


def test_a_context_line_over_120_chars_is_ignored() -> None:
    long_a, long_b = "a" * 121, "b" * 121
    assert (
        grouping(exception_event([views(context_line=long_a)])).hashes
        == grouping(exception_event([views(context_line=long_b)])).hashes
        == [md5("app.views", "get", "ZeroDivisionError")]
    )
    at_limit = "c" * 120
    assert grouping(exception_event([views(context_line=at_limit)])).hashes == [
        md5("app.views", "get", at_limit, "ZeroDivisionError")
    ]


def test_context_lines_count_only_on_platforms_with_reliable_source() -> None:
    def go(line: str) -> list[str]:
        return grouping(exception_event([views(context_line=line)], platform="go")).hashes

    assert go("x := 1") == go("y := 2")


def test_recursive_duplicate_frames_are_collapsed() -> None:
    recursive = frame("walk", module="app.tree", lineno=7)
    once = grouping(exception_event([views(), recursive]))
    thrice = grouping(exception_event([views(), recursive, dict(recursive), dict(recursive)]))
    assert once.hashes == thrice.hashes
    other_line = grouping(exception_event([views(), recursive, {**recursive, "lineno": 8}]))
    assert other_line.hashes != once.hashes


def test_explain_marks_why_parts_do_not_count() -> None:
    lib = frame("dispatch", module="django.core", in_app=False)
    group = grouping(exception_event([lib, views(context_line="x" * 130)]))
    text = group.explain()
    assert "non app frame" in text
    assert "ignored because line is too long" in text
    assert "ignored because module takes precedence" in text
    assert "ignored because stacktrace takes precedence" in text
    assert group.hashes[0] in text

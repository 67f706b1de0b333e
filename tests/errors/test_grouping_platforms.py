"""Per-platform cleaning of frames: functions, modules and filenames that vary by build."""

from __future__ import annotations

import pytest
from tests.errors.support_grouping import exception_event, frame, grouping, md5

from warroom.errors.frames import trim_function_name


def single(platform: str, **fields: object) -> list[str]:
    return grouping(exception_event([frame(**fields)], type="E", platform=platform)).hashes  # type: ignore[arg-type]


def test_javascript_keeps_the_last_part_of_dotted_functions() -> None:
    common = {"filename": "app.js", "abs_path": "app:///app.js"}
    assert single("javascript", function="Object.render", **common) == single(
        "javascript", function="render", **common
    )
    assert single("javascript", function="render", **common) == [md5("app.js", "render", "E")]


@pytest.mark.parametrize("unknown", ["<anonymous>", "Anonymous function", "map/<"])
def test_javascript_unknown_functions_do_not_count(unknown: str) -> None:
    assert single("javascript", function=unknown, filename="app.js") == [md5("app.js", "E")]


def test_javascript_url_filenames_do_not_count() -> None:
    a = single("javascript", function="render", filename="https://cdn.example.com/a1b2/app.js")
    b = single("javascript", function="render", filename="https://cdn.example.com/c3d4/app.js")
    assert a == b == [md5("render", "E")]


def test_javascript_eval_frames_do_not_count() -> None:
    # The only frame does not count, so the stack trace does not either: the value does.
    assert single("javascript", function="eval", filename="app.js") == [
        md5("E", "division by zero")
    ]


def test_ruby_blocks_and_erb_suffixes() -> None:
    assert (
        single("ruby", function="block (2 levels) in index", filename="a.rb")
        == single("ruby", function="block in show", filename="a.rb")
        == [md5("a.rb", "block", "E")]
    )
    assert single("ruby", function="_app_views_show_html_erb__1234567_987654", filename="a.rb") == [
        md5("a.rb", "_app_views_show_html_erb", "E")
    ]


def test_php_anonymous_functions_and_classes() -> None:
    assert single("php", function="{closure}", filename="a.php") == [md5("a.php", "{closure}", "E")]
    assert single("php", function="[Anonymous function]", filename="a.php") == [md5("a.php", "E")]
    assert single("php", function="class@anonymous/app/x.php:12$0::handle", filename="a.php") == [
        md5("a.php", "handle", "E")
    ]


def test_java_lambdas_and_generated_classes() -> None:
    assert single("java", function="lambda$run$0", module="com.acme.Job") == [
        md5("com.acme.Job", "E")
    ]
    assert single("java", function="run", module="com.acme.Job$$Lambda$12/0x1234") == [
        md5("run", "E")
    ]
    cglib_a = single(
        "java", function="pay", module="com.acme.Billing$$EnhancerBySpringCGLIB$$1a2b3c"
    )
    cglib_b = single(
        "java", function="pay", module="com.acme.Billing$$EnhancerBySpringCGLIB$$9f8e7d"
    )
    assert (
        cglib_a == cglib_b == [md5("com.acme.Billing$$EnhancerBySpringCGLIB$$<auto>", "pay", "E")]
    )
    assert single("java", function="invoke", module="sun.reflect.GeneratedMethodAccessor42") == [
        md5("sun.reflect.GeneratedMethodAccessor", "invoke", "E")
    ]


def test_native_placeholder_functions_do_not_count() -> None:
    assert single("native", function="<unknown>", filename="app.cpp") == [md5("app.cpp", "E")]


@pytest.mark.parametrize(
    ("raw", "trimmed"),
    [
        ("unsigned int foo::bar<int>(char const*) const", "foo::bar<T>"),
        ("std::vector<int>::push_back(int&&)", "std::vector<T>::push_back"),
        ("void main::$_0::operator()() const", "main::lambda::operator()"),
        ("process [clone .cold]", "process"),
        ("core::panicking::panic::h1234567890abcdef", "core::panicking::panic"),
        ("memcpy@GLIBC_2.2.5", "memcpy"),
        ("@Foo@16", "Foo"),
        ("-[NSObject doesNotRecognizeSelector:]", "-[NSObject doesNotRecognizeSelector:]"),
    ],
)
def test_native_function_names_are_trimmed(raw: str, trimmed: str) -> None:
    assert trim_function_name(raw, "native") == trimmed


def test_native_signatures_do_not_split() -> None:
    assert (
        single("native", function="foo::bar(int)", filename="x.cpp")
        == single("native", function="foo::bar(long)", filename="x.cpp")
        == [md5("x.cpp", "foo::bar", "E")]
    )


def test_csharp_groups_by_the_raw_function_when_there_is_one() -> None:
    assert single("csharp", function="Get", raw_function="Get (int id)", module="App.C") == [
        md5("App.C", "Get (int id)", "E")
    ]
    assert trim_function_name("Get (int id)", "csharp") == "Get"

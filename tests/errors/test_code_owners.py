"""parse_ownership_rule: Sentry's syntax, precise errors, glob semantics per kind."""

from __future__ import annotations

import pytest

from warroom.config.code_owners import OwnershipRule, parse_ownership_rule


def test_a_path_rule() -> None:
    rule = parse_ownership_rule("path:src/billing/** #payments")
    assert rule == OwnershipRule(
        "path", None, "src/billing/**", ("#payments",), "path:src/billing/** #payments", (True,)
    )
    assert rule.teams == ("payments",)


def test_module_url_tag_and_codeowners_rules() -> None:
    assert parse_ownership_rule("module:app.billing #payments").kind == "module"
    url = parse_ownership_rule("url:https://*.example.com/checkout/* #web")
    assert (url.kind, url.pattern) == ("url", "https://*.example.com/checkout/*")
    tag = parse_ownership_rule("tags.customer_tier:enterprise #vip")
    assert (tag.kind, tag.key, tag.pattern) == ("tags", "customer_tier", "enterprise")
    assert parse_ownership_rule("codeowners:/src/billing/ #payments").kind == "codeowners"


def test_owners_are_teams_or_lowercased_emails() -> None:
    rule = parse_ownership_rule("path:a/* Alice@Example.com #payments #web")
    assert rule.owners == ("alice@example.com", "#payments", "#web")
    assert rule.owner_is_team == (False, True, True)
    assert rule.teams == ("payments", "web")


def test_without_a_type_a_rule_is_a_path_rule_and_quotes_allow_spaces() -> None:
    assert parse_ownership_rule("src/** #x").kind == "path"
    quoted = parse_ownership_rule('path:"My Documents/*.py" #x')
    assert quoted.pattern == "My Documents/*.py"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty rule"),
        ("   ", "empty rule"),
        ("#payments", "a rule starts with '<type>:<pattern>'"),
        ("path: #payments", "the path pattern is empty"),
        ("path:src/**", "has no owners"),
        ("path:src/** payments", "owner 'payments' is neither a team ('#slug') nor an email"),
        ("path:src/** #", "'#' needs a team name"),
        ("path:src/** #pay!ments", "'#pay!ments' is not a team"),
        ("file:src/** #payments", "unknown matcher type 'file'"),
        ("tags.:enterprise #vip", "'tags.' needs a tag name"),
        ('path:"src/** #payments', "no closing"),
        ('path:"src/**"#payments', "put a space"),
        ("module:#payments", "the module pattern is missing"),
    ],
)
def test_parse_errors_name_the_problem(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=None) as caught:
        parse_ownership_rule(text)
    assert problem in str(caught.value)


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("src/billing/**", "src/billing/invoice.py", True),
        ("src/billing/**", "src/billing/v2/tax.py", True),
        ("src/billing/*", "src/billing/v2/tax.py", True),  # Sentry: * crosses "/"
        ("src/billing/**", "SRC\\Billing\\invoice.py", True),
        ("src/billing/**", "/app/src/billing/invoice.py", False),  # anchored: abs paths need **/
        ("**/src/billing/**", "/app/src/billing/invoice.py", True),
        ("/app/*.py", "/app/main.py", True),
        ("*.py", "main.pyc", False),
        ("src/?.py", "src/a.py", True),
    ],
)
def test_path_globs(pattern: str, value: str, matches: bool) -> None:
    assert parse_ownership_rule(f"path:{pattern} #t").matches(value) is matches


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("/src/billing/", "/app/src/billing/invoice.py", True),
        ("/src/billing/", "src/billing/v2/tax.py", True),
        ("/src/billing/", "src/billing.py", False),
        ("docs/*", "docs/a.md", True),
        ("docs/*", "docs/deep/a.md", False),
        ("docs/**", "docs/deep/a.md", True),
        ("*.js", "/app/static/app.js", True),
        ("*.js", "/app/static/app.jsx", False),
        ("billing", "/app/src/billing/invoice.py", True),
        ("**/tax.py", "/srv/billing/tax.py", True),
    ],
)
def test_codeowners_globs(pattern: str, value: str, matches: bool) -> None:
    assert parse_ownership_rule(f"codeowners:{pattern} #t").matches(value) is matches


def test_module_url_and_tag_globs() -> None:
    assert parse_ownership_rule("module:app.billing.* #t").matches("app.billing.invoices")
    assert not parse_ownership_rule("module:app.billing #t").matches("app.billing.invoices")
    url = parse_ownership_rule("url:https://*.example.com/checkout/* #t")
    assert url.matches("https://shop.example.com/checkout/pay")
    assert url.matches("HTTPS://Shop.Example.com/checkout/pay")
    assert not url.matches("https://example.org/checkout/pay")
    tag = parse_ownership_rule("tags.tier:enterprise* #t")
    assert tag.matches("enterprise-plus")
    assert not tag.matches("Enterprise")  # tag values compare case-sensitively, as in Sentry

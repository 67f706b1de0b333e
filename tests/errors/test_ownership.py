"""match_owner: the top in-app frame, the request URL and tags; the last matching rule wins."""

from __future__ import annotations

from typing import Any

from tests.errors.support_grouping import event, exception_event, frame

from warroom.config.code_owners import parse_ownership_rule
from warroom.errors.ownership import OwnerMatch, match_owner


def rules(*texts: str) -> list[Any]:
    return [parse_ownership_rule(text) for text in texts]


BILLING = frame(
    "charge",
    module="app.billing.invoices",
    filename="src/billing/invoices.py",
    abs_path="/srv/app/src/billing/invoices.py",
)
LIBRARY = frame("request", module="requests.api", filename="requests/api.py", in_app=False)
WEB = frame("view", module="app.web.views", filename="src/web/views.py")


def test_path_rule_on_the_top_in_app_frame() -> None:
    found = match_owner(
        rules("path:src/billing/** #payments"), exception_event([WEB, BILLING, LIBRARY])
    )
    assert found == OwnerMatch("payments", "path:src/billing/** #payments", ("#payments",))


def test_path_rule_matches_the_absolute_path_too() -> None:
    found = match_owner(rules("path:/srv/app/src/billing/* #payments"), exception_event([BILLING]))
    assert found is not None and found.team == "payments"


def test_only_the_top_in_app_frame_counts() -> None:
    assert match_owner(rules("path:src/web/** #web"), exception_event([WEB, BILLING])) is None


def test_without_in_app_frames_the_top_frame_counts() -> None:
    found = match_owner(rules("module:requests.* #platform"), exception_event([LIBRARY]))
    assert found is not None and found.team == "platform"


def test_module_rule() -> None:
    found = match_owner(rules("module:app.billing.* #payments"), exception_event([BILLING]))
    assert found is not None and found.team == "payments"
    assert match_owner(rules("module:app.web.* #web"), exception_event([BILLING])) is None


def test_url_rule_reads_the_request_url() -> None:
    raw = exception_event([WEB], request={"url": "https://shop.example.com/checkout/pay"})
    found = match_owner(rules("url:https://*.example.com/checkout/* #web"), raw)
    assert found is not None and found.team == "web"
    assert match_owner(rules("url:https://*.example.com/admin/* #web"), raw) is None


def test_tag_rule() -> None:
    raw = event({"message": "x", "tags": {"customer_tier": "enterprise"}})
    found = match_owner(rules("tags.customer_tier:enterprise #vip"), raw)
    assert found is not None and found.team == "vip"
    assert match_owner(rules("tags.region:eu #vip"), raw) is None


def test_the_last_matching_rule_wins() -> None:
    texts = ("path:src/** #backend", "path:src/billing/** #payments", "path:src/web/** #web")
    found = match_owner(rules(*texts), exception_event([BILLING]))
    assert found is not None and (found.team, found.rule) == (
        "payments",
        "path:src/billing/** #payments",
    )
    reversed_order = match_owner(rules(texts[1], texts[0]), exception_event([BILLING]))
    assert reversed_order is not None and reversed_order.team == "backend"


def test_the_first_team_of_the_rule_and_rules_with_only_people() -> None:
    found = match_owner(
        rules("path:src/** alice@example.com #payments #web"), exception_event([BILLING])
    )
    assert found is not None and found.team == "payments"
    people = match_owner(rules("path:src/** alice@example.com"), exception_event([BILLING]))
    assert people is not None and people.team is None and people.owners == ("alice@example.com",)


def test_no_stack_trace_means_no_path_match() -> None:
    assert match_owner(rules("path:** #all"), event({"message": "x"})) is None
    assert match_owner([], exception_event([BILLING])) is None

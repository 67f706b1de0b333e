"""Signing in and out is in the audit log: who, when, how and from where; never a
password."""

from __future__ import annotations

from tests.auth.audit_helpers import entries, raw_text
from tests.support.api import Harness
from tests.support.web import PASSWORD, browser, web_user
from warroom.auth.audit_models import AuditAction

WRONG_PASSWORD = "hunter2-not-ritas-password"


def sign_ins(api: Harness) -> list[tuple[AuditAction, str | None, str, str | None, str]]:
    return [
        (e.action, e.actor, e.actor_via, e.address, e.summary)
        for e in entries(api.engine)
        if e.action in (AuditAction.SIGN_IN, AuditAction.SIGN_IN_FAILED, AuditAction.SIGN_OUT)
    ]


def test_a_password_sign_in_and_a_sign_out_are_recorded(api: Harness) -> None:
    rita = web_user(api, "rita")
    assert rita.post("/logout").status_code == 303
    assert sign_ins(api) == [
        (AuditAction.SIGN_IN, "rita", "session", "testclient", "rita signed in with a password"),
        (AuditAction.SIGN_OUT, "rita", "session", "testclient", "rita signed out"),
    ]
    signed_in = entries(api.engine, action=AuditAction.SIGN_IN)[0]
    assert signed_in.object_type == "user"
    assert signed_in.object_id == "rita"
    assert signed_in.before is None
    assert signed_in.after == {"method": "password"}
    assert signed_in.at == api.clock()
    assert signed_in.request_id is not None


def test_a_failed_sign_in_is_recorded_without_the_password(api: Harness) -> None:
    web_user(api, "rita")
    stranger = browser(api)
    stranger.get("/login")
    refused = stranger.post("/login", {"username": "rita", "password": WRONG_PASSWORD})
    assert refused.status_code == 401
    unknown = stranger.post("/login", {"username": "nobody", "password": PASSWORD})
    assert unknown.status_code == 401
    failed = entries(api.engine, action=AuditAction.SIGN_IN_FAILED)
    assert [(e.actor, e.address, e.summary, e.after) for e in failed] == [
        (
            "rita",
            "testclient",
            "sign-in as 'rita' with a password refused: wrong username or password",
            {"method": "password", "reason": "wrong username or password"},
        ),
        (
            "nobody",
            "testclient",
            "sign-in as 'nobody' with a password refused: wrong username or password",
            {"method": "password", "reason": "wrong username or password"},
        ),
    ]
    stored = raw_text(api.engine)
    assert WRONG_PASSWORD not in stored
    assert PASSWORD not in stored


def test_a_sign_in_refused_by_the_rate_limit_writes_nothing_more(api: Harness) -> None:
    """The limit answers before any password is checked: an attacker hammering it cannot
    fill the log faster than the limit lets them try."""
    from warroom.auth.sign_in_limits import MAX_FAILURES

    stranger = browser(api)
    stranger.get("/login")
    for _ in range(MAX_FAILURES):
        assert stranger.post("/login", {"username": "x", "password": "y"}).status_code == 401
    assert stranger.post("/login", {"username": "x", "password": "y"}).status_code == 429
    assert len(entries(api.engine, action=AuditAction.SIGN_IN_FAILED)) == MAX_FAILURES


def test_signing_out_twice_records_one_sign_out(api: Harness) -> None:
    rita = web_user(api, "rita")
    assert rita.post("/logout").status_code == 303
    assert rita.post("/logout").status_code == 303
    assert len(entries(api.engine, action=AuditAction.SIGN_OUT)) == 1

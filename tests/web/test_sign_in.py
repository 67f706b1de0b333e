"""Signing in and out: passwords, sessions that end server-side, CSRF, the login limit."""

from __future__ import annotations

from tests.support.api import Harness
from tests.support.web import PASSWORD, browser, web_user
from warroom.auth.models import UserRole
from warroom.auth.sign_in_limits import MAX_FAILURES


def test_a_stranger_is_sent_to_sign_in_with_the_page_to_come_back_to(api: Harness) -> None:
    response = browser(api).get("/incidents?team=payments")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fincidents%3Fteam%3Dpayments"


def test_the_right_password_opens_a_session_and_the_wrong_one_does_not(api: Harness) -> None:
    rita = web_user(api, "rita")
    assert rita.get("/incidents").status_code == 200
    stranger = browser(api)
    stranger.get("/login")
    refused = stranger.post("/login", {"username": "rita", "password": "not her password"})
    assert refused.status_code == 401
    assert "Wrong username or password." in refused.text
    assert "warroom_session" not in refused.cookies
    assert stranger.get("/incidents").status_code == 303


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(api: Harness) -> None:
    stranger = browser(api)
    stranger.get("/login")
    refused = stranger.post("/login", {"username": "nobody", "password": PASSWORD})
    assert refused.status_code == 401
    assert "Wrong username or password." in refused.text


def test_sign_in_goes_back_to_the_page_asked_for_but_never_to_another_site(api: Harness) -> None:
    web_user(api, "rita")
    for target, expected in (
        ("/incidents/INC-9", "/incidents/INC-9"),
        ("//evil.example/x", "/incidents"),
        ("https://evil.example/", "/incidents"),
        ("/\\evil.example", "/incidents"),
    ):
        client = browser(api)
        client.get("/login")
        response = client.post("/login", {"username": "rita", "password": PASSWORD, "next": target})
        assert response.status_code == 303
        assert response.headers["location"] == expected


def test_signing_out_ends_the_session_even_for_a_copied_cookie(api: Harness) -> None:
    rita = web_user(api, "rita")
    copied = dict(rita.client.cookies)
    assert rita.post("/logout").status_code == 303
    thief = browser(api)
    for name, value in copied.items():
        thief.client.cookies.set(name, value)
    response = thief.get("/incidents")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(api: Harness) -> None:
    rita = web_user(api, "rita")
    form = {"title": "Checkout down", "team": "payments", "severity": "SEV2"}
    refused = rita.post("/incidents", form, csrf=False)
    assert refused.status_code == 403
    assert "CSRF token is missing or stale" in refused.text
    forged = rita.post("/incidents", {**form, "csrf_token": "0" * 64}, csrf=False)
    assert forged.status_code == 403
    assert api.ok("GET", "/api/v1/incidents")["total"] == 0
    assert rita.post("/incidents", form).status_code == 303
    assert api.ok("GET", "/api/v1/incidents")["total"] == 1


def test_repeated_failures_lock_the_username_out_with_retry_after(api: Harness) -> None:
    web_user(api, "rita")
    attacker = browser(api)
    attacker.get("/login")
    for _ in range(MAX_FAILURES):
        wrong = attacker.post("/login", {"username": "rita", "password": "guess guess guess"})
        assert wrong.status_code == 401
    locked = attacker.post("/login", {"username": "rita", "password": PASSWORD})
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert "Too many failed sign-ins" in locked.text
    assert "warroom_session" not in locked.cookies


def test_a_disabled_user_loses_their_session(api: Harness) -> None:
    from sqlalchemy import select

    from warroom.auth.models import User
    from warroom.db.engine import make_session_factory

    vera = web_user(api, "vera", UserRole.VIEWER)
    assert vera.get("/incidents").status_code == 200
    with make_session_factory(api.engine)() as session:
        user = session.scalar(select(User).where(User.username == "vera"))
        assert user is not None
        user.disabled_at = api.clock()
        session.commit()
    assert vera.get("/incidents").status_code == 303

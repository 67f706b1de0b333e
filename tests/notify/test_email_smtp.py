"""SMTP specifics against a real server: login with the password from the environment,
wrong credentials and temporary refusals are retried, not buried in dead letters."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.notify.helpers import (
    PUBLIC_URL,
    alice_page_status,
    config_text,
    page_alice,
)
from tests.support.api import Harness, running_app
from tests.support.clock import FakeClock
from tests.support.sinks import HttpSink, SmtpSink
from warroom.notify.models import DeliveryStatus

PASSWORD_ENV = "WARROOM_TEST_SMTP_PASSWORD"


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpSink]:
    monkeypatch.setenv("WARROOM_TEST_HOOK_SECRET", "s3cret")
    with HttpSink() as sink:
        yield sink


@contextmanager
def app_with_login(
    engine: Engine, tmp_path: Path, smtp: SmtpSink, hook: HttpSink
) -> Iterator[Harness]:
    text = config_text(smtp.port, hook.url).replace(
        "from_address: warroom@example.com}",
        f"from_address: warroom@example.com, username: warroom, password_env: {PASSWORD_ENV}}}",
    )
    assert PASSWORD_ENV in text
    path = tmp_path / "warroom.yaml"
    path.write_text(text)
    with running_app(engine, path, FakeClock(), public_url=PUBLIC_URL) as harness:
        yield harness


def test_warroom_logs_in_with_the_password_from_the_named_variable(
    engine: Engine, tmp_path: Path, hook: HttpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "correct horse")
    with (
        SmtpSink(login=("warroom", "correct horse")) as smtp,
        app_with_login(engine, tmp_path, smtp, hook) as app,
    ):
        page_alice(app)

        assert alice_page_status(app)[:2] == (DeliveryStatus.DELIVERED, 1)
        assert len(smtp.to("alice@example.com")) == 1
        assert "warroom" in smtp.logins


def test_a_refused_login_is_retried_until_the_password_is_fixed(
    engine: Engine, tmp_path: Path, hook: HttpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "stale password")
    with (
        SmtpSink(login=("warroom", "correct horse")) as smtp,
        app_with_login(engine, tmp_path, smtp, hook) as app,
    ):
        page_alice(app)
        status, attempts, error = alice_page_status(app)
        assert (status, attempts) == (DeliveryStatus.PENDING, 1)
        assert "login refused 535" in (error or "")
        assert smtp.received() == []

        monkeypatch.setenv(PASSWORD_ENV, "correct horse")
        app.clock.advance(minutes=1)
        app.drain()
        assert alice_page_status(app)[:2] == (DeliveryStatus.DELIVERED, 2)
        assert len(smtp.to("alice@example.com")) == 1


def test_a_temporary_refusal_is_retried_and_delivered_once_accepted(
    engine: Engine, tmp_path: Path, hook: HttpSink
) -> None:
    with SmtpSink() as smtp:
        smtp.reject_with = "451 4.7.1 greylisted, try again later"
        path = tmp_path / "warroom.yaml"
        path.write_text(config_text(smtp.port, hook.url))
        with running_app(engine, path, FakeClock(), public_url=PUBLIC_URL) as app:
            page_alice(app)
            status, attempts, error = alice_page_status(app)
            assert (status, attempts) == (DeliveryStatus.PENDING, 1)
            assert "451" in (error or "")

            smtp.reject_with = None
            app.clock.advance(minutes=1)
            app.drain()
            assert alice_page_status(app)[:2] == (DeliveryStatus.DELIVERED, 2)
            assert len(smtp.to("alice@example.com")) == 1

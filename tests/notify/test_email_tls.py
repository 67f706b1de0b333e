"""Email over STARTTLS and implicit TLS, against a real SMTP server (aiosmtpd) on loopback that
presents a certificate from a throwaway CA: trusted through ``ca_file``, a login with the
password from the environment, and the failures an operator must be able to read (a
certificate that is not trusted or not for this host, a wrong password), which are retried."""

from __future__ import annotations

import smtplib
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
from tests.support.tls import Certificates, make_certificates
from warroom.notify.models import DeliveryStatus

PASSWORD_ENV = "WARROOM_TEST_SMTP_PASSWORD"
LOGIN = ("warroom", "correct horse")
MODES = ["starttls", "tls"]
"""How the connection is encrypted: the config key that is set to true."""


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpSink]:
    monkeypatch.setenv("WARROOM_TEST_HOOK_SECRET", "s3cret")
    with HttpSink() as sink:
        yield sink


def tls_sink(certs: Certificates, mode: str, login: tuple[str, str] | None = None) -> SmtpSink:
    context = certs.server_context()
    if mode == "starttls":
        return SmtpSink(login=login, starttls=context)
    return SmtpSink(login=login, tls=context)


def email_settings(port: int, mode: str, ca_file: Path | None, login: bool = False) -> str:
    fields = [
        "host: 127.0.0.1",
        f"port: {port}",
        f"{mode}: true",
        "from_address: warroom@example.com",
    ]
    if ca_file is not None:
        fields.append(f'ca_file: "{ca_file}"')
    if login:
        fields += ["username: warroom", f"password_env: {PASSWORD_ENV}"]
    return "{" + ", ".join(fields) + "}"


def write_config(path: Path, smtp: SmtpSink, hook: HttpSink, email: str) -> None:
    plain = f"email: {{host: 127.0.0.1, port: {smtp.port}, from_address: warroom@example.com}}"
    text = config_text(smtp.port, hook.url)
    assert plain in text
    path.write_text(text.replace(plain, f"email: {email}"))


@contextmanager
def tls_app(
    engine: Engine,
    tmp_path: Path,
    smtp: SmtpSink,
    hook: HttpSink,
    mode: str,
    ca_file: Path | None,
    login: bool = False,
) -> Iterator[Harness]:
    path = tmp_path / "warroom.yaml"
    write_config(path, smtp, hook, email_settings(smtp.port, mode, ca_file, login))
    with running_app(engine, path, FakeClock(), public_url=PUBLIC_URL) as harness:
        settings = harness.live_config.current.notifications.email
        assert settings is not None
        assert getattr(settings, mode) is True
        assert settings.ca_file == ca_file
        yield harness


def retry_now(app: Harness) -> None:
    """Past the longest backoff of the test retry policy (max_delay: 1m)."""
    app.clock.advance(minutes=1)
    app.drain()


def test_a_page_goes_over_starttls_to_a_server_that_requires_it_trusting_the_ca_file(
    engine: Engine, tmp_path: Path, hook: HttpSink, certs: Certificates
) -> None:
    with tls_sink(certs, "starttls") as smtp:
        # The server really refuses mail on a connection that was not upgraded.
        with smtplib.SMTP("127.0.0.1", smtp.port, timeout=5) as plain:
            plain.ehlo()
            assert plain.has_extn("starttls")
            with pytest.raises(smtplib.SMTPSenderRefused) as refused:
                plain.sendmail("warroom@example.com", ["alice@example.com"], "Subject: x\n\nx")
            assert refused.value.smtp_code == 530
        assert smtp.received() == []

        with tls_app(engine, tmp_path, smtp, hook, "starttls", certs.ca_file) as app:
            page_alice(app)

            assert alice_page_status(app) == (DeliveryStatus.DELIVERED, 1, None)
            [mail] = smtp.to("alice@example.com")
            assert mail.tls_version in {"TLSv1.2", "TLSv1.3"}
            assert "Card payments failing" in mail.subject


def test_a_page_goes_over_implicit_tls_trusting_the_ca_file(
    engine: Engine, tmp_path: Path, hook: HttpSink, certs: Certificates
) -> None:
    with (
        tls_sink(certs, "tls") as smtp,
        tls_app(engine, tmp_path, smtp, hook, "tls", certs.ca_file) as app,
    ):
        page_alice(app)

        assert alice_page_status(app) == (DeliveryStatus.DELIVERED, 1, None)
        [mail] = smtp.to("alice@example.com")
        assert mail.tls_version in {"TLSv1.2", "TLSv1.3"}
        assert "Card payments failing" in mail.subject


@pytest.mark.parametrize("mode", MODES)
def test_warroom_logs_in_over_tls_with_the_password_from_the_named_variable(
    engine: Engine,
    tmp_path: Path,
    hook: HttpSink,
    certs: Certificates,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "correct horse")
    with (
        tls_sink(certs, mode, login=LOGIN) as smtp,
        tls_app(engine, tmp_path, smtp, hook, mode, certs.ca_file, login=True) as app,
    ):
        page_alice(app)

        assert alice_page_status(app) == (DeliveryStatus.DELIVERED, 1, None)
        [mail] = smtp.to("alice@example.com")
        assert mail.tls_version is not None
        # One login per message sent (a connection each), all with the variable's password.
        assert set(smtp.login_attempts) == {("warroom", "correct horse")}
        assert smtp.logins == ["warroom"] * len(smtp.received())


@pytest.mark.parametrize("mode", MODES)
def test_an_untrusted_server_certificate_fails_clearly_and_is_retried_until_trusted(
    engine: Engine, tmp_path: Path, hook: HttpSink, certs: Certificates, mode: str
) -> None:
    with (
        tls_sink(certs, mode) as smtp,
        tls_app(engine, tmp_path, smtp, hook, mode, ca_file=None) as app,
    ):
        page_alice(app)

        status, attempts, error = alice_page_status(app)
        assert (status, attempts) == (DeliveryStatus.PENDING, 1)
        assert error is not None
        assert "certificate verification failed for 127.0.0.1" in error
        assert "unable to get local issuer certificate" in error
        assert "the system trust store" in error
        assert smtp.received() == []

        retry_now(app)
        status, attempts, error = alice_page_status(app)
        assert (status, attempts) == (DeliveryStatus.PENDING, 2)
        assert "certificate verification failed" in (error or "")
        assert smtp.received() == []

        # The operator trusts the internal CA and reloads: the next retry gets through.
        path = app.live_config.path
        assert path is not None
        write_config(path, smtp, hook, email_settings(smtp.port, mode, certs.ca_file))
        app.live_config.reload()
        retry_now(app)
        assert alice_page_status(app) == (DeliveryStatus.DELIVERED, 3, None)
        assert len(smtp.to("alice@example.com")) == 1


def test_a_certificate_for_another_host_is_refused_even_from_the_trusted_ca(
    engine: Engine, tmp_path: Path, hook: HttpSink
) -> None:
    other = make_certificates(tmp_path / "other", names=["mail.example.com"])
    with (
        tls_sink(other, "starttls") as smtp,
        tls_app(engine, tmp_path, smtp, hook, "starttls", other.ca_file) as app,
    ):
        page_alice(app)

        status, attempts, error = alice_page_status(app)
        assert (status, attempts) == (DeliveryStatus.PENDING, 1)
        assert "certificate verification failed for 127.0.0.1" in (error or "")
        assert "mismatch" in (error or "")
        assert f"ca_file '{other.ca_file}'" in (error or "")
        assert smtp.received() == []


def test_a_missing_ca_file_is_reported_and_retried(
    engine: Engine, tmp_path: Path, hook: HttpSink, certs: Certificates
) -> None:
    missing = tmp_path / "no-such-ca.pem"
    with (
        tls_sink(certs, "starttls") as smtp,
        tls_app(engine, tmp_path, smtp, hook, "starttls", missing) as app,
    ):
        page_alice(app)

        status, attempts, error = alice_page_status(app)
        assert (status, attempts) == (DeliveryStatus.PENDING, 1)
        assert f"cannot load ca_file '{missing}'" in (error or "")
        assert smtp.received() == []


def test_a_wrong_password_over_starttls_is_reported_clearly(
    engine: Engine,
    tmp_path: Path,
    hook: HttpSink,
    certs: Certificates,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "stale password")
    with (
        tls_sink(certs, "starttls", login=LOGIN) as smtp,
        tls_app(engine, tmp_path, smtp, hook, "starttls", certs.ca_file, login=True) as app,
    ):
        page_alice(app)

        status, attempts, error = alice_page_status(app)
        assert (status, attempts) == (DeliveryStatus.PENDING, 1)
        assert error == (
            "SMTP login refused 535: 5.7.8 Authentication credentials invalid "
            f"(username 'warroom', password from ${PASSWORD_ENV})"
        )
        assert set(smtp.login_attempts) == {("warroom", "stale password")}
        assert smtp.logins == []
        assert smtp.received() == []


def test_starttls_to_a_server_without_it_sends_nothing_in_the_clear(
    engine: Engine, tmp_path: Path, hook: HttpSink, certs: Certificates
) -> None:
    with (
        SmtpSink() as smtp,
        tls_app(engine, tmp_path, smtp, hook, "starttls", certs.ca_file) as app,
    ):
        page_alice(app)

        status, attempts, error = alice_page_status(app)
        assert (status, attempts) == (DeliveryStatus.PENDING, 1)
        assert "STARTTLS extension not supported by server" in (error or "")
        assert smtp.received() == []

"""Email over SMTP (smtplib): text and HTML, a Message-ID made from the delivery key so a
receiver can drop a repeat, STARTTLS or TLS (the server's certificate and host name verified
against ``ca_file`` or the system's trust store) and a login when configured."""

from __future__ import annotations

import hashlib
import os
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from sqlalchemy.orm import Session

from warroom.config.notify import EmailSettings
from warroom.notify.channels import DeliveryFailed, SendContext
from warroom.notify.models import Channel, Delivery
from warroom.notify.rendering import render


def message_id(delivery: Delivery, from_address: str) -> str:
    digest = hashlib.sha256(delivery.key.encode()).hexdigest()[:32]
    domain = from_address.rsplit("@", 1)[-1]
    return f"<{digest}.{delivery.id}@{domain}>"


def refusal(recipients: dict[str, tuple[int, bytes]]) -> DeliveryFailed:
    """A refused recipient is permanent only on a 5xx reply; 4xx (mailbox busy, greylisted)
    is worth another try."""
    permanent = all(500 <= code < 600 for code, _message in recipients.values())
    return DeliveryFailed(f"recipient refused: {recipients}", retryable=not permanent)


def tls_context(settings: EmailSettings) -> ssl.SSLContext:
    """A client context that verifies the server's certificate (against ``ca_file`` if set,
    else the system's trust store) and its host name."""
    if settings.ca_file is None:
        return ssl.create_default_context()
    try:
        return ssl.create_default_context(cafile=str(settings.ca_file))
    except (OSError, ValueError) as exc:
        # A missing or unreadable bundle is the operator's to fix: keep retrying meanwhile.
        raise DeliveryFailed(f"cannot load ca_file {str(settings.ca_file)!r}: {exc}") from exc


def untrusted(settings: EmailSettings, exc: ssl.SSLCertVerificationError) -> DeliveryFailed:
    trusted = f"ca_file {str(settings.ca_file)!r}" if settings.ca_file else "the system trust store"
    return DeliveryFailed(
        f"SMTP server certificate verification failed for {settings.host}: "
        f"{exc.verify_message or exc.reason} (trusting {trusted})"
    )


class EmailSender:
    channel = Channel.EMAIL

    def build(self, delivery: Delivery, context: SendContext) -> EmailMessage:
        settings = context.config.notifications.email
        assert settings is not None
        rendered = render(delivery, context)
        mail = EmailMessage()
        mail["Subject"] = rendered.subject
        mail["From"] = settings.from_address
        mail["To"] = delivery.target
        mail["Date"] = format_datetime(context.now)
        mail["Message-ID"] = message_id(delivery, settings.from_address)
        mail["X-Warroom-Delivery"] = delivery.key
        if rendered.unsubscribe:
            mail["List-Unsubscribe"] = f"<{rendered.unsubscribe}>"
            mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        mail.set_content(rendered.text)
        mail.add_alternative(rendered.html, subtype="html")
        return mail

    def send(self, delivery: Delivery, context: SendContext) -> dict[str, Any] | None:
        settings = context.config.notifications.email
        if settings is None:
            raise DeliveryFailed("email is not configured (notifications.email)", retryable=False)
        mail = self.build(delivery, context)
        password = os.environ.get(settings.password_env) if settings.password_env else None
        if settings.password_env and password is None:
            raise DeliveryFailed(
                f"environment variable {settings.password_env} (the SMTP password) is not set"
            )
        timeout = settings.timeout.total_seconds()
        try:
            client: smtplib.SMTP
            if settings.tls:
                client = smtplib.SMTP_SSL(
                    settings.host,
                    settings.port,
                    timeout=timeout,
                    context=tls_context(settings),
                )
            else:
                client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
            with client:
                if settings.starttls:
                    client.starttls(context=tls_context(settings))
                if settings.username:
                    client.login(settings.username, password or "")
                refused = client.send_message(mail)
        except smtplib.SMTPAuthenticationError as exc:
            # Wrong credentials refuse every message alike: keep retrying while an operator
            # fixes the configuration rather than burying every page in dead letters.
            reply = exc.smtp_error
            text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
            source = "no password"
            if settings.password_env:
                source = f"password from ${settings.password_env}"
            raise DeliveryFailed(
                f"SMTP login refused {exc.smtp_code}: {text} "
                f"(username {settings.username!r}, {source})"
            ) from exc
        except smtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.smtp_code < 600
            raise DeliveryFailed(
                f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", retryable=not permanent
            ) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise refusal(exc.recipients) from exc
        except ssl.SSLCertVerificationError as exc:
            # Retried: the certificate or the trusted CAs are the operator's to fix.
            raise untrusted(settings, exc) from exc
        except (TimeoutError, OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
        if refused:
            raise refusal(refused)
        return {"message_id": mail["Message-ID"]}

    def delivered(self, session: Session, delivery: Delivery, now: datetime) -> None:
        return None

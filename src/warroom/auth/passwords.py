"""Local passwords: argon2id hashes (argon2-cffi's defaults, RFC 9106's second
recommendation), rehashed on sign-in when the parameters change."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from warroom.problems import InvalidInput

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
"""A bound on the work one sign-in attempt can cause."""

_hasher = PasswordHasher()


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must be at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must be at most {MAX_PASSWORD_LENGTH} characters", field="password"
        )


def hash_password(password: str) -> str:
    check_password_rules(password)
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    if stored is None or len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)


DUMMY_HASH = _hasher.hash("warroom-timing-equaliser")
"""Verified against when the username is unknown, so that a wrong username and a wrong
password take the same time."""

"""Every table is either audited or named as not audited, with the reason."""

from __future__ import annotations

from warroom.auth.audit_tables import AUDITED, NOT_AUDITED
from warroom.tables import metadata


def test_every_table_is_audited_or_listed_as_not_audited_with_a_reason() -> None:
    tables = set(metadata.tables)
    assert set(AUDITED) | set(NOT_AUDITED) == tables, "undecided: " + ", ".join(
        sorted(tables - set(AUDITED) - set(NOT_AUDITED))
    )
    assert not set(AUDITED) & set(NOT_AUDITED)
    assert set(AUDITED) - tables == set()
    assert all(reason.strip() for reason in NOT_AUDITED.values())


def test_secret_columns_are_never_recorded_in_clear() -> None:
    assert "app_secrets" in NOT_AUDITED
    assert AUDITED["users"].secret == {"password_hash"}
    assert AUDITED["api_tokens"].secret == {"token_hash"}


def test_omitted_and_secret_columns_exist_in_their_tables() -> None:
    for name, spec in AUDITED.items():
        columns = set(metadata.tables[name].columns.keys())
        assert spec.omit | spec.secret <= columns, name

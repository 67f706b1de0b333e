"""How a table fits a terminal (``output.fit``), and how tables and detail views print."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from tests.cli.harness import console_width
from warroom.cli.output import Column, Layout, console, details, fit, note, table


def chrome(count: int) -> int:
    """Two cells between neighbouring columns, as the CLI's tables have."""
    return 2 * (count - 1)


def cells(*rows: Sequence[str]) -> list[list[str]]:
    return [list(row) for row in rows]


COLUMNS = (
    Column("id", whole=True),
    Column("title", min_width=12),
    Column("team", priority=1, whole=True),
    Column("service", priority=2, whole=True),
    Column("note", priority=2),
)
ROW = ("INC-1234", "Checkout latency above the SLO in eu-west-1", "payments", "checkout-api", "n/a")
# natural widths (the longer of header and cells): 8, 43, 8, 12, 4


def test_everything_fits_as_it_is() -> None:
    assert fit(COLUMNS, cells(ROW), 200, chrome) == Layout(
        shown=(0, 1, 2, 3, 4), widths=(8, 43, 8, 12, 4), hidden=(), cut=()
    )


def test_without_a_width_every_column_is_whole() -> None:
    assert fit(COLUMNS, cells(ROW), None, chrome) == Layout(
        shown=(0, 1, 2, 3, 4), widths=(8, 43, 8, 12, 4), hidden=(), cut=()
    )


def test_cut_columns_give_way_before_any_column_is_hidden() -> None:
    # 8 + 8 + 12 + 4 + 4 gaps of 2 = 40 besides the title: 20 cells are left for it, and at
    # 52 its least, 12.
    assert fit(COLUMNS, cells(ROW), 60, chrome) == Layout(
        shown=(0, 1, 2, 3, 4), widths=(8, 20, 8, 12, 4), hidden=(), cut=("title",)
    )
    assert fit(COLUMNS, cells(ROW), 52, chrome) == Layout(
        shown=(0, 1, 2, 3, 4), widths=(8, 12, 8, 12, 4), hidden=(), cut=("title",)
    )


def test_of_equal_priority_the_rightmost_column_is_hidden_first() -> None:
    assert fit(COLUMNS, cells(ROW), 51, chrome) == Layout(
        shown=(0, 1, 2, 3), widths=(8, 17, 8, 12), hidden=("note",), cut=("title",)
    )


def test_a_narrow_column_of_less_importance_uses_room_a_wider_one_could_not() -> None:
    # "service" (12) no longer fits beside id, title and team; "note" (4) does.
    assert fit(COLUMNS, cells(ROW), 40, chrome) == Layout(
        shown=(0, 1, 2, 4), widths=(8, 14, 8, 4), hidden=("service",), cut=("title",)
    )
    # "team" (priority 1) does not fit either; "note" (priority 2) still does.
    assert fit(COLUMNS, cells(ROW), 30, chrome) == Layout(
        shown=(0, 1, 4), widths=(8, 14, 4), hidden=("team", "service"), cut=("title",)
    )
    assert fit(COLUMNS, cells(ROW), 26, chrome) == Layout(
        shown=(0, 1), widths=(8, 16), hidden=("team", "service", "note"), cut=("title",)
    )


def test_whole_columns_are_never_cut_even_when_the_essential_ones_overflow() -> None:
    assert fit(COLUMNS, cells(ROW), 15, chrome) == Layout(
        shown=(0, 1), widths=(8, 12), hidden=("team", "service", "note"), cut=("title",)
    )


def test_a_cut_column_keeps_its_header_and_cut_columns_grow_evenly() -> None:
    columns = (
        Column("id", whole=True),
        Column("a long header", min_width=4),
        Column("b", min_width=4),
    )
    rows = cells(("1", "x" * 30, "y" * 30))
    # least: 2, 13 (its header), 4; 30 - 4 - 19 = 7 spare, shared 4 and 3.
    assert fit(columns, rows, 30, chrome) == Layout(
        shown=(0, 1, 2), widths=(2, 17, 7), hidden=(), cut=("a long header", "b")
    )


@pytest.fixture
def narrow() -> Iterator[None]:
    with console_width(40):
        yield


def printed(draw: object) -> list[str]:
    with console.capture() as capture:
        assert callable(draw)
        draw()
    return capture.get().splitlines()


@pytest.mark.usefixtures("narrow")
def test_a_table_fits_in_40_columns_and_says_what_gave_way() -> None:
    lines = printed(lambda: table("Incidents", COLUMNS, [ROW, ROW]))
    assert [line.rstrip() for line in lines] == [
        "Incidents",
        "id        title           team      note",
        "─" * 40,
        "INC-1234  Checkout late…  payments  n/a",
        "INC-1234  Checkout late…  payments  n/a",
        "hidden to fit 40 columns: service; cut:",
        "title. --wide shows every column whole.",
    ]


@pytest.mark.usefixtures("narrow")
def test_wide_shows_every_column_whole_past_the_terminal() -> None:
    lines = printed(lambda: table("Incidents", COLUMNS, [ROW], wide=True))
    assert [line.rstrip() for line in lines] == [
        "Incidents",
        "id        title                                        team      service       note",
        "─" * 83,
        "INC-1234  Checkout latency above the SLO in eu-west-1  payments  checkout-api  n/a",
    ]


@pytest.mark.usefixtures("narrow")
def test_cells_are_one_line_each() -> None:
    lines = printed(
        lambda: table("Notes", (Column("id", whole=True), Column("text")), [(7, "one\ntwo")])
    )
    assert [line.rstrip() for line in lines] == ["Notes", "id  text", "─" * 11, "7   one two"]


@pytest.mark.usefixtures("narrow")
def test_details_wrap_between_words_and_keep_long_words_whole() -> None:
    url = "https://runbooks.example.com/payments/reconciliation/ledger-writer#failover"
    lines = printed(
        lambda: details(
            "INC-7 · Ledger writer lag",
            [
                ("status", "firing"),
                ("summary", "lag above 30 seconds for ten minutes"),
                ("link", url),
            ],
        )
    )
    assert lines == [
        "INC-7 · Ledger writer lag",
        "status   firing",
        "summary  lag above 30 seconds for ten",
        "         minutes",
        f"link     {url}",
    ]


@pytest.mark.usefixtures("narrow")
def test_a_note_wraps_between_words() -> None:
    lines = printed(lambda: note("accepted and refused: counted by this server process"))
    assert [line.rstrip() for line in lines] == [
        "accepted and refused: counted by this",
        "server process",
    ]


def test_ids_stay_whole_even_when_they_alone_overflow_the_terminal() -> None:
    with console_width(15):
        lines = printed(lambda: table("Incidents", COLUMNS, [ROW]))
    assert [line.rstrip() for line in lines[:4]] == [
        "Incidents",
        "id        title",
        "─" * 22,
        "INC-1234  Checkout la…",
    ]

"""Printing for people (rich tables) and for scripts (``--json``), and clean failures.

Tables fit the terminal: rich's console width, which is the terminal's or ``COLUMNS``. Each
column says how much it matters and whether its text may be cut. When the table is too wide
the least important columns are hidden first, then the cuttable ones are cut with an
ellipsis; what people copy (ids, keys, token prefixes) is never cut, and no cell wraps onto
a second line. ``--wide`` shows every column whole, like kubectl's ``-o wide``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

import orjson
import typer
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.measure import Measurement
from rich.segment import Segments
from rich.table import Table
from rich.text import Text

console = Console()
err_console = Console(stderr=True)

JsonOption = typer.Option("--json", help="Print JSON for scripts instead of a table.")
WideOption = typer.Option(
    "--wide", help="Show every column, none cut, even past the terminal's width."
)

CUT_MIN_WIDTH = 10
"""A cell cut shorter than this says too little: below it a column is hidden instead."""


@dataclass(frozen=True)
class Column:
    """One column of a table.

    ``priority`` is kubectl's: 0 is essential and always shown; in a narrow terminal the
    columns with the highest numbers are hidden first (of equals, the rightmost). A ``whole``
    column is never cut: ids, keys, token prefixes, times, what people copy or read at a
    glance. The others are cut with an ellipsis, down to ``min_width`` (or their header).
    """

    header: str
    priority: int = 0
    whole: bool = False
    min_width: int = CUT_MIN_WIDTH


@dataclass(frozen=True)
class Layout:
    """The columns a table shows (indexes, in order), the width of each, and what gave way."""

    shown: tuple[int, ...]
    widths: tuple[int, ...]
    hidden: tuple[str, ...]
    cut: tuple[str, ...]


def fit(
    columns: Sequence[Column],
    cells: Sequence[Sequence[str]],
    width: int | None,
    chrome: Callable[[int], int],
) -> Layout:
    """Lay a table out in ``width`` terminal cells (``None``: as wide as it needs).

    The essential columns first; then the others, most important first, each if it fits
    with every cut column at its least (so a narrow column may use room a wider, more
    important one could not). What is left widens the cut columns evenly. Whole columns
    keep their full width even if the essential ones alone overflow ``width``.
    ``chrome(n)`` is what the table itself takes (padding, rules) around ``n`` columns.
    """
    natural = [
        max([cell_len(column.header), *(cell_len(row[index]) for row in cells)])
        for index, column in enumerate(columns)
    ]
    least = [
        natural[index]
        if column.whole
        else min(natural[index], max(column.min_width, cell_len(column.header)))
        for index, column in enumerate(columns)
    ]
    if width is None:
        return Layout(tuple(range(len(columns))), tuple(natural), (), ())

    def needs(indexes: Sequence[int]) -> int:
        return chrome(len(indexes)) + sum(least[index] for index in indexes)

    shown = [index for index, column in enumerate(columns) if column.priority == 0]
    optional = sorted(
        (index for index, column in enumerate(columns) if column.priority > 0),
        key=lambda index: (columns[index].priority, index),
    )
    for index in optional:
        if needs([*shown, index]) <= width:
            shown = sorted([*shown, index])
    widths = {index: least[index] for index in shown}
    spare = width - needs(shown)
    growing = [index for index in shown if widths[index] < natural[index]]
    while spare > 0 and growing:
        share = max(1, spare // len(growing))
        for index in growing:
            step = min(share, natural[index] - widths[index], spare)
            widths[index] += step
            spare -= step
        growing = [index for index in growing if widths[index] < natural[index]]
    return Layout(
        shown=tuple(shown),
        widths=tuple(widths[index] for index in shown),
        hidden=tuple(column.header for i, column in enumerate(columns) if i not in widths),
        cut=tuple(columns[i].header for i in shown if widths[i] < natural[i]),
    )


def _frame() -> Table:
    return Table(box=box.SIMPLE_HEAD, show_edge=False, collapse_padding=True, pad_edge=False)


def _chrome(count: int) -> int:
    """Cells the table's own padding and rules take around ``count`` columns."""
    frame = _frame()
    for _ in range(count):
        frame.add_column(width=1)
    return Measurement.get(console, console.options, frame).maximum - count


def _one_line(value: object) -> str:
    return "" if value is None else " ".join(str(value).replace("\t", " ").splitlines())


def table(
    title: str, columns: Sequence[Column], rows: Sequence[Sequence[object]], wide: bool = False
) -> None:
    """Cells are plain text (never markup), one line each; see the module's docstring."""
    cells = [[_one_line(value) for value in row] for row in rows]
    width = console.width
    layout = fit(columns, cells, None if wide else width, _chrome)
    out = _frame()
    for index, column_width in zip(layout.shown, layout.widths, strict=True):
        out.add_column(
            Text(columns[index].header), width=column_width, no_wrap=True, overflow="ellipsis"
        )
    for row in cells:
        out.add_row(*(Text(row[index]) for index in layout.shown))
    note(title, style="table.title")
    needed = _chrome(len(layout.shown)) + sum(layout.widths)
    if needed <= width:
        console.print(out)
    else:  # --wide, or whole columns that do not fit: lines run past the terminal's width
        lines = console.render(out, console.options.update(width=needed))
        console.print(Segments(lines), crop=False)
    if layout.hidden or layout.cut:
        note(_footnote(layout, width), style="dim")


def note(line: str, style: str = "") -> None:
    """A sentence of the CLI's own, wrapped between words at the terminal's width; a word
    longer than the line (a URL, a key) stays whole and runs on. Server text, which scripts
    may read, goes through ``remote.say`` instead."""
    console.print(Text(line, style=style, overflow="ignore"), crop=False)


def details(title: str, rows: Sequence[tuple[str, object]]) -> None:
    """One record as ``label  value`` lines under its title, like ``kubectl describe``.

    Values wrap between words under their own column; a word longer than the line (a URL, a
    label, a key) stays whole on a line of its own and runs on: never cut, never folded."""
    note(title, style="bold")
    indent = max(cell_len(label) for label, _ in rows) + 2
    room = max(console.width - indent, CUT_MIN_WIDTH)
    for label, value in rows:
        text = Text("—" if value in (None, "") else str(value), overflow="ignore")
        for index, line in enumerate(text.wrap(console, room)):
            head = label.ljust(indent) if index == 0 else " " * indent
            line.rstrip()
            console.print(Text.assemble((head, "bold"), line), soft_wrap=True)


def _footnote(layout: Layout, width: int) -> str:
    hidden, cut = ", ".join(layout.hidden), ", ".join(layout.cut)
    if hidden and cut:
        gave_way = f"hidden to fit {width} columns: {hidden}; cut: {cut}"
    else:
        gave_way = f"{'hidden' if hidden else 'cut'} to fit {width} columns: {hidden or cut}"
    return f"{gave_way}. --wide shows every column whole."


def print_json(data: Any) -> None:
    typer.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())


def fail(message: str, code: int = 1) -> NoReturn:
    """One clear line on stderr and a non-zero exit; never a traceback."""
    err_console.print(
        Text.assemble(("error:", "bold red"), " ", message), highlight=False, soft_wrap=True
    )
    raise typer.Exit(code)


def when(value: str | datetime | None) -> str:
    if value is None:
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    delta = timedelta(seconds=round(seconds))
    total = int(delta.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days}d"] if days else []
    if hours:
        parts.append(f"{hours}h")
    if minutes:
        parts.append(f"{minutes}m")
    if secs or not parts:
        parts.append(f"{secs}s")
    return " ".join(parts)

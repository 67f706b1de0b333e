"""``warroom incident …``: talks to a running server over HTTP (placeholder until written)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Run incidents over the API (WARROOM_URL, WARROOM_TOKEN).",
                  no_args_is_help=True)

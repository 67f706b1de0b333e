"""The ``warroom`` command."""

from warroom.cli.main import app, main

__all__ = ["app", "main"]

"""``python -m warroom.cli``: the ``warroom`` command (how ``warroom serve`` starts its worker
process with the same interpreter)."""

from warroom.cli.main import main

main()

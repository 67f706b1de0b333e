"""axe-core (from npm, tests/e2e/clients/node) run in the page: the serious and critical
accessibility violations, each with the elements at fault."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "clients" / "node" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def violations(page: Any) -> list[str]:
    """Needs a context made with ``bypass_csp=True``: the pages' policy refuses the injected
    script, as it should."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    found = []
    for violation in result["violations"]:
        if violation.get("impact") in BLOCKING:
            targets = [", ".join(node["target"]) for node in violation["nodes"][:5]]
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found

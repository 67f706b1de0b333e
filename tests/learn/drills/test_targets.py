"""A drill's targets: the scenario's own, else the team's escalation policy (its first wait)
and the incident defaults, else the drills section's defaults."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from warroom.config import Config
from warroom.learn.drills.targets import Targets, targets_of


def config(policy_steps: list[dict[str, Any]] | None, targets: dict[str, str] | None) -> Config:
    team: dict[str, Any] = {"slug": "payments", "name": "Payments", "timezone": "UTC"}
    doc: dict[str, Any] = {
        "teams": [team],
        "people": [{"username": "alice", "name": "Alice"}],
        "integrations": [{"slug": "am", "kind": "alertmanager", "key": "am-key-0123456789"}],
        "incident_defaults": {"first_update_within": "20m"},
        "drills": {
            "detect_within": "3m",
            "acknowledge_within": "7m",
            "scenarios": [
                {
                    "name": "down",
                    "team": "payments",
                    "kind": "alertmanager",
                    "integration": "am",
                    "title": "Down",
                    "expect_severity": "SEV1",
                    **({"targets": targets} if targets else {}),
                }
            ],
        },
    }
    if policy_steps is not None:
        team["escalation_policy"] = "payments"
        doc["escalation_policies"] = [{"slug": "payments", "name": "P", "steps": policy_steps}]
    return Config.model_validate(doc)


def of(cfg: Config) -> Targets:
    scenario = cfg.drill("down")
    assert scenario is not None
    return targets_of(cfg, scenario)


def test_without_a_policy_the_drills_defaults_and_the_first_update_due_apply() -> None:
    assert of(config(None, None)) == Targets(
        detect=timedelta(minutes=3),
        acknowledge=timedelta(minutes=7),
        first_update=timedelta(minutes=20),
    )


def test_the_acknowledge_target_is_the_policy_s_first_wait() -> None:
    steps = [
        {"notify_users": ["alice"]},
        {"wait": "4m"},
        {"notify_users": ["alice"]},
        {"wait": "9m"},
    ]
    assert of(config(steps, None)).acknowledge == timedelta(minutes=4)


def test_the_scenario_s_own_targets_win() -> None:
    steps = [{"notify_users": ["alice"]}, {"wait": "4m"}]
    own = {"detect": "30s", "acknowledge": "1m", "first_update": "2m"}
    assert of(config(steps, own)) == Targets(
        detect=timedelta(seconds=30),
        acknowledge=timedelta(minutes=1),
        first_update=timedelta(minutes=2),
    )

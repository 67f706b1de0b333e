"""Reload without restart: build the new config fully, then swap; a broken file changes nothing."""

import threading
from datetime import UTC
from pathlib import Path

import pytest

from warroom.config import Config, ConfigError, LiveConfig

ONE_TEAM = "teams:\n  - {slug: payments, name: Payments, timezone: Europe/Prague}\n"
TWO_TEAMS = ONE_TEAM + "  - {slug: search, name: Search, timezone: America/New_York}\n"


def test_loads_at_construction(tmp_path: Path) -> None:
    path = tmp_path / "warroom.yaml"
    path.write_text(ONE_TEAM)

    live = LiveConfig(path)

    assert live.path == path
    assert live.generation == 1
    assert live.loaded_at.tzinfo is UTC
    assert [team.slug for team in live.current.teams] == ["payments"]


def test_a_broken_file_at_construction_raises(tmp_path: Path) -> None:
    path = tmp_path / "warroom.yaml"
    path.write_text("teams: [\n")

    with pytest.raises(ConfigError):
        LiveConfig(str(path))


def test_reload_swaps_in_a_good_file(tmp_path: Path) -> None:
    path = tmp_path / "warroom.yaml"
    path.write_text(ONE_TEAM)
    live = LiveConfig(path)
    before, loaded_at = live.current, live.loaded_at
    path.write_text(TWO_TEAMS)

    reloaded = live.reload()

    assert reloaded is live.current
    assert reloaded is not before
    assert [team.slug for team in live.current.teams] == ["payments", "search"]
    assert live.generation == 2
    assert live.loaded_at >= loaded_at


def test_reload_refuses_a_broken_file_and_keeps_the_old_config(tmp_path: Path) -> None:
    path = tmp_path / "warroom.yaml"
    path.write_text(ONE_TEAM)
    live = LiveConfig(path)
    before, loaded_at = live.current, live.loaded_at
    path.write_text(ONE_TEAM + "services:\n  - {slug: api, name: API, team: nobody}\n")

    with pytest.raises(ConfigError) as caught:
        live.reload()

    assert str(caught.value) == f"{path}:4: services[0].team: unknown team 'nobody'"
    assert live.current is before
    assert live.generation == 1
    assert live.loaded_at == loaded_at

    path.write_text(TWO_TEAMS)
    live.reload()
    assert live.generation == 2


def test_concurrent_reloads_count_every_generation(tmp_path: Path) -> None:
    path = tmp_path / "warroom.yaml"
    path.write_text(TWO_TEAMS)
    live = LiveConfig(path)

    threads = [threading.Thread(target=live.reload) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert live.generation == 9
    assert len(live.current.teams) == 2


def test_without_a_path_the_defaults_are_in_force() -> None:
    live = LiveConfig(None)

    assert live.path is None
    assert live.current == Config.default()
    assert live.reload() == Config.default()
    assert live.generation == 2


def test_listeners_hear_of_reloads_that_took_and_not_of_refused_ones(tmp_path: Path) -> None:
    path = tmp_path / "warroom.yaml"
    path.write_text(ONE_TEAM)
    live = LiveConfig(path)
    heard: list[list[str]] = []
    live.on_reload(lambda config: heard.append([team.slug for team in config.teams]))
    path.write_text(TWO_TEAMS)
    live.reload()
    path.write_text("teams: [\n")
    with pytest.raises(ConfigError):
        live.reload()
    assert heard == [["payments", "search"]]

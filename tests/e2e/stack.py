"""The end-to-end stack: warroom (``warroom serve``), a scrape target, Prometheus and
Alertmanager, each on its own loopback port with its own data directory.

Config files are written from dicts, so each test states only what differs: where
Prometheus sends its alerts and which receiver Alertmanager uses.
"""

from __future__ import annotations

import re
import secrets
import sys
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.conftest import TEST_CONFIG
from tests.e2e.processes import Process, require_binary, start, wait_healthy, wait_until
from tests.e2e.target import MetricsTarget
from tests.support.postgres import free_port

WARROOM = str(Path(sys.executable).with_name("warroom"))
PROMETHEUS = "/usr/bin/prometheus"
ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
TOKEN_LINE = re.compile(r"export WARROOM_TOKEN=(wr_\S+)")
FLOW_SECONDS = 60
"""How long any one step of a flow may take before the test fails."""

ALERT_NAME = "QueueBacklog"
SERVICE = "checkout-queue"
TEAM = "checkout"  # owns checkout-queue in the service catalog
AM_SLUG, PD_SLUG = "am", "pd"


def _write_yaml(path: Path, doc: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def warroom_config(
    am_key: str,
    pd_key: str,
    alert_rules: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
    am_extra: dict[str, Any] | None = None,
    pd_extra: dict[str, Any] | None = None,
    more_integrations: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The test organisation (teams, services, defaults of tests/fixtures/warroom.yaml) with
    one Alertmanager and one PagerDuty integration, the default severity map (critical ->
    SEV1) and, unless given, the default alert rules (every alert opens an incident)."""
    base = yaml.safe_load(TEST_CONFIG.read_text())
    config: dict[str, Any] = {
        "organization": {"name": "End-to-end Shop"},
        "teams": base["teams"],
        "services": base["services"],
        "incident_defaults": base["incident_defaults"],
        "integrations": [
            {
                "slug": AM_SLUG,
                "kind": "alertmanager",
                "name": "Alertmanager (and Prometheus directly)",
                "key": am_key,
                "environment": "production",
                **(am_extra or {}),
            },
            {
                "slug": PD_SLUG,
                "kind": "pagerduty",
                "name": "Alertmanager through pagerduty_configs",
                "key": pd_key,
                "team": TEAM,
                "service": SERVICE,
                "environment": "production",
                **(pd_extra or {}),
            },
            *(more_integrations or []),
        ],
    }
    if alert_rules is not None:
        config["alert_rules"] = alert_rules
    config.update(extra or {})
    return config


@dataclass
class Warroom:
    """A started ``warroom serve``; waited for on first use, so it boots while Prometheus
    and Alertmanager start."""

    process: Process
    url: str
    am_key: str
    pd_key: str
    config_path: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    _client: httpx.Client | None = None

    @property
    def hostport(self) -> str:
        return self.url.removeprefix("http://")

    @property
    def client(self) -> httpx.Client:
        """An API client with the admin token printed on first start."""
        if self._client is None:
            wait_healthy(self.process, f"{self.url}/healthz")
            found = TOKEN_LINE.search(self.process.stdout())
            assert found, f"warroom printed no admin token\n{self.process.tail()}"
            self._client = httpx.Client(
                base_url=self.url,
                headers={"Authorization": f"Bearer {found.group(1)}"},
                timeout=10,
            )
        return self._client

    def wait_ready(self) -> None:
        assert self.client.get("/api/v1/me").status_code == 200

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def get(self, path: str, **params: Any) -> Any:
        answer = self.client.get(path, params=params)
        assert answer.status_code == 200, (path, answer.status_code, answer.text)
        return answer.json()

    def alerts(self, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.get("/api/v1/alerts", **params)["items"]
        return items

    def incidents(self, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.get("/api/v1/incidents", **params)["items"]
        return items


@dataclass
class Alertmanager:
    process: Process
    url: str

    @property
    def hostport(self) -> str:
        return self.url.removeprefix("http://")


@dataclass
class Prometheus:
    process: Process
    url: str

    def api(self, path: str) -> Any:
        answer = httpx.get(f"{self.url}/api/v1/{path}", timeout=5)
        answer.raise_for_status()
        return answer.json()["data"]


def webhook_receiver(warroom: Warroom) -> dict[str, Any]:
    return {
        "name": "warroom",
        "webhook_configs": [
            {
                "url": f"{warroom.url}/ingest/alertmanager/{warroom.am_key}",
                "send_resolved": True,
            }
        ],
    }


def pagerduty_receiver(warroom: Warroom) -> dict[str, Any]:
    return {
        "name": "warroom",
        "pagerduty_configs": [
            {
                "url": f"{warroom.url}/v2/enqueue",
                "routing_key": warroom.pd_key,
                "send_resolved": True,
                "severity": "{{ .CommonLabels.severity }}",
            }
        ],
    }


def via_alertmanager(alertmanager: Alertmanager) -> dict[str, Any]:
    return {"api_version": "v2", "static_configs": [{"targets": [alertmanager.hostport]}]}


def direct_with_path_prefix(warroom: Warroom) -> dict[str, Any]:
    return {
        "api_version": "v2",
        "path_prefix": f"/ingest/alertmanager/{warroom.am_key}",
        "static_configs": [{"targets": [warroom.hostport]}],
    }


def direct_with_authorization(warroom: Warroom) -> dict[str, Any]:
    return {
        "api_version": "v2",
        "authorization": {"type": "Bearer", "credentials": warroom.am_key},
        "static_configs": [{"targets": [warroom.hostport]}],
    }


class Stack:
    """Starts the pieces a test asks for and stops all of them, newest first."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.processes: list[Process] = []
        self._exit = ExitStack()

    def close(self) -> None:
        self._exit.close()

    def diagnostics(self) -> str:
        return "\n".join(p.tail() for p in self.processes)

    def wait(self, check: Any, what: str, timeout: float = FLOW_SECONDS) -> Any:
        return wait_until(check, what, timeout, self.diagnostics)

    def _start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Process:
        process = start(name, argv, self.workdir / name, env)
        self._exit.callback(process.stop)
        self.processes.append(process)
        return process

    def warroom(
        self,
        database_url: str | None = None,
        alert_rules: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
        serve_args: list[str] | None = None,
        am_extra: dict[str, Any] | None = None,
        port: int | None = None,
        pd_extra: dict[str, Any] | None = None,
        more_integrations: list[dict[str, Any]] | None = None,
    ) -> Warroom:
        """``warroom serve`` on a fresh database (default: a new SQLite file); ``extra``
        top-level keys are added to (or replace those of) the test organisation's config;
        ``serve_args`` such as ``["--no-worker"]`` go to the command line; ``am_extra`` keys
        are added to the Alertmanager integration (e.g. its ``rate_limit``), ``pd_extra`` to
        the PagerDuty one; ``more_integrations`` come after those two."""
        am_key, pd_key = f"am-e2e-{secrets.token_hex(12)}", secrets.token_hex(16)
        config = _write_yaml(
            self.workdir / "warroom" / "warroom.yaml",
            warroom_config(
                am_key, pd_key, alert_rules, extra, am_extra, pd_extra, more_integrations
            ),
        )
        port = port or free_port()
        database_url = database_url or f"sqlite:///{self.workdir / 'warroom' / 'warroom.db'}"
        env = {
            "WARROOM_DATABASE_URL": database_url,
            "WARROOM_HOST": "127.0.0.1",
            "WARROOM_PORT": str(port),
            "WARROOM_LOG_LEVEL": "info",
        }
        argv = [WARROOM, "serve", "--config", str(config), "--migrate", *(serve_args or [])]
        process = self._start("warroom", argv, env)
        warroom = Warroom(process, f"http://127.0.0.1:{port}", am_key, pd_key, config, env)
        self._exit.callback(warroom.close)
        return warroom

    def restart(self, warroom: Warroom, name: str = "warroom-again") -> Warroom:
        """``warroom serve`` started again with the command line, config and database of
        ``warroom`` (after it was killed). It prints no admin token (the database has one
        already): use its URLs, not its ``client``."""
        argv = [str(arg) for arg in warroom.process.popen.args]  # type: ignore[union-attr]
        process = self._start(name, argv, warroom.env)
        return Warroom(
            process, warroom.url, warroom.am_key, warroom.pd_key, warroom.config_path, warroom.env
        )

    def worker(self, warroom: Warroom, name: str, env: dict[str, str] | None = None) -> Process:
        """A ``warroom worker`` process on the same config and database as ``warroom``."""
        assert warroom.config_path is not None
        argv = [WARROOM, "worker", "--config", str(warroom.config_path)]
        return self._start(name, argv, {**warroom.env, **(env or {})})

    def target(self) -> MetricsTarget:
        target = MetricsTarget(SERVICE).start()
        self._exit.callback(target.stop)
        return target

    def alertmanager(self, receiver: dict[str, Any]) -> Alertmanager:
        binary = require_binary(ALERTMANAGER, "prometheus-alertmanager")
        workdir = self.workdir / "alertmanager"
        config = _write_yaml(
            workdir / "alertmanager.yml",
            {
                "global": {"resolve_timeout": "1m"},
                "route": {
                    "receiver": receiver["name"],
                    "group_by": ["alertname", "service"],
                    "group_wait": "1s",
                    "group_interval": "1s",
                    "repeat_interval": "1h",
                },
                "receivers": [receiver],
            },
        )
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        process = self._start(
            "alertmanager",
            [
                binary,
                f"--config.file={config}",
                f"--storage.path={workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                f"--web.external-url={url}",
                "--cluster.listen-address=",  # no HA gossip: no fixed port 9094
                "--log.level=debug",
            ],
        )
        wait_healthy(process, f"{url}/-/ready")
        return Alertmanager(process, url)

    def prometheus(self, target: MetricsTarget, alertmanager: dict[str, Any]) -> Prometheus:
        """Scrapes ``target`` every second and sends QueueBacklog to ``alertmanager`` (an
        entry of ``alerting.alertmanagers``); returns once the target is up, the rule is
        loaded and the receiving end is known, so a change of the gauge is seen in seconds."""
        binary = require_binary(PROMETHEUS, "prometheus")
        workdir = self.workdir / "prometheus"
        rules = _write_yaml(
            workdir / "rules.yml",
            {
                "groups": [
                    {
                        "name": "checkout",
                        "rules": [
                            {
                                "alert": ALERT_NAME,
                                "expr": "queue_depth > 100",
                                "for": "0s",
                                "labels": {"severity": "critical"},
                                "annotations": {
                                    "summary": "Checkout queue backlog above 100 orders",
                                    "description": "{{ $labels.service }} holds "
                                    "{{ $value }} orders.",
                                },
                            }
                        ],
                    }
                ]
            },
        )
        config = _write_yaml(
            workdir / "prometheus.yml",
            {
                "global": {
                    "scrape_interval": "1s",
                    "scrape_timeout": "1s",
                    "evaluation_interval": "1s",
                },
                "rule_files": [str(rules)],
                "scrape_configs": [
                    {
                        "job_name": "checkout-queue",
                        "static_configs": [{"targets": [target.address]}],
                    }
                ],
                "alerting": {"alertmanagers": [{"timeout": "5s", **alertmanager}]},
            },
        )
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        process = self._start(
            "prometheus",
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                f"--web.external-url={url}",
                "--log.level=debug",
            ],
        )
        wait_healthy(process, f"{url}/-/ready")
        prometheus = Prometheus(process, url)
        self.wait(
            lambda: any(t["health"] == "up" for t in prometheus.api("targets")["activeTargets"]),
            "Prometheus to scrape the target",
        )
        self.wait(lambda: prometheus.api("rules")["groups"], "Prometheus to load the rule")
        self.wait(
            lambda: prometheus.api("alertmanagers")["activeAlertmanagers"],
            "Prometheus to know where to send alerts",
        )
        return prometheus

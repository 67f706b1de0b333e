"""The real sentry-cli binary against a real warroom server on loopback, on both databases."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from tests.cli.harness import LiveServer
from tests.errors.releases.support import API, release_server, session_of

from warroom.auth.models import UserRole
from warroom.errors.releases.models import (
    Deploy,
    DeployProject,
    DeploySource,
    Release,
    ReleaseCommit,
    ReleaseProject,
)

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CLI_TIMEOUT_SECONDS = 30


def sentry_cli_binary() -> str:
    beside = Path(sys.executable).parent / "sentry-cli"
    found = str(beside) if beside.exists() else shutil.which("sentry-cli")
    if found is None:
        if IN_CI:
            pytest.fail("sentry-cli is required under CI=true (pip install sentry-cli)")
        pytest.skip("sentry-cli is not installed")
    return found


class SentryCli:
    def __init__(self, binary: str, server: LiveServer, token: str, home: Path) -> None:
        self.binary, self.server, self.token, self.home = binary, server, token, home

    def run(self, *args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.home),
            "SENTRY_URL": self.server.url,
            "SENTRY_AUTH_TOKEN": self.token if token is None else token,
            "SENTRY_ORG": "acme",
            "SENTRY_PROJECT": "api",
            "SENTRY_DISABLE_UPDATE_CHECK": "1",
            "SENTRY_LOAD_DOTENV": "0",
            "SENTRY_LOG_LEVEL": os.environ.get("TEST_SENTRY_LOG_LEVEL", "warn"),
        }
        return subprocess.run(
            [self.binary, *args],
            env=env,
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_SECONDS,
            check=False,
        )

    def ok(self, *args: str) -> str:
        done = self.run(*args)
        assert done.returncode == 0, (args, done.stderr, self.server.log.getvalue()[-3000:])
        return done.stdout


@pytest.fixture
def server(engine: Engine, tmp_path: Path) -> Iterator[LiveServer]:
    with release_server(engine, tmp_path) as running:
        yield running


@pytest.fixture
def cli(server: LiveServer, tmp_path: Path) -> SentryCli:
    home = tmp_path / "home"
    home.mkdir()
    return SentryCli(sentry_cli_binary(), server, server.admin_token, home)


def test_release_new_commits_finalize_and_deploy(cli: SentryCli, server: LiveServer) -> None:
    server_post_repository(server, "acme/api")
    assert "Created release 1.1" in cli.ok("releases", "new", "1.1")
    out = cli.ok("releases", "set-commits", "1.1", "--commit", "acme/api@abc123")
    assert "abc123" in out
    assert "Finalized release 1.1" in cli.ok("releases", "finalize", "1.1")
    assert "staging" in cli.ok("deploys", "new", "-r", "1.1", "-e", "staging", "-n", "blue")

    with session_of(server.engine) as session:
        release = session.scalar(select(Release).where(Release.version == "1.1"))
        assert release is not None
        assert release.finalized_at is not None and release.date_released is not None
        projects = session.scalars(
            select(ReleaseProject.project_id).where(ReleaseProject.release_id == release.id)
        ).all()
        assert projects == [API]
        commits = session.scalars(
            select(ReleaseCommit).where(ReleaseCommit.release_id == release.id)
        ).all()
        assert [(c.repository, c.commit_id) for c in commits] == [("acme/api", "abc123")]
        [deploy] = session.scalars(select(Deploy).where(Deploy.release_id == release.id)).all()
        assert (deploy.environment, deploy.name, deploy.source) == (
            "staging",
            "blue",
            DeploySource.API,
        )
        deployed = session.scalars(
            select(DeployProject.project_id).where(DeployProject.deploy_id == deploy.id)
        ).all()
        assert deployed == [API]

    listed = cli.ok("deploys", "list", "-r", "1.1")
    assert "staging" in listed and "blue" in listed
    assert "1.1" in cli.ok("releases", "list")
    assert "1.1" in cli.ok("releases", "info", "1.1")


def server_post_repository(server: LiveServer, name: str) -> None:
    import httpx

    answer = httpx.post(
        f"{server.url}/api/v1/repositories",
        json={"name": name},
        headers={"Authorization": f"Bearer {server.admin_token}"},
    )
    assert answer.status_code == 201, answer.text


def test_commit_range_and_clear(cli: SentryCli, server: LiveServer) -> None:
    server_post_repository(server, "acme/api")
    cli.ok("releases", "new", "2.0.0")
    cli.ok("releases", "set-commits", "2.0.0", "--commit", "acme/api@aaa111..bbb222")
    with session_of(server.engine) as session:
        [commit] = session.scalars(select(ReleaseCommit)).all()
        assert (commit.commit_id, commit.previous_commit_id) == ("bbb222", "aaa111")
    assert "Clearing" in cli.ok("releases", "set-commits", "2.0.0", "--clear")
    with session_of(server.engine) as session:
        assert session.scalars(select(ReleaseCommit)).all() == []


def test_unknown_repository_is_refused_by_sentry_cli(cli: SentryCli, server: LiveServer) -> None:
    server_post_repository(server, "acme/api")
    cli.ok("releases", "new", "1.1")
    done = cli.run("releases", "set-commits", "1.1", "--commit", "other/repo@abc")
    assert done.returncode != 0
    assert "Unknown repo 'other/repo'" in done.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_commits_from_local_git(cli: SentryCli, server: LiveServer) -> None:
    repo = cli.home
    git = ["git", "-c", "user.name=Ada", "-c", "user.email=ada@example.com"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=repo, check=True)
    for name in ("one", "two"):
        (repo / f"{name}.txt").write_text(name)
        subprocess.run([*git, "add", "."], cwd=repo, check=True)
        subprocess.run([*git, "commit", "-q", "-m", f"add {name}"], cwd=repo, check=True)
    cli.ok("releases", "new", "3.0.0")
    assert "Success" in cli.ok("releases", "set-commits", "3.0.0", "--local")
    with session_of(server.engine) as session:
        commits = session.scalars(select(ReleaseCommit).order_by(ReleaseCommit.position)).all()
        assert [c.message for c in commits] == ["add two\n", "add one\n"]
        assert {c.author_email for c in commits} == {"ada@example.com"}


def test_info_and_refusals(cli: SentryCli, server: LiveServer) -> None:
    assert "admin" in cli.ok("info")
    bad = cli.run("releases", "new", "1.1", token="wr_not_a_token")
    assert bad.returncode != 0
    assert "invalid or revoked token" in bad.stderr
    viewer = server.user("viewer", UserRole.VIEWER)
    refused = cli.run("releases", "new", "1.1", token=viewer)
    assert refused.returncode != 0 and "responder" in refused.stderr
    unknown = cli.run("releases", "new", "1.1", "-p", "nope")
    assert unknown.returncode != 0 and "project 'nope' does not exist" in unknown.stderr
    missing = cli.run("deploys", "new", "-r", "9.9", "-e", "staging")
    assert missing.returncode != 0
    with session_of(server.engine) as session:
        assert session.scalars(select(Release)).all() == []

"""Failures are one clear line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

from tests.cli.harness import Cli, LiveServer, cli_for, closed_port_url, error_line
from warroom.auth.models import UserRole
from warroom.cli.client import ApiClient, ClientError, incident_path


@pytest.fixture
def cli(shared_server: LiveServer) -> Cli:
    return cli_for(shared_server)


def _declare(cli: Cli) -> str:
    ref: str = cli.json("declare", "Cart empty", "--severity", "SEV2", "--team", "checkout")["ref"]
    return ref


def test_a_transition_that_is_not_allowed_shows_the_servers_message(cli: Cli) -> None:
    ref = _declare(cli)
    result = cli("close", ref)
    assert result.exit_code == 1
    assert error_line(result) == (
        f"error: {ref}: cannot close an incident that is triggered (allowed from: resolved)"
    )
    assert cli.json("show", ref)["status"] == "triggered"
    result = cli("reopen", ref, "--json")
    assert error_line(result) == (
        f"error: {ref}: only a resolved incident can be reopened; it is triggered"
    )


def test_unknown_incident(cli: Cli) -> None:
    for command in (("show", "INC-9999"), ("ack", "9999"), ("timeline", "inc-9999")):
        result = cli(*command)
        assert result.exit_code == 1
        assert error_line(result) == "error: INC-9999 does not exist"
    assert error_line(cli("show", "checkout")) == (
        "error: 'checkout' is not an incident reference (like INC-12 or 12)"
    )


def test_bad_input_names_the_field(cli: Cli) -> None:
    line = error_line(cli("declare", "x", "--severity", "SEV1", "--team", "nobody"))
    assert line == "error: unknown team 'nobody' (known: payments, checkout, platform, triage)"
    line = error_line(cli("declare", "x", "--severity", "SEV9", "--team", "payments"))
    assert line.startswith("error: unknown severity 'SEV9' (known: SEV1, SEV2")
    line = error_line(
        cli("declare", "x", "--severity", "SEV1", "--team", "payments", "--service", "nope")
    )
    assert line == "error: unknown service 'nope' (field: services[0])"
    line = error_line(cli("assign", _declare(cli), "--role", "lead", "--user", "[/ghost]"))
    assert line == "error: unknown user '[/ghost]'"  # the field is named in the message
    result = cli(
        "declare", "x", "--severity", "SEV1", "--team", "payments", "--impact-start", "yesterday"
    )
    assert result.exit_code == 2
    assert "--impact-start: 'yesterday' is not an ISO 8601 time" in error_line(result)


def test_bad_token(cli: Cli) -> None:
    result = cli.as_user("wr_not-a-real-token")("list")
    assert result.exit_code == 1
    line = error_line(result)
    assert line.startswith("error: not authenticated: WARROOM_TOKEN is missing or invalid")
    assert "invalid or revoked token" in line


def test_missing_token(cli: Cli) -> None:
    for value in (None, "", "  "):
        result = cli("list", env={"WARROOM_TOKEN": value})
        assert result.exit_code == 2
        assert error_line(result).startswith("error: WARROOM_TOKEN is not set")


def test_viewer_cannot_write(cli: Cli, shared_server: LiveServer) -> None:
    ref = _declare(cli)
    viewer = cli.as_user(shared_server.user("vera", UserRole.VIEWER))
    assert viewer.json("show", ref)["ref"] == ref
    assert error_line(viewer("ack", ref)) == (
        "error: vera is a viewer; this needs a responder or above"
    )


def test_unreachable_server(cli: Cli) -> None:
    url = closed_port_url()
    result = cli("list", env={"WARROOM_URL": url})
    assert result.exit_code == 1
    assert error_line(result).startswith(f"error: cannot reach warroom at {url}: ")


def test_bad_url_and_timeout_settings(cli: Cli) -> None:
    result = cli("list", env={"WARROOM_URL": "localhost:8000"})
    assert result.exit_code == 2
    assert "WARROOM_URL must be an http:// or https:// URL" in error_line(result)
    result = cli("list", env={"WARROOM_TIMEOUT": "soon"})
    assert result.exit_code == 2
    assert "WARROOM_TIMEOUT must be a positive number" in error_line(result)


@pytest.fixture
def silent_port() -> Iterator[str]:
    """Accepts connections (the kernel's backlog) and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_a_server_that_does_not_answer_times_out(cli: Cli, silent_port: str) -> None:
    result = cli("list", env={"WARROOM_URL": silent_port, "WARROOM_TIMEOUT": "0.2"})
    assert result.exit_code == 1
    assert error_line(result).startswith(
        f"error: warroom at {silent_port} did not answer within 0.2s"
    )


# --- the client's reading of answers that the test server does not give -------------------


def _client(status: int, body: bytes, headers: dict[str, str] | None = None) -> ApiClient:
    def answer(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers=headers)

    return ApiClient("http://warroom.test", "t", transport=httpx.MockTransport(answer))


def test_server_errors_carry_the_request_id() -> None:
    body = b'{"error": {"code": "internal", "message": "internal error; see logs"}}'
    with pytest.raises(ClientError) as caught, _client(500, body, {"x-request-id": "r1"}) as api:
        api.get("/api/v1/incidents")
    assert caught.value.message == (
        "server error (HTTP 500): internal error; see logs (request id r1)"
    )


def test_answers_that_are_not_warroom_json() -> None:
    with pytest.raises(ClientError) as caught, _client(502, b"<html>Bad Gateway</html>") as api:
        api.get("/api/v1/incidents")
    assert caught.value.message == (
        "HTTP 502 from warroom at http://warroom.test: <html>Bad Gateway</html>"
    )
    with pytest.raises(ClientError) as caught, _client(200, b"<html>hello</html>") as api:
        api.get("/api/v1/incidents")
    assert "is not JSON; is WARROOM_URL a warroom server?" in caught.value.message


def test_every_validation_error_is_listed() -> None:
    body = (
        b'{"error": {"code": "invalid", "message": "title is required", "field": "title",'
        b' "details": [{"field": "title", "message": "title is required"},'
        b' {"field": "team", "message": "team is required"}]}}'
    )
    with pytest.raises(ClientError) as caught, _client(422, body) as api:
        api.post("/api/v1/incidents", json={})
    assert caught.value.message == "title is required; team is required"


def test_incident_paths() -> None:
    assert incident_path("12") == "/api/v1/incidents/INC-12"
    assert incident_path(" inc-012 ", "actions", "close") == (
        "/api/v1/incidents/INC-12/actions/close"
    )
    assert incident_path("a/b?c") == "/api/v1/incidents/a%2Fb%3Fc"

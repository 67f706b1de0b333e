"""The OpenAPI document names the refusals every operation shares, from what each route
declares; and a method a path does not take is answered 405 with every method it does."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import Harness


@pytest.fixture
def document(api: Harness) -> dict[str, Any]:
    body: dict[str, Any] = api.client.get("/api/openapi.json").json()
    return body


def responses(document: dict[str, Any], method: str, path: str) -> list[str]:
    return sorted(document["paths"][path][method]["responses"])


def test_a_read_route_documents_401_but_not_403(document: dict[str, Any]) -> None:
    assert responses(document, "get", "/api/v1/incidents") == ["200", "401", "422", "503"]


def test_a_write_route_with_a_body_and_a_path_documents_400_401_403_404(
    document: dict[str, Any],
) -> None:
    assert responses(document, "post", "/api/v1/incidents/{ref}/notes") == [
        "201",
        "400",
        "401",
        "403",
        "404",
        "422",
        "503",
    ]


def test_a_public_route_documents_no_refusal_of_the_token(document: dict[str, Any]) -> None:
    assert responses(document, "get", "/healthz") == ["200"]


def test_every_refusal_has_the_one_error_shape(document: dict[str, Any]) -> None:
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["required"] == ["code", "message"]
    refusal = document["paths"]["/api/v1/alerts/{alert_id}"]["get"]["responses"]["404"]
    assert refusal["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/api/v1/incidents", "GET, HEAD, POST"),
        ("/api/v1/incidents/INC-1", "GET, HEAD, PATCH"),
    ],
)
def test_405_names_every_method_of_the_path(api: Harness, path: str, allow: str) -> None:
    response = api.client.request("OPTIONS", path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_a_route_that_can_conflict_documents_its_409_and_answers_it(
    api: Harness, document: dict[str, Any]
) -> None:
    assert "409" in responses(document, "post", "/api/v1/users")
    body = {"username": "olga", "display_name": "Olga", "role": "viewer"}
    assert api.post("/api/v1/users", json=body).status_code == 201
    answer = api.post("/api/v1/users", json=body)
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "conflict"

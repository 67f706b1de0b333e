from tests.support.api import Harness


def test_declare_and_get(api: Harness) -> None:
    created = api.declare()
    assert created["ref"] == "INC-1"
    got = api.ok("GET", "/api/v1/incidents/INC-1")
    assert got["status"] == "triggered"

from tests.support.api import Harness

def test_probe(api: Harness) -> None:
    api.declare()
    out = []
    def r(m, p, **kw):
        resp = api.request(m, p, **kw)
        out.append((m, p, kw.get("json", kw.get("content")), resp.status_code, resp.text[:200]))
    r("PATCH", "/api/v1/incidents/INC-1", json={"summary": None})
    r("PATCH", "/api/v1/incidents/INC-1", json={"affected_users": 10**11})
    r("PATCH", "/api/v1/incidents/INC-1", json={"affected_users": 10**30})
    r("POST", "/api/v1/incidents", json={"title": "a\x00b", "team": "payments"})
    r("POST", "/api/v1/incidents", json={"title": "x", "team": "payments", "detected_at": "2026-03-02T08:00:00"})
    r("POST", "/api/v1/incidents/INC-1/timestamps", json={"field": "detected_at", "value": "2026-03-02T08:00:00", "reason": "x"})
    r("GET", "/api/v1/incidents/INC-99999999999999999999999")
    r("GET", "/api/v1/incidents/INC-99999999999")
    r("POST", "/api/v1/incidents/INC-1/timeline/99999999999999999999999/pin", json={})
    r("POST", "/api/v1/incidents/INC-1/timeline/99999999999/pin", json={})
    r("DELETE", "/api/v1/tokens/99999999999999999999999")
    r("GET", "/api/v1/incidents?offset=99999999999999999999999")
    r("GET", "/api/v1/incidents?offset=99999999999")
    r("GET", "/api/v1/incidents?team=a%00b")
    r("DELETE", "/api/v1/incidents/INC-1/participants/a%00b")
    r("POST", "/api/v1/incidents", content=b"{bad", headers={"Authorization": "", "Content-Type": "application/json"})
    r("POST", "/api/v1/incidents", content=b"{bad", headers={"Content-Type": "application/json"})
    r("POST", "/api/v1/incidents", content=b"{bad")
    r("POST", "/api/v1/incidents", content=b"")
    r("POST", "/api/v1/incidents/INC-1/actions/acknowledge", content=b"{bad", headers={"Content-Type": "application/json"})
    r("POST", "/api/v1/incidents/INC-1/actions/acknowledge", json=[1])
    r("POST", "/api/v1/incidents", json=[1])
    r("POST", "/api/v1/incidents", json="x")
    r("POST", "/api/v1/incidents", json={"title": "x", "team": "payments", "detected_at": "2999-01-01T00:00:00Z"})
    r("POST", "/api/v1/incidents", json={"title": "x", "team": "payments", "impact_started_at": "2999-01-01T00:00:00Z"})
    r("POST", "/api/v1/incidents", json={"title": "x", "team": "payments", "severity": ""})
    r("POST", "/api/v1/incidents", json={"title": "x", "team": "payments", "severity": None})
    r("POST", "/api/v1/incidents", json={"title": "x", "team": "payments", "services": None})
    r("POST", "/api/v1/incidents", json={"title": "x", "team": "payments", "summary": None})
    r("POST", "/api/v1/incidents", json={"title": "   ", "team": "payments"})
    r("POST", "/api/v1/users", json={"username": "a\x00b"})
    r("POST", "/api/v1/tokens", json={"name": "a\x00b"})
    r("POST", "/api/v1/incidents/INC-1/notes", json={"text": "a\x00b"})
    r("GET", "/api/openapi.json", headers={"Authorization": ""})
    r("GET", "/api/docs", headers={"Authorization": ""})
    def gen():
        yield b'{"title": "' + b"x" * 5000 + b'"}'
    for o in out:
        print(o)
    assert False

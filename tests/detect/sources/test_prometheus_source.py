"""PrometheusSource against the real Prometheus binary scraping an in-test exporter."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.detect.sources.real_prometheus import Exporter, Prometheus, running_prometheus
from tests.support.postgres import free_port
from warroom.detect.series import SeriesUnavailable
from warroom.detect.sources.prometheus import BasicAuth, BearerAuth, PrometheusSource


@pytest.fixture(scope="module")
def exporter() -> Iterator[Exporter]:
    running = Exporter()
    yield running
    running.close()


@pytest.fixture(scope="module")
def prometheus(
    tmp_path_factory: pytest.TempPathFactory, exporter: Exporter
) -> Iterator[Prometheus]:
    with running_prometheus(tmp_path_factory.mktemp("prom"), exporter) as running:
        yield running


@pytest.fixture
def source(prometheus: Prometheus) -> Iterator[PrometheusSource]:
    with PrometheusSource(prometheus.url, timeout=5) as opened:
        yield opened


def test_query_returns_the_scraped_value_with_labels(source: PrometheusSource) -> None:
    values = source.query('request_latency_seconds{service="checkout"}', time.time())
    assert len(values) == 1
    labels = dict(values[0].labels)
    assert labels["__name__"] == "request_latency_seconds"
    assert labels["service"] == "checkout"
    assert labels["job"] == "exporter"
    assert values[0].value == pytest.approx(0.1)


def test_query_range_returns_one_sample_per_step(source: PrometheusSource) -> None:
    time.sleep(3)
    end = time.time()
    series = source.query_range("request_latency_seconds * 2", end - 2, end, 1)
    assert len(series) == 1
    assert [s.at for s in series[0].samples] == pytest.approx([end - 2, end - 1, end])
    assert [s.value for s in series[0].samples] == pytest.approx([0.2, 0.2, 0.2])
    assert ("__name__", "request_latency_seconds") not in series[0].labels


def test_scalar_instant_query(source: PrometheusSource) -> None:
    values = source.query("scalar(vector(3))", time.time())
    assert [(v.labels, v.value) for v in values] == [((), 3.0)]


def test_bad_query_raises_series_unavailable_with_the_reason(source: PrometheusSource) -> None:
    with pytest.raises(SeriesUnavailable, match="bad_data"):
        source.query("sum(", time.time())


def test_range_query_to_instant_call_is_refused(source: PrometheusSource) -> None:
    with pytest.raises(SeriesUnavailable, match="result type 'matrix'"):
        source.query("request_latency_seconds[1m]", time.time())


def test_nothing_listening_raises_series_unavailable() -> None:
    with (
        PrometheusSource(f"http://127.0.0.1:{free_port()}", timeout=1) as source,
        pytest.raises(SeriesUnavailable, match=r"prometheus http://127\.0\.0\.1"),
    ):
        source.query("up", time.time())


def _recording(seen: list[httpx.Request]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        kind = "matrix" if request.url.path.endswith("query_range") else "vector"
        return httpx.Response(
            200, json={"status": "success", "data": {"resultType": kind, "result": []}}
        )

    return httpx.MockTransport(answer)


def test_bearer_auth_sends_the_token() -> None:
    seen: list[httpx.Request] = []
    source = PrometheusSource("http://prom", BearerAuth("s3cret"), transport=_recording(seen))
    assert source.query("up", 1.0) == []
    assert seen[0].headers["Authorization"] == "Bearer s3cret"
    assert seen[0].url.path == "/api/v1/query"


def test_basic_auth_sends_credentials() -> None:
    seen: list[httpx.Request] = []
    source = PrometheusSource("http://prom/", BasicAuth("u", "p"), transport=_recording(seen))
    source.query_range("up", 1.0, 2.0, 1.0)
    assert seen[0].headers["Authorization"] == "Basic dTpw"
    assert seen[0].url.path == "/api/v1/query_range"


def test_timeout_raises_series_unavailable() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    source = PrometheusSource("http://prom", timeout=0.5, transport=httpx.MockTransport(slow))
    with pytest.raises(SeriesUnavailable, match=r"timed out after 0\.5s"):
        source.query("up", 1.0)


def test_non_json_error_page_raises_series_unavailable() -> None:
    def proxy_error(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="<html>bad gateway</html>")

    source = PrometheusSource("http://prom", transport=httpx.MockTransport(proxy_error))
    with pytest.raises(SeriesUnavailable, match="HTTP 502, not a JSON object"):
        source.query("up", 1.0)

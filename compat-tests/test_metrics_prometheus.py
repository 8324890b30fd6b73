"""sys/metrics on pyvault and the reference: Prometheus text that prometheus_client
parses, the request counter, format errors and the JSON layout."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from audit_support import audit_server
from harness import ServerProcess, selected_kinds
from prometheus_client.parser import text_string_to_metric_families

REQUESTS = "vault_core_handle_request"


def handled(server: ServerProcess) -> float:
    """Scrape, parse, and sum the request count over every label set."""
    resp = server.request("GET", "/v1/sys/metrics", params={"format": "prometheus"})
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(resp.text)}
    if REQUESTS not in families:
        return 0.0  # the reference creates the family with its first handled request
    return sum(s.value for s in families[REQUESTS].samples if s.name == REQUESTS + "_count")


def test_request_counter_grows_by_requests_made(dev_server: ServerProcess) -> None:
    before = handled(dev_server)
    made = 7
    for i in range(made):
        assert dev_server.request("PUT", f"/v1/secret/data/m{i}",
                                  json={"data": {"v": i}}).status_code == 200
    # Dev listeners serve sys/metrics before the pipeline: scrapes are not counted.
    assert handled(dev_server) - before == made


def test_json_layout(dev_server: ServerProcess) -> None:
    body = dev_server.request("GET", "/v1/sys/metrics").json()
    assert set(body) == {"Timestamp", "Gauges", "Points", "Counters", "Samples"}
    assert any(g["Name"] == "vault.core.unsealed" and g["Value"] == 1 for g in body["Gauges"])
    assert all({"Name", "Count", "Sum", "Mean", "Labels"} <= set(s) for s in body["Samples"])


def test_unknown_format(dev_server: ServerProcess) -> None:
    resp = dev_server.request("GET", "/v1/sys/metrics", params={"format": "xml"})
    assert (resp.status_code, resp.text) == (400, 'metric response format "xml" unknown')


@pytest.fixture(scope="module", params=selected_kinds())
def configured(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """A non-dev server: its listener does not open sys/metrics to anonymous callers.
    Its config has a telemetry block (without one, Prometheus output is off)."""
    workdir = tmp_path_factory.mktemp(f"m-{request.param}")
    with audit_server(request.param, workdir, extra="telemetry {}\n") as s:
        yield s


@pytest.fixture(params=selected_kinds())
def no_telemetry(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    with audit_server(request.param, tmp_path_factory.mktemp(f"n-{request.param}")) as s:
        yield s


def test_prometheus_off_without_telemetry_block(no_telemetry: ServerProcess) -> None:
    resp = no_telemetry.request("GET", "/v1/sys/metrics", params={"format": "prometheus"})
    assert (resp.status_code, resp.text) == (400, "prometheus is not enabled")
    assert no_telemetry.request("GET", "/v1/sys/metrics").status_code == 200  # JSON still on


def test_token_without_capability_is_refused(configured: ServerProcess) -> None:
    token = configured.client().auth.token.create(policies=["default"])["auth"]["client_token"]
    assert configured.request("GET", "/v1/sys/metrics", token=token).status_code == 403
    assert configured.request("GET", "/v1/sys/metrics", token=None).status_code == 403


def test_configured_server_counts_authenticated_scrapes(configured: ServerProcess) -> None:
    before = handled(configured)
    configured.request("PUT", "/v1/sys/mounts/kvm", json={"type": "kv"})
    for i in range(3):
        assert configured.request("PUT", f"/v1/kvm/k{i}", json={"v": "x"}).status_code == 204
    # The first scrape went through the pipeline too, and is counted once done.
    assert handled(configured) - before == 3 + 1 + 1

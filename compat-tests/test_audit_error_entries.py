"""How refused requests are logged (pyvault and the reference): a bad request logs
only the generic "invalid request" in clear and hashes the backend's message (which
can echo the caller's input); an unsupported path or operation logs no data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from audit_support import audit_server, read_entries
from harness import ServerProcess, selected_kinds

ECHOED = "not-a-duration-5f3a"  # the token store's error message repeats it


@pytest.fixture(params=selected_kinds())
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    with audit_server(request.param, tmp_path_factory.mktemp(f"err-{request.param}")) as s:
        yield s


def _response(entries: list[dict[str, Any]], path: str) -> dict[str, Any]:
    return next(e for e in entries if e["type"] == "response" and e["request"]["path"] == path)


def test_error_entries(server: ServerProcess) -> None:
    log = server.workdir / "err.log"
    body = {"type": "file", "options": {"file_path": str(log)}}
    assert server.request("PUT", "/v1/sys/audit/err", json=body).status_code == 204
    bad = server.request("POST", "/v1/auth/token/create", json={"ttl": ECHOED})
    assert bad.status_code == 400
    assert server.request("GET", "/v1/sys/nonexistent").status_code == 404
    patched = server.request("PATCH", "/v1/sys/mounts/secret", json={},
                             headers={"Content-Type": "application/merge-patch+json"})
    assert patched.status_code == 405
    entries = read_entries(log)
    assert ECHOED not in log.read_text()

    invalid = _response(entries, "auth/token/create")
    assert invalid["error"] == "1 error occurred:\n\t* invalid request\n\n"
    assert invalid["response"]["data"]["error"].startswith("hmac-sha256:")
    for path, error in (("sys/nonexistent", "unsupported path"),
                        ("sys/mounts/secret", "unsupported operation")):
        entry = _response(entries, path)
        assert entry["error"] == f"1 error occurred:\n\t* {error}\n\n"
        assert "data" not in entry["response"]

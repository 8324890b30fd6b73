"""Tidy over HTTP on pyvault and the reference: it runs in the background (202, then
tidy-status shows progress and counters), a second tidy is refused while one runs,
tidy-cancel stops it, and bad options are 400s with Vault's texts.

Certificates are issued with a 1s TTL and tidied with a 1s safety buffer once they are
past it (a poll on the wall clock, no timing assertion), since a real server's clock
cannot be moved.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest
from cryptography import x509
from harness import ServerProcess

_COUNTER = itertools.count()
STATUS_KEYS = {
    "acme_account_deleted_count", "acme_account_revoked_count", "acme_account_safety_buffer",
    "acme_orders_deleted_count", "cert_store_deleted_count", "current_cert_store_count",
    "current_revoked_cert_count", "error", "internal_backend_uuid", "issuer_safety_buffer",
    "last_auto_tidy_finished", "message", "missing_issuer_cert_count", "page_size",
    "pause_duration", "revoked_cert_deleted_count", "revoked_safety_buffer",
    "safety_buffer", "state", "tidy_acme", "tidy_cert_store", "tidy_expired_issuers",
    "tidy_invalid_certs", "tidy_move_legacy_ca_bundle",
    "tidy_revoked_cert_issuer_associations", "tidy_revoked_certs", "time_finished",
    "time_started", "total_acme_account_count",
}


def setup(server: ServerProcess, count: int, revoke: int = 0,
          ttl: str = "1s") -> tuple[str, list[str]]:
    path = f"pkit{next(_COUNTER)}"
    client = server.client()
    client.sys.enable_secrets_engine("pki", path=path)
    client.secrets.pki.generate_root("internal", "Tidy Root", extra_params={"key_type": "ec"},
                                     mount_point=path)
    client.secrets.pki.create_or_update_role(
        "short", extra_params={"allow_any_name": True, "key_type": "ec", "ttl": ttl,
                               "not_before_duration": "1s"}, mount_point=path)
    serials = [client.secrets.pki.generate_certificate("short", f"h{i}.example",
                                                       mount_point=path)["data"]
               for i in range(count)]
    for issued in serials[:revoke]:
        client.secrets.pki.revoke_certificate(issued["serial_number"], mount_point=path)
    newest = max(int(s["expiration"]) for s in serials)
    while time.time() < newest + 2.5:  # past notAfter + the 1s safety buffer
        time.sleep(0.2)
    return path, [s["serial_number"] for s in serials]


def tidy_status(server: ServerProcess, path: str) -> dict[str, Any]:
    answer = server.request("GET", f"/v1/{path}/tidy-status")
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()["data"]
    return data


def settled(server: ServerProcess, path: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = tidy_status(server, path)
        if status["state"] not in ("Running", "Cancelling"):
            return status
        time.sleep(0.1)
    raise AssertionError("tidy did not settle")


def listed(server: ServerProcess, path: str) -> list[str]:
    answer = server.request("LIST", f"/v1/{path}/certs")
    keys: list[str] = answer.json()["data"]["keys"] if answer.status_code == 200 else []
    return keys


def test_tidy_runs_in_the_background_and_reports(dev_server: ServerProcess) -> None:
    path, serials = setup(dev_server, 8)
    assert set(serials) <= set(listed(dev_server, path))
    started = dev_server.request("POST", f"/v1/{path}/tidy",
                                 json={"tidy_cert_store": True, "safety_buffer": "1s"})
    assert started.status_code == 202
    assert started.json()["data"] is None
    assert started.json()["warnings"][0].startswith("Tidy operation successfully started.")
    status = settled(dev_server, path)
    assert set(status) == STATUS_KEYS
    assert status["state"] == "Finished" and status["error"] is None
    assert status["message"] is None and status["time_finished"]
    assert status["cert_store_deleted_count"] == 8
    assert (status["tidy_cert_store"], status["tidy_revoked_certs"]) == (True, False)
    assert (status["safety_buffer"], status["pause_duration"]) == (1, "0s")
    assert not set(serials) & set(listed(dev_server, path))
    assert len(listed(dev_server, path)) == 1  # the root's own certificate stays


def test_tidy_removes_revoked_entries_with_their_certificates(
        dev_server: ServerProcess) -> None:
    path, serials = setup(dev_server, 3, revoke=1, ttl="4s")  # revoked before it expires
    listed_revoked = dev_server.request("LIST", f"/v1/{path}/certs/revoked")
    assert listed_revoked.json()["data"]["keys"] == [serials[0]]
    started = dev_server.request("POST", f"/v1/{path}/tidy", json={
        "tidy_cert_store": True, "tidy_revoked_certs": True, "safety_buffer": "1s"})
    assert started.status_code == 202
    status = settled(dev_server, path)
    assert status["state"] == "Finished"
    assert (status["cert_store_deleted_count"], status["revoked_cert_deleted_count"]) == (3, 1)
    assert (status["safety_buffer"], status["revoked_safety_buffer"]) == (1, 1)
    assert dev_server.request("LIST", f"/v1/{path}/certs/revoked").status_code == 404
    crl = dev_server.request("GET", f"/v1/{path}/cert/crl").json()["data"]["certificate"]
    assert list(x509.load_pem_x509_crl(crl.encode())) == []


def test_tidy_cancel_and_already_running(dev_server: ServerProcess) -> None:
    path, _serials = setup(dev_server, 3)
    started = dev_server.request("POST", f"/v1/{path}/tidy", json={
        "tidy_cert_store": True, "safety_buffer": "1s", "pause_duration": "1s"})
    assert started.status_code == 202
    again = dev_server.request("POST", f"/v1/{path}/tidy", json={"tidy_cert_store": True})
    assert again.status_code == 200
    assert again.json()["warnings"] == ["Tidy operation already in progress."]
    cancelled = dev_server.request("POST", f"/v1/{path}/tidy-cancel", json={})
    assert cancelled.status_code == 200
    assert cancelled.json()["data"]["state"] == "Cancelling"
    status = settled(dev_server, path)
    assert status["state"] == "Cancelled" and status["time_finished"]
    assert status["cert_store_deleted_count"] < 4
    nothing = dev_server.request("POST", f"/v1/{path}/tidy-cancel", json={})
    assert nothing.json()["warnings"] == [
        "Tidy operation cannot be cancelled as none is currently running."]


@pytest.mark.parametrize(("body", "error"), [
    ({"tidy_cert_store": True, "safety_buffer": 0}, "safety_buffer must be greater than zero"),
    ({"tidy_cert_store": True, "issuer_safety_buffer": "0s"},
     "issuer_safety_buffer must be greater than zero"),
    ({"tidy_cert_store": True, "pause_duration": "abc"},
     'Error parsing pause_duration: time: invalid duration "abc"'),
    ({"tidy_cert_store": True, "pause_duration": "-1s"},
     "received invalid, negative pause_duration"),
])
def test_bad_tidy_options(dev_server: ServerProcess, body: dict[str, Any], error: str) -> None:
    path = f"pkit{next(_COUNTER)}"
    dev_server.client().sys.enable_secrets_engine("pki", path=path)
    answer = dev_server.request("POST", f"/v1/{path}/tidy", json=body)
    assert answer.status_code == 400
    assert answer.json() == {"errors": [error]}


@pytest.mark.parametrize(("body", "error"), [
    ({"enabled": True}, "Auto-tidy enabled but no tidy operations were requested. Enable at "
     "least one tidy operation to be run (tidy_cert_store / tidy_revoked_certs / "
     "tidy_invalid_certs / tidy_revoked_cert_issuer_associations / tidy_expired_issuers / "
     "tidy_move_legacy_ca_bundle / tidy_acme)."),
    ({"safety_buffer": "0s"}, "given safety_buffer must be at least one second; got: 0"),
    ({"pause_duration": "x"}, 'unable to parse given pause_duration: time: invalid duration '
                              '"x"'),
    ({"publish_stored_certificate_count_metrics": True},
     "Can not publish a running storage metrics count to metrics without first maintaining "
     "that count.  Enable `maintain_stored_certificate_counts` to enable "
     "`publish_stored_certificate_count_metrics`."),
])
def test_bad_auto_tidy_config(dev_server: ServerProcess, body: dict[str, Any],
                              error: str) -> None:
    path = f"pkit{next(_COUNTER)}"
    dev_server.client().sys.enable_secrets_engine("pki", path=path)
    answer = dev_server.request("POST", f"/v1/{path}/config/auto-tidy", json=body)
    assert answer.status_code == 400
    assert answer.json() == {"errors": [error]}
    stored = dev_server.request("GET", f"/v1/{path}/config/auto-tidy").json()["data"]
    assert stored["enabled"] is False


def test_stored_certificate_counts_stay_unreported(dev_server: ServerProcess) -> None:
    """The reference keeps the count options (and their consistency check) but reports
    no running counts: with both on, issuing, revoking and a tidy leave them null."""
    path = f"pkit{next(_COUNTER)}"
    client = dev_server.client()
    client.sys.enable_secrets_engine("pki", path=path)
    client.secrets.pki.generate_root("internal", "Count Root",
                                     extra_params={"key_type": "ec"}, mount_point=path)
    client.secrets.pki.create_or_update_role(
        "short", extra_params={"allow_any_name": True, "key_type": "ec", "ttl": "1h"},
        mount_point=path)
    serials = [client.secrets.pki.generate_certificate(
        "short", f"c{i}.example", mount_point=path)["data"]["serial_number"]
        for i in range(2)]
    answer = dev_server.request("POST", f"/v1/{path}/config/auto-tidy", json={
        "maintain_stored_certificate_counts": True,
        "publish_stored_certificate_count_metrics": True})
    assert answer.status_code == 200, answer.text
    config = dev_server.request("GET", f"/v1/{path}/config/auto-tidy").json()["data"]
    assert config["maintain_stored_certificate_counts"] is True
    assert config["publish_stored_certificate_count_metrics"] is True
    client.secrets.pki.generate_certificate("short", "late.example", mount_point=path)
    client.secrets.pki.revoke_certificate(serials[1], mount_point=path)
    status = tidy_status(dev_server, path)
    assert status["current_cert_store_count"] is None
    assert status["current_revoked_cert_count"] is None
    assert dev_server.request("POST", f"/v1/{path}/tidy",
                              json={"tidy_cert_store": True}).status_code == 202
    deadline = time.time() + 30
    while tidy_status(dev_server, path)["state"] == "Running" and time.time() < deadline:
        time.sleep(0.1)
    status = tidy_status(dev_server, path)
    assert status["state"] == "Finished"
    assert status["current_cert_store_count"] is None
    assert status["current_revoked_cert_count"] is None

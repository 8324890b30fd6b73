"""Raw HTTP behaviour: sealed answers, tokens, error bodies, envelopes, sys/leader, key-status."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
import requests
from harness import ServerProcess

SEALED = {"errors": ["Vault is sealed"]}
DENIED = {"errors": ["permission denied"]}
ENVELOPE = {"request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info"}
ENVELOPE |= {"warnings", "auth"}
# HashiCorp Vault's LeaderResponse. OpenBao 2.7.2 answers only {"ha_enabled": false} without HA
# storage while Vault also sends is_self, leader_address, ... : accept either.
VAULT_LEADER_FIELDS = {
    "ha_enabled", "is_self", "active_time", "leader_address", "leader_cluster_address",
    "performance_standby", "performance_standby_last_remote_wal", "last_wal",
    "raft_committed_index", "raft_applied_index",
}  # fmt: skip
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


def json_of(resp: requests.Response, status: int) -> Any:
    assert resp.status_code == status, (resp.status_code, resp.text)
    assert resp.headers["Content-Type"] == "application/json"
    return resp.json()


@pytest.mark.parametrize("path", ["/v1/secret/foo", "/v1/sys/mounts", "/v1/sys/key-status"])
def test_uninitialised_server_answers_sealed(uninit_server: ServerProcess, path: str) -> None:
    assert json_of(uninit_server.request("GET", path), 503) == SEALED


@pytest.mark.parametrize("path", ["/v1/secret/foo", "/v1/sys/mounts", "/v1/sys/key-status"])
def test_sealed_server_answers_sealed_even_to_root(sealed_server: ServerProcess, path: str) -> None:
    assert json_of(sealed_server.request("GET", path), 503) == SEALED


def test_health_of_uninitialised_server(uninit_server: ServerProcess) -> None:
    body = json_of(uninit_server.request("GET", "/v1/sys/health"), 501)
    assert (body["initialized"], body["sealed"]) == (False, True)
    status = json_of(uninit_server.request("GET", "/v1/sys/seal-status"), 200)
    expected = {"type": "shamir", "initialized": False, "sealed": True, "t": 0, "n": 0}
    assert {k: status[k] for k in expected} == expected
    assert (status["progress"], status["nonce"]) == (0, "")


def test_unknown_route(dev_server: ServerProcess) -> None:
    body = json_of(dev_server.request("GET", "/v1/nope/foo"), 404)
    assert body == {"errors": ['no handler for route "nope/foo". route entry not found.']}
    # The token is checked before the route: no token, no hint whether the path exists.
    assert json_of(dev_server.request("GET", "/v1/nope/foo", token=None), 403) == DENIED


def test_bearer_token_works_like_x_vault_token(dev_server: ServerProcess) -> None:
    bearer = {"Authorization": "Bearer root"}
    body = json_of(dev_server.request("GET", "/v1/sys/key-status", token=None, headers=bearer), 200)
    assert body["data"]["term"] == 1
    plain = json_of(dev_server.request("GET", "/v1/sys/key-status"), 200)
    assert plain["data"]["term"] == 1
    # Only the exact "Bearer " prefix is understood (as in Vault's http/handler.go).
    lower = {"Authorization": "bearer root"}
    denied = dev_server.request("GET", "/v1/sys/key-status", token=None, headers=lower)
    assert json_of(denied, 403) == DENIED


@pytest.mark.parametrize("token", [None, "not-a-real-token"], ids=["no-token", "bad-token"])
@pytest.mark.parametrize("path", ["/v1/sys/key-status", "/v1/sys/mounts", "/v1/secret/data/x"])
def test_missing_or_bad_token_is_denied(
    dev_server: ServerProcess, token: str | None, path: str
) -> None:
    assert json_of(dev_server.request("GET", path, token=token), 403) == DENIED


def test_sys_leader(dev_server: ServerProcess) -> None:
    body = json_of(dev_server.request("GET", "/v1/sys/leader", token=None), 200)
    assert body["ha_enabled"] is False
    assert set(body) <= VAULT_LEADER_FIELDS


def test_key_status_fields(dev_server: ServerProcess) -> None:
    body = json_of(dev_server.request("GET", "/v1/sys/key-status"), 200)
    data = body["data"]
    assert set(data) == {"term", "install_time", "encryptions"}
    assert isinstance(data["term"], int)
    assert isinstance(data["encryptions"], int)
    assert TIMESTAMP.fullmatch(data["install_time"]), data["install_time"]
    # Legacy sys/ answers repeat `data` at the top level (hvac users read either).
    assert {k: body[k] for k in data} == data


# Logical (backend) answers carry the envelope; the raw sys/ status handlers do not.
ENVELOPED = ["/v1/sys/key-status", "/v1/sys/mounts", "/v1/sys/policy"]
ENVELOPED += ["/v1/auth/token/lookup-self"]
RAW = ["/v1/sys/seal-status", "/v1/sys/health", "/v1/sys/leader", "/v1/sys/init"]


@pytest.mark.parametrize("path", ENVELOPED)
def test_logical_answers_have_an_envelope(dev_server: ServerProcess, path: str) -> None:
    body = json_of(dev_server.request("GET", path), 200)
    assert set(body) >= ENVELOPE
    assert str(uuid.UUID(body["request_id"])) == body["request_id"]
    assert (body["lease_id"], body["renewable"], body["lease_duration"]) == ("", False, 0)
    assert (body["wrap_info"], body["warnings"], body["auth"]) == (None, None, None)
    assert isinstance(body["data"], dict)


@pytest.mark.parametrize("path", RAW)
def test_status_answers_have_no_envelope(dev_server: ServerProcess, path: str) -> None:
    body = json_of(dev_server.request("GET", path), 200)
    assert "request_id" not in body
    assert "data" not in body


def test_unseal_when_already_unsealed(dev_server: ServerProcess) -> None:
    reset = dev_server.request("PUT", "/v1/sys/unseal", json={"reset": True})
    assert json_of(reset, 400) == {"errors": ["vault is unsealed"]}
    # A well-formed share is not even looked at: the answer is the (unsealed) status.
    share = dev_server.request("PUT", "/v1/sys/unseal", json={"key": "ab" * 33})
    assert json_of(share, 200)["sealed"] is False


def test_rotate_adds_a_term(fresh_server: ServerProcess) -> None:
    init = fresh_server.initialize(shares=1, threshold=1)
    assert len(init["keys"]) == 1
    assert len(bytes.fromhex(init["keys"][0])) == 32  # one share: the share is the key
    fresh_server.unseal()

    assert json_of(fresh_server.request("GET", "/v1/sys/key-status"), 200)["data"]["term"] == 1
    assert json_of(fresh_server.request("PUT", "/v1/sys/rotate", token=None), 403) == DENIED
    rotated = fresh_server.request("PUT", "/v1/sys/rotate")
    assert (rotated.status_code, rotated.content) == (204, b"")
    assert json_of(fresh_server.request("GET", "/v1/sys/key-status"), 200)["data"]["term"] == 2

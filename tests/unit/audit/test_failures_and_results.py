"""Request vs response failure counts, ``policy_results`` from the ACL's answer, and
the raw-endpoint response entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyvault.audit.broker import AuditFailed
from pyvault.audit.entry import AuditTrail, FormatOptions, raw_response_entry, request_entry
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.policy.acl import AuthResult
from pyvault.token.entry import TokenEntry

from .test_broker import BrokenSink, _close_brokers, broker, file_entry, trail  # noqa: F401

OPTS = FormatOptions(hasher=lambda v: f"H({v})")


async def test_request_and_response_failures_are_counted_apart(tmp_path: Path) -> None:
    b = broker()
    await b.enable(file_entry("f/", str(tmp_path / "a.log")))
    t = trail()
    await b.log_request(t)  # accepted while the device is healthy
    await b._devices["f/"].sink.close()
    b._devices["f/"].sink = BrokenSink()
    with pytest.raises(AuditFailed):
        await b.log_response(t, Response(data={"a": "b"}))
    assert (b.request_failures, b.response_failures) == (0, 1)
    with pytest.raises(AuditFailed):
        await b.log_request(trail())
    with pytest.raises(AuditFailed):
        await b.log_raw_response(trail(), {"errors": ["x"]}, {})
    assert (b.request_failures, b.response_failures) == (1, 2)
    assert b.failures == 3  # per device refusal, as before


def _token(policies: list[str]) -> TokenEntry:
    return TokenEntry(token_hash="h", accessor="acc", policies=policies, path="auth/token/create",
                      display_name="token", creation_time=1_700_000_000.0)


def _auth(policy: AuthResult | None) -> dict[str, object]:
    t = AuditTrail(Request(operation=Operation.READ, path="kv/a", client_token="tok",
                           request_id="r"), token=_token(["default", "p1", "p2", "p3"]),
                   policy=policy)
    section = request_entry(t, OPTS, 0.0)["auth"]
    assert isinstance(section, dict)
    return section


def test_policy_results_name_only_the_granting_policies() -> None:
    granted = _auth(AuthResult(allowed=True, granting_policies=("p1", "p2")))
    assert granted["policy_results"] == {"allowed": True, "granting_policies": [
        {"name": "p1", "namespace_id": "root", "type": "acl"},
        {"name": "p2", "namespace_id": "root", "type": "acl"}]}
    assert granted["policies"] == ["default", "p1", "p2", "p3"]
    assert _auth(AuthResult(allowed=False))["policy_results"] == {"allowed": False}
    assert _auth(None)["policy_results"] == {"allowed": True}  # no ACL check ran


def test_refused_request_names_no_mount_accessor() -> None:
    routed = Request(operation=Operation.UPDATE, path="a", mount_point="kv/", mount_type="kv",
                     mount_accessor="kv_1")
    base = dict(token=_token(["p4"]), routed=routed)
    req = Request(operation=Operation.UPDATE, path="kv/a", request_id="r")
    refused = request_entry(AuditTrail(req, policy=AuthResult(allowed=False), **base), OPTS, 0)
    allowed = request_entry(AuditTrail(req, policy=AuthResult(allowed=True), **base), OPTS, 0)
    assert "mount_accessor" not in refused["request"]
    assert allowed["request"]["mount_accessor"] == "kv_1"


def test_raw_response_entry_logs_the_http_answer() -> None:
    t = AuditTrail(Request(operation=Operation.UPDATE, path="sys/rekey/init", request_id="r",
                           data={"secret_shares": 1}))
    entry = raw_response_entry(t, {"nonce": "n-1", "t": 1, "pgp_fingerprints": None},
                               {"Cache-Control": ["no-store"]}, OPTS, 0.0)
    assert entry["auth"] == {"token_type": "default"}
    assert entry["request"]["data"] == {"secret_shares": 1}
    assert entry["response"] == {"data": {"nonce": "H(n-1)", "t": 1, "pgp_fingerprints": None},
                                 "headers": {"Cache-Control": ["no-store"]}}
    assert "error" not in entry
    empty = raw_response_entry(t, None, {}, OPTS, 0.0)
    assert empty["response"] == {"headers": {}}
    json.dumps(entry)  # serialisable as is

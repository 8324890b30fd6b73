"""A sealed server: 503 `Vault is sealed` everywhere but the ceremony endpoints, which
keep answering (and refusing bad input) while sealed.

Expected answers were read off OpenBao 2.7.2. The sealed_server fixture is shared by the
module: nothing here unseals it or leaves unseal progress behind (every unseal attempt
carries a key that cannot be decoded). The oversize-body answer (413) needs a listener
with max_request_size and is covered by tests/integration/test_http_errors.py.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from harness import ServerProcess

SEALED = {"errors": ["Vault is sealed"]}
EMPTY_ERRORS: dict[str, list[str]] = {"errors": []}
# Keys OpenBao 2.7.2 sends in sys/health; HashiCorp Vault adds performance_standby, enterprise…
HEALTH_KEYS = {"initialized", "sealed", "standby", "replication_performance_mode",
               "replication_dr_mode", "server_time_utc", "version"}
PATHS = [
    "sys/mounts", "sys/mounts/foo", "sys/mounts/foo/tune", "sys/auth", "sys/remount",
    "sys/policy", "sys/policy/foo", "sys/policies/acl", "sys/policies/acl/foo",
    "sys/capabilities", "sys/capabilities-self", "sys/internal/ui/mounts",
    "sys/internal/ui/mounts/secret", "sys/internal/specs/openapi", "sys/key-status",
    "sys/rekey/init", "sys/generate-root/attempt", "auth/token/lookup-self",
    "auth/token/create", "secret/data/x", "cubbyhole/x", "unknown/path", "",
]


def json_of(resp: requests.Response, status: int) -> Any:
    assert resp.status_code == status, (resp.status_code, resp.text)
    assert resp.headers["Content-Type"] == "application/json"
    return resp.json()


def assert_still_sealed(server: ServerProcess) -> None:
    status = json_of(server.request("GET", "/v1/sys/seal-status", token=None), 200)
    assert (status["sealed"], status["progress"], status["nonce"]) == (True, 0, "")


def sealed_answer(resp: requests.Response) -> None:
    assert json_of(resp, 503) == SEALED
    assert resp.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "LIST"])
@pytest.mark.parametrize("path", PATHS)
def test_everything_else_is_sealed(sealed_server: ServerProcess, method: str,
                                   path: str) -> None:
    body = {"a": 1} if method in ("POST", "PUT") else None
    sealed_answer(sealed_server.request(method, f"/v1/{path}", json=body))


@pytest.mark.parametrize("token", [None, "not-a-token"], ids=["no-token", "bad-token"])
@pytest.mark.parametrize("path", ["sys/mounts", "sys/policy", "secret/data/x", "unknown/path"])
def test_sealed_comes_before_the_token_check(sealed_server: ServerProcess, path: str,
                                             token: str | None) -> None:
    sealed_answer(sealed_server.request("GET", f"/v1/{path}", token=token))


def test_help_and_list_query_are_sealed_too(sealed_server: ServerProcess) -> None:
    for query in ("sys/mounts?help=1", "sys/policies/acl?list=true", "secret/metadata?list=true"):
        sealed_answer(sealed_server.request("GET", f"/v1/{query}"))


def test_patch_with_merge_patch_content_type_is_sealed(sealed_server: ServerProcess) -> None:
    headers = {"Content-Type": "application/merge-patch+json"}
    for path in ("secret/data/x", "sys/mounts"):
        sealed_answer(sealed_server.request("PATCH", f"/v1/{path}", data=b'{"a":1}',
                                            headers=headers))


def test_patch_content_type_is_checked_before_the_seal(sealed_server: ServerProcess) -> None:
    resp = sealed_server.request("PATCH", "/v1/secret/data/x", json={"a": 1})
    assert json_of(resp, 415) == {"errors": [
        "PATCH requires Content-Type of application/merge-patch+json, provided "
        "application/json"]}
    resp = sealed_server.request("PATCH", "/v1/secret/data/x", data=b'{"a":1}')
    assert json_of(resp, 400) == {"errors": ["mime: no media type"]}


def test_head_of_a_logical_path_is_sealed(sealed_server: ServerProcess) -> None:
    resp = sealed_server.request("HEAD", "/v1/sys/mounts")
    assert (resp.status_code, resp.content) == (503, b"")


# ---- the ceremony endpoints keep answering ---------------------------------------------


@pytest.mark.parametrize("token", [None, "not-a-token"], ids=["no-token", "bad-token"])
def test_seal_status(sealed_server: ServerProcess, token: str | None) -> None:
    status = json_of(sealed_server.request("GET", "/v1/sys/seal-status", token=token), 200)
    expected = {"type": "shamir", "initialized": True, "sealed": True, "t": 3, "n": 5,
                "progress": 0, "nonce": "", "recovery_seal": False, "migration": False,
                "storage_type": "inmem"}
    assert {key: status[key] for key in expected} == expected
    assert "request_id" not in status  # a raw answer, no envelope


def test_init_status(sealed_server: ServerProcess) -> None:
    assert json_of(sealed_server.request("GET", "/v1/sys/init", token=None), 200) == {
        "initialized": True}
    resp = sealed_server.request("PUT", "/v1/sys/init", token=None,
                                 json={"secret_shares": 1, "secret_threshold": 1})
    assert json_of(resp, 400) == {"errors": ["Vault is already initialized"]}


def test_health(sealed_server: ServerProcess) -> None:
    resp = sealed_server.request("GET", "/v1/sys/health", token=None)
    body = json_of(resp, 503)
    assert set(body) >= HEALTH_KEYS
    assert (body["initialized"], body["sealed"], body["standby"]) == (True, True, True)
    assert resp.headers["Cache-Control"] == "no-store"
    assert json_of(sealed_server.request("GET", "/v1/sys/health?sealedcode=200"), 200)["sealed"]
    assert json_of(sealed_server.request("GET", "/v1/sys/health?standbyok=true"), 503)["sealed"]
    resp = sealed_server.request("GET", "/v1/sys/health?sealedcode=abc")
    assert json_of(resp, 400) == EMPTY_ERRORS


def test_head_health(sealed_server: ServerProcess) -> None:
    resp = sealed_server.request("HEAD", "/v1/sys/health", token=None)
    assert (resp.status_code, resp.content) == (503, b"")
    assert resp.headers["Content-Type"] == "application/json"


def test_leader(sealed_server: ServerProcess) -> None:
    body = json_of(sealed_server.request("GET", "/v1/sys/leader", token=None), 200)
    assert body["ha_enabled"] is False


UNSEAL_BAD_INPUT = [
    ({"json": {"key": "zz"}}, "'key' must be a valid hex or base64 string"),
    ({"json": {}}, "'key' must be specified in request body as JSON, or 'reset' set to true"),
    ({"data": b"{"}, "failed to decode JSON input: unexpected EOF"),
    ({"data": b"[1]"}, "failed to decode JSON input: json: cannot unmarshal array into Go "
                       "value of type http.UnsealRequest"),
]


@pytest.mark.parametrize(("kwargs", "message"), UNSEAL_BAD_INPUT,
                         ids=["not-hex-nor-base64", "no-key", "truncated", "array"])
def test_unseal_refuses_bad_input(sealed_server: ServerProcess, kwargs: dict[str, Any],
                                  message: str) -> None:
    resp = sealed_server.request("PUT", "/v1/sys/unseal", token=None, **kwargs)
    assert json_of(resp, 400) == {"errors": [message]}
    assert_still_sealed(sealed_server)


RAW_405 = [("DELETE", "sys/seal-status"), ("POST", "sys/seal-status"), ("PUT", "sys/health"),
           ("DELETE", "sys/health"), ("OPTIONS", "sys/health"), ("DELETE", "sys/init"),
           ("GET", "sys/unseal"), ("DELETE", "sys/leader"), ("PUT", "sys/leader"),
           ("GET", "sys/seal")]


@pytest.mark.parametrize(("method", "path"), RAW_405, ids=[f"{m}-{p}" for m, p in RAW_405])
def test_raw_endpoints_refuse_other_verbs(sealed_server: ServerProcess, method: str,
                                          path: str) -> None:
    body: dict[str, Any] | None = {} if method in ("POST", "PUT") else None
    assert json_of(sealed_server.request(method, f"/v1/{path}", json=body), 405) == EMPTY_ERRORS
    assert_still_sealed(sealed_server)


def test_head_seal_status_is_not_allowed(sealed_server: ServerProcess) -> None:
    resp = sealed_server.request("HEAD", "/v1/sys/seal-status")
    assert (resp.status_code, resp.content) == (405, b"")


def test_sealing_a_sealed_server_is_a_no_op(sealed_server: ServerProcess) -> None:
    assert sealed_server.request("PUT", "/v1/sys/seal").status_code == 204
    assert_still_sealed(sealed_server)


def test_step_down_of_a_sealed_server_is_a_no_op(sealed_server: ServerProcess) -> None:
    # Vault's Core.StepDown returns at once when sealed.
    assert sealed_server.request("PUT", "/v1/sys/step-down").status_code == 204
    assert_still_sealed(sealed_server)


def test_unknown_version_prefix(sealed_server: ServerProcess) -> None:
    for path in ("/v2/sys/health", "/v1"):
        assert json_of(sealed_server.request("GET", path), 404) == EMPTY_ERRORS

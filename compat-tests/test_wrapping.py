"""Response wrapping as hvac and raw HTTP users see it: X-Vault-Wrap-TTL, sys/wrapping/*.

Expected answers were read off OpenBao 2.7.2. Where HashiCorp Vault words a message
differently, pyvault follows Vault and the test accepts both.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import hvac.exceptions
import pytest
import requests
from harness import ServerProcess

DENIED = {"errors": ["permission denied"]}
ACL_DENIED = {"errors": ["1 error occurred:\n\t* permission denied\n\n"]}
INVALID = {"errors": ["wrapping token is not valid or does not exist"]}
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
WRAP_INFO_KEYS = {"token", "accessor", "ttl", "creation_time", "creation_path"}


def json_of(resp: requests.Response, status: int) -> Any:
    assert resp.status_code == status, (resp.status_code, resp.text)
    assert resp.headers["Content-Type"] == "application/json"
    return resp.json()


def wrap(server: ServerProcess, data: dict[str, Any], ttl: str = "5m") -> dict[str, Any]:
    resp = server.request("POST", "/v1/sys/wrapping/wrap", json=data,
                          headers={"X-Vault-Wrap-TTL": ttl})
    info: dict[str, Any] = json_of(resp, 200)["wrap_info"]
    return info


def new_token(server: ServerProcess, **params: Any) -> str:
    body = json_of(server.request("POST", "/v1/auth/token/create", json=params), 200)
    token: str = body["auth"]["client_token"]
    return token


def token_without(server: ServerProcess) -> str:
    """A token whose only policy grants nothing that these tests touch."""
    server.request("PUT", "/v1/sys/policy/unrelated",
                   json={"policy": 'path "secret/*" { capabilities = ["read"] }'})
    return new_token(server, policies=["unrelated"], no_default_policy=True)


def lookup(server: ServerProcess, wrapping_token: str) -> requests.Response:
    return server.request("POST", "/v1/sys/wrapping/lookup", token=None,
                          json={"token": wrapping_token})


def test_token_create_wrapped_then_unwrapped_once(dev_server: ServerProcess) -> None:
    client = dev_server.client()
    wrapped = client.auth.token.create(policies=["default"], ttl="1h", wrap_ttl="2m")
    # Only wrap_info comes back; Vault's wrapped envelope has an empty request_id.
    assert (wrapped["data"], wrapped["auth"], wrapped["request_id"]) == (None, None, "")
    info = wrapped["wrap_info"]
    assert set(info) == WRAP_INFO_KEYS | {"wrapped_accessor"}
    assert (info["ttl"], info["creation_path"]) == (120, "auth/token/create")
    assert TIMESTAMP.fullmatch(info["creation_time"]), info["creation_time"]

    answer = client.sys.unwrap(info["token"])
    auth = answer["auth"]
    assert auth["accessor"] == info["wrapped_accessor"]
    assert auth["policies"] == ["default"] and auth["lease_duration"] == 3600
    assert answer["data"] is None
    assert str(uuid.UUID(answer["request_id"])) == answer["request_id"]
    child = dev_server.client(token=auth["client_token"]).auth.token.lookup_self()["data"]
    assert child["accessor"] == info["wrapped_accessor"]

    with pytest.raises(hvac.exceptions.InvalidRequest) as caught:
        client.sys.unwrap(info["token"])
    assert caught.value.errors == INVALID["errors"]


def test_sys_wrap_and_unwrap_with_the_wrapping_token_itself(dev_server: ServerProcess) -> None:
    payload = {"a": 1, "nested": {"list": [1, "two", None]}, "token": "just data"}
    info = dev_server.client().sys.wrap(payload=payload, ttl=90)["wrap_info"]
    assert set(info) == WRAP_INFO_KEYS  # no wrapped_accessor: nothing with auth was wrapped
    assert (info["ttl"], info["creation_path"]) == (90, "sys/wrapping/wrap")

    holder = dev_server.client(token=info["token"])
    answer = holder.sys.unwrap()
    assert answer["data"] == payload
    assert (answer["auth"], answer["wrap_info"], answer["lease_id"]) == (None, None, "")
    with pytest.raises(hvac.exceptions.InvalidRequest) as caught:
        holder.sys.unwrap()
    assert caught.value.errors == INVALID["errors"]


def test_unwrap_returns_the_stored_json_verbatim(dev_server: ServerProcess) -> None:
    info = wrap(dev_server, {"big": 12345678901234567890, "f": 1.5, "empty": {}})
    resp = dev_server.request("POST", "/v1/sys/wrapping/unwrap", json={"token": info["token"]})
    body = json_of(resp, 200)
    assert body["data"] == {"big": 12345678901234567890, "f": 1.5, "empty": {}}


def test_wrapping_token_properties(dev_server: ServerProcess) -> None:
    client = dev_server.client()
    info = wrap(dev_server, {"a": 1}, ttl="300s")
    entry = client.auth.token.lookup(info["token"])["data"]
    assert entry["policies"] == ["response-wrapping"]
    assert (entry["num_uses"], entry["orphan"], entry["renewable"]) == (1, True, False)
    assert (entry["path"], entry["explicit_max_ttl"], entry["creation_ttl"]) == (
        "sys/wrapping/wrap", 300, 300)
    assert 295 <= entry["ttl"] <= 300
    assert entry["accessor"] == info["accessor"]
    assert entry["display_name"] == client.auth.token.lookup_self()["data"]["display_name"]


def test_wrap_needs_a_wrap_ttl(dev_server: ServerProcess) -> None:
    resp = dev_server.request("POST", "/v1/sys/wrapping/wrap", json={"a": 1})
    assert json_of(resp, 400) == {"errors": ["endpoint requires response wrapping to be used"]}


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("-5", "error parsing X-Vault-Wrap-TTL header: requested wrap ttl cannot be negative"),
        ("abc", 'error parsing X-Vault-Wrap-TTL header: time: invalid duration "abc"'),
    ],
)
def test_bad_wrap_ttl_header(dev_server: ServerProcess, header: str, message: str) -> None:
    resp = dev_server.request("POST", "/v1/sys/wrapping/wrap", json={"a": 1},
                              headers={"X-Vault-Wrap-TTL": header})
    assert json_of(resp, 400) == {"errors": [message]}


def test_wrap_ttl_is_whole_seconds(dev_server: ServerProcess) -> None:
    assert wrap(dev_server, {"a": 1}, ttl="1.5s")["ttl"] == 1
    assert wrap(dev_server, {"a": 1}, ttl="2m")["ttl"] == 120


def test_lookup_needs_no_token_and_spends_nothing(dev_server: ServerProcess) -> None:
    info = wrap(dev_server, {"a": 1}, ttl="90s")
    data = json_of(lookup(dev_server, info["token"]), 200)["data"]
    assert data == {"creation_path": "sys/wrapping/wrap", "creation_ttl": 90,
                    "creation_time": info["creation_time"]}
    # GET with the wrapping token as the client token works too.
    by_header = dev_server.request("GET", "/v1/sys/wrapping/lookup", token=info["token"])
    assert json_of(by_header, 200)["data"] == data
    assert dev_server.client().sys.unwrap(info["token"])["data"] == {"a": 1}
    assert json_of(lookup(dev_server, info["token"]), 400) == INVALID


def test_rewrap_moves_the_response_to_a_new_token(dev_server: ServerProcess) -> None:
    client = dev_server.client()
    wrapped = client.auth.token.create(policies=["default"], ttl="1h", wrap_ttl="3m")
    old = wrapped["wrap_info"]
    resp = dev_server.request("POST", "/v1/sys/wrapping/rewrap", json={"token": old["token"]})
    body = json_of(resp, 200)
    new = body["wrap_info"]
    assert (body["data"], body["auth"]) == (None, None)
    assert set(new) == WRAP_INFO_KEYS  # Vault drops wrapped_accessor on rewrap
    assert new["token"] != old["token"]
    assert (new["ttl"], new["creation_path"]) == (180, "auth/token/create")
    assert json_of(lookup(dev_server, old["token"]), 400) == INVALID
    looked = json_of(lookup(dev_server, new["token"]), 200)["data"]
    assert (looked["creation_ttl"], looked["creation_path"]) == (180, "auth/token/create")
    entry = client.auth.token.lookup(new["token"])["data"]
    assert entry["path"] == "sys/wrapping/rewrap"
    answer = client.sys.unwrap(new["token"])
    assert answer["auth"]["accessor"] == old["wrapped_accessor"]


WRAPPING_PATHS = ["/v1/sys/wrapping/unwrap", "/v1/sys/wrapping/lookup",
                  "/v1/sys/wrapping/rewrap"]


@pytest.mark.parametrize("path", WRAPPING_PATHS)
@pytest.mark.parametrize(
    ("body", "client_token", "status", "message"),
    [
        ({"token": ""}, "root", 403, "error validating wrapping token: empty token in "
                                     "request body"),
        ({"token": 5}, "root", 403, "error validating wrapping token: could not decode token "
                                    "in request body"),
        (None, None, 403, "error validating wrapping token: token is empty"),
        ({"token": "hvs.nope"}, "root", 400, INVALID["errors"][0]),
        (None, "root", 400, INVALID["errors"][0]),  # root is no wrapping token
        # The wrapping token is checked before the caller's token is:
        (None, "not-a-token", 400, INVALID["errors"][0]),
        ({"token": "hvs.nope"}, None, 400, INVALID["errors"][0]),
    ],
)
def test_wrapping_token_validation(
    dev_server: ServerProcess, path: str, body: dict[str, Any] | None,
    client_token: str | None, status: int, message: str,
) -> None:
    resp = dev_server.request("POST", path, token=client_token, json=body)
    assert json_of(resp, status) == {"errors": [message]}


def test_validation_applies_whatever_the_verb(dev_server: ServerProcess) -> None:
    for method in ("GET", "DELETE"):
        resp = dev_server.request(method, "/v1/sys/wrapping/unwrap")
        assert json_of(resp, 400) == INVALID


def test_unwrap_by_a_third_party_needs_update_on_unwrap(dev_server: ServerProcess) -> None:
    info = wrap(dev_server, {"a": 1})
    unrelated = token_without(dev_server)
    for path in ("/v1/sys/wrapping/unwrap", "/v1/sys/wrapping/rewrap"):
        resp = dev_server.request("POST", path, token=unrelated, json={"token": info["token"]})
        assert json_of(resp, 403) == ACL_DENIED
    anonymous = dev_server.request("POST", "/v1/sys/wrapping/unwrap", token=None,
                                   json={"token": info["token"]})
    assert json_of(anonymous, 403) == DENIED
    # Refused callers spend nothing: the token still looks up and unwraps.
    assert json_of(lookup(dev_server, info["token"]), 200)["data"]["creation_ttl"] == 300
    default = new_token(dev_server, policies=["default"])
    unwrapped = dev_server.request("POST", "/v1/sys/wrapping/unwrap", token=default,
                                   json={"token": info["token"]})
    assert json_of(unwrapped, 200)["data"] == {"a": 1}


def test_rewrap_is_not_in_the_default_policy(dev_server: ServerProcess) -> None:
    info = wrap(dev_server, {"a": 1})
    default = new_token(dev_server, policies=["default"])
    resp = dev_server.request("POST", "/v1/sys/wrapping/rewrap", token=default,
                              json={"token": info["token"]})
    assert json_of(resp, 403) == ACL_DENIED


def test_wrap_needs_update_on_wrap(dev_server: ServerProcess) -> None:
    resp = dev_server.request("POST", "/v1/sys/wrapping/wrap", token=token_without(dev_server),
                              json={"a": 1}, headers={"X-Vault-Wrap-TTL": "60"})
    assert json_of(resp, 403) == ACL_DENIED


def test_lookup_needs_no_capability(dev_server: ServerProcess) -> None:
    info = wrap(dev_server, {"a": 1})
    resp = dev_server.request("POST", "/v1/sys/wrapping/lookup",
                              token=token_without(dev_server), json={"token": info["token"]})
    assert json_of(resp, 200)["data"]["creation_path"] == "sys/wrapping/wrap"


def test_a_wrapping_token_can_do_nothing_else_and_a_refusal_spends_it(
    dev_server: ServerProcess,
) -> None:
    info = wrap(dev_server, {"a": 1})
    resp = dev_server.request("GET", "/v1/auth/token/lookup-self", token=info["token"])
    assert json_of(resp, 403) == ACL_DENIED
    # Vault counts a use even when the ACL refuses: the single use is gone.
    assert json_of(lookup(dev_server, info["token"]), 400) == INVALID
    # Rewrapping itself is refused the same way (response-wrapping lacks rewrap).
    other = wrap(dev_server, {"a": 1})
    resp = dev_server.request("POST", "/v1/sys/wrapping/rewrap", token=other["token"])
    assert json_of(resp, 403) == ACL_DENIED


def test_reading_cubbyhole_response_directly_is_deprecated(dev_server: ServerProcess) -> None:
    info = wrap(dev_server, {"a": 1})
    resp = dev_server.request("GET", "/v1/cubbyhole/response", token=info["token"])
    body = json_of(resp, 200)
    assert body["warnings"] == [
        "Reading from 'cubbyhole/response' is deprecated. Please use sys/wrapping/unwrap to "
        "unwrap responses, as it provides additional security checks and other benefits."
    ]
    assert set(body["data"]) == {"response"} and isinstance(body["data"]["response"], str)
    assert '"data":{"a":1}' in body["data"]["response"]
    # That read was the token's one use.
    assert json_of(lookup(dev_server, info["token"]), 400) == INVALID


def test_wrapping_a_read_and_a_list(dev_server: ServerProcess) -> None:
    client = dev_server.client()
    client.write_data("cubbyhole/wrapme", data={"v": 1})
    read = client.read("cubbyhole/wrapme", wrap_ttl="60")
    assert read["wrap_info"]["creation_path"] == "cubbyhole/wrapme"
    assert client.sys.unwrap(read["wrap_info"]["token"])["data"] == {"v": 1}
    listed = dev_server.request("LIST", "/v1/cubbyhole", headers={"X-Vault-Wrap-TTL": "60"})
    info = json_of(listed, 200)["wrap_info"]
    assert info["creation_path"] == "cubbyhole/"
    assert "wrapme" in client.sys.unwrap(info["token"])["data"]["keys"]


def test_an_empty_list_is_not_wrapped(dev_server: ServerProcess) -> None:
    resp = dev_server.request("LIST", "/v1/cubbyhole/nothing-here",
                              headers={"X-Vault-Wrap-TTL": "60"})
    assert json_of(resp, 404) == {"errors": ["unsupported path"]}
    missing = dev_server.request("GET", "/v1/cubbyhole/nothing-here",
                                 headers={"X-Vault-Wrap-TTL": "60"})
    assert json_of(missing, 404) == {"errors": []}


def test_a_write_with_no_answer_is_not_wrapped(dev_server: ServerProcess) -> None:
    resp = dev_server.request("POST", "/v1/cubbyhole/plain", json={"v": 1},
                              headers={"X-Vault-Wrap-TTL": "60"})
    assert (resp.status_code, resp.content) == (204, b"")

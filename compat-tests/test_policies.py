"""ACL policies over sys/policies/acl and the legacy sys/policy, with hvac and raw HTTP.

Expected answers were read off OpenBao 2.7.2. OpenBao adds fields to a policy read that
HashiCorp Vault does not have (`version`, `modified`, `cas_required`,
`allow_slashes_in_identity_templates`, `allow_wildcards_in_identity_templates`) and a
check-and-set `cas` parameter: the reads assert `name` and `policy` exactly, the extension
fields only by type when present, and the CAS test is marked as an OpenBao extension.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from typing import Any

import hvac.exceptions
import pytest
import requests
from harness import ServerProcess

DENIED = {"errors": ["permission denied"]}
ACL_DENIED = {"errors": ["1 error occurred:\n\t* permission denied\n\n"]}
NOT_FOUND: dict[str, list[str]] = {"errors": []}
UNSUPPORTED_OPERATION = {"errors": ["1 error occurred:\n\t* unsupported operation\n\n"]}
ENVELOPE = {"request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info",
            "warnings", "auth"}
EXTENSION_FIELDS: dict[str, type] = {
    "version": int, "modified": str, "cas_required": bool,
    "allow_slashes_in_identity_templates": bool, "allow_wildcards_in_identity_templates": bool,
}
# Go's RFC3339Nano drops trailing zeros of the fraction; either form is RFC 3339.
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")
POLICY = 'path "secret/*" {\n  capabilities = ["read", "list"]\n}\n'
DEFAULT_START = ('\n# Allow tokens to look up their own properties\n'
                 'path "auth/token/lookup-self" {\n    capabilities = ["read"]\n}\n')


def json_of(resp: requests.Response, status: int) -> Any:
    assert resp.status_code == status, (resp.status_code, resp.text)
    assert resp.headers["Content-Type"] == "application/json"
    return resp.json()


def no_content(resp: requests.Response) -> None:
    assert resp.status_code == 204, (resp.status_code, resp.text)
    assert resp.content == b""


def unique(prefix: str = "pol") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def enveloped(body: dict[str, Any]) -> dict[str, Any]:
    """`body` without HashiCorp Vault's `mount_type` (OpenBao 2.7.2 does not send it)."""
    body = dict(body)
    assert body.pop("mount_type", "system") == "system"
    return body


def put_acl(server: ServerProcess, name: str, text: str = POLICY, **extra: Any) -> None:
    no_content(server.request("PUT", f"/v1/sys/policies/acl/{name}",
                              json={"policy": text, **extra}))


def read_acl(server: ServerProcess, name: str, token: str | None = "root") -> dict[str, Any]:
    body = enveloped(json_of(server.request("GET", f"/v1/sys/policies/acl/{name}",
                                            token=token), 200))
    assert set(body) == ENVELOPE  # the new API does not repeat data at the top level
    return checked(body["data"], "policy")


def checked(data: dict[str, Any], text_key: str) -> dict[str, Any]:
    """`data` after checking its keys and the types of the OpenBao extension fields."""
    assert {"name", text_key} <= set(data) <= {"name", text_key, *EXTENSION_FIELDS}
    for key, kind in EXTENSION_FIELDS.items():
        if key in data:
            assert isinstance(data[key], kind), (key, data[key])
    if "modified" in data:
        assert TIMESTAMP.match(data["modified"]), data["modified"]
    return data


def list_acl(server: ServerProcess) -> list[str]:
    body = enveloped(json_of(server.request("LIST", "/v1/sys/policies/acl"), 200))
    assert set(body) == ENVELOPE
    assert set(body["data"]) == {"keys"}
    keys: list[str] = body["data"]["keys"]
    return keys


def new_token(server: ServerProcess, *policies: str) -> str:
    """A token with exactly `policies` (needs the token store)."""
    answer = server.client().auth.token.create(policies=list(policies), no_default_policy=True)
    token: str = answer["auth"]["client_token"]
    return token


# ---- CRUD ------------------------------------------------------------------------------


def test_acl_crud_with_hvac(dev_server: ServerProcess) -> None:
    client = dev_server.client()
    name = unique("hvac")
    client.sys.create_or_update_acl_policy(name, POLICY)
    data = client.sys.read_acl_policy(name)["data"]
    assert (data["name"], data["policy"]) == (name, POLICY)
    assert name in client.sys.list_acl_policies()["data"]["keys"]

    changed = POLICY.replace('"list"', '"create"')
    client.sys.create_or_update_acl_policy(name, changed)
    assert read_acl(dev_server, name)["policy"] == changed

    client.sys.delete_acl_policy(name)
    with pytest.raises(hvac.exceptions.InvalidPath):
        client.sys.read_acl_policy(name)
    assert name not in list_acl(dev_server)


def test_acl_read_shape(dev_server: ServerProcess) -> None:
    name = unique("shape")
    put_acl(dev_server, name)
    data = read_acl(dev_server, name)
    assert (data["name"], data["policy"]) == (name, POLICY)
    if "version" in data:  # OpenBao extension: a counter of writes
        assert data["version"] == 1
        put_acl(dev_server, name)
        assert read_acl(dev_server, name)["version"] == 2


def test_names_are_lower_cased(dev_server: ServerProcess) -> None:
    name = unique("MixedCase")
    put_acl(dev_server, name)
    lower = name.lower()
    for spelling in (name, lower):
        assert read_acl(dev_server, spelling)["name"] == lower
    assert lower in list_acl(dev_server)
    assert name not in list_acl(dev_server)
    no_content(dev_server.request("DELETE", f"/v1/sys/policies/acl/{name.upper()}"))
    assert lower not in list_acl(dev_server)


def test_names_with_spaces_and_slashes(dev_server: ServerProcess) -> None:
    spaced, nested = unique("with space"), f"{unique('nested')}/child"
    put_acl(dev_server, spaced)
    put_acl(dev_server, nested)
    assert read_acl(dev_server, spaced)["name"] == spaced
    assert read_acl(dev_server, nested)["name"] == nested
    keys = list_acl(dev_server)
    assert spaced in keys
    assert nested in keys
    no_content(dev_server.request("DELETE", f"/v1/sys/policies/acl/{nested}"))
    assert nested not in list_acl(dev_server)


def test_list_is_sorted_with_root_last(dev_server: ServerProcess) -> None:
    late = unique("zzz")
    put_acl(dev_server, late)
    for keys in (
        list_acl(dev_server),
        enveloped(json_of(dev_server.request("GET", "/v1/sys/policies/acl?list=true"),
                          200))["data"]["keys"],
    ):
        assert keys[-1] == "root"
        assert keys[:-1] == sorted(keys[:-1])
        assert {"default", late} <= set(keys)


def test_read_and_delete_of_a_missing_policy(dev_server: ServerProcess) -> None:
    name = unique("missing")
    for path in (f"/v1/sys/policies/acl/{name}", f"/v1/sys/policy/{name}"):
        assert json_of(dev_server.request("GET", path), 404) == NOT_FOUND
        no_content(dev_server.request("DELETE", path))


def test_get_without_list_on_the_collection_is_unsupported(dev_server: ServerProcess) -> None:
    resp = dev_server.request("GET", "/v1/sys/policies/acl")
    assert json_of(resp, 405) == UNSUPPORTED_OPERATION
    for method in ("DELETE", "POST"):
        resp = dev_server.request(method, "/v1/sys/policy", json={} if method == "POST" else None)
        assert json_of(resp, 405) == UNSUPPORTED_OPERATION


def test_json_policy_body_is_stored_verbatim(dev_server: ServerProcess) -> None:
    name = unique("json")
    text = json.dumps({"path": {"secret/*": {"capabilities": ["read"]}}})
    put_acl(dev_server, name, text)
    assert read_acl(dev_server, name)["policy"] == text
    caps = enveloped(json_of(dev_server.request(
        "POST", "/v1/sys/capabilities", json={"token": "root", "path": "secret/x"}), 200))
    assert caps["data"]["capabilities"] == ["root"]


def test_base64_policy_body_is_decoded(dev_server: ServerProcess) -> None:
    name = unique("b64")
    text = 'path "b64/*" { capabilities = ["read"] }'
    put_acl(dev_server, name, base64.b64encode(text.encode()).decode())
    assert read_acl(dev_server, name)["policy"] == text


def test_unknown_body_fields_are_ignored_silently(dev_server: ServerProcess) -> None:
    # Vault warns about unrecognized parameters only on a response that has a body.
    put_acl(dev_server, unique("extra"), unknown_field=1)


# ---- legacy sys/policy -----------------------------------------------------------------


def test_legacy_api(dev_server: ServerProcess) -> None:
    name = unique("Legacy")
    no_content(dev_server.request("PUT", f"/v1/sys/policy/{name}", json={"policy": POLICY}))
    lower = name.lower()
    body = enveloped(json_of(dev_server.request("GET", f"/v1/sys/policy/{lower}"), 200))
    data = checked(body["data"], "rules")
    assert (data["name"], data["rules"]) == (lower, POLICY)
    assert set(body) == ENVELOPE | set(data)  # legacy: data repeated at the top level
    assert all(body[key] == value for key, value in data.items())
    # Both APIs see the same store.
    assert read_acl(dev_server, lower)["policy"] == POLICY

    for method in ("GET", "LIST"):
        listing = enveloped(json_of(dev_server.request(method, "/v1/sys/policy"), 200))
        assert set(listing["data"]) == {"keys", "policies"}
        assert listing["data"]["keys"] == listing["data"]["policies"]
        assert listing["keys"] == listing["policies"] == listing["data"]["keys"]
        assert lower in listing["keys"]
        assert listing["keys"][-1] == "root"

    no_content(dev_server.request("DELETE", f"/v1/sys/policy/{lower}"))
    assert json_of(dev_server.request("GET", f"/v1/sys/policy/{lower}"), 404) == NOT_FOUND


def test_legacy_rules_parameter_is_deprecated(dev_server: ServerProcess) -> None:
    name = unique("rules")
    body = enveloped(json_of(dev_server.request("PUT", f"/v1/sys/policy/{name}",
                                                json={"rules": POLICY}), 200))
    assert set(body) == ENVELOPE
    assert body["data"] is None
    assert body["warnings"] == ["'rules' is deprecated, please use 'policy' instead"]
    assert read_acl(dev_server, name)["policy"] == POLICY


def test_legacy_api_with_hvac(dev_server: ServerProcess) -> None:
    client = dev_server.client()
    name = unique("hvaclegacy")
    client.sys.create_or_update_policy(name, POLICY)
    assert client.sys.read_policy(name)["data"]["rules"] == POLICY
    assert name in client.sys.list_policies()["data"]["policies"]
    client.sys.delete_policy(name)
    assert name not in client.sys.list_policies()["data"]["policies"]


# ---- root and default ------------------------------------------------------------------


@pytest.mark.parametrize("api", ["policies/acl", "policy"])
@pytest.mark.parametrize("name", ["root", "ROOT"])
def test_root_cannot_be_updated_or_deleted(dev_server: ServerProcess, api: str,
                                           name: str) -> None:
    resp = dev_server.request("PUT", f"/v1/sys/{api}/{name}", json={"policy": POLICY})
    assert json_of(resp, 400) == {"errors": ['cannot update "root" policy']}
    resp = dev_server.request("DELETE", f"/v1/sys/{api}/{name}")
    assert json_of(resp, 400) == {"errors": ['cannot delete "root" policy']}


@pytest.mark.parametrize("api", ["policies/acl", "policy"])
@pytest.mark.parametrize("name", ["default", "Default"])
def test_default_cannot_be_deleted(dev_server: ServerProcess, api: str, name: str) -> None:
    resp = dev_server.request("DELETE", f"/v1/sys/{api}/{name}")
    assert json_of(resp, 400) == {"errors": ["cannot delete default policy"]}
    assert "default" in list_acl(dev_server)


def test_root_policy_reads_as_empty(dev_server: ServerProcess) -> None:
    data = read_acl(dev_server, "root")
    assert (data["name"], data["policy"]) == ("root", "")
    legacy = enveloped(json_of(dev_server.request("GET", "/v1/sys/policy/root"), 200))
    assert (legacy["data"]["name"], legacy["data"]["rules"]) == ("root", "")


def test_default_policy_text(dev_server: ServerProcess) -> None:
    data = read_acl(dev_server, "default")
    assert data["name"] == "default"
    assert data["policy"].startswith(DEFAULT_START)
    for path in ("auth/token/renew-self", "auth/token/revoke-self", "sys/capabilities-self",
                 "cubbyhole/*", "sys/wrapping/wrap", "sys/wrapping/lookup",
                 "sys/wrapping/unwrap", "sys/tools/hash", "sys/tools/hash/*"):
        assert f'path "{path}" {{' in data["policy"], path


def test_default_policy_can_be_updated(dev_server: ServerProcess) -> None:
    original = read_acl(dev_server, "default")["policy"]
    try:
        extended = original + '\npath "extra/*" {\n    capabilities = ["read"]\n}\n'
        put_acl(dev_server, "Default", extended)
        assert read_acl(dev_server, "default")["policy"] == extended
    finally:
        put_acl(dev_server, "default", original)
    assert read_acl(dev_server, "default")["policy"] == original


# ---- parse and input errors ------------------------------------------------------------


PARSE_ERRORS = [
    ('path "x" {', "failed to parse policy: At 1:12: object expected closing RBRACE got: EOF"),
    ('path "x"',
     "failed to parse policy: At 1:9: key 'path \"x\"' expected start of object ('{') or "
     "assignment ('=')"),
    ('path "x" { capabilities = ["reed"] }',
     'failed to parse policy: path "x": path "x": invalid capability "reed"'),
    ('path "x" { capabilities = ["read"]\n foo = 1 }',
     'failed to parse policy: path "x": 1 error occurred:\n\t* invalid key "foo" on line 2\n\n'),
    ('foo "x" { }',
     'failed to parse policy: 1 error occurred:\n\t* invalid key "foo" on line 0\n\n'),
    ('path "x" { policy = "bogus" }',
     'failed to parse policy: path "x": path "x": invalid policy "bogus"'),
    ('path "x" { capabilities = "read" }',
     'failed to parse policy: path "x": path "x": At 1:27: unknown slice type: *ast.LiteralType'),
    ("path = 5", 'failed to parse policy: path "path": cannot check HCL keys of type '
                 "*ast.LiteralType"),
    ('path "x" { capabilities = ["read"]\n min_wrapping_ttl = "bogus" }',
     'failed to parse policy: path "x": error parsing min_wrapping_ttl: time: invalid duration '
     '"bogus"'),
    ('path "x" { capabilities = ["read"]\n min_wrapping_ttl = "2h"\n max_wrapping_ttl = "1h" }',
     'failed to parse policy: path "x": max_wrapping_ttl cannot be less than min_wrapping_ttl'),
    (5, "failed to parse policy: At 1:1: expected: IDENT | STRING | ASSIGN | LBRACE got: NUMBER"),
    ("", "'policy' parameter not supplied or empty"),
    (None, "'policy' parameter not supplied or empty"),
]


@pytest.mark.parametrize("api", ["policies/acl", "policy"])
@pytest.mark.parametrize(("text", "message"), PARSE_ERRORS,
                         ids=[repr(t)[:30] for t, _ in PARSE_ERRORS])
def test_parse_errors(dev_server: ServerProcess, api: str, text: object,
                      message: str) -> None:
    name = unique("bad")
    body = {} if text is None else {"policy": text}
    resp = dev_server.request("PUT", f"/v1/sys/{api}/{name}", json=body)
    assert json_of(resp, 400) == {"errors": [message]}
    assert json_of(dev_server.request("GET", f"/v1/sys/policies/acl/{name}"), 404) == NOT_FOUND


ACCEPTED = [
    'path "x" { policy = "write" }',  # the pre-0.9 form of capabilities
    'path "x" {}',
    'path "x" { capabilities = ["deny", "read"] }',
    'path "x" { capabilities = ["read"] }\npath "x" { capabilities = ["list"] }',
    'path "x/*/y" { capabilities = ["read"] }',
    'path "x/+/y" { capabilities = ["read"] }',
    'path "x" { capabilities = ["create"]\n allowed_parameters = { "a" = [] }\n'
    ' denied_parameters = { "b" = ["c"] }\n required_parameters = ["a"]\n'
    ' min_wrapping_ttl = "1s"\n max_wrapping_ttl = "1h" }',
    'name = "ignored"',
]


@pytest.mark.parametrize("text", ACCEPTED, ids=[t[:30] for t in ACCEPTED])
def test_accepted_policies_are_stored_verbatim(dev_server: ServerProcess, text: str) -> None:
    name = unique("ok")
    put_acl(dev_server, name, text)
    assert read_acl(dev_server, name)["policy"] == text


def test_write_to_a_path_ending_in_slash(dev_server: ServerProcess) -> None:
    for api in ("policies/acl", "policy"):
        resp = dev_server.request("PUT", f"/v1/sys/{api}/", json={"policy": POLICY})
        assert json_of(resp, 400) == {"errors": ["cannot write to a path ending in '/'"]}


def test_hvac_raises_the_parse_error(dev_server: ServerProcess) -> None:
    with pytest.raises(hvac.exceptions.InvalidRequest) as caught:
        dev_server.client().sys.create_or_update_acl_policy(unique("bad"), 'path "x" {')
    assert caught.value.errors == [
        "failed to parse policy: At 1:12: object expected closing RBRACE got: EOF"]


def test_check_and_set_is_an_openbao_extension(dev_server: ServerProcess) -> None:
    # HashiCorp Vault has no `cas` on policies. OpenBao checks it against `version`.
    name = unique("cas")
    put_acl(dev_server, name)
    put_acl(dev_server, name)
    resp = dev_server.request("PUT", f"/v1/sys/policies/acl/{name}",
                              json={"policy": POLICY, "cas": 1})
    assert json_of(resp, 400) == {
        "errors": ["check-and-set parameter 1 did not match the current version 2"]}
    put_acl(dev_server, name, cas=2)
    fresh = unique("cas")
    put_acl(dev_server, fresh, cas=0)  # 0: only if it does not exist yet
    resp = dev_server.request("PUT", f"/v1/sys/policies/acl/{fresh}",
                              json={"policy": POLICY, "cas": 0})
    assert json_of(resp, 400) == {
        "errors": ["check-and-set parameter 0 did not match the current version 1"]}


# ---- sealed-off and ACL ----------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "not-a-token"], ids=["no-token", "bad-token"])
def test_no_or_bad_token_is_denied(dev_server: ServerProcess, token: str | None) -> None:
    for method, path in (("GET", "/v1/sys/policies/acl/default"),
                         ("LIST", "/v1/sys/policies/acl"), ("GET", "/v1/sys/policy"),
                         ("PUT", f"/v1/sys/policies/acl/{unique()}")):
        resp = dev_server.request(method, path, token=token,
                                  json={"policy": POLICY} if method == "PUT" else None)
        assert json_of(resp, 403) == DENIED


def test_a_token_without_the_capability_is_denied(dev_server: ServerProcess) -> None:
    reader = unique("reader")
    put_acl(dev_server, reader, f'path "sys/policies/acl/{reader}" {{ capabilities = ["read"] }}')
    token = new_token(dev_server, reader)
    assert read_acl(dev_server, reader, token=token)["name"] == reader
    for method, path in (("PUT", f"/v1/sys/policies/acl/{reader}"),
                         ("DELETE", f"/v1/sys/policies/acl/{reader}"),
                         ("GET", "/v1/sys/policies/acl/default"),
                         ("LIST", "/v1/sys/policies/acl"),
                         ("GET", "/v1/sys/policy"),
                         ("PUT", f"/v1/sys/policy/{unique()}")):
        resp = dev_server.request(method, path, token=token,
                                  json={"policy": POLICY} if method == "PUT" else None)
        assert json_of(resp, 403) == ACL_DENIED, (method, path)


def test_a_token_with_the_capability_can_write(dev_server: ServerProcess) -> None:
    admin = unique("admin")
    put_acl(dev_server, admin,
            'path "sys/policies/acl/*" { capabilities = ["create", "update", "read", "delete"] }\n'
            'path "sys/policies/acl" { capabilities = ["list"] }')
    token = new_token(dev_server, admin)
    name = unique("bytoken")
    no_content(dev_server.request("PUT", f"/v1/sys/policies/acl/{name}", token=token,
                                  json={"policy": POLICY}))
    assert read_acl(dev_server, name, token=token)["policy"] == POLICY
    keys = enveloped(json_of(dev_server.request("LIST", "/v1/sys/policies/acl", token=token),
                             200))["data"]["keys"]
    assert name in keys
    no_content(dev_server.request("DELETE", f"/v1/sys/policies/acl/{name}", token=token))


def test_openapi_documents_the_policy_paths(dev_server: ServerProcess) -> None:
    body = json_of(dev_server.request("GET", "/v1/sys/internal/specs/openapi"), 200)
    paths = set(body["paths"])
    assert {"/sys/policies/acl", "/sys/policies/acl/{name}", "/sys/policy",
            "/sys/policy/{name}"} <= paths
    assert "/sys/policies/acl/" not in paths  # the list operation is on the bare path
    listing = body["paths"]["/sys/policies/acl"]["get"]
    params = {p["name"]: p for p in listing.get("parameters", [])}
    assert params["list"]["in"] == "query"
    assert params["list"]["required"] is True

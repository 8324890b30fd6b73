"""KV over raw HTTP: status codes, envelopes, warnings and error texts.

Expected answers were read off OpenBao 2.7.2. Where HashiCorp Vault answers
differently and pyvault follows Vault, the test says so and checks each server
for its own answer.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from harness import ServerProcess

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")
ENVELOPE = {"request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info",
            "warnings", "auth"}
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}
NOT_FOUND: dict[str, Any] = {"errors": []}


def hint(server: ServerProcess, command: str) -> str:
    """The v2 invalid-path warning: OpenBao names its own CLI; pyvault uses Vault's words."""
    cli = ("the OpenBao CLI, use 'bao" if server.kind == "reference"
           else "the Vault CLI, use 'vault")
    return ("Invalid path for a versioned K/V secrets engine. See the API docs for the "
            f"appropriate API endpoints to use. If using {cli} kv {command}' for this "
            "operation.")


def call(server: ServerProcess, method: str, path: str, body: Any = None,
         **kwargs: Any) -> requests.Response:
    if body is not None:
        kwargs["json"] = body
    return server.request(method, f"/v1/{path}", **kwargs)


def answer(resp: requests.Response, status: int) -> Any:
    assert resp.status_code == status, (resp.status_code, resp.text)
    assert resp.headers["Content-Type"] == "application/json"
    return resp.json() if resp.content else None


@pytest.fixture(scope="module")
def mount(dev_server: ServerProcess) -> str:
    """A kv v2 mount of this module's own (config changes stay here)."""
    answer(call(dev_server, "POST", "sys/mounts/kvh", {"type": "kv",
                                                       "options": {"version": "2"}}), 204)
    return "kvh"


def test_write_and_read_envelopes(dev_server: ServerProcess, mount: str) -> None:
    written = answer(call(dev_server, "POST", f"{mount}/data/env", {"data": {"b": 2, "a": 1}}),
                     200)
    assert set(written) >= ENVELOPE
    assert (written["lease_id"], written["lease_duration"], written["renewable"]) == (
        "", 0, False)
    assert list(written["data"]) == ["created_time", "custom_metadata", "deletion_time",
                                     "destroyed", "version"]
    assert TIME.match(written["data"]["created_time"])
    read = answer(call(dev_server, "GET", f"{mount}/data/env"), 200)
    assert read["data"]["data"] == {"a": 1, "b": 2}
    assert read["warnings"] is None
    assert read["data"]["metadata"]["created_time"] == written["data"]["created_time"]
    assert answer(call(dev_server, "GET", f"{mount}/data/missing"), 404) == NOT_FOUND
    assert answer(call(dev_server, "GET", f"{mount}/data/env?version=7"), 404) == NOT_FOUND


def test_soft_deleted_version_is_404_with_its_body(dev_server: ServerProcess,
                                                   mount: str) -> None:
    answer(call(dev_server, "POST", f"{mount}/data/sd", {"data": {"a": 1}}), 200)
    assert answer(call(dev_server, "DELETE", f"{mount}/data/sd"), 204) is None
    gone = answer(call(dev_server, "GET", f"{mount}/data/sd"), 404)
    assert set(gone) >= ENVELOPE
    assert gone["data"]["data"] is None
    assert gone["data"]["metadata"]["version"] == 1
    assert TIME.match(gone["data"]["metadata"]["deletion_time"])
    answer(call(dev_server, "POST", f"{mount}/destroy/sd", {"versions": [1]}), 204)
    destroyed = answer(call(dev_server, "GET", f"{mount}/data/sd"), 404)
    assert destroyed["data"]["metadata"]["destroyed"] is True


def test_patch_is_a_merge_patch(dev_server: ServerProcess, mount: str) -> None:
    answer(call(dev_server, "POST", f"{mount}/data/mp",
                {"data": {"a": 1, "b": {"c": 2, "d": 3}, "e": [1, 2]}}), 200)
    patched = answer(call(dev_server, "PATCH", f"{mount}/data/mp", headers=MERGE_PATCH,
                          json={"data": {"a": None, "b": {"c": None, "x": 9}, "e": [3]}}), 200)
    assert patched["data"]["version"] == 2
    read = answer(call(dev_server, "GET", f"{mount}/data/mp"), 200)
    assert read["data"]["data"] == {"b": {"d": 3, "x": 9}, "e": [3]}
    conflict = call(dev_server, "PATCH", f"{mount}/data/mp", headers=MERGE_PATCH,
                    json={"data": {"z": 1}, "options": {"cas": 1}})
    assert answer(conflict, 400) == {
        "errors": ["check-and-set parameter did not match the current version"]}
    missing = call(dev_server, "PATCH", f"{mount}/data/none", headers=MERGE_PATCH,
                   json={"data": {"a": 1}})
    assert (missing.status_code, missing.content) == (404, b"")


def test_subkeys(dev_server: ServerProcess, mount: str) -> None:
    answer(call(dev_server, "POST", f"{mount}/data/sk",
                {"data": {"a": 1, "b": {"c": {"d": 1}, "e": {}}, "f": [1]}}), 200)
    full = answer(call(dev_server, "GET", f"{mount}/subkeys/sk"), 200)["data"]
    assert full["subkeys"] == {"a": None, "b": {"c": {"d": None}, "e": None}, "f": None}
    assert full["metadata"]["version"] == 1
    shallow = answer(call(dev_server, "GET", f"{mount}/subkeys/sk?depth=1"), 200)["data"]
    assert shallow["subkeys"] == {"a": None, "b": None, "f": None}
    assert answer(call(dev_server, "GET", f"{mount}/subkeys/none"), 404) == NOT_FOUND


def test_metadata_read_and_list(dev_server: ServerProcess, mount: str) -> None:
    for path in ("ml/a", "ml/dir/b"):
        answer(call(dev_server, "POST", f"{mount}/data/{path}", {"data": {"x": 1}}), 200)
    meta = answer(call(dev_server, "GET", f"{mount}/metadata/ml/a"), 200)["data"]
    assert list(meta) == sorted(meta)
    assert {k: meta[k] for k in ("cas_required", "current_version", "custom_metadata",
                                 "delete_version_after", "max_versions", "oldest_version")} \
        == {"cas_required": False, "current_version": 1, "custom_metadata": None,
            "delete_version_after": "0s", "max_versions": 0, "oldest_version": 0}
    assert list(meta["versions"]["1"]) == ["created_time", "deletion_time", "destroyed"]
    listed = answer(call(dev_server, "LIST", f"{mount}/metadata/ml"), 200)
    assert listed["data"] == {"keys": ["a", "dir/"]}
    via_get = answer(call(dev_server, "GET", f"{mount}/metadata/ml/?list=true"), 200)
    assert via_get["data"] == {"keys": ["a", "dir/"]}
    assert answer(call(dev_server, "LIST", f"{mount}/metadata/nothing"), 404) == NOT_FOUND


def test_metadata_write_answers(dev_server: ServerProcess, mount: str) -> None:
    assert answer(call(dev_server, "POST", f"{mount}/metadata/mw",
                       {"max_versions": 3, "custom_metadata": {"k": "v"}}), 204) is None
    assert answer(call(dev_server, "POST", f"{mount}/metadata/mw", {"bogus": 1}), 204) is None
    patched = call(dev_server, "PATCH", f"{mount}/metadata/mw", headers=MERGE_PATCH,
                   json={"custom_metadata": {"k": None, "j": "w"}})
    assert answer(patched, 204) is None
    meta = answer(call(dev_server, "GET", f"{mount}/metadata/mw"), 200)["data"]
    assert (meta["custom_metadata"], meta["max_versions"]) == ({"j": "w"}, 3)
    assert answer(call(dev_server, "DELETE", f"{mount}/metadata/mw"), 204) is None
    assert answer(call(dev_server, "GET", f"{mount}/metadata/mw"), 404) == NOT_FOUND


def test_metadata_patch_of_a_missing_key(dev_server: ServerProcess, mount: str) -> None:
    with_field = call(dev_server, "PATCH", f"{mount}/metadata/mpm", headers=MERGE_PATCH,
                      json={"max_versions": 1})
    assert (with_field.status_code, with_field.content) == (404, b"")
    # With nothing patchable, OpenBao answers 204 before looking; Vault looks: 404.
    empty = call(dev_server, "PATCH", f"{mount}/metadata/mpm", headers=MERGE_PATCH, json={})
    assert empty.status_code == (204 if dev_server.kind == "reference" else 404)


def test_unknown_and_replaced_parameters_are_warned(dev_server: ServerProcess,
                                                    mount: str) -> None:
    written = answer(call(dev_server, "POST", f"{mount}/data/wp",
                          {"data": {"a": 1}, "bogus": 1, "path": "elsewhere"}), 200)
    assert written["warnings"] == [
        "Endpoint ignored these unrecognized parameters: [bogus]",
        "Endpoint replaced the value of these parameters with the values captured from the "
        "endpoint's path: [path]"]
    read = answer(call(dev_server, "GET", f"{mount}/data/wp?bogus=1"), 200)
    assert read["warnings"] == ["Endpoint ignored these unrecognized parameters: [bogus]"]
    deleted = call(dev_server, "POST", f"{mount}/delete/wp", {"versions": [1], "bogus": 1})
    assert answer(deleted, 204) is None  # no body, so no warning (as Vault)


@pytest.mark.parametrize(("method", "path", "command"), [
    ("GET", "foo", "get"), ("POST", "foo", "put"), ("DELETE", "foo", "delete"),
    ("LIST", "", "list"), ("GET", "config/x", "get"),
])
def test_non_versioned_paths_get_a_hint(dev_server: ServerProcess, mount: str, method: str,
                                        path: str, command: str) -> None:
    body = {"a": 1} if method == "POST" else None
    got = answer(call(dev_server, method, f"{mount}/{path}", body), 404)
    assert got["data"] is None
    assert got["warnings"][0] == hint(dev_server, command)


@pytest.mark.parametrize("root", ["data", "metadata", "delete", "undelete", "destroy"])
def test_roots_are_not_readable(dev_server: ServerProcess, mount: str, root: str) -> None:
    got = answer(call(dev_server, "GET", f"{mount}/{root}"), 404)
    assert got["warnings"] == [
        "Non-listing operations on the root of a K/V v2 mount are not supported."]


def test_listing_under_data_is_not_supported(dev_server: ServerProcess, mount: str) -> None:
    resp = call(dev_server, "LIST", f"{mount}/data/dir")
    if dev_server.kind == "reference":  # OpenBao's data path matches, without a LIST
        assert answer(resp, 405) == {"errors": ["1 error occurred:\n\t* unsupported "
                                                "operation\n\n"]}
    else:  # Vault's data path refuses a trailing slash: the invalid-path hint
        assert answer(resp, 404)["warnings"] == [hint(dev_server, "list")]


FIELD_PREFIX = "Field validation failed: "


@pytest.mark.parametrize(("method", "path", "body", "status", "error"), [
    ("POST", "data/e", {}, 400, "no data provided"),
    ("POST", "data/e", {"data": "x"}, 400,
     "error converting input for field \"data\": '' expected type 'map[string]interface {}', "
     "got unconvertible type 'string'"),
    ("POST", "data/e", {"data": {"a": 1}, "options": {"cas": "x"}}, 400,
     "error parsing check-and-set parameter"),
    ("GET", "data/e?version=abc", None, 400,
     FIELD_PREFIX + "error converting input for field \"version\": '' cannot parse value as "
     "'int': strconv.ParseInt: invalid syntax"),
    ("POST", "config", {"max_versions": [1]}, 400,
     FIELD_PREFIX + "error converting input for field \"max_versions\": '' expected type "
     "'int', got unconvertible type '[]interface {}'"),
    ("POST", "config", {"delete_version_after": "abc"}, 400,
     FIELD_PREFIX + "error converting input for field \"delete_version_after\": time: invalid "
     "duration \"abc\""),
    ("POST", "metadata/e", {"cas_required": "maybe"}, 400,
     "error converting input for field \"cas_required\": '' cannot parse value as 'bool': "
     "strconv.ParseBool: invalid syntax"),
    ("POST", "metadata/e", {"delete_version_after": "-3"}, 400,
     "error converting input for field \"delete_version_after\": cannot provide negative "
     "value '-3'"),
    ("POST", "metadata/e", {"custom_metadata": {"a": None}}, 400,
     "1 error occurred:\n\t* custom_metadata validation failed: length of value for key "
     "\"a\" is 0 but must be 0 < len(value) <= 512\n\n"),
    ("POST", "metadata/e", {"custom_metadata": {"a": [1]}}, 400,
     "custom_metadata validation failed: '' expected type 'string', got unconvertible type "
     "'[]interface {}'"),
    ("POST", "delete/e", {}, 400, "No version number provided"),
    ("POST", "undelete/e", {"versions": ""}, 400, "No version number provided"),
    ("POST", "destroy/e", {}, 400, "no version number provided"),
    ("POST", "delete/e", {"versions": "1, 2"}, 400,
     FIELD_PREFIX + "error converting input for field \"versions\": decoding failed due to "
     "the following error(s):\n\n'[1]' cannot parse value as 'int': strconv.ParseInt: "
     "invalid syntax"),
    ("GET", "subkeys/e?depth=x", None, 400,
     FIELD_PREFIX + "error converting input for field \"depth\": '' cannot parse value as "
     "'int': strconv.ParseInt: invalid syntax"),
    ("POST", "data/e", [1], 400,
     "failed to decode JSON input: json: cannot unmarshal array into Go value of type "
     "map[string]interface {}"),
    ("PUT", "data/e/", {"data": {"a": 1}}, 400, "cannot write to a path ending in '/'"),
])
def test_malformed_input_is_4xx_with_vaults_text(
    dev_server: ServerProcess, mount: str, method: str, path: str, body: Any, status: int,
    error: str
) -> None:
    assert answer(call(dev_server, method, f"{mount}/{path}", body), status) == {
        "errors": [error]}


@pytest.mark.parametrize("body", [{"custom_metadata": {"c": 3}}, {"max_versions": -3}])
def test_metadata_patch_with_values_vault_cannot_store(dev_server: ServerProcess, mount: str,
                                                       body: dict[str, Any]) -> None:
    # Vault and OpenBao fail decoding the merged record: a 500 with the decoder's text.
    # Bad input is a 400 in pyvault, with the same text.
    answer(call(dev_server, "POST", f"{mount}/metadata/mpv", {"max_versions": 1}), 204)
    resp = call(dev_server, "PATCH", f"{mount}/metadata/mpv", headers=MERGE_PATCH, json=body)
    got = answer(resp, 500 if dev_server.kind == "reference" else 400)
    assert "json: cannot unmarshal number" in got["errors"][0]


def test_v1_http_answers(dev_server: ServerProcess) -> None:
    answer(call(dev_server, "POST", "sys/mounts/kvh1", {"type": "kv",
                                                        "options": {"version": "1"}}), 204)
    assert answer(call(dev_server, "POST", "kvh1/a", {"x": 1}), 204) is None
    assert answer(call(dev_server, "POST", "kvh1/a", {}), 400) == {
        "errors": ["missing data fields"]}
    read = answer(call(dev_server, "GET", "kvh1/a?bogus=1"), 200)
    assert read["warnings"] == ["Endpoint ignored these unrecognized parameters: [bogus]"]
    assert answer(call(dev_server, "GET", "kvh1/none"), 404) == NOT_FOUND
    assert answer(call(dev_server, "LIST", "kvh1/none"), 404) == NOT_FOUND
    assert answer(call(dev_server, "DELETE", "kvh1/a"), 204) is None

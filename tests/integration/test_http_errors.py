"""HTTP-level error answers of a real pyvault: oversize bodies (413), malformed and hostile
JSON (400, never 500), unknown routes, verbs and the Authorization header.

Expected texts were read off OpenBao 2.7.2 run with the same listener settings; where
pyvault's text is only required to start like OpenBao's the test says so.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration.server import PyvaultServer, call

MAX = 1024
TOO_LARGE = {"errors": ["http: request body too large"]}
DECODE = "failed to decode JSON input: "


def not_a_map(kind: str) -> str:
    return f"{DECODE}json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}"



@dataclass
class Raw:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Vault:
    server: PyvaultServer
    root: str

    @property
    def addr(self) -> str:
        return self.server.addr

    def raw(self, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None, *, chunked: bool = False,
            token: str | None = None) -> Raw:
        """One request over http.client (any verb, any header, chunked bodies)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            all_headers = dict(headers or {})
            if token is not None:
                all_headers["X-Vault-Token"] = token
            if chunked:
                data = body or b""
                chunks = iter([data[i:i + 100] for i in range(0, len(data), 100)])
                conn.request(method, path, body=chunks, headers=all_headers,
                             encode_chunked=True)
            else:
                conn.request(method, path, body=body, headers=all_headers)
            resp = conn.getresponse()
            return Raw(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
        finally:
            conn.close()


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    """One initialised, unsealed server (1 share) with max_request_size = 1024."""
    workdir: Path = tmp_path_factory.mktemp("http-errors")
    server = PyvaultServer(workdir)
    config = workdir / "server.hcl"
    config.write_text(
        'storage "inmem" {}\n'
        'listener "tcp" {\n'
        f'  address = "127.0.0.1:{server.port}"\n'
        "  tls_disable = true\n"
        f"  max_request_size = {MAX}\n"
        "}\n"
        "disable_mlock = true\n"
    )
    server.start(f"-config={config}")
    try:
        init = call(server.addr, "PUT", "sys/init", {"secret_shares": 1, "secret_threshold": 1})
        assert init.status == 200, init.body
        unseal = call(server.addr, "PUT", "sys/unseal", {"key": init.body["keys"][0]})
        assert unseal.body["sealed"] is False, unseal.body
        yield Vault(server, init.body["root_token"])
    finally:
        server.stop()


def body_of_size(size: int, key: str = "a") -> bytes:
    """A JSON object `{"<key>": "xxx…"}` of exactly `size` bytes."""
    head, tail = f'{{"{key}": "'.encode(), b'"}'
    body = head + b"x" * (size - len(head) - len(tail)) + tail
    assert len(body) == size
    return body


def error_of(result: Raw, status: int) -> list[str]:
    assert result.status == status, (result.status, result.body)
    assert result.headers["content-type"] == "application/json"
    errors: list[str] = result.json()["errors"]
    return errors


# ---- oversize bodies -----------------------------------------------------------------------


OVERSIZE = [("PUT", "/v1/sys/init", False), ("PUT", "/v1/sys/unseal", False),
            ("GET", "/v1/sys/seal-status", False), ("POST", "/v1/sys/seal-status", False),
            ("GET", "/v1/sys/health", False), ("POST", "/v1/sys/policies/acl/big", True),
            ("POST", "/v1/nope/x", True), ("POST", "/v1/cubbyhole/big", True),
            ("POST", "/v1/sys/policies/acl/big", False)]


@pytest.mark.parametrize(("method", "path", "with_token"), OVERSIZE,
                         ids=[f"{m}-{p}-{'token' if t else 'anon'}" for m, p, t in OVERSIZE])
def test_oversize_body_is_413(vault: Vault, method: str, path: str, with_token: bool) -> None:
    for size in (MAX + 1, 10 * MAX):
        result = vault.raw(method, path, body_of_size(size),
                           token=vault.root if with_token else None)
        assert result.status == 413, (size, result)
        assert result.json() == TOO_LARGE
        assert result.headers["content-type"] == "application/json"
        assert "cache-control" not in result.headers


def test_oversize_chunked_body_is_413(vault: Vault) -> None:
    for path, token in (("/v1/sys/policies/acl/big", vault.root), ("/v1/sys/unseal", None)):
        result = vault.raw("POST" if token else "PUT", path, body_of_size(5 * MAX),
                           chunked=True, token=token)
        assert (result.status, result.json()) == (413, TOO_LARGE)


def test_a_body_of_exactly_the_limit_is_read(vault: Vault) -> None:
    text = 'path "x" { capabilities = ["read"] } # '
    bare = len(json.dumps({"policy": text}).encode())
    policy = text + "x" * (MAX - bare)
    body = json.dumps({"policy": policy}).encode()
    assert len(body) == MAX
    result = vault.raw("PUT", "/v1/sys/policies/acl/exact", body, token=vault.root)
    assert (result.status, result.body) == (204, b"")
    read = call(vault.addr, "GET", "sys/policies/acl/exact", token=vault.root)
    assert read.body["data"]["policy"] == policy
    # Unauthenticated raw endpoint: the body is read and judged, not refused for its size.
    result = vault.raw("PUT", "/v1/sys/unseal", body_of_size(MAX, "nokey"))
    assert error_of(result, 400) == [
        "'key' must be specified in request body as JSON, or 'reset' set to true"]
    chunked = vault.raw("PUT", "/v1/sys/unseal", body_of_size(MAX, "nokey"), chunked=True)
    assert chunked.status == 400


def test_server_keeps_serving_after_oversize_bodies(vault: Vault) -> None:
    for _ in range(3):
        assert vault.raw("PUT", "/v1/sys/unseal", body_of_size(20 * MAX)).status == 413
    status = call(vault.addr, "GET", "sys/seal-status")
    assert (status.status, status.body["sealed"]) == (200, False)


# ---- malformed JSON --------------------------------------------------------------------------


MALFORMED_EXACT = [
    (b"{", DECODE + "unexpected EOF"),
    (b'{"a":"x', DECODE + "unexpected EOF"),
    (b"nul", DECODE + "unexpected EOF"),
    (b"{a:1}", DECODE + "invalid character 'a' looking for beginning of value"),
    (b'{"a":1,}', DECODE + "invalid character ',' looking for beginning of value"),
    (b'{"a":1}x', DECODE + "invalid character 'x' looking for beginning of value"),
    (b"[1,2]", not_a_map("array")),
    (b'"str"', not_a_map("string")),
    (b"5", not_a_map("number")),
    (b"true", not_a_map("bool")),
]
LOGICAL = ["/v1/sys/policies/acl/bad", "/v1/cubbyhole/bad", "/v1/sys/mounts/bad",
           "/v1/nope/bad"]


@pytest.mark.parametrize("path", LOGICAL)
@pytest.mark.parametrize(("body", "message"), MALFORMED_EXACT,
                         ids=[b.decode() for b, _ in MALFORMED_EXACT])
def test_malformed_json_on_logical_endpoints(vault: Vault, path: str, body: bytes,
                                             message: str) -> None:
    result = vault.raw("POST", path, body, token=vault.root)
    assert error_of(result, 400) == [message]


MALFORMED_PREFIX = [b"notjson", b'{"a" 1}', b'{"a":}', b'{"a":[1,2}', b'{"a":-}',
                    b'{"a":"\\u12"}', b'{"a":1e999}', b"\xff\xfe", b"{'a':1}"]


@pytest.mark.parametrize("path", [*LOGICAL, "/v1/sys/unseal", "/v1/sys/init"])
@pytest.mark.parametrize("body", MALFORMED_PREFIX, ids=[repr(b) for b in MALFORMED_PREFIX])
def test_malformed_json_texts_start_like_go(vault: Vault, path: str, body: bytes) -> None:
    # OpenBao's texts come from Go's scanner ("invalid character '1' after object key",
    # "missing value after object key", ...); only the prefix is required here.
    result = vault.raw("PUT", path, body, token=None if "/sys/" in path[:8] else vault.root)
    errors = error_of(result, 400)
    assert len(errors) == 1
    assert errors[0].startswith(DECODE), errors


@pytest.mark.parametrize(("path", "kind"), [("/v1/sys/unseal", "UnsealRequest"),
                                            ("/v1/sys/init", "InitRequest")])
def test_wrong_json_type_on_raw_endpoints(vault: Vault, path: str, kind: str) -> None:
    for body, what in ((b"[1]", "array"), (b'"x"', "string")):
        result = vault.raw("PUT", path, body)
        assert error_of(result, 400) == [
            f"{DECODE}json: cannot unmarshal {what} into Go value of type http.{kind}"]
    result = vault.raw("PUT", "/v1/sys/unseal", b'{"key": 5}')
    assert error_of(result, 400) == [
        DECODE + "json: cannot unmarshal number into Go struct field UnsealRequest.key of "
        "type string"]


@pytest.mark.parametrize("path", ["/v1/sys/policies/acl/deep", "/v1/sys/unseal",
                                  "/v1/cubbyhole/deep"])
@pytest.mark.parametrize("shape", ["array", "object"])
def test_deeply_nested_json_is_a_400(vault: Vault, tmp_path: Path, path: str,
                                     shape: str) -> None:
    depth = 10000
    if shape == "array":
        body = b"[" * depth + b"]" * depth
    else:
        body = b'{"a":' * depth + b"1" + b"}" * depth
    # Bigger than the module's 1 KiB limit: a second server without the limit.
    server = PyvaultServer(tmp_path)
    config = server.write_config('storage "inmem" {}')
    server.start(f"-config={config}")
    try:
        init = call(server.addr, "PUT", "sys/init", {"secret_shares": 1, "secret_threshold": 1})
        call(server.addr, "PUT", "sys/unseal", {"key": init.body["keys"][0]})
        other = Vault(server, init.body["root_token"])
        result = other.raw("PUT", path, body, token=other.root)
        errors = error_of(result, 400)
        assert len(errors) == 1
        # OpenBao: "…cannot unmarshal array…" (Go decodes 10000 levels) or "refused JSON
        # input due to high complexity: …" for objects.
        assert errors[0].startswith((DECODE, "refused JSON input due to high complexity")), errors
        assert call(server.addr, "GET", "sys/seal-status").status == 200
    finally:
        server.stop()


def test_json_decoding_is_as_lenient_as_go(vault: Vault) -> None:
    # Go reads the first JSON value and ignores what follows, and replaces invalid UTF-8.
    for body in (b'{"a":1}{"b":2}', b'{"a":"\xff"}', b'{"a":1} \n'):
        result = vault.raw("PUT", "/v1/sys/policies/acl/lenient", body, token=vault.root)
        assert error_of(result, 400) == ["'policy' parameter not supplied or empty"], body


def test_empty_and_null_bodies_are_no_data(vault: Vault) -> None:
    for body in (b"", b" ", b"\n", b"null"):
        result = vault.raw("PUT", "/v1/sys/policies/acl/empty", body, token=vault.root)
        assert error_of(result, 400) == ["'policy' parameter not supplied or empty"], body


# ---- routes, verbs, tokens -------------------------------------------------------------


def test_unknown_route(vault: Vault) -> None:
    for method in ("GET", "POST", "DELETE"):
        result = vault.raw(method, "/v1/nope/foo", b"{}" if method == "POST" else None,
                           token=vault.root)
        assert error_of(result, 404) == ['no handler for route "nope/foo". route entry not found.']
    result = vault.raw("LIST", "/v1/nope/foo", token=vault.root)
    assert error_of(result, 404) == ['no handler for route "nope/foo/". route entry not found.']
    assert error_of(vault.raw("GET", "/v1/sys/nope", token=vault.root), 404) == [
        "1 error occurred:\n\t* unsupported path\n\n"]
    assert error_of(vault.raw("GET", "/v2/sys/health"), 404) == []
    assert error_of(vault.raw("GET", "/v1"), 404) == []


def test_root_url_is_a_plain_404(vault: Vault) -> None:
    result = vault.raw("GET", "/")
    assert result.status == 404
    # OpenBao without its UI answers with Go's default text.
    assert result.body == b"404 page not found\n"
    assert result.headers["content-type"] == "text/plain; charset=utf-8"


def test_list_verb(vault: Vault) -> None:
    result = vault.raw("LIST", "/v1/sys/policies/acl", token=vault.root)
    assert result.status == 200
    assert result.json()["data"]["keys"][-1] == "root"
    same = vault.raw("GET", "/v1/sys/policies/acl?list=true", token=vault.root)
    assert same.json()["data"] == result.json()["data"]
    assert error_of(vault.raw("LIST", "/v1/cubbyhole/", token=vault.root), 404) == []


def test_unknown_http_methods(vault: Vault) -> None:
    for method in ("TRACE", "FOO"):
        assert error_of(vault.raw(method, "/v1/sys/mounts", token=vault.root), 405) == []


def test_patch_needs_the_merge_patch_content_type(vault: Vault) -> None:
    result = vault.raw("PATCH", "/v1/sys/mounts", b'{"a":1}',
                       {"Content-Type": "application/json"}, token=vault.root)
    assert error_of(result, 415) == [
        "PATCH requires Content-Type of application/merge-patch+json, provided application/json"]
    result = vault.raw("PATCH", "/v1/sys/mounts", b'{"a":1}', token=vault.root)
    assert error_of(result, 400) == ["mime: no media type"]
    result = vault.raw("PATCH", "/v1/sys/mounts", b'{"a":1}',
                       {"Content-Type": "application/merge-patch+json"}, token=vault.root)
    assert error_of(result, 405) == ["1 error occurred:\n\t* unsupported operation\n\n"]


def test_authorization_bearer(vault: Vault) -> None:
    result = vault.raw("GET", "/v1/sys/mounts", headers={"Authorization": f"Bearer {vault.root}"})
    assert result.status == 200
    assert "sys/" in result.json()["data"]
    for header in (f"bearer {vault.root}", f"Basic {vault.root}", vault.root, "Bearer nope"):
        result = vault.raw("GET", "/v1/sys/mounts", headers={"Authorization": header})
        assert error_of(result, 403) == ["permission denied"], header
    # X-Vault-Token wins over Authorization.
    both = vault.raw("GET", "/v1/sys/mounts", headers={"Authorization": "Bearer nope"},
                     token=vault.root)
    assert both.status == 200


def test_head(vault: Vault) -> None:
    health = vault.raw("HEAD", "/v1/sys/health")
    assert (health.status, health.body) == (200, b"")
    assert vault.raw("HEAD", "/v1/sys/mounts", token=vault.root).status == 405
    assert vault.raw("HEAD", "/v1/nope/x", token=vault.root).status == 404

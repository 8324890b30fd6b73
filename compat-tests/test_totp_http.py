"""The TOTP engine over raw HTTP, against pyvault and the reference.

Where HashiCorp Vault and OpenBao differ, pyvault follows Vault: a GET on
``code/<name>`` answers ``{"code": …}`` as Vault documents it; OpenBao 2.7.2 adds
``expire_time``, ``generated`` and ``period``, so tests only rely on ``code``.
"""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from harness import Reaper, ServerProcess, selected_kinds

MOUNT = "totp"
GOOGLE_URL = ("otpauth://totp/Google:test@gmail.com?secret=Y64VEVMBTSXCYIWRSHRNDZW62MPGVU2G"
              "&issuer=Google")


@pytest.fixture(scope="module")
def totp(dev_server: ServerProcess) -> ServerProcess:
    resp = dev_server.request("POST", f"/v1/sys/mounts/{MOUNT}", json={"type": "totp"})
    assert resp.status_code == 204, resp.text
    return dev_server


@pytest.fixture(scope="module")
def peer(totp: ServerProcess, tmp_path_factory: pytest.TempPathFactory,
         _reaper: Reaper) -> Iterator[ServerProcess]:
    """The other kind of server (pyvault ↔ reference), with a totp mount too."""
    kind = "reference" if totp.kind == "pyvault" else "pyvault"
    if kind not in selected_kinds():
        pytest.skip(f"{kind} is not selected")
    server = ServerProcess(kind=kind, workdir=tmp_path_factory.mktemp(f"{kind}-totp-peer"),
                           dev=True)
    server.start()
    try:
        server.request("POST", f"/v1/sys/mounts/{MOUNT}", json={"type": "totp"})
        yield server
    finally:
        _reaper.release(server)


def write_key(server: ServerProcess, name: str, **body: Any) -> Any:
    return server.request("POST", f"/v1/{MOUNT}/keys/{name}", json=body)


def code(server: ServerProcess, name: str) -> str:
    resp = server.request("GET", f"/v1/{MOUNT}/code/{name}")
    assert resp.status_code == 200, resp.text
    value: str = resp.json()["data"]["code"]
    return value


def check(server: ServerProcess, name: str, value: str) -> Any:
    return server.request("POST", f"/v1/{MOUNT}/code/{name}", json={"code": value})


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, after checking every chunk's CRC and inflating
    the image data to exactly the size the header promises."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    assert len(zlib.decompress(idat)) == height * (1 + width * channels * depth // 8)
    return width, height


def test_generated_key_works_with_pyotp(totp: ServerProcess) -> None:
    resp = write_key(totp, "gen", generate=True, issuer="Acme", account_name="bob@acme.com")
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    assert set(data) == {"url", "barcode"}
    assert png_size(base64.b64decode(data["barcode"])) == (200, 200)
    parsed = pyotp.parse_uri(data["url"])
    assert isinstance(parsed, pyotp.TOTP)
    assert (parsed.issuer, parsed.name, parsed.digits, parsed.interval) == (
        "Acme", "bob@acme.com", 6, 30)
    assert check(totp, "gen", parsed.now()).json()["data"] == {"valid": True}
    assert parsed.verify(code(totp, "gen"), valid_window=1)
    read = totp.request("GET", f"/v1/{MOUNT}/keys/gen").json()["data"]
    assert read == {"account_name": "bob@acme.com", "algorithm": "SHA1", "digits": 6,
                    "issuer": "Acme", "period": 30}


def test_generate_options(totp: ServerProcess) -> None:
    resp = write_key(totp, "opts", generate=True, issuer="Acme", account_name="bob",
                     qr_size=0, key_size=32, algorithm="SHA256", digits=8, period="60s")
    data = resp.json()["data"]
    assert set(data) == {"url"}
    parsed = pyotp.parse_uri(data["url"])
    assert isinstance(parsed, pyotp.TOTP)
    assert (parsed.digits, parsed.interval, len(parsed.byte_secret())) == (8, 60, 32)
    assert check(totp, "opts", parsed.now()).json()["data"] == {"valid": True}
    sized = write_key(totp, "sized", generate=True, issuer="A", account_name="b", qr_size=120)
    assert png_size(base64.b64decode(sized.json()["data"]["barcode"])) == (120, 120)
    hidden = write_key(totp, "hidden", generate=True, issuer="A", account_name="b",
                       exported=False)
    assert hidden.status_code == 204


def test_a_code_is_accepted_once(totp: ServerProcess) -> None:
    assert write_key(totp, "once", url=GOOGLE_URL).status_code == 204
    value = code(totp, "once")
    assert check(totp, "once", value).json()["data"] == {"valid": True}
    again = check(totp, "once", value)
    assert (again.status_code, again.json()) == (
        400, {"errors": ["code already used; wait until the next time period"]})
    wrong = check(totp, "once", "000000" if value != "000000" else "111111")
    assert (wrong.status_code, wrong.json()["data"]) == (200, {"valid": False})


def test_keys_imported_from_one_url_agree(totp: ServerProcess, peer: ServerProcess) -> None:
    made = write_key(totp, "shared", generate=True, issuer="Acme", account_name="ops",
                     qr_size=0).json()["data"]["url"]
    assert write_key(peer, "shared", url=made).status_code == 204
    assert check(totp, "shared", code(peer, "shared")).json()["data"] == {"valid": True}
    assert check(peer, "shared", code(totp, "shared")).json()["data"] == {"valid": True}
    for server in (totp, peer):
        assert write_key(server, "by-key", key="Y64VEVMBTSXCYIWRSHRNDZW62MPGVU2G",
                         issuer="Google", account_name="t").status_code == 204
    assert check(peer, "by-key", code(totp, "by-key")).json()["data"] == {"valid": True}


def test_list_read_delete(totp: ServerProcess) -> None:
    write_key(totp, "listed", url=GOOGLE_URL)
    keys = totp.request("LIST", f"/v1/{MOUNT}/keys").json()["data"]["keys"]
    assert "listed" in keys
    read = totp.request("GET", f"/v1/{MOUNT}/keys/listed").json()["data"]
    assert read == {"account_name": "test@gmail.com", "algorithm": "SHA1", "digits": 6,
                    "issuer": "Google", "period": 30}
    assert totp.request("DELETE", f"/v1/{MOUNT}/keys/listed").status_code == 204
    missing = totp.request("GET", f"/v1/{MOUNT}/keys/listed")
    assert (missing.status_code, missing.json()) == (404, {"errors": []})
    for method, body in (("GET", None), ("POST", {"code": "123456"})):
        resp = totp.request(method, f"/v1/{MOUNT}/code/listed", json=body)
        assert (resp.status_code, resp.json()) == (400, {"errors": ["unknown key: listed"]})


@pytest.mark.parametrize(("body", "error"), [
    ({}, "the key value is required"),
    ({"url": "notaurl"}, "the key value is required"),
    ({"key": "!!!!"}, "invalid key value: illegal base32 data at input byte 0"),
    ({"generate": True}, "the account_name value is required for generated keys"),
    ({"generate": True, "account_name": "x"}, "the issuer value is required for generated keys"),
    ({"generate": True, "issuer": "A", "account_name": "b", "digits": 7},
     "the digits value can only be 6 or 8"),
    ({"generate": True, "issuer": "A", "account_name": "b", "algorithm": "MD5"},
     "the algorithm value is not valid"),
    ({"generate": True, "issuer": "A", "account_name": "b", "skew": 2},
     "the skew value must be 0 or 1"),
    ({"generate": True, "issuer": "A", "account_name": "b", "key_size": 0},
     "the key_size value must be greater than zero"),
    ({"generate": True, "issuer": "A", "account_name": "b", "qr_size": -1},
     "the qr_size value must be greater than or equal to zero"),
    ({"generate": True, "issuer": "A", "account_name": "b", "period": 0},
     "the period value must be greater than zero"),
])
def test_bad_key_input(totp: ServerProcess, body: dict[str, Any], error: str) -> None:
    resp = write_key(totp, "bad", **body)
    assert (resp.status_code, resp.json()) == (400, {"errors": [error]})


def test_bad_code_input(totp: ServerProcess) -> None:
    write_key(totp, "codes", url=GOOGLE_URL)
    for body, error in (({}, "the code value is required"),
                        ({"code": "abc"}, "invalid number of digits for the code")):
        resp = totp.request("POST", f"/v1/{MOUNT}/code/codes", json=body)
        assert (resp.status_code, resp.json()) == (400, {"errors": [error]})


PATHS = [
    ("LIST", f"/v1/{MOUNT}/keys", None),
    ("GET", f"/v1/{MOUNT}/keys/gen", None),
    ("POST", f"/v1/{MOUNT}/keys/new", {"url": GOOGLE_URL}),
    ("DELETE", f"/v1/{MOUNT}/keys/gen", None),
    ("GET", f"/v1/{MOUNT}/code/gen", None),
    ("POST", f"/v1/{MOUNT}/code/gen", {"code": "123456"}),
]


@pytest.mark.parametrize(("method", "path", "body"), PATHS)
def test_paths_refuse_a_token_without_capability(
    totp: ServerProcess, method: str, path: str, body: dict[str, Any] | None,
) -> None:
    client = totp.client()
    client.sys.create_or_update_acl_policy(name="nothing",
                                           policy='path "secret/*" { capabilities = ["read"] }')
    token = client.auth.token.create(policies=["nothing"], ttl="10m")["auth"]["client_token"]
    resp = totp.request(method, path, token=token, json=body)
    assert resp.status_code == 403

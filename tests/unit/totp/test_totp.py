"""The TOTP engine driven directly, with a fake clock: codes match RFC 6238 (pyotp),
replays are refused, the barcode is a PNG of the asked size."""

from __future__ import annotations

import base64
import struct
from typing import Any

import pyotp
import pytest

from pyvault.builtin.secrets.totp.backend import totp_backend
from pyvault.builtin.secrets.totp.barcode import qr_png
from pyvault.builtin.secrets.totp.model import parse_url
from pyvault.logical.errors import InvalidRequest, NotFound
from pyvault.logical.operation import Operation
from tests.unit.userpass.support import Mount

U, R = Operation.UPDATE, Operation.READ
SECRET = "Y64VEVMBTSXCYIWRSHRNDZW62MPGVU2G"
URL = f"otpauth://totp/Google:test@gmail.com?secret={SECRET}&issuer=Google"


@pytest.fixture
def totp() -> Mount:
    return Mount(totp_backend, mount_point="totp/")


async def check(totp: Mount, name: str, code: str) -> bool:
    valid: bool = (await totp.data(U, f"code/{name}", code=code))["valid"]
    return valid


async def test_generated_key_matches_pyotp(totp: Mount) -> None:
    data = await totp.data(U, "keys/gen", generate=True, issuer="Acme Corp",
                           account_name="bob@acme.com", algorithm="SHA512", digits=8)
    parsed = pyotp.parse_uri(data["url"])
    assert isinstance(parsed, pyotp.TOTP)
    assert data["url"].startswith("otpauth://totp/Acme%20Corp:bob@acme.com?algorithm=SHA512")
    now = totp.clock.now()
    assert (await totp.data(R, "code/gen"))["code"] == parsed.at(now)
    assert await check(totp, "gen", parsed.at(now + 30))  # one step of skew
    assert not await check(totp, "gen", parsed.at(now + 90))


async def test_provider_mode_and_replay(totp: Mount) -> None:
    assert await totp.write("keys/p", url=URL) is None
    reference = pyotp.TOTP(SECRET)
    code = reference.at(totp.clock.now())
    assert await check(totp, "p", code)
    with pytest.raises(InvalidRequest, match="code already used"):
        await check(totp, "p", code)
    totp.clock.advance(30 * 4)  # the used-code memory ends once the code is stale
    assert not await check(totp, "p", code)
    assert await totp.write("keys/k", key=SECRET.lower(), skew=0) is None
    assert await check(totp, "k", reference.at(totp.clock.now()))
    assert not await check(totp, "k", reference.at(totp.clock.now() + 30))


async def test_read_list_delete(totp: Mount) -> None:
    with pytest.raises(NotFound):
        await totp.call(Operation.LIST, "keys/")
    await totp.write("keys/p", url=URL)
    assert await totp.data(R, "keys/p") == {"account_name": "test@gmail.com",
                                            "algorithm": "SHA1", "digits": 6,
                                            "issuer": "Google", "period": 30}
    assert (await totp.data(Operation.LIST, "keys/"))["keys"] == ["p"]
    await totp.call(Operation.DELETE, "keys/p")
    with pytest.raises(InvalidRequest, match="unknown key: p"):
        await totp.read("code/p")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_barcode_sizes(totp: Mount) -> None:
    data = await totp.data(U, "keys/g", generate=True, issuer="A", account_name="b",
                           qr_size=321)
    assert png_size(base64.b64decode(data["barcode"])) == (321, 321)
    assert png_size(qr_png("x", 25)) == (25, 25)
    with pytest.raises(InvalidRequest, match="can not scale barcode"):
        qr_png("otpauth://totp/a:b?secret=" + SECRET, 10)


@pytest.mark.parametrize(("body", "error"), [
    ({"generate": True, "key": SECRET}, "a key should not be passed if generate is true"),
    ({"generate": True, "url": URL}, "a url should not be passed if generate is true"),
    ({"key": "ABC1"}, "invalid key value: illegal base32 data at input byte 3"),
    ({"url": "otpauth://totp/a?secret=" + SECRET + "&digits=7"},
     "the digits value can only be 6 or 8"),
])
async def test_bad_input(totp: Mount, body: dict[str, Any], error: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        await totp.write("keys/bad", **body)
    assert refused.value.messages == [error]


def test_url_round_trip() -> None:
    parsed = parse_url("otpauth://totp/Acme%20Corp:bob?secret=abc&period=60&algorithm=sha256")
    assert (parsed.issuer, parsed.account_name, parsed.key) == ("Acme Corp", "bob", "ABC")
    assert (parsed.period, parsed.algorithm, parsed.digits) == (60, "SHA256", 6)

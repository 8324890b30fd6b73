"""A TOTP key: the shared secret plus how codes are made (RFC 6238, via pyotp).

The secret is stored (the engine must make codes from it) but only behind the
barrier, and it leaves the engine only in the ``url`` of an exported generated key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlparse

import msgpack
import pyotp

from pyvault.logical.errors import InvalidRequest

ALGORITHMS: dict[str, Callable[..., Any]] = {
    "SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512,
}
B32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


@dataclass(slots=True, kw_only=True)
class TOTPKey:
    key: str = field(repr=False)  # base32, as given or generated
    issuer: str = ""
    account_name: str = ""
    period: int = 30
    algorithm: str = "SHA1"
    digits: int = 6
    skew: int = 1

    def serialize(self) -> bytes:
        packed: bytes = msgpack.packb(asdict(self), use_bin_type=True)
        return packed

    @classmethod
    def deserialize(cls, raw: bytes) -> TOTPKey:
        record: dict[str, Any] = msgpack.unpackb(raw, raw=False)
        return cls(**{k: v for k, v in record.items() if k in cls.__dataclass_fields__})

    def view(self) -> dict[str, Any]:
        return {"account_name": self.account_name, "algorithm": self.algorithm,
                "digits": self.digits, "issuer": self.issuer, "period": self.period}

    def _totp(self) -> pyotp.TOTP:
        return pyotp.TOTP(self.key, digits=self.digits, digest=ALGORITHMS[self.algorithm],
                          interval=self.period)

    def code_at(self, now: float) -> str:
        return self._totp().at(int(now))

    def check(self, code: str, now: float) -> bool:
        """Every step within the skew is compared in constant time; no early exit."""
        totp = self._totp()
        matched = False
        for step in range(-self.skew, self.skew + 1):
            candidate = totp.at(int(now), counter_offset=step)
            matched |= hmac.compare_digest(candidate.encode(), code.encode())
        return matched

    def url(self) -> str:
        """Go's ``otp.Key`` URL: ``otpauth://totp/Issuer:account?…`` with sorted query."""
        label = quote(f"{self.issuer}:{self.account_name}", safe="$&+,/:;=@")
        query = urlencode(sorted({"algorithm": self.algorithm, "digits": str(self.digits),
                                  "issuer": self.issuer, "period": str(self.period),
                                  "secret": self.key}.items()))
        return f"otpauth://totp/{label}?{query}"


def check_base32(text: str) -> None:
    """Go's ``base32.StdEncoding`` error text, padding forgiven (generated keys have none)."""
    for index, char in enumerate(text):
        if char not in B32_ALPHABET and char != "=":
            raise InvalidRequest(
                f"invalid key value: illegal base32 data at input byte {index}")
    try:
        base64.b32decode(text + "=" * (-len(text) % 8))
    except binascii.Error:
        raise InvalidRequest(
            f"invalid key value: illegal base32 data at input byte {len(text)}") from None


def random_key(random_bytes: bytes) -> str:
    return base64.b32encode(random_bytes).decode().rstrip("=")


@dataclass(slots=True, kw_only=True)
class ParsedURL:
    key: str
    issuer: str
    account_name: str
    period: int
    algorithm: str
    digits: int


def parse_url(url: str) -> ParsedURL:
    """An ``otpauth://totp/...`` URL as Go's ``otp.NewKeyFromURL`` reads it; the
    caller validates the values as if they had been given as fields."""
    parsed = urlparse(url)
    query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
    label = unquote(parsed.path.lstrip("/"))
    issuer, sep, account = label.partition(":")
    if not sep:
        issuer, account = "", label
    issuer = query.get("issuer", issuer)
    try:
        period = int(query.get("period", "30") or 30)
        digits = int(query.get("digits", "6") or 6)
    except ValueError:
        raise InvalidRequest("url is not valid") from None
    return ParsedURL(key=query.get("secret", "").upper(), issuer=issuer,
                     account_name=account.strip(), period=period,
                     algorithm=query.get("algorithm", "SHA1").upper() or "SHA1", digits=digits)

"""The scenarios: the same requests and payloads against every server.

Each scenario gives a wrk Lua script for a server's prepared state and the sample
requests that probe, before any load, that the server serves it (2xx).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from bench_lib import lua
from bench_lib.prepare import PLAINTEXT_B64, SECRET_DATA


@dataclass(frozen=True)
class Context:
    token: str  # the token the load sends
    secrets: int  # k0..k<secrets-1> exist under secret/
    ciphertext: str | None  # transit ciphertext of the 64-byte plaintext
    tag: str  # unique per run on one server: keeps written keys distinct


Sample = tuple[str, str, str | None]  # method, path under /v1/, JSON body


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    needs: tuple[str, ...]  # features from prepare: "kv", "transit", "pki"
    script: Callable[[Context], str]
    samples: Callable[[Context], list[Sample]]
    target: float | None = None  # issue 5: pyvault rps >= target x the reference's ...
    target_modes: tuple[str, ...] = ("dev", "durable")  # ... in these modes
    audit: bool = False  # a file audit device is enabled on every server meanwhile
    baseline: str | None = None  # the scenario this one is compared with (audit off)


KV_BODY = json.dumps(SECRET_DATA, separators=(",", ":"))
TOKEN_BODY = json.dumps({"policies": ["bench"], "ttl": "1h"}, separators=(",", ":"))
PKI_BODY = json.dumps({"common_name": "svc.bench.test", "ttl": "1h"}, separators=(",", ":"))

KV_READ = """
function request()
  return wrk.format("GET", "/v1/secret/data/k" .. math.random(0, n - 1))
end
"""
KV_WRITE = """
function request()
  counter = counter + 1
  return wrk.format("POST", "/v1/secret/data/w-" .. tag .. "-" .. tid .. "-" .. counter, nil, body)
end
"""
KV_MIXED = """
function request()
  local path = "/v1/secret/data/k" .. math.random(0, n - 1)
  if math.random() < 0.1 then
    return wrk.format("POST", path, nil, body)
  end
  return wrk.format("GET", path)
end
"""


def static(method: str, path: str, body: Callable[[Context], str | None] = lambda c: None,
           auth: bool = True) -> tuple[Callable[[Context], str], Callable[[Context], list[Sample]]]:
    def script(c: Context) -> str:
        return lua.static(method, path, body(c), c.token if auth else None)

    def samples(c: Context) -> list[Sample]:
        return [(method, path, body(c))]

    return script, samples


def encrypt_body(c: Context) -> str:
    return json.dumps({"plaintext": PLAINTEXT_B64})


def decrypt_body(c: Context) -> str:
    return json.dumps({"ciphertext": c.ciphertext})


def _scenarios() -> list[Scenario]:
    health = static("GET", "sys/health", auth=False)
    lookup = static("GET", "auth/token/lookup-self")
    create = static("POST", "auth/token/create", lambda c: TOKEN_BODY)
    encrypt = static("POST", "transit/encrypt/bench", encrypt_body)
    decrypt = static("POST", "transit/decrypt/bench", decrypt_body)
    issue = static("POST", "pki/issue/bench", lambda c: PKI_BODY)
    return [
        Scenario("health", "sys/health", (), *health),
        Scenario(
            "kv-read", "KV v2 read", ("kv",),
            lambda c: lua.dynamic(KV_READ, c.token, n=c.secrets),
            lambda c: [("GET", f"secret/data/k{c.secrets - 1}", None)],
            target=1.5,
        ),
        Scenario(
            "kv-read-audit", "KV v2 read, file audit device on", ("kv",),
            lambda c: lua.dynamic(KV_READ, c.token, n=c.secrets),
            lambda c: [("GET", f"secret/data/k{c.secrets - 1}", None)],
            audit=True, baseline="kv-read",
        ),
        Scenario("token-lookup", "token lookup-self", (), *lookup, target=1.5),
        Scenario("transit-encrypt", "transit encrypt 64 B", ("transit",), *encrypt, target=1.5),
        Scenario("transit-decrypt", "transit decrypt 64 B", ("transit",), *decrypt, target=1.5),
        Scenario(
            "kv-mixed", "KV v2 90% read/10% write", ("kv",),
            lambda c: lua.dynamic(KV_MIXED, c.token, n=c.secrets, body=KV_BODY),
            lambda c: [("GET", "secret/data/k0", None), ("POST", "secret/data/k0", KV_BODY)],
        ),
        Scenario(
            "kv-write", "KV v2 write (new keys)", ("kv",),
            lambda c: lua.dynamic(KV_WRITE, c.token, tag=c.tag, body=KV_BODY),
            lambda c: [("POST", f"secret/data/w-{c.tag}-0-0", KV_BODY)],
            target=2.0, target_modes=("durable",),
        ),
        Scenario("token-create", "token create", (), *create, target=2.0,
                 target_modes=("durable",)),
        Scenario("pki-issue", "PKI issue EC P-256", ("pki",), *issue),
    ]


SCENARIOS: dict[str, Scenario] = {s.name: s for s in _scenarios()}

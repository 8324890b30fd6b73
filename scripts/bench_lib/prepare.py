"""The same state on every server, made through the HTTP API with the root token.

KV v2 at ``secret/`` holding k0..k<N-1>; policy ``bench`` and a token holding it (the
load runs with that token, so ACL checks are on the path; if either server cannot make
it, both fall back to root); transit key ``bench`` and PKI role ``bench`` (EC P-256,
no_store) when those engines mount. What could not be made is kept as a reason.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bench_lib.client import Client, Reply
from bench_lib.servers import Server

PLAINTEXT_B64 = base64.b64encode(bytes(range(64))).decode()  # 64 bytes
SECRET_DATA = {"data": {"username": "bench", "password": "0123456789abcdef0123456789abcdef"}}
POLICY = """
path "secret/*" { capabilities = ["create", "read", "update", "list"] }
path "transit/encrypt/bench" { capabilities = ["update"] }
path "transit/decrypt/bench" { capabilities = ["update"] }
path "pki/issue/bench" { capabilities = ["create", "update"] }
path "auth/token/create" { capabilities = ["create", "update"] }
"""
READY_TIMEOUT = 30.0


class Missing(Exception):
    """A feature of the server that the benchmark needs is not there; str() says why."""


@dataclass
class Prepared:
    root: str
    bench_token: str | None = None
    ciphertext: str | None = None
    missing: dict[str, str] = field(default_factory=dict)  # feature -> why


def need(reply: Reply, what: str) -> Reply:
    if not reply.ok:
        raise Missing(f"{what} → {reply.why()}")
    return reply


def prepare(server: Server, secrets: int) -> Prepared:
    client = server.client()
    done = Prepared(root=server.token)
    steps: tuple[tuple[str, Callable[[], None]], ...] = (
             ("kv", lambda: prepare_kv(client, server, secrets)),
             ("token", lambda: prepare_token(client, done)),
             ("transit", lambda: prepare_transit(client, done)),
             ("pki", lambda: prepare_pki(client)))
    try:
        for feature, step in steps:
            try:
                step()
            except Missing as exc:
                done.missing[feature] = f"{server.name}: {exc}"
    finally:
        client.close()
    return done


def prepare_kv(client: Client, server: Server, secrets: int) -> None:
    mounts = need(client.request("GET", "sys/mounts"), "GET sys/mounts").json()
    table = mounts.get("data", mounts)
    entry = table.get("secret/")
    if entry is None:
        need(client.request("POST", "sys/mounts/secret",
                            {"type": "kv", "options": {"version": "2"}}), "POST sys/mounts/secret")
    elif entry.get("type") != "kv" or (entry.get("options") or {}).get("version") != "2":
        raise Missing(f"secret/ is mounted as {entry.get('type')} {entry.get('options')}")
    deadline = time.monotonic() + READY_TIMEOUT
    while True:  # a fresh v2 mount refuses writes until its upgrade finished
        reply = client.request("POST", "secret/data/k0", SECRET_DATA)
        if reply.ok:
            break
        if time.monotonic() > deadline or reply.status in (404, 405):
            need(reply, "POST secret/data/k0")
        time.sleep(0.2)

    def seed(shard: int) -> None:
        own = server.client()
        try:
            for i in range(shard or 4, secrets, 4):  # k0 is written above
                need(own.request("POST", f"secret/data/k{i}", SECRET_DATA),
                     f"POST secret/data/k{i}")
        finally:
            own.close()

    with ThreadPoolExecutor(4) as pool:
        for result in [pool.submit(seed, shard) for shard in range(4)]:
            result.result()


def prepare_token(client: Client, done: Prepared) -> None:
    need(client.request("PUT", "sys/policies/acl/bench", {"policy": POLICY}),
         "PUT sys/policies/acl/bench")
    reply = need(client.request("POST", "auth/token/create",
                                {"policies": ["bench"], "ttl": "24h"}), "POST auth/token/create")
    auth = reply.json().get("auth") or {}
    if not auth.get("client_token"):
        raise Missing("POST auth/token/create answered without auth.client_token")
    done.bench_token = auth["client_token"]


def prepare_transit(client: Client, done: Prepared) -> None:
    need(client.request("POST", "sys/mounts/transit", {"type": "transit"}),
         "POST sys/mounts/transit")
    need(client.request("POST", "transit/keys/bench", {}), "POST transit/keys/bench")
    reply = need(client.request("POST", "transit/encrypt/bench", {"plaintext": PLAINTEXT_B64}),
                 "POST transit/encrypt/bench")
    done.ciphertext = str(reply.json()["data"]["ciphertext"])


def prepare_pki(client: Client) -> None:
    need(client.request("POST", "sys/mounts/pki",
                        {"type": "pki", "config": {"max_lease_ttl": "87600h"}}),
         "POST sys/mounts/pki")
    need(client.request("POST", "pki/root/generate/internal",
                        {"common_name": "bench.test", "key_type": "ec", "key_bits": 256,
                         "ttl": "8760h"}), "POST pki/root/generate/internal")
    need(client.request("POST", "pki/roles/bench",
                        {"allowed_domains": "bench.test", "allow_subdomains": True,
                         "key_type": "ec", "key_bits": 256, "no_store": True,
                         "max_ttl": "72h"}), "POST pki/roles/bench")

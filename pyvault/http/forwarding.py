"""What a standby node does with a client's request: forward it, or redirect.

Vault's standbys forward requests to the active node over the cluster port, so a
client pointed at any node just works; with ``disable_clustering`` (or the client's
``X-Vault-No-Request-Forwarding`` header) they answer 307 to the active node's
``api_addr`` instead. pyvault forwards over the active node's own API listener and
signs each forwarded request with a key every unsealed node derives from the
barrier keyring: the active node then trusts the original client address the
standby reports (CIDR-bound tokens, audit ``remote_address``), and nobody else can
claim one. Standbys also send the active node a heartbeat (``sys/ha-status``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from typing import Any

import aiohttp
from aiohttp import web

from pyvault.core.core import Core
from pyvault.core.ha import NodeEcho
from pyvault.http.envelope import empty_response, error_response
from pyvault.http.logical import FORWARDED_PEER, client_token
from pyvault.version import VAULT_API_VERSION

log = logging.getLogger("pyvault.http.forwarding")

AUTH_HEADER = "X-Pyvault-Cluster-Auth"
FORWARDED_FOR = "X-Pyvault-Forwarded-For"
NO_FORWARDING_HEADER = "X-Vault-No-Request-Forwarding"
ECHO_ROUTE = "/pyvault/cluster/echo"
KEY_PURPOSE = b"pyvault/cluster/forwarding/v1"
MAX_SKEW = 60.0  # seconds a signed request stays valid (replay window)
ECHO_INTERVAL = 2.0
# A leader that refuses connections has likely just died: how long a standby waits for
# the lock to name the next one (a killed holder is replaced in about a second).
LEADER_CHANGE_WAIT = 5.0
LEADER_POLL = 0.1
NO_LEADER = "node not active but active cluster node not found"

# Answered by the standby itself; everything else goes to the active node.
LOCAL_PATHS = frozenset({"sys/init", "sys/seal-status", "sys/unseal", "sys/health",
                         "sys/leader"})
LOCAL_ONLY_PATHS = frozenset({"sys/in-flight-req"})
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate",
                         "proxy-authorization", "te", "trailers", "transfer-encoding",
                         "upgrade", "host", "content-length", "date", "server",
                         AUTH_HEADER.lower(), FORWARDED_FOR.lower()})


def _signature(key: bytes, *parts: str) -> str:
    return hmac.new(key, "\n".join(parts).encode(), hashlib.sha256).hexdigest()


class Forwarder:
    """One per Core: the client session towards the active node and the echo loop."""

    def __init__(self, core: Core) -> None:
        self._core = core
        self._session: aiohttp.ClientSession | None = None
        self._echo_task: asyncio.Task[None] | None = None

    def _key(self) -> bytes:
        return self._core.barrier.derive_key(KEY_PURPOSE)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=5),
                auto_decompress=False,
            )
        return self._session

    async def start(self) -> None:
        if self._core.ha is not None and self._echo_task is None:
            self._echo_task = asyncio.create_task(self._echo_loop(), name="ha-echo")

    async def close(self) -> None:
        task, self._echo_task = self._echo_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ---- on the standby ------------------------------------------------------------------

    async def handle_on_standby(
        self, request: web.Request, path: str, body: bytes
    ) -> web.StreamResponse | None:
        """The answer for a request that reached a standby, or None to serve it here."""
        if path in LOCAL_PATHS:
            return None
        if path in LOCAL_ONLY_PATHS:
            return error_response(400, ["cannot forward local-only request"])
        if path == "sys/seal" and request.method in ("PUT", "POST"):
            return await self._seal_standby(request)
        leader = await self._leader_or_none()
        if leader is None:
            return error_response(500, [NO_LEADER])
        if (not self._core.config.request_forwarding
                or request.headers.get(NO_FORWARDING_HEADER)):
            return redirect(leader, request)
        deadline = time.monotonic() + LEADER_CHANGE_WAIT
        while True:
            try:
                return await self.forward(request, body, leader)
            except aiohttp.ClientConnectorError as exc:
                # Nothing reached the leader, so the request may go elsewhere: the
                # leader may have just died and another node (maybe this one) taken
                # over; a stale address would only send the client to a dead node.
                failure: Exception = exc
                found = await self._new_leader(leader, deadline)
                if found is None:  # this node is active now: serve it here
                    return None
                if found == leader:
                    break
                leader = found
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                failure = exc
                break
        # As Vault: when forwarding fails the client is sent to the active node.
        log.warning("ha: forwarding to %s failed (%s); redirecting", leader,
                    type(failure).__name__)
        return redirect(leader, request)

    async def _new_leader(self, failed: str, deadline: float) -> str | None:
        """Wait (until ``deadline``) for the lock to name another active node;
        ``failed`` again when none shows up, None when this node became active."""
        assert self._core.ha is not None
        while True:
            if not self._core.standby:
                return None
            self._core.ha.forget_leader()
            leader = await self._leader_or_none()
            if leader is not None and leader != failed:
                return leader
            if time.monotonic() >= deadline:
                return failed
            await asyncio.sleep(LEADER_POLL)

    async def _leader_or_none(self) -> str | None:
        assert self._core.ha is not None
        leader = await self._core.ha.leader()
        if not leader.held or not leader.api_addr or leader.is_self:
            return None
        return leader.api_addr.rstrip("/")

    async def forward(self, request: web.Request, body: bytes, leader: str) -> web.Response:
        """Replay the request on the active node and hand its answer back verbatim."""
        peer = request.transport.get_extra_info("peername") if request.transport else None
        client = f"{peer[0]}:{peer[1]}" if peer else ""
        timestamp = f"{time.time():.3f}"
        headers = {name: value for name, value in request.headers.items()
                   if name.lower() not in _HOP_BY_HOP}
        headers[FORWARDED_FOR] = client
        headers[AUTH_HEADER] = timestamp + "." + _signature(
            self._key(), timestamp, request.method, request.path_qs, client)
        async with self._client().request(
            request.method, leader + request.path_qs, data=body, headers=headers,
            allow_redirects=False,
        ) as answer:
            payload = await answer.read()
            response = web.Response(status=answer.status, body=payload)
            for name, value in answer.headers.items():
                if name.lower() not in _HOP_BY_HOP:
                    response.headers.add(name, value)
            return response

    async def _seal_standby(self, request: web.Request) -> web.StreamResponse:
        """sys/seal on a standby seals this node; the token is checked by the active
        node (which holds the token store) through sys/capabilities-self."""
        leader = await self._leader_or_none()
        token = client_token(request)
        if leader is None:
            return error_response(500, [NO_LEADER])
        try:
            async with self._client().post(
                f"{leader}/v1/sys/capabilities-self",
                json={"paths": ["sys/seal"]},
                headers={"X-Vault-Token": token},
            ) as answer:
                if answer.status != 200:
                    return error_response(403, ["permission denied"])
                capabilities = (await answer.json()).get("capabilities") or []
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError):
            return error_response(500, [NO_LEADER])
        if "root" not in capabilities and not {"update", "sudo"} <= set(capabilities):
            return error_response(403, ["permission denied"])
        await self._core.seal()
        return empty_response(204)

    async def _echo_loop(self) -> None:
        while True:
            await asyncio.sleep(ECHO_INTERVAL)
            if not self._core.standby:
                continue
            try:
                await self._echo()
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                log.debug("ha: echo to the active node failed: %s", type(exc).__name__)
            except Exception:
                log.exception("ha: echo to the active node failed")

    async def _echo(self) -> None:
        leader = await self._leader_or_none()
        ha = self._core.ha
        if leader is None or ha is None:
            return
        body = json.dumps({
            "hostname": ha.hostname, "api_address": ha.advertisement.api_addr,
            "cluster_address": ha.advertisement.cluster_addr, "version": VAULT_API_VERSION,
        }).encode()
        timestamp = f"{time.time():.3f}"
        signature = _signature(self._key(), timestamp, "ECHO", body.decode())
        async with self._client().post(
            leader + ECHO_ROUTE, data=body,
            headers={AUTH_HEADER: f"{timestamp}.{signature}",
                     "Content-Type": "application/json"},
            timeout=aiohttp.ClientTimeout(total=5),
        ) as answer:
            await answer.read()

    # ---- on the active node --------------------------------------------------------------

    def _verified(self, header: str, *parts: str) -> bool:
        if self._core.sealed:
            return False
        timestamp, _, signature = header.rpartition(".")
        try:
            sent = float(timestamp)
        except ValueError:
            return False
        if abs(time.time() - sent) > MAX_SKEW:
            return False
        expected = _signature(self._key(), timestamp, *parts)
        return hmac.compare_digest(expected, signature)

    def accept_forwarded(self, request: web.Request) -> bool:
        """A request carrying our header: trust its client address only if signed."""
        header = request.headers.get(AUTH_HEADER, "")
        client = request.headers.get(FORWARDED_FOR, "")
        if not self._verified(header, request.method, request.path_qs, client):
            return False
        host, _, port = client.rpartition(":")
        request[FORWARDED_PEER] = (host, int(port) if port.isdigit() else 0)
        return True

    async def echo_handler(self, request: web.Request) -> web.StreamResponse:
        """A standby's heartbeat; only nodes that can derive the cluster key count."""
        body = await request.read()
        ha = self._core.ha
        if ha is None or not ha.active or not self._verified(
                request.headers.get(AUTH_HEADER, ""), "ECHO", body.decode(errors="replace")):
            return error_response(404, [])
        try:
            echo: dict[str, Any] = json.loads(body)
            ha.record_echo(NodeEcho(
                hostname=str(echo["hostname"]), api_addr=str(echo["api_address"]),
                cluster_addr=str(echo["cluster_address"]), version=str(echo["version"]),
                last_echo=self._core.clock.now()))
        except (ValueError, KeyError, TypeError):
            return error_response(400, ["invalid echo"])
        return empty_response(204)


def redirect(leader: str, request: web.Request) -> web.StreamResponse:
    """Vault's respondStandby: 307 to the same path and query on the active node."""
    response = web.Response(status=307, headers={"Location": leader + request.path_qs,
                                                 "Cache-Control": "no-store"})
    return response

"""sys/key-status, sys/rotate and sys/seal: the barrier's keys and the seal switch."""

from __future__ import annotations

from pyvault.builtin.system.ops import KeyStatus, SystemOps
from pyvault.framework.field_data import FieldData
from pyvault.framework.path import Path, ops
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.util.clock import rfc3339


class KeyPaths:
    def __init__(self, system: SystemOps) -> None:
        self._system = system

    def paths(self) -> list[Path]:
        return [
            Path(
                patterns=("key-status",),
                operations=ops(read=self._key_status),
                synopsis=KEY_STATUS_SYN,
                description=KEY_STATUS_DESC,
            ),
            Path(
                patterns=("rotate",),
                operations=ops(update=self._rotate),
                synopsis=ROTATE_SYN,
                description=ROTATE_DESC,
            ),
            Path(
                patterns=("step-down",),
                operations=ops(update=self._step_down),
                synopsis=STEP_DOWN_SYN,
                description=STEP_DOWN_DESC,
            ),
            Path(
                patterns=("ha-status",),
                operations=ops(read=self._ha_status),
                synopsis=HA_STATUS_SYN,
                description=HA_STATUS_DESC,
            ),
            Path(
                patterns=("seal",),
                operations=ops(update=self._seal),
                synopsis=SEAL_SYN,
                description=SEAL_DESC,
            ),
        ]

    async def _key_status(self, request: Request, data: FieldData) -> Response:
        return Response(data=key_status_view(self._system.key_status()), legacy_top_level=True)

    async def _rotate(self, request: Request, data: FieldData) -> None:
        await self._system.rotate_barrier()

    async def _step_down(self, request: Request, data: FieldData) -> None:
        await self._system.step_down()

    async def _ha_status(self, request: Request, data: FieldData) -> Response:
        nodes = [
            {
                "hostname": node.hostname,
                "api_address": node.api_address,
                "cluster_address": node.cluster_address,
                "active_node": node.active_node,
                "last_echo": rfc3339(node.last_echo) if node.last_echo is not None else None,
                "version": node.version,
            }
            for node in self._system.ha_nodes()
        ]
        return Response(data={"nodes": nodes}, legacy_top_level=True)

    async def _seal(self, request: Request, data: FieldData) -> None:
        await self._system.seal_from_request(request)


def key_status_view(status: KeyStatus) -> dict[str, object]:
    return {
        "term": status.term,
        "install_time": rfc3339(status.install_time),
        "encryptions": status.encryptions,
    }


KEY_STATUS_SYN = "Provides information about the backend encryption key."
KEY_STATUS_DESC = "Returns the current term of the barrier key and when it was installed."
ROTATE_SYN = "Rotates the backend encryption key used to persist data."
ROTATE_DESC = (
    "Adds a new term to the barrier keyring. New writes use it; data written under "
    "older terms stays readable."
)
STEP_DOWN_SYN = "Cause the node to give up active status."
STEP_DOWN_DESC = (
    "An active node of a cluster gives up its lock so a standby takes over; a node "
    "without HA storage has nothing to give up and answers 204."
)
SEAL_SYN = "Seals the server."
SEAL_DESC = "Drops the keys from memory; an operator must unseal again with key shares."

HA_STATUS_SYN = "Check the HA status of a Vault cluster"
HA_STATUS_DESC = (
    "The nodes of the cluster: the active node and the standbys that checked in "
    "recently, with their addresses and the time of their last heartbeat."
)

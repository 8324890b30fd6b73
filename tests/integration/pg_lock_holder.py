"""A node in a separate process for the lock tests: it takes the HA lock, says
"held", then runs "put KEY VALUE" lines from stdin and answers "ok" or "refused".

    python -m tests.integration.pg_lock_holder URL KV_TABLE HA_TABLE TTL RENEW RETRY
"""

from __future__ import annotations

import asyncio
import sys

from pyvault.physical.errors import PhysicalError
from pyvault.physical.postgresql import LockTiming, PostgreSQLBackend


async def main(url: str, kv: str, ha: str, ttl: float, renew: float, retry: float) -> None:
    backend = PostgreSQLBackend(url, table=kv, ha_table=ha, ha_enabled=True, max_parallel=2,
                                lock_timing=LockTiming(ttl, renew, retry))
    await backend.open()
    lock = backend.lock("core/lock", "holder")
    await lock.acquire(asyncio.Event())
    print("held", flush=True)
    while line := await asyncio.to_thread(sys.stdin.readline):
        _, key, value = line.split()
        try:
            await backend.put(key, value.encode())
            print("ok", flush=True)
        except PhysicalError:
            print("refused", flush=True)
    await backend.close()


if __name__ == "__main__":
    url, kv, ha, ttl, renew, retry = sys.argv[1:7]
    asyncio.run(main(url, kv, ha, float(ttl), float(renew), float(retry)))

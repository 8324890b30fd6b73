"""Tidy keeps storage bounded. It runs in the background (202, then tidy-status), can be
cancelled, honours Vault's tidy_* flags and buffers, and auto-tidy starts by itself from
the backend's periodic hook."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pyvault.core.periodic import PeriodicRunner
from pyvault.core.router import Router
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.mount_entry import MountEntry
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.storage import collect_keys
from tests.unit.pki.support import PKI

SHORT = {"allowed_domains": "example.com", "allow_subdomains": True, "key_type": "ec",
         "ttl": "1h"}


async def status(pki: PKI) -> dict[str, Any]:
    answer = await pki.read("tidy-status")
    assert answer is not None and answer.data is not None
    return answer.data


async def settled(pki: PKI) -> dict[str, Any]:
    """Poll tidy-status until the job is no longer running (deadline, no timing)."""
    deadline = asyncio.get_running_loop().time() + 60
    while asyncio.get_running_loop().time() < deadline:
        current = await status(pki)
        if current["state"] not in ("Running", "Cancelling"):
            return current
        await asyncio.sleep(0.005)
    raise AssertionError("tidy did not finish")


async def issue(pki: PKI, role: str, name: str) -> str:
    issued = await pki.write(f"issue/{role}", {"common_name": name})
    assert issued.data is not None
    return str(issued.data["serial_number"])


async def periodic(pki: PKI) -> None:
    await pki.backend.periodic(Request(operation=Operation.ROLLBACK, path="",
                                       storage=pki.storage, mount_point="pki/"))


async def test_issue_200_then_tidy_leaves_only_live_certificates() -> None:
    pki = PKI()
    root = await pki.root()
    await pki.write("roles/short", SHORT)
    await pki.write("roles/long", {**SHORT, "ttl": "2000h"})
    short = [await issue(pki, "short", f"h{i}.example.com") for i in range(200)]
    for serial in short[:20]:
        await pki.write("revoke", {"serial_number": serial})
    live = [await issue(pki, "long", f"l{i}.example.com") for i in range(3)]
    before = await collect_keys(pki.storage, "")
    assert len([k for k in before if k.startswith("certs/")]) == 204  # + the root
    assert len([k for k in before if k.startswith("revoked/")]) == 20
    pki.clock.advance(3600 + 72 * 3600 + 60)  # past expiry plus the 72h safety buffer
    tidied = await pki.write("tidy", {"tidy_cert_store": True, "tidy_revoked_certs": True})
    assert tidied.status == 202
    assert tidied.warnings == ["Tidy operation successfully started. Any information from "
                               "the operation will be printed to Vault's server logs."]
    done = await settled(pki)
    after = await collect_keys(pki.storage, "")
    certs = sorted(k for k in after if k.startswith("certs/"))
    assert certs == sorted("certs/" + s.replace(":", "-")
                           for s in [*live, root["serial_number"]])
    assert not [k for k in after if k.startswith("revoked/")]
    # Nothing else went: the only new entry is the last-run time auto-tidy counts from.
    assert set(after) - set(before) == {"config/auto-tidy-last-run"}
    assert len(before) - (len(after) - 1) == 200 + 20
    assert done["state"] == "Finished" and done["message"] is None
    assert done["cert_store_deleted_count"] == 200  # revoked ones expired too
    assert done["revoked_cert_deleted_count"] == 20
    assert done["time_finished"] and done["last_auto_tidy_finished"]
    crl = await pki.read("crl")
    assert crl is not None and crl.raw_body is not None  # rebuilt without the 20


async def test_tidy_without_operations_warns_and_bad_options_are_refused() -> None:
    pki = PKI()
    answer = await pki.write("tidy", {})
    assert answer.status == 200
    assert answer.warnings[0].startswith("Manual tidy requested but no tidy operations")
    cancel = await pki.write("tidy-cancel")
    assert cancel.warnings == ["Tidy operation cannot be cancelled as none is currently "
                               "running."]
    assert (await status(pki))["state"] == "Inactive"
    cases = [({"safety_buffer": 0}, "safety_buffer must be greater than zero"),
             ({"issuer_safety_buffer": "0s"}, "issuer_safety_buffer must be greater than zero"),
             ({"pause_duration": "abc"}, 'Error parsing pause_duration: time: invalid '
                                         'duration "abc"'),
             ({"pause_duration": "-1s"}, "received invalid, negative pause_duration")]
    for extra, message in cases:
        with pytest.raises(InvalidRequest) as refused:
            await pki.write("tidy", {"tidy_cert_store": True, **extra})
        assert str(refused.value) == message


async def test_cancel_stops_a_running_tidy() -> None:
    pki = PKI()
    await pki.root()
    await pki.write("roles/short", SHORT)
    for index in range(30):
        await issue(pki, "short", f"c{index}.example.com")
    pki.clock.advance(3600 + 72 * 3600 + 60)
    started = await pki.write("tidy", {"tidy_cert_store": True, "pause_duration": "20ms"})
    assert started.status == 202
    again = await pki.write("tidy", {"tidy_cert_store": True})
    assert again.status is None and again.warnings == ["Tidy operation already in progress."]
    cancelled = await pki.write("tidy-cancel")
    assert cancelled.data is not None and cancelled.data["state"] == "Cancelling"
    done = await settled(pki)
    assert done["state"] == "Cancelled" and done["time_finished"]
    assert done["cert_store_deleted_count"] < 30
    left = [k for k in await collect_keys(pki.storage, "certs/")]
    assert len(left) == 31 - done["cert_store_deleted_count"]


async def test_expired_issuers_go_but_the_default_stays() -> None:
    pki = PKI()
    default = await pki.root(ttl="48h", issuer_name="first")
    other = await pki.root(ttl="24h", issuer_name="second", common_name="other.example.com")
    pki.clock.advance(48 * 3600 + 10)
    await pki.write("tidy", {"tidy_expired_issuers": True, "issuer_safety_buffer": "1s"})
    assert (await settled(pki))["state"] == "Finished"
    listed = await pki.call(Operation.LIST, "issuers/")
    assert listed is not None and listed.data is not None
    assert listed.data["keys"] == [default["issuer_id"]]
    keys = await pki.call(Operation.LIST, "keys/")
    assert keys is not None and keys.data is not None
    assert other["key_id"] in keys.data["keys"]  # keys are kept, as Vault's


async def test_revoked_issuer_associations_are_repaired() -> None:
    pki = PKI()
    root = await pki.root()
    await pki.write("roles/short", SHORT)
    serial = await issue(pki, "short", "a.example.com")
    await pki.write("revoke", {"serial_number": serial})
    key = "revoked/" + serial.replace(":", "-")
    record = await pki.storage.get(key)
    assert record is not None
    await pki.storage.put(key, record.replace(root["issuer_id"].encode(), b"gone"))
    await pki.write("tidy", {"tidy_revoked_cert_issuer_associations": True})
    done = await settled(pki)
    assert done["missing_issuer_cert_count"] == 1 and done["revoked_cert_deleted_count"] == 0
    repaired = await pki.storage.get(key)
    assert repaired is not None and root["issuer_id"].encode() in repaired


async def test_legacy_ca_bundle_moves_to_its_backup() -> None:
    pki = PKI()
    await pki.storage.put("config/ca_bundle", b'{"certificate": "legacy"}')
    await pki.write("tidy", {"tidy_move_legacy_ca_bundle": True})
    assert (await settled(pki))["state"] == "Finished"
    assert await pki.storage.get("config/ca_bundle") is None
    assert await pki.storage.get("config/ca_bundle.bak") == b'{"certificate": "legacy"}'


async def test_auto_tidy_runs_from_the_periodic_hook() -> None:
    pki = PKI()
    await pki.root()
    await pki.write("roles/short", SHORT)
    serial = await issue(pki, "short", "auto.example.com")
    with pytest.raises(InvalidRequest, match="Auto-tidy enabled but no tidy operations"):
        await pki.write("config/auto-tidy", {"enabled": True})
    with pytest.raises(InvalidRequest, match="given safety_buffer must be at least one"):
        await pki.write("config/auto-tidy", {"safety_buffer": "0s"})
    await pki.write("config/auto-tidy", {"enabled": True, "tidy_cert_store": True,
                                         "interval_duration": "2h", "safety_buffer": "1h"})
    await periodic(pki)  # the interval counts from now
    assert (await status(pki))["state"] == "Inactive"
    pki.clock.advance(3600 + 3600 + 10)  # cert expired + buffer, interval passed
    await periodic(pki)
    done = await settled(pki)
    assert done["state"] == "Finished" and done["cert_store_deleted_count"] == 1
    assert await pki.storage.get("certs/" + serial.replace(":", "-")) is None
    await periodic(pki)  # not due again yet
    assert (await status(pki))["time_started"] == done["time_started"]


async def test_auto_rebuild_refreshes_crls_from_the_periodic_hook() -> None:
    pki = PKI()
    await pki.root()
    await pki.write("roles/short", SHORT)
    serial = await issue(pki, "short", "crl.example.com")
    await pki.write("config/crl", {"auto_rebuild": True, "expiry": "2h",
                                   "auto_rebuild_grace_period": "30m"})
    issuer = await pki.read("issuer/default/json")
    assert issuer is not None and issuer.data is not None
    key = "crl/" + issuer.data["issuer_id"]
    first = await pki.storage.get(key)
    await periodic(pki)
    assert await pki.storage.get(key) == first  # fresh: nothing to do
    await pki.write("revoke", {"serial_number": serial})
    assert await pki.storage.get(key) == first  # deferred
    await periodic(pki)
    revoked_in = await pki.storage.get(key)
    assert revoked_in != first and await pki.storage.get("crl-state/dirty") is None
    pki.clock.advance(91 * 60)  # inside the 30m grace period of the 2h CRL
    await periodic(pki)
    assert await pki.storage.get(key) != revoked_in


async def test_the_core_periodic_runner_drives_auto_tidy() -> None:
    """End to end below HTTP: the runner finds the mounted PKI backend and its hook starts
    the auto-tidy that is due, on the mount's own storage."""
    pki = PKI()
    await pki.root()
    await pki.write("roles/short", SHORT)
    serial = await issue(pki, "short", "runner.example.com")
    await pki.write("config/auto-tidy", {"enabled": True, "tidy_cert_store": True,
                                         "interval_duration": "1h", "safety_buffer": "1h"})
    router = Router()
    router.mount(MountEntry(path="pki/", type="pki", uuid="pki-uuid", accessor="pki_1"),
                 pki.backend, pki.storage)
    runner = PeriodicRunner(router, interval=60)
    await runner.run_once()
    pki.clock.advance(3 * 3600)
    await runner.run_once()
    done = await settled(pki)
    assert done["state"] == "Finished" and done["cert_store_deleted_count"] == 1
    assert await pki.storage.get("certs/" + serial.replace(":", "-")) is None


async def test_revoked_buffer_and_invalid_entries() -> None:
    """OpenBao's rules: a revoked certificate leaves the store after its own
    revoked_safety_buffer (its revocation entry only with tidy_revoked_certs); broken
    entries go only with tidy_invalid_certs."""
    pki = PKI()
    await pki.root()
    await pki.write("roles/short", SHORT)
    plain = await issue(pki, "short", "plain.example.com")
    revoked = await issue(pki, "short", "revoked.example.com")
    await pki.write("revoke", {"serial_number": revoked})
    await pki.storage.put("certs/aa-bb", b'{"certificate": "not a pem", "issuer_id": ""}')
    pki.clock.advance(3600 + 2 * 3600)  # expired 2h ago
    await pki.write("tidy", {"tidy_cert_store": True, "safety_buffer": "1h",
                             "revoked_safety_buffer": "3h"})
    first = await settled(pki)
    assert (first["cert_store_deleted_count"], first["revoked_cert_deleted_count"]) == (1, 0)
    assert await pki.storage.get("certs/" + plain.replace(":", "-")) is None
    assert await pki.storage.get("certs/" + revoked.replace(":", "-")) is not None
    assert await pki.storage.get("certs/aa-bb") is not None  # invalid, kept
    pki.clock.advance(3600 + 60)  # now past the revoked buffer too
    await pki.write("tidy", {"tidy_cert_store": True, "safety_buffer": "1h",
                             "revoked_safety_buffer": "3h"})
    second = await settled(pki)
    assert (second["cert_store_deleted_count"], second["revoked_cert_deleted_count"]) == (1, 0)
    assert await pki.storage.get("revoked/" + revoked.replace(":", "-")) is not None
    await pki.write("tidy", {"tidy_revoked_certs": True, "tidy_invalid_certs": True,
                             "safety_buffer": "1h", "revoked_safety_buffer": "3h"})
    third = await settled(pki)
    assert (third["cert_store_deleted_count"], third["revoked_cert_deleted_count"]) == (1, 1)
    assert await pki.storage.get("certs/aa-bb") is None
    assert await pki.storage.get("revoked/" + revoked.replace(":", "-")) is None


async def _running_tidy(pki: PKI) -> Router:
    """A slow tidy under way on a PKI backend mounted in a router."""
    await pki.root()
    await pki.write("roles/short", SHORT)
    for index in range(10):
        await issue(pki, "short", f"s{index}.example.com")
    pki.clock.advance(3600 + 72 * 3600 + 60)
    router = Router()
    router.mount(MountEntry(path="pki/", type="pki", uuid="pki-uuid", accessor="pki_1"),
                 pki.backend, pki.storage)
    started = await pki.write("tidy", {"tidy_cert_store": True, "pause_duration": "1h"})
    assert started.status == 202
    return router


@pytest.mark.parametrize("teardown", ["unmount", "seal"])
async def test_unmount_or_seal_stops_a_running_tidy(teardown: str) -> None:
    """Vault's Cleanup: the router drops the mount (unmount) or its whole table (seal)
    and the backend's running tidy ends instead of writing to a gone storage view."""
    pki = PKI()
    router = await _running_tidy(pki)
    if teardown == "unmount":
        router.unmount("pki/")
    else:
        router.clear()
    done = await settled(pki)
    assert done["state"] == "Cancelled" and done["time_finished"]
    assert done["cert_store_deleted_count"] < 10
    assert router.match("pki/tidy-status") is None

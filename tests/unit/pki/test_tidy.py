"""Tidy keeps storage bounded: after issuing 200 short-lived certificates, revoking
some, and letting them expire past the safety buffer, only live entries remain."""

from __future__ import annotations

from pyvault.logical.operation import Operation
from pyvault.logical.storage import collect_keys
from tests.unit.pki.support import PKI


async def test_issue_200_then_tidy_leaves_only_live_certificates() -> None:
    pki = PKI()
    root = await pki.root()
    await pki.write("roles/short", {"allowed_domains": "example.com", "allow_subdomains": True,
                                    "key_type": "ec", "ttl": "1h"})
    await pki.write("roles/long", {"allowed_domains": "example.com", "allow_subdomains": True,
                                   "key_type": "ec", "ttl": "2000h"})
    short = []
    for index in range(200):
        issued = await pki.write("issue/short", {"common_name": f"h{index}.example.com"})
        assert issued.data is not None
        short.append(issued.data["serial_number"])
    for serial in short[:20]:
        await pki.write("revoke", {"serial_number": serial})
    live = []
    for index in range(3):
        issued = await pki.write("issue/long", {"common_name": f"l{index}.example.com"})
        assert issued.data is not None
        live.append(issued.data["serial_number"])
    listed = await pki.call(Operation.LIST, "certs/")
    assert listed is not None and listed.data is not None
    assert len(listed.data["keys"]) == 204
    pki.clock.advance(3600 + 72 * 3600 + 60)  # past expiry plus the 72h safety buffer
    tidied = await pki.write("tidy", {"tidy_cert_store": True, "tidy_revoked_certs": True})
    assert tidied.status == 202
    keys = await collect_keys(pki.storage, "")
    certs = sorted(k for k in keys if k.startswith("certs/"))
    expected = sorted("certs/" + s.replace(":", "-") for s in
                      [*live, root["serial_number"]])
    assert certs == expected
    assert not [k for k in keys if k.startswith("revoked/")]
    status = await pki.read("tidy-status")
    assert status is not None and status.data is not None
    assert status.data["state"] == "Finished"
    assert status.data["cert_store_deleted_count"] == 200  # revoked ones expired too
    assert status.data["revoked_cert_deleted_count"] == 20


async def test_tidy_without_operations_warns() -> None:
    pki = PKI()
    answer = await pki.write("tidy", {})
    assert answer.status == 200
    assert answer.warnings[0].startswith("Manual tidy requested but no tidy operations")
    cancel = await pki.write("tidy-cancel")
    assert cancel.warnings == ["Tidy operation cannot be cancelled as none is currently "
                               "running."]

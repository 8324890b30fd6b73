"""Keys, ciphertexts, signatures and HMACs made by OpenBao 2.7.2 (openbao_vectors.json):
restored here they decrypt and verify, byte for byte."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from tests.unit.transit.support import Transit

VECTORS: dict[str, Any] = json.loads((Path(__file__).parent / "openbao_vectors.json")
                                     .read_text())


@pytest.mark.parametrize("name", sorted(VECTORS["keys"]))
async def test_openbao_backup_restores_and_opens(name: str) -> None:
    t = Transit()
    vector = VECTORS["keys"][name]
    await t.call(*_update("restore", {"backup": vector["backup"]}))
    ctx = {"context": VECTORS["context"]} if name in ("vec-derived", "vec-conv") else {}
    pt = VECTORS["plaintext"]
    if "ciphertext_v1" in vector:
        opened = await t.write(f"decrypt/{name}", {"ciphertext": vector["ciphertext_v1"], **ctx})
        assert opened == {"plaintext": pt}
    if "signature" in vector:
        checked = await t.write(f"verify/{name}", {"input": pt,
                                                   "signature": vector["signature"]})
        assert checked == {"valid": True}
    # HMACs are deterministic: ours must equal theirs exactly.
    assert await t.write(f"hmac/{name}", {"input": pt}) == {"hmac": vector["hmac"]}


async def test_convergent_ciphertext_is_byte_identical_to_openbao() -> None:
    t = Transit()
    vector = VECTORS["keys"]["vec-conv"]
    await t.call(*_update("restore", {"backup": vector["backup"]}))
    again = await t.write("encrypt/vec-conv", {"plaintext": VECTORS["plaintext"],
                                               "context": VECTORS["context"],
                                               "key_version": 1})
    assert again["ciphertext"] == vector["ciphertext_v1"]


async def test_our_backup_keeps_openbao_fields() -> None:
    t = Transit()
    vector = VECTORS["keys"]["vec-ecdsa"]
    await t.call(*_update("restore", {"backup": vector["backup"]}))
    ours = json.loads(base64.b64decode((await t.read("backup/vec-ecdsa"))["backup"]))
    theirs = json.loads(base64.b64decode(vector["backup"]))
    theirs["policy"].pop("soft_deleted")
    assert sorted(ours["policy"]) == sorted(theirs["policy"])
    assert ours["policy"]["keys"]["1"]["ec_d"] == theirs["policy"]["keys"]["1"]["ec_d"]
    assert ours["archived_keys"]["keys"][0]["time"] == "0001-01-01T00:00:00Z"


def _update(path: str, data: dict[str, Any]) -> tuple[Any, str, dict[str, Any]]:
    from pyvault.logical.operation import Operation

    return Operation.UPDATE, path, data

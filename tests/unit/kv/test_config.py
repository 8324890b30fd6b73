"""config: mount-wide settings, shown as Vault shows them."""

from __future__ import annotations

from typing import Any

import pytest

from pyvault.logical.errors import InvalidRequest
from pyvault.logical.operation import Operation
from tests.unit.kv.support import KV, body

DEFAULTS = {"cas_required": False, "delete_version_after": "0s", "max_versions": 0,
            "metadata_cas_required": False}


async def test_defaults_then_write_and_read_back() -> None:
    kv = KV()
    assert body(await kv.read("config")) == DEFAULTS
    assert await kv.write("config", {"max_versions": 4, "cas_required": "true",
                                     "delete_version_after": "90s"}) is None
    assert body(await kv.read("config")) == {**DEFAULTS, "max_versions": 4,
                                             "cas_required": True,
                                             "delete_version_after": "1m30s"}
    await kv.write("config", {"delete_version_after": 0})
    assert body(await kv.read("config"))["delete_version_after"] == "0s"


@pytest.mark.parametrize(("value", "shown"), [(-1, 4294967295), (None, 0), ("", 0), (7, 7)])
async def test_max_versions_is_a_uint32(value: Any, shown: int) -> None:
    kv = KV()
    await kv.write("config", {"max_versions": 3})
    await kv.write("config", {"max_versions": value})
    assert body(await kv.read("config"))["max_versions"] == shown


async def test_errors_carry_the_field_validation_prefix() -> None:
    # config has no existence check, so Vault validates in the handler, with the prefix.
    kv = KV()
    with pytest.raises(InvalidRequest) as caught:
        await kv.write("config", {"delete_version_after": "0x10"})
    assert caught.value.messages == [
        'Field validation failed: error converting input for field "delete_version_after": '
        'time: unknown unit "x" in duration "0x10"']


async def test_config_write_is_always_an_update() -> None:
    kv = KV()
    assert await kv.backend.exists(kv.request(Operation.UPDATE, "config")) is None


async def test_config_survives_a_new_backend_and_is_cached() -> None:
    kv = KV()
    await kv.write("config", {"max_versions": 4})
    kv.backend = kv.new_backend("2")
    assert body(await kv.read("config"))["max_versions"] == 4
    kv.physical.gets.clear()
    await kv.read("config")
    assert kv.physical.gets == []

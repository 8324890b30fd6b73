"""delete/, undelete/, destroy/ and delete_version_after, on a fake clock."""

from __future__ import annotations

from typing import Any

import pytest

from pyvault.logical.errors import InvalidRequest
from pyvault.logical.operation import Operation
from tests.unit.kv.support import KV, body


@pytest.fixture
async def kv() -> KV:
    kv = KV()
    for value in (1, 2, 3):
        await kv.put("d", {"v": value})
    return kv


async def hidden(kv: KV, version: int) -> bool:
    response = await kv.read("data/d", version=version)
    assert response is not None
    return response.not_found_with_data


async def test_delete_and_undelete_chosen_versions(kv: KV) -> None:
    assert await kv.write("delete/d", {"versions": [1, 3, 99]}) is None
    assert [await hidden(kv, n) for n in (1, 2, 3)] == [True, False, True]
    assert await kv.write("undelete/d", {"versions": "1,3"}) is None
    assert [await hidden(kv, n) for n in (1, 2, 3)] == [False, False, False]
    assert (await kv.meta("d"))["versions"]["1"]["deletion_time"] == ""


async def test_destroy_removes_the_payload_for_good(kv: KV) -> None:
    assert await kv.write("destroy/d", {"versions": "2"}) is None
    response = await kv.read("data/d", version=2)
    assert response is not None and response.not_found_with_data
    assert response.data == {"data": None, "metadata": {
        "created_time": "2023-11-14T22:13:20Z", "custom_metadata": None, "deletion_time": "",
        "destroyed": True, "version": 2}}
    assert ".kv2/data/d/2" not in kv.raw_keys()
    await kv.write("undelete/d", {"versions": [2]})  # a destroyed version stays destroyed
    assert await hidden(kv, 2)
    await kv.write("delete/d", {"versions": [2]})
    assert (await kv.meta("d"))["versions"]["2"] == {
        "created_time": "2023-11-14T22:13:20Z", "deletion_time": "", "destroyed": True}


@pytest.mark.parametrize(("path", "message"), [
    ("delete/d", "No version number provided"),
    ("undelete/d", "No version number provided"),
    ("destroy/d", "no version number provided"),
])
@pytest.mark.parametrize("versions", [None, "", []])
async def test_versions_are_required(kv: KV, path: str, message: str, versions: Any) -> None:
    payload = {} if versions is None else {"versions": versions}
    with pytest.raises(InvalidRequest) as caught:
        await kv.write(path, payload)
    assert caught.value.messages == [message]


async def test_bad_versions_are_a_field_validation_error(kv: KV) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await kv.write("destroy/d", {"versions": [1, "x"]})
    assert caught.value.messages == [
        'Field validation failed: error converting input for field "versions": decoding '
        "failed due to the following error(s):\n\n'[1]' cannot parse value as 'int': "
        "strconv.ParseInt: invalid syntax"]


async def test_missing_secret_is_a_silent_no_op(kv: KV) -> None:
    for path in ("delete/nokey", "undelete/nokey", "destroy/nokey"):
        assert await kv.write(path, {"versions": [1]}) is None
    assert not any(k.endswith("/nokey") for k in kv.raw_keys())


async def test_delete_version_after_on_the_mount_expires_new_versions() -> None:
    kv = KV()
    await kv.write("config", {"delete_version_after": "1h"})
    written = await kv.put("e", {"a": 1})
    assert written["deletion_time"] == "2023-11-14T23:13:20Z"
    kv.clock.advance(3599)
    assert await kv.value("e") == {"a": 1}
    kv.clock.advance(1)
    response = await kv.read("data/e")
    assert response is not None and response.not_found_with_data


async def test_the_smaller_of_key_and_mount_delete_version_after_wins() -> None:
    kv = KV()
    await kv.write("config", {"delete_version_after": "2h"})
    await kv.write("metadata/e", {"delete_version_after": "30m"})
    written = await kv.put("e", {"a": 1})
    assert written["deletion_time"] == "2023-11-14T22:43:20Z"
    await kv.write("metadata/e", {"delete_version_after": "3h"})
    written = await kv.put("e", {"a": 2})
    assert written["deletion_time"] == "2023-11-15T00:13:20Z"


async def test_negative_mount_setting_disables_expiry_for_every_key() -> None:
    kv = KV()
    await kv.write("config", {"delete_version_after": "-1s"})
    await kv.write("metadata/e", {"delete_version_after": "30m"})
    assert (await kv.put("e", {"a": 1}))["deletion_time"] == ""
    assert body(await kv.read("config"))["delete_version_after"] == "-1s"


async def test_soft_delete_before_expiry_and_undelete_restarts_the_clock() -> None:
    kv = KV()
    await kv.write("metadata/e", {"delete_version_after": "1h"})
    await kv.put("e", {"a": 1})
    kv.clock.advance(600)
    await kv.write("delete/e", {"versions": [1]})  # deletes now, earlier than planned
    assert (await kv.meta("e"))["versions"]["1"]["deletion_time"] == "2023-11-14T22:23:20Z"
    kv.clock.advance(600)
    await kv.write("undelete/e", {"versions": [1]})
    assert (await kv.meta("e"))["versions"]["1"]["deletion_time"] == "2023-11-14T23:33:20Z"
    assert await kv.value("e") == {"a": 1}


async def test_deleting_an_expired_version_keeps_its_expiry_time() -> None:
    kv = KV()
    await kv.write("config", {"delete_version_after": "10s"})
    await kv.put("e", {"a": 1})
    kv.clock.advance(60)
    await kv.call(Operation.DELETE, "data/e")
    await kv.write("delete/e", {"versions": [1]})
    assert (await kv.meta("e"))["versions"]["1"]["deletion_time"] == "2023-11-14T22:13:30Z"

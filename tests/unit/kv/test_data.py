"""data/<path>: versions, check-and-set, patch, soft delete, pruning."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pyvault.logical.errors import InternalError, InvalidRequest
from pyvault.logical.operation import Operation
from tests.unit.kv.support import KV, CountingStorage, body

T0 = "2023-11-14T22:13:20Z"


@pytest.fixture
def kv() -> KV:
    return KV()


def version_meta(version: int, created: str = T0, deletion: str = "",
                 destroyed: bool = False, custom: Any = None) -> dict[str, Any]:
    return {"created_time": created, "custom_metadata": custom, "deletion_time": deletion,
            "destroyed": destroyed, "version": version}


async def test_write_answers_the_version_metadata(kv: KV) -> None:
    written = await kv.put("foo", {"b": 2, "a": 1})
    assert written == version_meta(1)
    assert list(written) == sorted(written)
    read = await kv.get("foo")
    assert read.data == {"data": {"a": 1, "b": 2}, "metadata": version_meta(1)}
    assert list(await kv.value("foo")) == ["a", "b"]


async def test_times_are_rfc3339_with_trailing_zeros_trimmed(kv: KV) -> None:
    kv.clock.advance(0.25)
    assert (await kv.put("foo", {"a": 1}))["created_time"] == (
        "2023-11-14T22:13:20.25Z")


async def test_every_json_type_round_trips(kv: KV) -> None:
    secret = {"i": 1, "f": 1.5, "n": None, "b": False, "big": 2**70, "l": [1, {"x": []}],
              "u": "\u00e9\u2603"}
    await kv.put("foo", secret)
    assert await kv.value("foo") == secret


async def test_versions_are_kept_and_readable_by_number(kv: KV) -> None:
    for value in range(1, 4):
        await kv.put("foo", {"v": value})
    assert await kv.value("foo") == {"v": 3}
    assert await kv.value("foo", version=2) == {"v": 2}
    assert await kv.value("foo", version="0x1") == {"v": 1}
    assert await kv.value("foo", version=0) == {"v": 3}
    assert await kv.value("foo", version=-1) == {"v": 3}
    assert await kv.read("data/foo", version=99) is None
    assert await kv.read("data/nope") is None


async def test_bad_version_parameter_is_a_field_validation_error(kv: KV) -> None:
    await kv.put("foo", {"a": 1})
    with pytest.raises(InvalidRequest) as caught:
        await kv.read("data/foo", version="1.0")
    assert caught.value.messages == [
        'Field validation failed: error converting input for field "version": '
        "'' cannot parse value as 'int': strconv.ParseInt: invalid syntax"]


@pytest.mark.parametrize(("payload", "message"), [
    ({}, "no data provided"),
    ({"options": {"cas": 1}}, "no data provided"),
    ({"data": "x"}, "error converting input for field \"data\": '' expected type "
                    "'map[string]interface {}', got unconvertible type 'string'"),
    ({"data": 5}, "error converting input for field \"data\": '' expected type "
                  "'map[string]interface {}', got unconvertible type 'json.Number'"),
    ({"data": {"a": 1}, "options": "x"},
     "error converting input for field \"options\": '' expected type "
     "'map[string]interface {}', got unconvertible type 'string'"),
])
async def test_write_errors_match_vault(kv: KV, payload: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await kv.write("data/foo", payload)
    assert caught.value.messages == [message]


async def test_null_and_list_data_are_decoded_as_vault(kv: KV) -> None:
    await kv.put("foo", None)
    assert await kv.value("foo") is None
    await kv.put("foo", [{"a": 1}, {"b": 2}])
    assert await kv.value("foo") == {"a": 1, "b": 2}
    await kv.put("foo", [])
    assert await kv.value("foo") == {}


@pytest.mark.parametrize(("cas", "outcome"), [
    (0, "did not match"), (2, "did not match"), (1, None), ("1", None), (None, "did not match"),
    (True, None), (-1, "did not match"), (1.5, "error parsing"), ([1], "error parsing"),
])
async def test_check_and_set(kv: KV, cas: Any, outcome: str | None) -> None:
    await kv.put("foo", {"a": 1})
    if outcome is None:
        assert (await kv.put("foo", {"a": 2}, cas=cas))["version"] == 2
        return
    text = {"did not match": "check-and-set parameter did not match the current version",
            "error parsing": "error parsing check-and-set parameter"}[outcome]
    with pytest.raises(InvalidRequest) as caught:
        await kv.put("foo", {"a": 2}, cas=cas)
    assert caught.value.messages == [text]


async def test_cas_zero_creates_only_when_absent(kv: KV) -> None:
    assert (await kv.put("new", {"a": 1}, cas=0))["version"] == 1
    with pytest.raises(InvalidRequest, match="did not match"):
        await kv.put("new", {"a": 1}, cas=0)


async def test_cas_required_by_config_or_key(kv: KV) -> None:
    await kv.write("config", {"cas_required": True})
    with pytest.raises(InvalidRequest) as caught:
        await kv.put("foo", {"a": 1})
    assert caught.value.messages == ["check-and-set parameter required for this call"]
    with pytest.raises(InvalidRequest, match="required"):
        await kv.write("data/foo", {"data": {"a": 1}, "options": {}})
    await kv.put("foo", {"a": 1}, cas=0)
    await kv.write("config", {"cas_required": False})
    await kv.write("metadata/foo", {"cas_required": True})
    with pytest.raises(InvalidRequest, match="required"):
        await kv.put("foo", {"a": 2})
    await kv.put("foo", {"a": 2}, cas=1)


async def test_versions_beyond_ten_are_pruned_with_their_payloads(kv: KV) -> None:
    for value in range(1, 13):
        await kv.put("foo", {"v": value})
    meta = await kv.meta("foo")
    assert (meta["current_version"], meta["oldest_version"]) == (12, 3)
    assert sorted(map(int, meta["versions"])) == list(range(3, 13))
    assert await kv.read("data/foo", version=2) is None
    blobs = sorted(int(k.rsplit("/", 1)[1]) for k in kv.raw_keys() if k.startswith(".kv2/data/"))
    assert blobs == list(range(3, 13))


async def test_window_is_the_larger_of_key_and_mount_max_versions(kv: KV) -> None:
    await kv.write("config", {"max_versions": 2})
    for value in range(1, 4):
        await kv.put("foo", {"v": value})
    meta = await kv.meta("foo")
    assert (meta["oldest_version"], sorted(meta["versions"])) == (2, ["2", "3"])
    await kv.write("metadata/foo", {"max_versions": 4})
    for value in range(4, 7):
        await kv.put("foo", {"v": value})
    assert sorted(map(int, (await kv.meta("foo"))["versions"])) == [3, 4, 5, 6]
    await kv.write("metadata/foo", {"max_versions": 1})  # the mount's 2 still wins
    await kv.put("foo", {"v": 7})
    meta = await kv.meta("foo")
    assert (meta["oldest_version"], sorted(meta["versions"])) == (6, ["6", "7"])
    blobs = sorted(k for k in kv.raw_keys() if k.startswith(".kv2/data/foo/"))
    assert blobs == [".kv2/data/foo/6", ".kv2/data/foo/7"]


async def test_patch_is_a_json_merge_patch_of_the_latest_version(kv: KV) -> None:
    await kv.put("p", {"a": 1, "b": {"c": 2, "d": 3}, "e": [1, 2]})
    patched = await kv.call(Operation.PATCH, "data/p", {
        "data": {"a": None, "b": {"c": None, "x": 9}, "e": [3], "n": {"m": None}}})
    assert body(patched)["version"] == 2
    assert await kv.value("p") == {
        "b": {"d": 3, "x": 9}, "e": [3], "n": {}}


async def test_patch_honours_cas_and_needs_data(kv: KV) -> None:
    await kv.put("p", {"a": 1})
    with pytest.raises(InvalidRequest, match="did not match"):
        await kv.call(Operation.PATCH, "data/p", {"data": {"z": 1}, "options": {"cas": 5}})
    await kv.call(Operation.PATCH, "data/p", {"data": {"z": 1}, "options": {"cas": 1}})
    with pytest.raises(InvalidRequest) as caught:
        await kv.call(Operation.PATCH, "data/p", {})
    assert caught.value.messages == ["no data provided"]
    with pytest.raises(InvalidRequest) as caught:
        await kv.call(Operation.PATCH, "data/p", {"data": "str"})
    assert caught.value.messages == [
        'Field validation failed: error converting input for field "data": '
        "'' expected type 'map[string]interface {}', got unconvertible type 'string'"]


async def test_patch_of_a_missing_secret_is_an_empty_404(kv: KV) -> None:
    response = await kv.call(Operation.PATCH, "data/nope", {"data": {"a": 1}})
    assert response is not None
    assert (response.status, response.data, response.warnings) == (404, None, [])


async def test_patch_of_a_deleted_version_is_404_with_its_metadata(kv: KV) -> None:
    await kv.put("p", {"a": 1})
    await kv.call(Operation.DELETE, "data/p")
    response = await kv.call(Operation.PATCH, "data/p", {"data": {"a": 2}})
    assert response is not None and response.not_found_with_data
    assert response.data == version_meta(1, deletion=T0)


async def test_patch_with_null_data_writes_null_then_cannot_patch_it(kv: KV) -> None:
    await kv.put("p", {"a": 1})
    await kv.call(Operation.PATCH, "data/p", {"data": None})
    assert await kv.value("p") is None
    with pytest.raises(InternalError) as caught:
        await kv.call(Operation.PATCH, "data/p", {"data": {"a": 1}})
    assert caught.value.messages == ["1 error occurred:\n\t* resource does not exist\n\n"]


async def test_delete_soft_deletes_the_latest_version_only(kv: KV) -> None:
    await kv.put("d", {"v": 1})
    kv.clock.advance(1)
    await kv.put("d", {"v": 2})
    kv.clock.advance(1)
    assert await kv.call(Operation.DELETE, "data/d") is None
    read = await kv.read("data/d")
    assert read is not None and read.not_found_with_data
    assert read.data == {"data": None, "metadata": version_meta(
        2, created="2023-11-14T22:13:21Z", deletion="2023-11-14T22:13:22Z")}
    assert await kv.value("d", version=1) == {"v": 1}
    kv.clock.advance(1)
    await kv.call(Operation.DELETE, "data/d")  # already deleted: the time stays
    meta = await kv.meta("d")
    assert meta["versions"]["2"]["deletion_time"] == "2023-11-14T22:13:22Z"
    assert await kv.call(Operation.DELETE, "data/nope") is None


async def test_write_after_delete_makes_a_live_version(kv: KV) -> None:
    await kv.put("d", {"v": 1})
    await kv.call(Operation.DELETE, "data/d")
    await kv.put("d", {"v": 2})
    assert await kv.value("d") == {"v": 2}


async def test_existence_check_follows_metadata(kv: KV) -> None:
    request = kv.request(Operation.UPDATE, "data/foo", {"data": {}})
    assert await kv.backend.exists(request) is False
    await kv.write("metadata/foo", {"max_versions": 3})  # metadata alone counts
    assert await kv.backend.exists(request) is True


async def test_unknown_and_replaced_parameters_are_warned(kv: KV) -> None:
    written = await kv.write("data/foo", {"data": {"a": 1}, "bogus": 1, "path": "zzz"})
    assert written is not None
    assert written.warnings == [
        "Endpoint ignored these unrecognized parameters: [bogus]",
        "Endpoint replaced the value of these parameters with the values captured from the "
        "endpoint's path: [path]"]
    assert await kv.read("data/zzz") is None  # the URL's path won


async def test_trailing_slash_is_not_a_data_path(kv: KV) -> None:
    response = await kv.read("data/foo/")
    assert response is not None and response.status == 404
    assert "Invalid path for a versioned K/V secrets engine" in response.warnings[0]


async def test_reads_come_from_memory_until_a_write(kv: KV) -> None:
    await kv.put("foo", {"a": 1})
    kv.physical.gets.clear()
    for _ in range(3):
        assert await kv.value("foo") == {"a": 1}
    assert kv.physical.gets == []
    await kv.put("foo", {"a": 2})
    assert await kv.value("foo") == {"a": 2}
    assert await kv.value("foo", version=1) == {"a": 1}
    assert kv.physical.gets == []
    assert await kv.read("data/absent") is None
    assert await kv.read("data/absent") is None
    assert kv.physical.gets.count("logical/mount-uuid/.kv2/meta/absent") == 1


async def test_a_fresh_backend_reads_what_the_old_one_wrote(kv: KV) -> None:
    await kv.put("foo", {"a": 1})
    await kv.call(Operation.DELETE, "data/foo")
    kv.backend = kv.new_backend("2")
    read = await kv.read("data/foo")
    assert read is not None and read.not_found_with_data


class YieldingStorage(CountingStorage):
    """Gives the event loop a turn on every call, as a real store would."""

    async def get(self, key: str) -> bytes | None:
        await asyncio.sleep(0)
        return await super().get(key)

    async def put(self, key: str, value: bytes) -> None:
        await asyncio.sleep(0)
        await super().put(key, value)


async def test_concurrent_writers_of_one_secret_never_lose_a_version() -> None:
    kv = KV(physical=YieldingStorage())
    await kv.put("c", {"n": -1})
    written = await asyncio.gather(*(kv.put("c", {"n": n}) for n in range(20)))
    numbers = sorted(w["version"] for w in written)
    assert numbers == list(range(2, 22))
    assert (await kv.meta("c"))["current_version"] == 21


async def test_a_backend_given_another_storage_forgets_what_it_cached(kv: KV) -> None:
    await kv.put("foo", {"a": 1})
    other = KV()
    other.backend = kv.backend
    assert await other.read("data/foo") is None
    await other.put("foo", {"b": 2})
    assert await kv.value("foo") == {"a": 1}

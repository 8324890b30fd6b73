"""metadata/<path>: read, list, write, patch, delete; custom_metadata limits."""

from __future__ import annotations

from typing import Any

import pytest

from pyvault.logical.errors import InvalidRequest
from pyvault.logical.operation import Operation
from tests.unit.kv.support import KV, body

T0 = "2023-11-14T22:13:20Z"


@pytest.fixture
def kv() -> KV:
    return KV()


async def test_read_shows_every_field_in_vaults_order(kv: KV) -> None:
    await kv.put("m", {"a": 1})
    kv.clock.advance(1)
    await kv.put("m", {"a": 2})
    meta = await kv.meta("m")
    assert meta == {
        "cas_required": False, "created_time": T0, "current_metadata_version": 0,
        "current_version": 2, "custom_metadata": None, "delete_version_after": "0s",
        "max_versions": 0, "metadata_cas_required": False, "oldest_version": 0,
        "updated_time": "2023-11-14T22:13:21Z",
        "versions": {"1": {"created_time": T0, "deletion_time": "", "destroyed": False},
                     "2": {"created_time": "2023-11-14T22:13:21Z", "deletion_time": "",
                           "destroyed": False}}}
    assert list(meta) == sorted(meta)
    assert await kv.read("metadata/nope") is None
    assert await kv.read("metadata/") is None


async def test_write_creates_metadata_without_versions(kv: KV) -> None:
    assert await kv.write("metadata/m", {
        "max_versions": 5, "cas_required": True, "delete_version_after": "1h",
        "custom_metadata": {"owner": "ops", "n": 3, "t": True}}) is None
    meta = await kv.meta("m")
    assert (meta["max_versions"], meta["cas_required"], meta["delete_version_after"]) == (
        5, True, "1h0m0s")
    assert meta["custom_metadata"] == {"n": "3", "owner": "ops", "t": "1"}
    assert (meta["current_version"], meta["versions"], meta["current_metadata_version"]) == (
        0, {}, 1)


async def test_custom_metadata_is_shown_on_data_reads(kv: KV) -> None:
    await kv.write("metadata/m", {"custom_metadata": {"owner": "ops"}})
    written = await kv.put("m", {"a": 1})
    assert written["custom_metadata"] == {"owner": "ops"}
    assert body(await kv.read("data/m"))["metadata"]["custom_metadata"] == {"owner": "ops"}


async def test_write_with_nothing_to_set_does_nothing(kv: KV) -> None:
    assert await kv.write("metadata/m", {}) is None
    assert await kv.write("metadata/m", {"foo": 1}) is None  # no body: no warning
    assert await kv.read("metadata/m") is None


async def test_metadata_write_leaves_updated_time_alone_as_vault(kv: KV) -> None:
    # OpenBao moves updated_time on metadata writes; HashiCorp Vault does not.
    await kv.put("m", {"a": 1})
    kv.clock.advance(100)
    await kv.write("metadata/m", {"max_versions": 3})
    await kv.call(Operation.PATCH, "metadata/m", {"cas_required": True})
    assert (await kv.meta("m"))["updated_time"] == T0


@pytest.mark.parametrize(("value", "stored"), [(-3, 4294967293), (4294967297, 1), ("7", 7)])
async def test_max_versions_is_a_uint32_as_in_vault(kv: KV, value: Any, stored: int) -> None:
    await kv.write("metadata/m", {"max_versions": value})
    assert (await kv.meta("m"))["max_versions"] == stored


@pytest.mark.parametrize(("payload", "message"), [
    ({"max_versions": "abc"}, "error converting input for field \"max_versions\": '' cannot "
                              "parse value as 'int': strconv.ParseInt: invalid syntax"),
    ({"cas_required": "x"}, "error converting input for field \"cas_required\": '' cannot "
                            "parse value as 'bool': strconv.ParseBool: invalid syntax"),
    ({"delete_version_after": "-3"}, "error converting input for field "
                                     "\"delete_version_after\": cannot provide negative "
                                     "value '-3'"),
    ({"custom_metadata": "x"}, "error converting input for field \"custom_metadata\": '' "
                               "expected type 'map[string]interface {}', got unconvertible "
                               "type 'string'"),
    ({"custom_metadata": {"a": [1]}}, "custom_metadata validation failed: '' expected type "
                                      "'string', got unconvertible type '[]interface {}'"),
    ({"custom_metadata": {"a": None}}, "1 error occurred:\n\t* custom_metadata validation "
                                       "failed: length of value for key \"a\" is 0 but must "
                                       "be 0 < len(value) <= 512\n\n"),
])
async def test_write_errors_match_vault(kv: KV, payload: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await kv.write("metadata/m", payload)
    assert caught.value.messages == [message]


async def test_custom_metadata_limits_report_every_violation(kv: KV) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await kv.write("metadata/m", {"custom_metadata": {"k" * 129: "v" * 513, "ok": "\x01"}})
    assert caught.value.messages == [
        "3 errors occurred:\n"
        f'\t* custom_metadata validation failed: length of key "{"k" * 129}" is 129 but must '
        "be 0 < len(key) <= 128\n"
        f'\t* custom_metadata validation failed: length of value for key "{"k" * 129}" is '
        "513 but must be 0 < len(value) <= 512\n"
        '\t* custom_metadata validation failed: value for key "ok" contains unprintable '
        "characters\n\n"]
    with pytest.raises(InvalidRequest, match="payload must contain at most 64 keys, "
                                             "provided 65"):
        await kv.write("metadata/m", {"custom_metadata": {str(n): "v" for n in range(65)}})


async def test_cas_required_false_against_the_config_is_a_warning(kv: KV) -> None:
    await kv.write("config", {"cas_required": True})
    response = await kv.write("metadata/m", {"cas_required": False})
    assert response is not None
    assert response.warnings == ['"cas_required" set to false, but is mandated by backend '
                                 "config. This value will be ignored."]


async def test_patch_merges_settings_and_custom_metadata(kv: KV) -> None:
    await kv.write("metadata/m", {"max_versions": 5, "delete_version_after": "1h",
                                  "custom_metadata": {"a": "1", "b": "2"}})
    assert await kv.call(Operation.PATCH, "metadata/m", {
        "custom_metadata": {"a": None, "c": "3"}, "max_versions": 7}) is None
    meta = await kv.meta("m")
    assert (meta["custom_metadata"], meta["max_versions"], meta["delete_version_after"]) == (
        {"b": "2", "c": "3"}, 7, "1h0m0s")
    await kv.call(Operation.PATCH, "metadata/m", {"delete_version_after": None})
    assert (await kv.meta("m"))["delete_version_after"] == "1h0m0s"  # null: not given
    await kv.call(Operation.PATCH, "metadata/m", {"custom_metadata": None,
                                                  "max_versions": None})
    meta = await kv.meta("m")
    assert (meta["custom_metadata"], meta["max_versions"]) == (None, 0)


async def test_patch_of_a_missing_key_is_an_empty_404(kv: KV) -> None:
    for payload in ({"max_versions": 1}, {}):  # Vault: 404 even with nothing to patch
        response = await kv.call(Operation.PATCH, "metadata/nope", payload)
        assert response is not None and (response.status, response.data) == (404, None)


@pytest.mark.parametrize(("payload", "message"), [
    ({"custom_metadata": {"c": 3}},
     "json: cannot unmarshal number into Go struct field .custom_metadata.c of type string"),
    ({"custom_metadata": {"c": True}},
     "json: cannot unmarshal bool into Go struct field .custom_metadata.c of type string"),
    ({"max_versions": -3},
     "json: cannot unmarshal number -3 into Go struct field .max_versions of type uint32"),
])
async def test_patch_values_vault_cannot_store_are_400(
    kv: KV, payload: dict[str, Any], message: str
) -> None:
    # Vault answers these with a 500; bad input gets a 400 here, with Vault's text.
    await kv.write("metadata/m", {"max_versions": 1})
    with pytest.raises(InvalidRequest) as caught:
        await kv.call(Operation.PATCH, "metadata/m", payload)
    assert caught.value.messages == [message]


async def test_delete_removes_the_key_and_every_version(kv: KV) -> None:
    for value in range(3):
        await kv.put("m", {"v": value})
    await kv.write("destroy/m", {"versions": [2]})
    assert await kv.call(Operation.DELETE, "metadata/m") is None
    assert await kv.read("metadata/m") is None
    assert await kv.read("data/m") is None
    assert [k for k in kv.raw_keys() if "/m" in k] == []
    assert await kv.call(Operation.DELETE, "metadata/m") is None
    assert (await kv.put("m", {"v": 9}))["version"] == 1


async def test_list_shows_one_level_without_reading_records(kv: KV) -> None:
    for path in ("a", "dir/b", "dir/sub/c", "dir/d"):
        await kv.put(path, {"x": 1})
    kv.backend = kv.new_backend("2")  # cold cache
    kv.physical.gets.clear()
    assert body(await kv.call(Operation.LIST, "metadata/")) == {"keys": ["a", "dir/"]}
    assert body(await kv.call(Operation.LIST, "metadata/dir")) == {
        "keys": ["b", "d", "sub/"]}
    assert [k for k in kv.physical.gets if "/meta/" in k or "/data/" in k] == []
    assert await kv.call(Operation.LIST, "metadata/nothing/") is None


async def test_list_pages_with_after_and_limit(kv: KV) -> None:
    for path in ("a", "b", "c", "d"):
        await kv.put(path, {"x": 1})
    assert body(await kv.call(Operation.LIST, "metadata/", {"after": "a", "limit": 2})) == {
        "keys": ["b", "c"]}


async def test_list_can_leave_out_deleted_keys(kv: KV) -> None:
    for path in ("a", "b", "dir/c"):
        await kv.put(path, {"x": 1})
    await kv.call(Operation.DELETE, "data/b")
    assert body(await kv.call(Operation.LIST, "metadata/", {"exclude_deleted": True})) == {
        "keys": ["a", "dir/"]}


async def test_detailed_list_includes_each_record(kv: KV) -> None:
    await kv.put("dir/a", {"x": 1})
    await kv.put("dir/sub/b", {"x": 1})
    listed = body(await kv.call(Operation.LIST, "detailed-metadata/dir/"))
    assert listed["keys"] == ["a", "sub/"]
    assert listed["key_info"]["sub/"] == {}
    assert listed["key_info"]["a"]["current_version"] == 1


async def test_metadata_check_and_set_when_opted_in(kv: KV) -> None:
    # OpenBao's metadata_cas: inert unless a client uses it.
    await kv.write("metadata/m", {"metadata_cas_required": True, "metadata_cas": 0})
    with pytest.raises(InvalidRequest, match=r"^metadata check-and-set parameter required"):
        await kv.write("metadata/m", {"max_versions": 2})
    with pytest.raises(InvalidRequest, match="does not match the current version"):
        await kv.write("metadata/m", {"max_versions": 2, "metadata_cas": 5})
    await kv.write("metadata/m", {"max_versions": 2, "metadata_cas": 1})
    assert (await kv.meta("m"))["current_metadata_version"] == 2
    with pytest.raises(InvalidRequest, match="must be 0 when creating"):
        await kv.write("metadata/new", {"max_versions": 2, "metadata_cas": 3})


async def test_existence_check_drives_create_for_new_keys(kv: KV) -> None:
    request = kv.request(Operation.UPDATE, "metadata/m", {"max_versions": 1})
    assert await kv.backend.exists(request) is False
    await kv.put("m", {"a": 1})
    assert await kv.backend.exists(request) is True


async def test_versions_are_ordered_as_go_orders_map_keys(kv: KV) -> None:
    for value in range(11):
        await kv.put("many", {"v": value})
    assert list((await kv.meta("many"))["versions"]) == ["10", "11", "2", "3", "4", "5", "6",
                                                          "7", "8", "9"]

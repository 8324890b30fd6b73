"""batch_input handling shared by encrypt, decrypt, rewrap, sign, verify and hmac."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyvault.builtin.secrets.transit.errors import UserError
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.logical.errors import VaultError
from pyvault.logical.response import Response

BATCH_FIELDS = {
    "batch_input": Field(type=FieldType.ANY, description="A list of items to process, each "
                         "with the same fields as a single request (plus reference)."),
    "partial_failure_response_code": Field(type=FieldType.INT, description="Status to "
                                           "answer when some but not all items failed."),
}
Item = dict[str, Any]


def batch_items(data: FieldData, single: tuple[str, ...]) -> tuple[list[Item], bool]:
    """(items, is_batch); a non-batch request is one item made of ``single`` fields."""
    raw = data.raw.get("batch_input")
    if raw is None:
        return [{name: data.raw[name] for name in single if name in data.raw}], False
    if not isinstance(raw, list) or not all(isinstance(i, dict) for i in raw):
        raise UserError("failed to parse batch input: batch_input must be a list of objects")
    if not raw:
        raise UserError("missing batch input to process")
    return [dict(i) for i in raw], True


def same_context(items: list[Item]) -> None:
    """Vault refuses batches where only some items carry a context."""
    first = bool(items[0].get("context"))
    if any(bool(item.get("context")) != first for item in items):
        raise UserError("context should be set either in all the request blocks or in none")


def item_str(item: Item, name: str) -> str:
    value = item.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise UserError(f"'{name}' must be a string")
    return value


def item_int(item: Item, name: str) -> int:
    value = item.get(name, 0)
    if isinstance(value, bool):
        raise UserError(f"'{name}' must be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value in ("", None):
        return 0
    raise UserError(f"'{name}' must be an integer")


def run(items: list[Item], work: Callable[[Item], Item],
        error_item: Callable[[str], Item]) -> tuple[list[Item], int, int]:
    """Results in order plus (successes, failures); user errors stay per item."""
    results: list[Item] = []
    ok = failed = 0
    for item in items:
        try:
            result = work(item)
            ok += 1
        except VaultError as exc:
            result = error_item(str(exc))
            failed += 1
        reference = item.get("reference", "")
        result["reference"] = reference if isinstance(reference, str) else ""
        results.append(result)
    return results, ok, failed


def respond(data: FieldData, results: list[Item], ok: int, failed: int,
            status_on_failure: bool = True) -> Response:
    """Vault's batchRequestResponse: 400 when any item failed, unless overridden."""
    response = Response(data={"batch_results": results})
    if failed and status_on_failure:
        code = 400
        if ok and data.given("partial_failure_response_code"):
            wanted = data.get_int("partial_failure_response_code")
            if 1 <= wanted <= 599:
                code = wanted
            else:
                response.warnings.append("invalid HTTP response code override from "
                                         f"partial_failure_response_code, reverting to {code}")
        response.status = code
    return response


def single(results: list[Item]) -> Item:
    """A non-batch answer: the one item, or its error as a plain 400."""
    item = results[0]
    item.pop("reference", None)
    if "error" in item:
        raise UserError(str(item["error"]))
    return item

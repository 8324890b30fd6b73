"""Matching request values against ``allowed_parameters`` / ``denied_parameters``.

Vault compares with Go's ``reflect.DeepEqual`` between values decoded from the
policy's HCL and values decoded from the request's JSON. JSON numbers arrive
as ``json.Number``, which never equals an HCL number (nor a string), so a
number in a request only ever matches an empty value list. Top-level strings
match with a leading and/or trailing ``*`` glob (``strutil.GlobbedStringsMatch``);
strings nested in lists or maps must be equal.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyvault.policy.goparse import GoParseError, parse_int
from pyvault.policy.permissions import Permissions

__all__ = [
    "check_parameters",
    "globbed_strings_match",
    "pagination",
    "value_in_parameter_list",
]


def globbed_strings_match(item: str, val: str) -> bool:
    if len(item.encode()) < 2:
        return val == item
    starts, ends = item.startswith("*"), item.endswith("*")
    if starts and ends:
        return item[1:-1] in val
    if starts:
        return val.endswith(item[1:])
    if ends:
        return val.startswith(item[:-1])
    return val == item


def value_in_parameter_list(value: object, allowed: tuple[object, ...]) -> bool:
    """``valueInParameterList``: an empty list matches any value."""
    if not allowed:
        return True
    for element in allowed:
        if value is None:
            continue  # policy values are never null (JSON null decodes to "")
        if isinstance(element, str) and isinstance(value, str):
            if globbed_strings_match(element, value):
                return True
        elif _deep_equal(element, value):
            return True
    return False


def _deep_equal(policy_value: object, request_value: object) -> bool:
    if isinstance(request_value, bool):
        return isinstance(policy_value, bool) and policy_value == request_value
    if isinstance(request_value, str):
        return isinstance(policy_value, str) and policy_value == request_value
    if isinstance(request_value, list | tuple):
        return (
            isinstance(policy_value, tuple)
            and len(policy_value) == len(request_value)
            and all(_deep_equal(p, r) for p, r in zip(policy_value, request_value, strict=True))
        )
    if isinstance(request_value, Mapping):
        return (
            isinstance(policy_value, Mapping)
            and policy_value.keys() == request_value.keys()
            and all(_deep_equal(policy_value[k], request_value[k]) for k in request_value)
        )
    # Numbers (json.Number in Vault) and null never equal a policy value.
    return False


def check_parameters(perms: Permissions, data: Mapping[str, object]) -> str | None:
    """Why ``data`` breaks the parameter rules (read/create/update/patch), or None.

    Required names are lowercased but the request keys are not (Vault looks up
    ``data[lower(name)]``); allowed/denied lookups lowercase the request key.
    """
    for name in perms.required_parameters:
        if name.lower() not in data:
            return f"required parameter {name!r} missing"
    if not data:
        return None
    denied = perms.denied_parameters
    if denied:
        if "*" in denied:
            return "all parameters are denied"
        for key, value in data.items():
            values = denied.get(key.lower())
            if values is not None and value_in_parameter_list(value, values):
                return f"parameter {key!r} is denied"
    allowed = perms.allowed_parameters
    if not allowed:
        return None
    allow_all = "*" in allowed
    if allow_all and len(allowed) == 1:
        return None
    for key, value in data.items():
        values = allowed.get(key.lower())
        if values is None:
            if not allow_all:
                return f"parameter {key!r} is not allowed"
        elif not value_in_parameter_list(value, values):
            return f"value of parameter {key!r} is not allowed"
    return None


_LIMIT = "limit"


def pagination(perms: Permissions, data: Mapping[str, object]) -> tuple[str | None, str | None]:
    """OpenBao's ``pagination_limit`` for list/scan: (denial reason, new ``limit`` value)."""
    page = perms.pagination_limit
    raw = data.get(_LIMIT)
    if page <= 0:
        return None, ("0" if raw == "max" else None)
    if _LIMIT not in data:
        if any(name.lower() == _LIMIT for name in perms.required_parameters):
            return "limit parameter required", None
        return None, str(page)
    value = _safe_int(raw)
    if value is None:
        if raw == "max":
            return None, str(page)
        return "limit is not an integer", None
    if value > page:
        return "limit above pagination_limit", None
    if value < 0:
        return "negative limit", None
    return None, (str(page) if value == 0 else None)


def _safe_int(raw: object) -> int | None:
    """``parseutil.SafeParseInt``: strings in base 10 and integers; not bools or floats."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        try:
            return parse_int(raw, 10) if raw else 0
        except GoParseError:
            return None
    return None

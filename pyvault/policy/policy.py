"""Parsing ACL policies (HCL or JSON) into :class:`Policy` values.

``parse_policy`` accepts and rejects what Vault's ``ParseACLPolicy`` does and
raises :class:`PolicyError` carrying Vault's message (the ``errors`` entry of
the 400 answer to ``PUT sys/policies/acl/:name``).

Left to callers (the policy store / HTTP layer), as Vault does it there:
base64-decoding the ``policy`` field, refusing an empty one, refusing to
write ``root`` (and ``response-wrapping``), and the name rules.
"""

from __future__ import annotations

from datetime import datetime

from pyvault.policy.hcl import HCLError, parse_config
from pyvault.policy.hcl.decode import check_keys, decode_string, field_nodes, multierror
from pyvault.policy.hcl.nodes import LiteralError
from pyvault.policy.model import PathRule, Policy, PolicyError
from pyvault.policy.pathrule import RuleError, parse_path_item

__all__ = ["PathRule", "Policy", "PolicyError", "normalize_policy_name", "parse_policy"]

_PREFIX = "failed to parse policy: "


def normalize_policy_name(name: str) -> str:
    """Policy names are case-insensitive: Vault stores them lowercased."""
    return name.lower()


def parse_policy(name: str, text: str, *, now: datetime | None = None) -> Policy:
    """Parse ``text`` as the policy ``name`` (lowercased).

    ``now`` drops rules whose ``expiration`` has passed, as Vault does when it
    parses; without it every rule is kept and :meth:`ACL.compile` can filter
    them later with its own ``now``.
    """
    try:
        rules = _parse_rules(text, now)
    except (HCLError, RuleError, LiteralError) as exc:
        raise PolicyError(_PREFIX + str(exc)) from exc
    except RecursionError as exc:
        raise PolicyError(_PREFIX + "nesting too deep") from exc
    return Policy(
        name=normalize_policy_name(name),
        rules=tuple(rules),
        raw=text,
        templated=any(rule.templated for rule in rules),
    )


def _parse_rules(text: str, now: datetime | None) -> list[PathRule]:
    root = parse_config(text)
    bad_keys = check_keys(root, ("name", "path"))
    if bad_keys:
        raise HCLError(multierror(bad_keys))
    for node in field_nodes(root, "name"):
        decode_string("root.name", node)
    rules: list[PathRule] = []
    for item in root.filter("path").items:
        rule = parse_path_item(item, now=now)
        if rule is not None:
            rules.append(rule)
    return rules

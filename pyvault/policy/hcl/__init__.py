"""A faithful reader for HCL 1 and JSON as Vault's policy parser sees them.

pyhcl returns merged dicts, which loses what Vault relies on: repeated
``path`` blocks, repeated attributes, key positions, and the exact wording of
syntax errors. This package ports the Go parser's tree instead.
"""

from __future__ import annotations

from pyvault.policy.hcl.errors import HCLError, PosError
from pyvault.policy.hcl.json_parser import parse_json
from pyvault.policy.hcl.nodes import ObjectList
from pyvault.policy.hcl.parser import parse_hcl

__all__ = ["HCLError", "PosError", "parse_config"]


def parse_config(text: str) -> ObjectList:
    """Parse HCL, or JSON when the text starts with ``{`` (Vault's ``hclutil.ParseConfig``)."""
    if text.strip().startswith("{"):
        return parse_json(text)
    return parse_hcl(text)

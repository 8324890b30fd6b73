"""Template checks a policy gets at parse time.

* Identity templating in paths (``{{identity.entity.id}}``): only the
  balance check Vault runs when a policy is written (``identitytpl``
  ``ValidityCheckOnly``).
* ``list_scan_response_keys_filter_path`` (OpenBao): a Go ``text/template``
  over ``.path`` and ``.key``. Only its action syntax and its dependence on
  ``.key`` are checked here, which covers the errors Vault reports for the
  usual mistakes; rendering belongs to list filtering, not to the ACL.
"""

from __future__ import annotations

__all__ = ["TemplateError", "check_filter_template", "has_templating"]


class TemplateError(Exception):
    pass


def has_templating(path: str) -> bool:
    """True when ``path`` holds ``{{...}}`` directives; TemplateError when unbalanced."""
    pieces = path.split("{{")
    if "}}" in pieces[0]:
        raise TemplateError("unbalanced templating characters")
    for piece in pieces[1:]:
        if len(piece.split("}}")) != 2:
            raise TemplateError("unbalanced templating characters")
    return len(pieces) > 1


_COMPILE = "unable to compile template for list_scan_response_keys_filter_path: "


def check_filter_template(template: str, path: str) -> None:
    """Reject a filter template Vault would reject (see module docstring)."""
    del path  # rendering needs it; the checks below do not
    uses_key = False
    rest = template
    consumed = 0
    while True:
        start = rest.find("{{")
        if start < 0:
            break
        end = rest.find("}}", start + 2)
        line = template.count("\n", 0, consumed + start) + 1
        if end < 0:
            raise TemplateError(
                f"{_COMPILE}unable to parse template: template: template:{line}: unclosed action"
            )
        body = rest[start + 2 : end].strip().removeprefix("-").removesuffix("-").strip()
        if not body:
            raise TemplateError(
                f"{_COMPILE}unable to parse template: template: template:{line}: "
                "missing value for command"
            )
        uses_key = uses_key or ".key" in body
        consumed += end + 2
        rest = rest[end + 2 :]
    if not uses_key:
        raise TemplateError(
            "list_scan_response_keys_filter_path resulted in same path for two different keys"
        )

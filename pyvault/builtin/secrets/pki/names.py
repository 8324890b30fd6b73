"""Which names a role allows: a line-by-line port of Vault's ``validateNames``.

Order matters and is Vault's: wildcard and hostname syntax first (they beat
``allow_any_name``), then localhost, then ``allowed_domains`` (bare, subdomain, glob).
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any

_LABEL = r"([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])"
HOSTNAME = re.compile(rf"^(\*\.)?({_LABEL}\.)*{_LABEL}\.?$")
WILDCARD_LABEL = re.compile(r"^([a-zA-Z0-9*]|[a-zA-Z0-9*][a-zA-Z0-9\-*]*[a-zA-Z0-9*])$")


def to_ascii(name: str) -> str | None:
    try:
        return name.encode("idna").decode()
    except UnicodeError:
        return None if not name.isascii() else name


def is_hostname(name: str) -> bool:
    converted = to_ascii(name)
    return converted is not None and HOSTNAME.match(converted) is not None


def _split_wildcard(name: str) -> tuple[str, str] | None:
    label, _, rest = name.partition(".")
    if label.count("*") != 1 or "*" in rest or not rest:
        return None
    return label, rest


def _glob(pattern: str, name: str) -> bool:
    return fnmatch.fnmatchcase(name, pattern)


def first_disallowed(role: dict[str, Any], names: list[str]) -> str:
    """The first name the role refuses, or "" when all are allowed."""
    for name in names:
        reduced = email_domain = name
        is_email = is_wildcard = False
        wildcard_label = ""
        if "@" in reduced:
            parts = reduced.split("@")
            if len(parts) != 2:
                return name
            reduced = email_domain = parts[1]
            is_email = True
        if "*" in reduced:
            is_wildcard = True
            if not role["allow_wildcard_certificates"]:
                return name
            split = _split_wildcard(reduced)
            if split is None:
                return name
            wildcard_label, reduced = split
        if is_email and is_wildcard:
            return name
        if role["enforce_hostnames"]:
            if reduced and not is_hostname(reduced):
                return name
            if is_wildcard and not WILDCARD_LABEL.match(wildcard_label):
                return name
        if role["allow_any_name"]:
            continue
        if role["allow_localhost"]:
            if reduced in ("localhost", "localdomain") or (
                    is_email and email_domain in ("localhost", "localdomain")):
                continue
            if role["allow_subdomains"] and (
                    reduced.endswith((".localhost", ".localdomain"))
                    or (is_wildcard and reduced in ("localhost", "localdomain"))):
                continue
        if _allowed_by_domains(role, name, reduced, email_domain, is_email, is_wildcard):
            continue
        return name
    return ""


def _allowed_by_domains(role: dict[str, Any], name: str, reduced: str, email_domain: str,
                        is_email: bool, is_wildcard: bool) -> bool:
    for domain in role["allowed_domains"]:
        if not domain:
            continue
        if role["allowed_domains_template"] and "{{" in domain:
            # Identity templates need the caller's entity, which this server does not
            # model; Vault skips a domain whose template cannot be filled, and so do we.
            continue
        if role["allow_bare_domains"] and (
                name.lower() == domain.lower()
                or (is_email and email_domain.lower() == domain.lower())):
            return True
        if role["allow_subdomains"] and (
                reduced.endswith("." + domain)
                or (is_wildcard and reduced.lower() == domain.lower())):
            return True
        if role["allow_glob_domains"] and "*" in domain and _glob(domain, name):
            return True
    return False


def uri_allowed(role: dict[str, Any], uri: str) -> bool:
    return any(_glob(pattern, uri) for pattern in role["allowed_uri_sans"]
               if not (role["allowed_uri_sans_template"] and "{{" in pattern))

"""Authority Information Access URLs: which ones a certificate (or CRL) carries, and
their templates.

As Vault's getAIAURLs: an issuer with URLs of its own uses only those (the mount's
``config/urls`` is then ignored as a whole); otherwise the mount's apply. With
templating on (``enable_templating`` on the mount, ``enable_aia_url_templating`` on the
issuer) ``{{issuer_id}}``, ``{{cluster_path}}`` and ``{{cluster_aia_path}}`` are filled in
from the issuer and ``config/cluster`` at issuance time.
"""

from __future__ import annotations

from typing import Any

from pyvault.builtin.secrets.pki.store import IssuerEntry, PKIStore
from pyvault.logical.errors import InvalidRequest

URL_KEYS = ("issuing_certificates", "crl_distribution_points", "ocsp_servers",
            "delta_crl_distribution_points")
ISSUER_URL_KEYS = URL_KEYS[:3]
_CLUSTER = {"{{cluster_path}}": "path", "{{cluster_aia_path}}": "aia_path"}
CONSIDER = "\n\nConsider setting the cluster-local address if it is not already set."


async def cluster_config(store: PKIStore) -> dict[str, str]:
    config = await store.get_json("config/cluster") or {}
    return {"path": str(config.get("path", "")), "aia_path": str(config.get("aia_path", ""))}


def is_url(text: str) -> bool:
    scheme, sep, rest = text.partition("://")
    return bool(sep and scheme and rest and " " not in text)


def check_urls(config: dict[str, Any], names: tuple[str, ...]) -> None:
    """Without templating every AIA value must be a URL (a 400 otherwise)."""
    for name in names:
        for url in config.get(name) or []:
            if not is_url(url):
                raise InvalidRequest("invalid URL found in Authority Information Access "
                                     f"(AIA) parameter {name}: {url}")


def fill(urls: dict[str, list[str]], issuer_id: str,
         cluster: dict[str, str]) -> dict[str, list[str]]:
    """The templates with their values; a missing cluster value or a result that is not a
    URL is an error (the request cannot be served as configured)."""
    out: dict[str, list[str]] = {}
    for key, values in urls.items():
        filled = []
        for value in values:
            for marker, name in _CLUSTER.items():
                if marker in value:
                    if not cluster[name]:
                        raise InvalidRequest("unable to template AIA URLs as we lack local "
                                             f"cluster address information ({name})")
                    value = value.replace(marker, cluster[name])
            value = value.replace("{{issuer_id}}", issuer_id)
            if not is_url(value):
                raise InvalidRequest(f"error validating templated {key}; invalid URI: {value}")
            filled.append(value)
        out[key] = filled
    return out


def template_warning(urls: dict[str, list[str]], cluster: dict[str, str]) -> str | None:
    """What ``config/urls`` (and an issuer update) warn when templates cannot be filled
    yet; the URLs are still saved, as Vault's."""
    try:
        fill(urls, "00000000-0000-0000-0000-000000000000", cluster)
    except InvalidRequest as exc:
        return f"issuance may fail: {exc}{CONSIDER}"
    return None


def has_own_urls(issuer: IssuerEntry) -> bool:
    return any(getattr(issuer, key) for key in ISSUER_URL_KEYS)


async def resolve(store: PKIStore, issuer: IssuerEntry | None,
                  issuer_id: str = "") -> dict[str, list[str]]:
    """The URLs to embed for ``issuer`` (None: a CA being made, known by ``issuer_id``)."""
    if issuer is not None and has_own_urls(issuer):
        urls = {key: list(getattr(issuer, key)) for key in ISSUER_URL_KEYS}
        urls["delta_crl_distribution_points"] = []
        templating = issuer.enable_aia_url_templating
    else:
        config: dict[str, Any] = await store.get_json("config/urls") or {}
        urls = {key: list(config.get(key) or []) for key in URL_KEYS}
        templating = bool(config.get("enable_templating"))
    if not templating:
        return urls
    wanted = issuer.id if issuer is not None else issuer_id
    try:
        return fill(urls, wanted, await cluster_config(store))
    except InvalidRequest as exc:
        raise InvalidRequest(f"unable to fetch AIA URL information: {exc}") from None

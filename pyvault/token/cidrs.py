"""CIDR lists as Vault parses and prints them (go-sockaddr)."""

from __future__ import annotations

import ipaddress

from pyvault.logical.errors import InvalidRequest


def parse_cidrs(values: list[str], context: str) -> list[str]:
    """Validate addresses/CIDRs; a single host prints without its /32 (or /128)."""
    parsed: list[str] = []
    for value in values:
        try:
            interface = ipaddress.ip_interface(value.strip())
        except ValueError:
            raise InvalidRequest(
                f'{context}: error parsing address "{value}": Unable to convert "{value}" '
                "to an IPv4 or IPv6 address, or a UNIX Socket"
            ) from None
        text = str(interface)
        if interface.network.prefixlen == interface.max_prefixlen:
            text = str(interface.ip)
        parsed.append(text)
    return parsed


def allows(cidrs: list[str], address: str) -> bool:
    """Whether ``address`` is inside one of ``cidrs`` (an empty list allows all)."""
    if not cidrs:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_interface(cidr).network for cidr in cidrs)

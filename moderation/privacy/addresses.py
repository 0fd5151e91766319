"""How much of a commenter's IP address is kept: all, its network, or nothing."""

from __future__ import annotations

import ipaddress

POLICIES = ("full", "truncated", "none")
# The network kept of an address under "truncated": enough to see that two comments
# came from the same provider, not enough to name a household.
IPV4_PREFIX = 24
IPV6_PREFIX = 48


def stored_address(address: str | None, policy: str) -> str | None:
    """What to store of ``address`` under ``policy`` (``full``, ``truncated``, ``none``).

    An IPv4 address written as IPv6 (``::ffff:82.119.20.7``) counts as IPv4. Anything
    that is not an IP address is not stored at all.
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown IP policy {policy!r}")
    if not address or policy == "none":
        return None
    try:
        # An IPv6 zone ("fe80::1%eth0") names the host's own interface: not kept.
        parsed = ipaddress.ip_address(address.strip().split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    if policy == "full":
        return str(parsed)
    prefix = IPV4_PREFIX if parsed.version == 4 else IPV6_PREFIX
    network = ipaddress.ip_network(f"{parsed}/{prefix}", strict=False)
    return str(network.network_address)

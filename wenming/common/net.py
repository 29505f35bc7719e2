"""Where a request came from, for the rate limits (the public pages and the login throttle)."""

from __future__ import annotations

import ipaddress
import os

from django.conf import settings


def _from_proxy(address: str) -> bool:
    allowed = getattr(settings, "WENMING_FORWARDED_ALLOW_IPS", None) or os.environ.get(
        "WENMING_FORWARDED_ALLOW_IPS", "127.0.0.1")
    entries = [entry.strip() for entry in allowed.split(",") if entry.strip()]
    if "*" in entries:
        return True
    try:
        ip = ipaddress.ip_address(address)
        return any(ip in ipaddress.ip_network(entry, strict=False) for entry in entries)
    except ValueError:
        return False


def client_ip(request) -> str:
    """The sender's address; behind the city's proxy (WENMING_BEHIND_PROXY) the one the proxy saw, when the
    request came from the proxy (WENMING_FORWARDED_ALLOW_IPS, as for the server). An IPv6 address counts as
    its /64, the network one subscriber holds (else each request could come from a new one)."""
    if request is None:
        return ""
    address = request.META.get("REMOTE_ADDR", "")
    if settings.SECURE_PROXY_SSL_HEADER and _from_proxy(address):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            address = forwarded.split(",")[-1].strip()
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return address

"""Registrable domains (example.co.uk for a.b.example.co.uk), from the Public Suffix List.

Limits that count "per remote server" count per registrable domain: whoever controls
example.co.uk controls every name under it, and must not get a fresh allowance for each.
The list is the snapshot bundled with `publicsuffixlist`; nothing is fetched at run time.
"""

from __future__ import annotations

import ipaddress
from functools import cache

from publicsuffixlist import PublicSuffixList


@cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # parsing the list takes a quarter of a second: once per process


def registrable_domain(host: str) -> str:
    """The registrable domain of `host` (a port is dropped); IP addresses and names that are
    themselves public suffixes stand for themselves."""
    name = host.strip().lower().rstrip(".")
    if name.startswith("["):
        return name.split("]", 1)[0] + "]"
    name = name.rsplit(":", 1)[0] if name.count(":") == 1 else name
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return _suffixes().privatesuffix(name) or name
    return name

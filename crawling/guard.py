"""Address guard: refuse private, loopback, link-local, multicast and reserved targets.

Host names are resolved (``socket.getaddrinfo`` or an injected resolver) and every address
must be public unless the operator allows private targets. The crawler calls it before every
request, including each redirect hop, so a public page cannot bounce the crawler into an
internal network.

DNS rebinding: a verdict is cached per host for the crawl, and the sessions of
``crawling.fetch.make_session`` ask the same guard when they open a connection and connect to
one of the verdict's ``addresses`` (an IP literal, no second lookup). So the address a socket
goes to is always one that passed the check, whatever a DNS server answers later.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

Resolver = Callable[[str], Sequence[str]]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def system_resolver(host: str) -> list[str]:
    """All addresses of ``host`` from the system resolver (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public(addr: IPAddress) -> bool:
    """True for a globally routable unicast address."""
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return not (
        addr.is_private
        or addr.is_loopback
        or addr.is_link_local
        or addr.is_multicast
        or addr.is_reserved
        or addr.is_unspecified
        or not addr.is_global
    )


@lru_cache(maxsize=64)
def _networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


@dataclass(frozen=True, slots=True)
class GuardVerdict:
    allowed: bool
    addresses: tuple[str, ...] = ()
    reason: str = ""  # "blocked_address" or "dns_error" when not allowed


class AddressGuard:
    """Decides whether a host may be contacted; caches answers per host for one crawl."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        allowed_networks: tuple[str, ...] = (),
        resolver: Resolver | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.allowed_networks = _networks(tuple(allowed_networks))
        self.resolver = resolver or system_resolver
        self._cache: dict[str, GuardVerdict] = {}

    def _permitted(self, addr: IPAddress) -> bool:
        if self.allow_private or is_public(addr):
            return True
        return any(addr in net for net in self.allowed_networks if addr.version == net.version)

    def check(self, host: str) -> GuardVerdict:
        host = host.strip("[]").lower()
        cached = self._cache.get(host)
        if cached is not None:
            return cached
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addrs = [literal]
        else:
            try:
                addrs = [ipaddress.ip_address(a.split("%")[0]) for a in self.resolver(host)]
            except (OSError, UnicodeError, ValueError) as exc:
                verdict = GuardVerdict(False, (), f"dns_error: {exc}")
                self._cache[host] = verdict
                return verdict
        names = tuple(str(a) for a in addrs)
        if not addrs:
            verdict = GuardVerdict(False, names, "dns_error: no address")
        elif all(self._permitted(a) for a in addrs):
            verdict = GuardVerdict(True, names)
        else:
            verdict = GuardVerdict(False, names, "blocked_address")
        self._cache[host] = verdict
        return verdict

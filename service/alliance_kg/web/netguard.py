"""The one guard for every URL the server would fetch because a client asked (SSRF defence).

A SPARQL ``SERVICE`` clause, an update's ``LOAD`` or any other URL taken from a request makes
*the server* open a connection: a caller could point it at ``http://127.0.0.1:…`` (our own
admin ports, the remote store's update endpoint), ``169.254.169.254`` (cloud metadata) or a
machine of the private network behind us. Every such URL goes through :func:`check_url` first,
and through :func:`fetch` when we make the request ourselves:

1. the scheme is ``http`` or ``https`` and the URL names a host and no user/password (an
   ``http://allowed@evil/`` URL says one host and connects to another);
2. the URL is on the operator's allowlist (``ALLIANCE_KG_SERVICE_ALLOWLIST``: exact URLs, or
   prefixes ending with ``*``);
3. the host is resolved and **every** address (IPv4 and IPv6, IPv4-mapped IPv6 unwrapped) must
   be globally routable: loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local
   (169.254/16, fe80::/10), shared (100.64/10), multicast, reserved and unspecified addresses
   are refused. Exceptions are explicit: ``ALLIANCE_KG_ALLOW_PRIVATE_FETCH=true`` for all of
   them, or an allowlist entry that names the host by an IP literal or ``localhost`` (the
   operator wrote that address down on purpose, e.g. a SPARQL server on the same machine);
4. :func:`fetch` never lets the HTTP client follow a redirect by itself: every hop is checked
   again (allowlist and addresses), so an allowlisted endpoint cannot bounce us inside.

Known limit: a name is resolved for the check and again by the HTTP client to connect; a DNS
server that answers differently within that window (DNS rebinding) is not caught here, which
is why private ranges should also be closed by the host's firewall (docs/OPERATIONS.md).

What the server does *not* fetch at all: ``LOAD`` is refused outright (send data with the
Graph Store Protocol), JSON-LD remote ``@context`` documents are never loaded (Oxigraph's
parser has no loader), and ``FROM`` names a graph of the store, never a web document.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from ..config import Settings
from ..errors import ErrorKind, KGError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: ``socket.getaddrinfo``-shaped resolver (tests pass their own to pin answers)
Resolver = Callable[..., list[tuple[Any, ...]]]
#: hops followed by :func:`fetch` before giving up
MAX_REDIRECTS = 5
SCHEMES = frozenset({"http", "https"})
_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


@dataclass(frozen=True)
class Policy:
    """Which URLs may be fetched: the allowlist and whether private addresses are allowed."""

    allowlist: tuple[str, ...] = ()
    allow_private: bool = False

    @classmethod
    def of(cls, settings: Settings) -> Policy:
        return cls(tuple(settings.service_allowlist), settings.allow_private_fetch)

    def listed(self, url: str) -> str | None:
        """The allowlist entry that admits ``url`` (exact, or a prefix ending with ``*``)."""
        for entry in self.allowlist:
            if entry.endswith("*"):
                if url.startswith(entry[:-1]):
                    return entry
            elif url == entry:
                return entry
        return None


def _literal_host(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def is_public(address: IPAddress) -> bool:
    """Globally routable, after unwrapping IPv4-mapped / 6to4 / Teredo IPv6 forms."""
    if isinstance(address, ipaddress.IPv6Address):
        for inner in (address.ipv4_mapped, address.sixtofour,
                      address.teredo[1] if address.teredo else None):
            if inner is not None and not is_public(inner):
                return False
    return bool(address.is_global) and not address.is_multicast


def resolve(host: str, port: int, resolver: Resolver = socket.getaddrinfo) -> list[IPAddress]:
    """Every address ``host`` resolves to (IPv4 and IPv6); ``UNAVAILABLE`` if none."""
    literal = _literal_host(host)
    if literal is not None:
        return [literal]
    try:
        infos = resolver(host, port, 0, socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise KGError(ErrorKind.UNAVAILABLE, f"cannot resolve the host {host!r}: {exc}") \
            from None
    out: list[IPAddress] = []
    for info in infos:
        sockaddr = info[4]
        address = _literal_host(str(sockaddr[0]))
        if address is not None and address not in out:
            out.append(address)
    if not out:
        raise KGError(ErrorKind.UNAVAILABLE, f"the host {host!r} has no address")
    return out


def check_url(url: str | None, policy: Policy, *, what: str = "URL",
              resolver: Resolver = socket.getaddrinfo) -> None:
    """Return if the server may fetch ``url``; raise ``FORBIDDEN`` (403) otherwise.

    ``None`` stands for an endpoint not known before evaluation (``SERVICE ?var``): refused.
    """
    if url is None:
        raise KGError(ErrorKind.FORBIDDEN, f"{what} with a variable endpoint is not allowed: "
                      "the server fetches only allowlisted URLs")
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise KGError(ErrorKind.FORBIDDEN, f"{what} <{url}>: not a fetchable URL ({exc})") \
            from None
    host = parts.hostname
    if parts.scheme.lower() not in SCHEMES or not host:
        raise KGError(ErrorKind.FORBIDDEN, f"{what} <{url}>: only http(s) URLs with a host "
                      "may be fetched")
    if parts.username is not None or parts.password is not None:
        raise KGError(ErrorKind.FORBIDDEN, f"{what} <{url}>: URLs with user information are "
                      "not fetched")
    entry = policy.listed(url)
    if entry is None:
        raise KGError(ErrorKind.FORBIDDEN, f"{what} <{url}> is not in this server's allowlist "
                      "(ALLIANCE_KG_SERVICE_ALLOWLIST)")
    if policy.allow_private or _explicit_local(entry):
        return
    for address in resolve(host, port, resolver):
        if not is_public(address):
            raise KGError(ErrorKind.FORBIDDEN, f"{what} <{url}>: the host resolves to "
                          f"{address}, a loopback, private, link-local or reserved address; "
                          "the server does not fetch inside its own network")


def _explicit_local(entry: str) -> bool:
    """An allowlist entry naming its host by an IP literal or ``localhost`` (and no wildcard
    in the host part): the operator allowed that very address."""
    try:
        host = urlsplit(entry.rstrip("*")).hostname
    except ValueError:
        return False
    if not host or "*" in host:
        return False
    return host in _LOCAL_NAMES or _literal_host(host) is not None


def check_all(urls: Sequence[str | None], settings: Settings, *, what: str) -> None:
    """:func:`check_url` for each of ``urls`` under the settings' policy."""
    policy = Policy.of(settings)
    for url in urls:
        check_url(url, policy, what=what)


def fetch(method: str, url: str, policy: Policy, *, session: requests.Session | None = None,
          timeout: float = 30.0, resolver: Resolver = socket.getaddrinfo,
          **kwargs: Any) -> requests.Response:
    """An HTTP request to a guarded URL, following redirects only through the guard."""
    http = session or requests.Session()
    for _ in range(MAX_REDIRECTS + 1):
        check_url(url, policy, resolver=resolver)
        response = http.request(method, url, allow_redirects=False, timeout=timeout, **kwargs)
        if not response.is_redirect:
            return response
        location = response.headers.get("Location", "")
        response.close()
        url = urljoin(url, location)
        if response.status_code == 303 or (response.status_code in (301, 302)
                                           and method.upper() == "POST"):
            method, kwargs = "GET", {k: v for k, v in kwargs.items()
                                     if k not in {"data", "json", "files"}}
    raise KGError(ErrorKind.UNAVAILABLE, f"more than {MAX_REDIRECTS} redirects from <{url}>")

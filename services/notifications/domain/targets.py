"""Webhook targets: where a subscriber may ask to be called.

A target is an absolute ``http`` or ``https`` URL without credentials in it. Its host must resolve
only to public addresses: a private, loopback, link-local, multicast or reserved one would let a
subscriber make the service call inside the operator's network. An operator may allow networks
explicitly (the tests allow 127.0.0.1). The service resolves the host; these rules judge what it
found, at registration and again before each attempt (a name may be pointed elsewhere later).
"""
import ipaddress
import urllib.parse

from common.errors import BadRequest

MAX_URL_LENGTH = 2000
SCHEMES = ("http", "https")


def parse_target(url):
    """``(host, port)`` of the webhook target ``url``; BadRequest naming ``url`` if it is no
    target this service calls."""
    def refuse(why):
        raise BadRequest("the webhook target is refused", {"url": [why]})

    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        refuse(f"an http or https URL of at most {MAX_URL_LENGTH} characters")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        refuse("not a valid URL")
    if parts.scheme not in SCHEMES:
        refuse("only http and https targets are called")
    if parts.username is not None or parts.password is not None:
        refuse("credentials do not belong in the URL: the signature authenticates each delivery")
    if not parts.hostname:
        refuse("the URL names no host")
    if parts.fragment:
        refuse("a URL fragment is never sent to the target")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def allowed_networks(values):
    """The networks an operator allows despite being private (``["127.0.0.1/32", ...]``);
    ValueError for one that is no network."""
    return tuple(ipaddress.ip_network(value, strict=False) for value in values or ())


def refused_address(addresses, allowed=()):
    """The first of ``addresses`` (texts, as a resolver gives them) this service does not call,
    or None when every one is public or within ``allowed`` (from ``allowed_networks``). No
    address at all is refused too: there is nothing to call."""
    if not addresses:
        return "no address"
    for text in addresses:
        given = ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 zone is not an address
        address = getattr(given, "ipv4_mapped", None) or given  # ::ffff:10.0.0.1 is 10.0.0.1
        if any(a in network for a in (given, address) for network in allowed):
            continue
        if not address.is_global or address.is_multicast:
            return text
    return None

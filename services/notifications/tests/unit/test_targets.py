"""Webhook targets: the URLs taken, and the addresses refused unless an operator allows them."""
import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.errors import BadRequest
from services.notifications.domain.targets import allowed_networks, parse_target, refused_address

PRIVATE = ["127.0.0.1", "10.1.2.3", "172.16.5.4", "192.168.1.10", "169.254.169.254", "0.0.0.0",
           "::1", "fe80::1%eth0", "fc00::5", "::ffff:10.0.0.1", "224.0.0.1", "100.64.0.1", "240.0.0.1"]


def test_an_http_or_https_url_gives_its_host_and_port():
    assert parse_target("https://hr.example.com/hooks/jiangxin?x=1") == ("hr.example.com", 443)
    assert parse_target("http://127.0.0.1:8080/hook") == ("127.0.0.1", 8080)
    assert parse_target("http://[::1]/hook") == ("::1", 80)


@pytest.mark.parametrize("url", ["ftp://example.com/x", "example.com/hook", "https://user:pw@example.com/",
                                 "https:///nohost", "https://example.com:99999/", "https://example.com/#x",
                                 "", None, 42, "https://example.com/" + "a" * 2000])
def test_anything_else_is_a_400_naming_the_url(url):
    with pytest.raises(BadRequest) as refused:
        parse_target(url)
    assert list(refused.value.fields) == ["url"]


@pytest.mark.parametrize("address", PRIVATE)
def test_private_loopback_link_local_and_reserved_addresses_are_refused(address):
    assert refused_address([address]) == address
    assert refused_address(["93.184.216.34", address]) == address  # one is enough


def test_an_operator_may_allow_a_network_and_public_addresses_pass():
    assert refused_address(["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]) is None
    allowed = allowed_networks(["127.0.0.1/32", "10.0.0.0/8"])
    assert refused_address(["127.0.0.1", "10.9.9.9"], allowed) is None
    assert refused_address(["127.0.0.2"], allowed) == "127.0.0.2"
    assert refused_address([], allowed) == "no address"
    with pytest.raises(ValueError):
        allowed_networks(["not a network"])


@given(st.ip_addresses())
def test_an_address_passes_only_when_it_is_global_and_not_multicast(address):
    expected = address.is_global and not address.is_multicast
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped:
        expected = mapped.is_global and not mapped.is_multicast
    assert (refused_address([str(address)]) is None) == expected
    assert refused_address([str(address)], [ipaddress.ip_network(address)]) is None

"""The shared URL guard (SSRF): private and special addresses refused, the admin's allow-list
honoured, hrefs a server sends back kept on its origin."""

from __future__ import annotations

import pytest

from righthand import netguard
from righthand.errors import BadInput

PUBLIC = "93.184.216.34"


def _at(*addresses: str):
    return lambda host, port: list(addresses)


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.10", "10.1.2.3", "192.168.0.9", "172.16.5.5", "169.254.169.254",
    "100.64.0.1", "0.0.0.0", "::", "::1", "fe80::1", "fd00::1", "::ffff:10.0.0.1",
    "2002:0a00:0001::1", "224.0.0.1", "240.0.0.1", "255.255.255.255", "not-an-ip"])
def test_addresses_that_are_not_public_are_refused(address):
    assert not netguard.public(address)
    with pytest.raises(BadInput, match="not public"):
        netguard.check_url("https://example.com/x", resolver=_at(address),
                           allowed=netguard.Allowlist())


def test_one_private_address_among_public_ones_is_enough_to_refuse():
    with pytest.raises(BadInput):
        netguard.check_url("https://example.com/", resolver=_at(PUBLIC, "10.0.0.1"),
                           allowed=netguard.Allowlist())


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://example.com/", "ftp://x/",
                                 "https://user:pw@example.com/", "https:///nohost",
                                 "http://example.com:99999/", "javascript:alert(1)"])
def test_bad_urls_are_refused(url):
    with pytest.raises(BadInput):
        netguard.check_url(url, resolver=_at(PUBLIC), allowed=netguard.Allowlist())


def test_a_public_url_is_checked_and_pinned():
    found = netguard.check_url("https://Example.com/cal.ics?x=1", resolver=_at(PUBLIC),
                               allowed=netguard.Allowlist())
    assert (found.scheme, found.host, found.port, found.address, found.path) == \
        ("https", "example.com", 443, PUBLIC, "/cal.ics?x=1")


def test_the_admin_allow_list(monkeypatch):
    allowed = netguard.Allowlist.parse("caldav.internal, *.corp.example, 10.20.0.0/16")
    assert netguard.check_url("https://caldav.internal/dav/", resolver=_at("10.9.9.9"),
                              allowed=allowed).address == "10.9.9.9"
    assert netguard.check_url("https://a.b.corp.example/", resolver=_at("192.168.1.1"),
                              allowed=allowed)
    assert netguard.check_url("https://llm.example/", resolver=_at("10.20.3.4"),
                              allowed=allowed)
    with pytest.raises(BadInput) as caught:
        netguard.check_url("https://llm.example/", resolver=_at("10.21.3.4"), allowed=allowed)
    assert "RIGHTHAND_URL_ALLOWLIST" in caught.value.hint
    with pytest.raises(BadInput):
        netguard.Allowlist.parse("not a host!")
    monkeypatch.setenv(netguard.ALLOWLIST_ENV, "127.0.0.0/8")
    assert netguard.check_url("http://localhost:8080/v1", resolver=_at("127.0.0.1")).port == 8080


def test_hrefs_a_server_sends_back_stay_on_its_origin():
    base = "https://dav.example.com/dav/"
    assert netguard.same_origin(base, "https://DAV.example.com/dav/cal/x.ics")
    assert not netguard.same_origin(base, "http://dav.example.com/dav/")
    assert not netguard.same_origin(base, "https://dav.example.com:8443/")
    netguard.check_followed(base, "https://dav.example.com/other/")
    with pytest.raises(BadInput):
        netguard.check_followed(base, "http://169.254.169.254/latest/meta-data/",
                                resolver=_at("169.254.169.254"))


def test_the_caldav_connector_refuses_an_off_origin_private_href():
    from righthand.connectors.caldav_client import CalDavServer

    server = CalDavServer("https://user:secret@dav.example.com/dav/")
    assert "secret" not in repr(server)
    with pytest.raises(BadInput, match="not public"):
        server._request("http://127.0.0.1:6379/", "PROPFIND")


def test_ics_subscriptions_use_the_shared_guard():
    from righthand.connectors import ics_fetch

    assert ics_fetch.public is netguard.public
    with pytest.raises(BadInput):
        ics_fetch.check("https://calendar.example.com/x.ics", resolver=_at("10.0.0.8"))

"""A real DNS server on loopback that knows no name (it answers every query NXDOMAIN), and a
Scrapy resolver that asks it (TWISTED_DNS_RESOLVER=loopback_dns.Resolver, the server's port in
$OGI_TEST_DNS_PORT): a crawl meets a real DNS failure without querying the machine's resolver.
"""

from __future__ import annotations

import os
import socket
import struct
import threading


def _question_end(packet: bytes) -> int:
    i = 12
    while i < len(packet) and packet[i]:
        i += packet[i] + 1
    return i + 5  # the zero label, QTYPE, QCLASS


class NxDomainServer:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.queries: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while True:
            try:
                packet, addr = self.sock.recvfrom(2048)
            except OSError:
                return
            if len(packet) < 12:
                continue
            end = _question_end(packet)
            self.queries.append(packet[12:end])
            # same id; QR, RD, RA set, RCODE 3 (NXDOMAIN); the one question, no answers
            reply = packet[:2] + struct.pack(">HHHHH", 0x8183, 1, 0, 0, 0) + packet[12:end]
            self.sock.sendto(reply, addr)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.sock.close()


class Resolver:
    """For Scrapy's TWISTED_DNS_RESOLVER: twisted.names asking the loopback server (an IP
    address is its own answer)."""

    def __init__(self, reactor, resolver):
        self.reactor, self.resolver = reactor, resolver

    def getHostByName(self, name, timeout=()):
        from twisted.internet import defer
        from twisted.internet.abstract import isIPAddress

        if isIPAddress(name):
            return defer.succeed(name)
        return self.resolver.getHostByName(name, tuple(timeout) or (2,))

    @classmethod
    def from_crawler(cls, crawler, reactor):
        from twisted.names import client

        port = int(os.environ["OGI_TEST_DNS_PORT"])
        return cls(
            reactor, client.Resolver(servers=[("127.0.0.1", port)], reactor=reactor, timeout=(2,))
        )

    def install_on_reactor(self) -> None:
        from twisted.internet.interfaces import IResolverSimple
        from zope.interface import directlyProvides

        directlyProvides(self, IResolverSimple)
        self.reactor.installResolver(self)

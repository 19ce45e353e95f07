"""network_disabled(): connections, name resolution and datagrams are all refused inside, and work again after."""

import socket

import pytest

from modules.labkit.network_guard import NetworkBlockedError, network_disabled


def test_connections_are_refused_inside_even_to_loopback():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        with network_disabled():
            with pytest.raises(NetworkBlockedError, match="127.0.0.1"):
                socket.create_connection(listener.getsockname(), timeout=1)
            with socket.socket() as client, pytest.raises(NetworkBlockedError):
                client.connect_ex(listener.getsockname())
        with socket.create_connection(listener.getsockname(), timeout=5):
            pass  # restored afterwards


def test_name_resolution_is_refused_inside():
    with network_disabled():
        with pytest.raises(NetworkBlockedError, match="example.org"):
            socket.getaddrinfo("example.org", 443)
        with pytest.raises(NetworkBlockedError):
            socket.gethostbyname("localhost")
        with pytest.raises(NetworkBlockedError):
            socket.gethostbyname_ex("localhost")
    assert socket.getaddrinfo("127.0.0.1", 80)  # restored afterwards (a literal address needs no DNS)


def test_udp_datagrams_are_refused_inside_and_none_arrives():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
        receiver.bind(("127.0.0.1", 0))
        receiver.setblocking(False)
        address = receiver.getsockname()
        with network_disabled(), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            with pytest.raises(NetworkBlockedError):
                sender.sendto(b"leak", address)
            with pytest.raises(NetworkBlockedError):
                sender.sendto(b"leak", 0, address)
            with pytest.raises(NetworkBlockedError):
                sender.sendmsg([b"leak"], [], 0, address)
        with pytest.raises(BlockingIOError):
            receiver.recv(16)  # loopback delivers at once: had anything been sent, it would be here
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(b"after", address)
        receiver.setblocking(True)
        receiver.settimeout(5)
        assert receiver.recv(16) == b"after"  # restored afterwards

"""Loaded by every flake8 and flake8-kraken process the tests start: the network is refused there too."""
import socket

_connect = socket.socket.connect


def _guarded(self, address):
    if self.family != getattr(socket, "AF_UNIX", None):
        raise RuntimeError(f"flake8-kraken test guard: network connection attempted to {address!r}")
    return _connect(self, address)


def _refuse(*args, **kwargs):
    raise RuntimeError("flake8-kraken test guard: network lookup attempted")


socket.socket.connect = _guarded
socket.socket.connect_ex = _guarded
socket.create_connection = _refuse
socket.getaddrinfo = _refuse

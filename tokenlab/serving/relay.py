"""A listener on the path: a TCP relay that forwards bytes between a client and a server on
127.0.0.1 and keeps a copy of each byte it forwards, in both directions.

It is what anyone between the two reads — a Wi-Fi neighbour, a proxy, a router. On plain HTTP
that is everything: the client's Basic credentials and every bearer token (RFC 6750 §5.3:
"the client MUST ... use TLS"); on TLS it is records it cannot read (RFC 8446 §5): the
handshake, then encrypted application data.

>>> relay = Relay(8000)              # doctest: +SKIP  # listen on a free port, forward to 8000
>>> relay.client_bytes()             # doctest: +SKIP  # what the client sent, as sent
"""

from __future__ import annotations

import contextlib
import socket
import threading

__all__ = ["Relay"]

_CHUNK = 65536


class Relay:
    """Forward connections made to :attr:`port` (on 127.0.0.1) to ``target_port``, recording.

    :meth:`client_bytes` and :meth:`server_bytes` are the bytes forwarded each way so far, connection after
    connection, each in the order its bytes arrived. A chunk is recorded before it is forwarded, so once
    a client has its answer the capture holds the whole exchange. :meth:`close` ends everything.
    """

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._chunks: list[tuple[str, int, bytes]] = []
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._closed = False
        self._start(self._accept, f"tokenlab-relay :{self.port}")

    def _start(self, target: object, name: str, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)  # type: ignore[arg-type]
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            try:
                server = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                if self._closed:
                    client.close()
                    server.close()
                    return
                self._sockets += [client, server]
                number = len(self._sockets) // 2
            self._start(self._pump, "tokenlab-relay c→s", client, server, "client", number)
            self._start(self._pump, "tokenlab-relay s→c", server, client, "server", number)

    def _pump(self, source: socket.socket, sink: socket.socket, who: str, number: int) -> None:
        try:
            while chunk := source.recv(_CHUNK):
                with self._lock:
                    self._chunks.append((who, number, chunk))
                sink.sendall(chunk)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)  # pass the end of the stream on

    def client_bytes(self) -> bytes:
        """Everything the clients sent through the relay."""
        with self._lock:
            return self._joined("client")

    def server_bytes(self) -> bytes:
        """Everything the server sent back through the relay."""
        with self._lock:
            return self._joined("server")

    def _joined(self, side: str) -> bytes:
        """One side's bytes, connection after connection (each in the order it came)."""
        ours = [(n, i, c) for i, (who, n, c) in enumerate(self._chunks) if who == side]
        return b"".join(c for _, _, c in sorted(ours))

    def close(self) -> None:
        with self._lock:
            self._closed = True
            sockets, threads = list(self._sockets), list(self._threads)
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        for thread in threads:
            thread.join(timeout=10)

    def __enter__(self) -> Relay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

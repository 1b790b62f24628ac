"""A real HTTP receiver on 127.0.0.1 for delivery tests: it records every request and answers
with the status the test chooses."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    # Decides the status of each request from those received before it.
    answer: Callable[[list[Received]], int] = lambda _before: 204
    lock: threading.Lock = field(default_factory=threading.Lock)

    def delivered(self) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if 200 <= r.answered < 300]

    def all(self) -> list[Received]:
        with self.lock:
            return list(self.requests)


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with receiver.lock:
                status = receiver.answer(list(receiver.requests))
                receiver.requests.append(
                    Received(
                        self.path, {k.lower(): v for k, v in self.headers.items()}, body, status
                    )
                )
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Trickler:
    """A receiver that never finishes answering: it sends `prefix` (the status line, and the
    headers too when `headers_done`), then one byte every `every_s` until stopped."""

    url: str
    received: list[str] = field(default_factory=list)  # the webhook-id of each request
    stopped: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ids(self) -> list[str]:
        with self.lock:
            return list(self.received)


@contextmanager
def trickling_receiver(*, headers_done: bool, every_s: float = 1.5) -> Iterator[Trickler]:
    trickler = Trickler(url="")
    prefix = b"HTTP/1.1 200 OK\r\n"
    if headers_done:
        prefix += b"content-length: 100000\r\n\r\n"

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            with trickler.lock:
                trickler.received.append(self.headers.get("webhook-id", ""))
            try:
                self.wfile.write(prefix)
                self.wfile.flush()
                while not trickler.stopped.wait(every_s):
                    self.wfile.write(b"x")
                    self.wfile.flush()
            except OSError:  # the sender hung up: what it should do
                pass

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    trickler.url = f"http://127.0.0.1:{server.server_address[1]}/slow"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield trickler
    finally:
        trickler.stopped.set()
        server.shutdown()
        server.server_close()

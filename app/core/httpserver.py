"""uvicorn's HTTP protocol, with its own answer to a malformed request as a problem+json.

A request uvicorn cannot parse (a broken request line or header) never reaches the
application: uvicorn writes a plain-text 400 itself. The subclass writes the same status as
the problem document every other error is, with the headers the middleware adds elsewhere.
"""

from __future__ import annotations

import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.core.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE


def malformed_request_problem(msg: str) -> bytes:
    body = {
        "type": PROBLEM_TYPE_BASE + "bad-request",
        "title": "Bad Request",
        "status": 400,
        "detail": f"The request is not valid HTTP: {msg.rstrip('.')}.",
    }
    return json.dumps(body).encode("utf-8")


class ProblemHttpToolsProtocol(HttpToolsProtocol):
    """httptools' protocol (what `serve` runs) answering malformed HTTP with a problem."""

    def send_400_response(self, msg: str) -> None:
        body = malformed_request_problem(msg)
        content = [b"HTTP/1.1 400 Bad Request\r\n"]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: " + PROBLEM_MEDIA_TYPE.encode("ascii") + b"\r\n",
                b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                b"x-content-type-options: nosniff\r\n",
                b"connection: close\r\n",
                b"\r\n",
                body,
            ]
        )
        self.transport.write(b"".join(content))
        self.transport.close()

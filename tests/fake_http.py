"""What the local fake ZGW APIs share (``tests/drc``, ``tests/zgw``): a server in a thread
on 127.0.0.1 (a free port), the ZGW JWT check (HS256), the record of schema breaches, a
queue of injected failures and the head of each JSON answer."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import jwt


class LocalApi:
    """A fake API's data and behaviour; ``start()`` serves it in a thread, ``stop()`` ends
    it. A subclass names the HTTP ``methods`` it answers and its ``base_path``, and answers
    each request in ``_handle(handler, method)``."""

    base_path = ""
    api_version = ""
    methods: tuple[str, ...] = ("GET",)

    def __init__(self, *, client_id: str, secret: str):
        self.client_id = client_id
        self.secret = secret
        self.claims: list[dict[str, Any]] = []
        self.schema_errors: list[str] = []
        self._failures: list[tuple] = []  # (text in the path, status, ...)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> Self:
        """Serve the API on a free port until ``stop()``."""
        def answer(method: str):
            return lambda handler: self._handle(handler, method)

        answers = {f"do_{method}": answer(method.lower()) for method in self.methods}
        handler_class = type("Handler", (BaseHTTPRequestHandler,),
                             {**answers, "log_message": lambda handler, *args: None})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def root(self) -> str:
        """``http://127.0.0.1:<port>``."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        """The API's root, as a client is configured with it."""
        return self.root + self.base_path

    def fail_next(self, path_contains: str, status: int = 503, times: int = 1) -> None:
        """The next ``times`` requests whose path contains the text get ``status``."""
        self._queue(self._failures, (path_contains, status), times)

    # -- for the subclasses ------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        raise NotImplementedError

    def _queue(self, queue: list[tuple], entry: tuple, times: int) -> None:
        with self._lock:
            queue.extend([entry] * times)

    @staticmethod
    def _take(queue: list[tuple], text: str) -> tuple | None:
        """The first entry whose text (its first item) is in ``text``, taken off the queue;
        the caller holds ``_lock``."""
        entry = next((e for e in queue if e[0] in text), None)
        if entry:
            queue.remove(entry)
        return entry

    def _authorised(self, handler: BaseHTTPRequestHandler) -> bool:
        """A valid ZGW JWT of our client (its claims are kept in ``claims``)."""
        header = handler.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return False
        try:
            claims = jwt.decode(header.removeprefix("Bearer "), self.secret,
                                algorithms=["HS256"], options={"require": ["iat"]})
        except jwt.InvalidTokenError:
            return False
        with self._lock:
            self.claims.append(claims)
        return claims.get("client_id") == self.client_id

    def _record(self, problems: list[str], where: str) -> None:
        if problems:
            with self._lock:
                self.schema_errors.extend(f"{where}: {p}" for p in problems)

    def _head(self, handler: BaseHTTPRequestHandler, status: int, body: Any, *,
              content_type: str, headers: dict[str, str] | None) -> bytes:
        """Send the status line and headers of ``body`` as JSON (no body for None); return
        the bytes the caller writes."""
        data = b"" if body is None else json.dumps(body).encode()
        handler.send_response(status)
        if body is not None:
            handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("API-version", self.api_version)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        return data

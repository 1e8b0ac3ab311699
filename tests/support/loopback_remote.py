"""Another server on a loopback port, in a thread of the test process: fast, or slow on demand.

It serves actors at `/users/<name>` (all with one static key) and notes at `/objects/<n>`
(attributed to `/users/sam`), as `application/activity+json`. A slow one holds every request
for `delay` seconds before answering; `release()` answers everything held, and everything
after, at once. `stop()` releases and closes, so a test never waits on its slow server.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from activitypub.testing import STATIC_KEYS, StaticKey

ACTIVITY_JSON = "application/activity+json"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


class LoopbackRemote:
    def __init__(self, *, delay: float = 0.0, key: StaticKey = STATIC_KEYS[1]) -> None:
        self.delay = delay
        self.key = key
        self.requests: Counter[str] = Counter()
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackRemote:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def actor(self, name: str) -> str:
        return f"{self.base}/users/{name}"

    def object(self, number: int) -> str:
        return f"{self.base}/objects/{number}"

    def release(self) -> None:
        self._released.set()

    def stop(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()

    def document(self, path: str) -> dict[str, Any] | None:
        if path.startswith("/users/") and "/" not in path[len("/users/") :]:
            actor = self.base + path
            return {
                "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                "id": actor,
                "type": "Person",
                "preferredUsername": path.rsplit("/", 1)[1],
                "inbox": f"{actor}/inbox",
                "outbox": f"{actor}/outbox",
                "followers": f"{actor}/followers",
                "publicKey": {
                    "id": f"{actor}#main-key",
                    "owner": actor,
                    "publicKeyPem": self.key.public_key_pem,
                },
            }
        if path.startswith("/objects/"):
            return {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": self.base + path,
                "type": "Note",
                "attributedTo": self.actor("sam"),
                "content": f"<p>object {path.rsplit('/', 1)[1]}</p>",
                "published": "2026-11-20T10:00:00Z",
                "to": [PUBLIC],
            }
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        remote = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                with remote._lock:
                    remote.requests[path] += 1
                if remote.delay:
                    remote._released.wait(remote.delay)
                document = remote.document(path)
                body = json.dumps(document if document is not None else {"error": "Not found"}).encode()
                try:
                    self.send_response(200 if document is not None else 404)
                    self.send_header("Content-Type", ACTIVITY_JSON)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the fetcher gave up waiting: that is the point of a slow server

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                self.rfile.read(length)
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler

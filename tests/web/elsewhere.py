"""Another server, as a real fedi server sees it: documents served over HTTP on loopback (in a
thread of the test process), and activities signed by its actors delivered to fedi's inbox."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from activitypub.signatures import cavage
from activitypub.signatures.keys import key_id_for
from activitypub.testing import StaticKey


class Elsewhere:
    """What it serves, by path (queries are ignored: one WebFinger answer fits its one actor)."""

    def __init__(self, port: int, documents: dict[str, tuple[str, bytes]]) -> None:
        self.host = f"127.0.0.1:{port}"
        self.base = f"http://{self.host}"
        self.documents = documents

    def serve(
        self, path: str, body: bytes | dict[str, Any], content_type: str = "application/activity+json"
    ) -> str:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.documents[path] = (content_type, data)
        return self.base + path

    def deliver(
        self, inbox_url: str, activity: dict[str, Any], actor_id: str, key: StaticKey
    ) -> httpx.Response:
        body = json.dumps(activity).encode()
        headers = {"Content-Type": "application/activity+json"}
        headers |= cavage.sign(
            "POST",
            inbox_url,
            headers,
            body,
            private_key_pem=key.private_key_pem,
            key_id=key_id_for(actor_id),
            now=datetime.now(UTC),
        )
        return httpx.post(inbox_url, content=body, headers=headers, timeout=10)


@contextmanager
def elsewhere() -> Iterator[Elsewhere]:
    documents: dict[str, tuple[str, bytes]] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            found = documents.get(self.path.split("?", 1)[0])
            content_type, body = found or ("application/json", b'{"error": "Not found"}')
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Elsewhere(server.server_address[1], documents)
    finally:
        server.shutdown()
        server.server_close()

"""A stand-in for other servers' inboxes, run as its own process: it counts what arrives.

    python -m tests.support.receiver PORT [--delay SECONDS] [--fail-first N]

Every POST is recorded by path and activity id. `GET /_stats` returns
{"posts": n, "failed": n, "by_path": {path: [activity ids...]}}. With --fail-first N the first
N POSTs to each path answer 503.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _State:
    def __init__(self, delay: float, fail_first: int) -> None:
        self.delay = delay
        self.fail_first = fail_first
        self.lock = threading.Lock()
        self.by_path: dict[str, list[str]] = defaultdict(list)
        self.attempts: dict[str, int] = defaultdict(int)
        self.failed = 0


def _handler(state: _State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _reply(self, status: int, body: bytes = b"") -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender was killed mid-request: that is what the tests do

        def do_GET(self) -> None:
            if self.path == "/_stats":
                with state.lock:
                    stats = {
                        "posts": sum(len(v) for v in state.by_path.values()),
                        "failed": state.failed,
                        "by_path": dict(state.by_path),
                    }
                self._reply(200, json.dumps(stats).encode())
            else:
                self._reply(404, b'{"error":"Not found"}')

        def do_POST(self) -> None:
            declared = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(declared)
            if len(body) < declared:
                return  # the sender died mid-body: like any inbox, nothing is accepted
            if state.delay:
                time.sleep(state.delay)
            with state.lock:
                state.attempts[self.path] += 1
                if state.attempts[self.path] <= state.fail_first:
                    state.failed += 1
                    failing = True
                else:
                    failing = False
                    try:
                        activity_id = json.loads(body).get("id", "?")
                    except ValueError:
                        activity_id = "?"
                    state.by_path[self.path].append(activity_id)
            self._reply(503 if failing else 202)

    return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # senders killed mid-request reset their connections: that is what the tests do


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--fail-first", type=int, default=0)
    args = parser.parse_args()
    server = _QuietServer(("127.0.0.1", args.port), _handler(_State(args.delay, args.fail_first)))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()

"""An S3-compatible server for tests: moto's standalone server on a loopback port, in its own process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from tests.support.processes import free_port

# moto accepts any credentials; obstore (like every S3 client) insists on having some.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "fedi-test", "AWS_SECRET_ACCESS_KEY": "fedi-test-secret"}


@dataclass(frozen=True)
class S3Server:
    endpoint: str

    def new_bucket(self) -> str:
        """A bucket whose objects anyone may read, as behind a CDN or a public media URL."""
        name = f"fedi-{uuid.uuid4().hex[:12]}"
        httpx.put(f"{self.endpoint}/{name}", timeout=10).raise_for_status()
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{name}/*",
                }
            ],
        }
        httpx.put(f"{self.endpoint}/{name}?policy", content=json.dumps(policy), timeout=10).raise_for_status()
        return name

    def keys(self, bucket: str) -> list[str]:
        """Object keys in a bucket (moto answers unsigned list requests)."""
        body = httpx.get(f"{self.endpoint}/{bucket}?list-type=2", timeout=10).text
        return sorted(part.split("</Key>")[0] for part in body.split("<Key>")[1:])

    def get(self, bucket: str, key: str) -> httpx.Response:
        return httpx.get(f"{self.endpoint}/{bucket}/{key}", timeout=10)


@contextmanager
def moto_server() -> Iterator[S3Server]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **CREDENTIALS},
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(endpoint, timeout=1)
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.1)
        yield S3Server(endpoint)
    finally:
        process.terminate()
        process.wait(timeout=10)

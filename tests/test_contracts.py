"""Promises about what the web process loads."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_web_process_never_imports_torch(tmp_path: Path) -> None:
    # A fresh interpreter: build the app, run its lifespan and answer requests, then look.
    script = textwrap.dedent(
        f"""
        import sys
        from starlette.testclient import TestClient
        from fedi.config import load_settings
        from fedi.db import make_engine, migrate
        from fedi.composition import build_runtime
        from fedi.app import create_app

        settings = load_settings(data_dir={str(tmp_path)!r})
        migrate(make_engine(settings))
        with TestClient(create_app(build_runtime(settings))) as client:
            assert client.get("/healthz").status_code == 200
        loaded = sorted(m for m in ("torch", "diffusers", "transformers") if m in sys.modules)
        print("LOADED", loaded)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stdout

"""Task bodies: each takes ids, calls one service, and is safe to run twice."""

from __future__ import annotations

"""The instance's C2PA signing identity: the operator's certificate, or a local one made once.

With `generation.c2pa_certificate` and `generation.c2pa_private_key` set, those files sign. With
neither, the first process that needs to sign (or `fedi serve` at start) makes a local root and a
signing certificate in data_dir/c2pa (the key 0600), and every later start reuses them. A GPU
host with its own data directory makes its own unless it is given the operator's files.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from fedi.config import Settings
from fedi.security.files import PRIVATE_FILE, prepare_private_dir
from generation.credentials import SigningIdentity, self_signed_identity


@dataclass(frozen=True)
class Identity:
    signing: SigningIdentity
    # True when fedi made it (no operator certificate configured).
    self_signed: bool
    certificate_path: Path


def local_paths(settings: Settings) -> tuple[Path, Path]:
    directory = settings.data_dir / "c2pa"
    return directory / "chain.pem", directory / "key.pem"


def signing_identity(settings: Settings) -> Identity:
    """The configured identity, or the local one (made now if it is missing)."""
    options = settings.generation
    if options.c2pa_certificate:
        chain, key = Path(options.c2pa_certificate), Path(options.c2pa_private_key)
        return Identity(SigningIdentity(chain.read_bytes(), key.read_bytes()), False, chain)
    chain, key = local_paths(settings)
    if not (chain.exists() and key.exists()):
        prepare_private_dir(chain.parent)
        # A file lock, not a module-level one: it holds across threads (each opens the file) and
        # across processes sharing the data directory, so one pair is made and both read it.
        with open(chain.parent / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (chain.exists() and key.exists()):
                _make_local(settings, chain, key)
    return Identity(SigningIdentity(chain.read_bytes(), key.read_bytes()), True, chain)


def _make_local(settings: Settings, chain: Path, key: Path) -> None:
    made = self_signed_identity(settings.instance.domain)
    for path, data, mode in ((key, made.key_pem, PRIVATE_FILE), (chain, made.chain_pem, 0o644)):
        partial = path.with_suffix(".tmp")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        partial.replace(path)

"""The files in deploy/: the nginx site passes `nginx -t` (with a certificate made here), and the
systemd units start commands that exist."""

from __future__ import annotations

import configparser
import shlex
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from typer.testing import CliRunner

from fedi.cli import app as cli
from tests.support import nginx

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fedi.example")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("fedi.example")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "fullchain.pem", directory / "privkey.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def test_the_nginx_site_passes_nginx_t(tmp_path: Path) -> None:
    nginx.binary()
    cert, key = _self_signed(tmp_path)
    site = (DEPLOY / "nginx" / "fedi.conf").read_text()
    # Only the machine-specific paths change; every directive is checked as shipped.
    site = site.replace("/etc/letsencrypt/live/fedi.example/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/fedi.example/privkey.pem", str(key))
    site = site.replace("/var/cache/nginx/fedi-media", str(tmp_path / "cache"))
    assert str(cert) in site and str(tmp_path / "cache") in site
    (tmp_path / "fedi.conf").write_text(site)
    config = nginx.main_config(tmp_path / "nginx", f"include {tmp_path / 'fedi.conf'};")
    result = nginx.check(config)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@pytest.mark.parametrize("unit", sorted(p.name for p in (DEPLOY / "systemd").glob("*.service")))
def test_each_systemd_unit_starts_a_fedi_command_that_exists(unit: str) -> None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read(DEPLOY / "systemd" / unit)
    command = shlex.split(parser["Service"]["ExecStart"].replace("%i", "8001"))
    assert command[0] == "/srv/fedi/.venv/bin/fedi"
    options = [
        part for part in command[1:] if not part.startswith("-") and not part.isdigit() and "." not in part
    ]
    result = CliRunner().invoke(cli, [*command[1:], "--help"])
    assert result.exit_code == 0, (options, result.output)
    assert parser["Service"]["Restart"] == "always"

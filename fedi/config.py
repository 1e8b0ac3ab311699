"""Settings: defaults < config.toml (--config or FEDI_CONFIG) < FEDI_<SECTION>__<KEY> variables.

Every key has a default that yields the embedded mode (SQLite, local media, in-process jobs).
The key names are an interface operators script against: config.example.toml documents each one.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from contextvars import ContextVar
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_ENV = "FEDI_CONFIG"
_DOMAIN = re.compile(
    r"^(?=.{1,253}(:\d{1,5})?$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$"
)


class ConfigError(Exception):
    """A configuration problem, phrased as one line that names the key."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class InstanceSettings(Section):
    domain: str = "localhost:8000"
    # None means automatic: https everywhere except localhost and loopback addresses.
    https: bool | None = None
    name: str = "fedi"
    description: str = "A fediverse home for images made on this server's own GPU."
    contact_email: str = ""
    registrations_open: bool = False
    rules: list[str] = Field(default_factory=list)

    @field_validator("domain")
    @classmethod
    def _domain_is_a_host(cls, value: str) -> str:
        value = value.strip().lower()
        if not _DOMAIN.match(value):
            raise ValueError("must be a bare host name such as fedi.example (no scheme, path or spaces)")
        return value


class ServerSettings(Section):
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8000
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed.
    trusted_proxies: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"])


class DatabaseSettings(Section):
    # Empty means SQLite in data_dir/fedi.sqlite3. PostgreSQL: postgresql://user@host/db
    url: str = ""
    pool_size: Annotated[int, Field(ge=1, le=200)] = 10

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if value and not value.startswith(("sqlite:", "postgresql:", "postgres:", "postgresql+psycopg:")):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value


class MediaSettings(Section):
    # Empty means data_dir/media, served by fedi itself under /media/.
    directory: str = ""
    # Public base URL of the media directory when a proxy or CDN serves it; empty: <instance>/media
    base_url: str = ""
    max_upload_bytes: Annotated[int, Field(ge=1024)] = 16 * 1024 * 1024
    # Mastodon's matrix limit: 7680x4320 pixels.
    max_pixels: Annotated[int, Field(ge=1)] = 33_177_600


class JobsSettings(Section):
    # sqlite: a file in data_dir (embedded); redis or postgres for separate `fedi worker` processes.
    backend: Literal["sqlite", "redis", "postgres"] = "sqlite"
    url: str = ""
    # Run the consumer inside `fedi serve`. Turn off when `fedi worker` processes consume.
    embedded: bool = True
    workers: Annotated[int, Field(ge=1, le=64)] = 4

    @model_validator(mode="after")
    def _url_for_networked_backends(self) -> JobsSettings:
        if self.backend != "sqlite" and not self.url:
            raise ValueError(f"jobs.url is required when jobs.backend is {self.backend!r}")
        return self


class FederationSettings(Section):
    # Refuse to fetch from or deliver to private, loopback and link-local addresses unless on.
    allow_private_addresses: bool = False
    # Allow plain-http peers (loopback test set-ups); https is always tried first.
    allow_http: bool = False
    # Require signatures on fetches of our objects (Mastodon's "secure mode").
    authorized_fetch: bool = False
    delivery_concurrency: Annotated[int, Field(ge=1, le=256)] = 16
    # Multiplies Mastodon's retry schedule (16 tries over 2-3 days) and the backoff of received
    # activities waiting for a fetch; tests shorten it.
    retry_delay_scale: Annotated[float, Field(gt=0, le=100)] = 1.0
    # Remote fetches (keys, actors, posts, WebFinger) running at once, and per remote host.
    fetch_workers: Annotated[int, Field(ge=1, le=256)] = 16
    fetches_per_host: Annotated[int, Field(ge=1, le=256)] = 4
    # A failed fetch is not tried again for this long (seconds; 0 keeps no memory of failures).
    fetch_failure_ttl_s: Annotated[float, Field(ge=0, le=86_400)] = 300.0
    # How long an inbox POST waits for its signer's key to be fetched before answering 401
    # (the fetch goes on; the sender's retry finds the key).
    key_fetch_wait_s: Annotated[float, Field(ge=0, le=10)] = 3.0
    # Verified inbox POSTs per remote host per minute before 429 (0: no limit).
    inbox_posts_per_host_per_minute: Annotated[int, Field(ge=0)] = 1200
    # Accounts created per remote host per minute (0: no limit).
    new_actors_per_host_per_minute: Annotated[int, Field(ge=0)] = 60
    # Processed received activities are deleted after this many days. Their ids de-duplicate
    # redeliveries until then, so it must outlast senders' retries (Mastodon's span ~3 days).
    inbox_retention_days: Annotated[float, Field(ge=3, le=3650)] = 7.0


class GenerationSettings(Section):
    enabled: bool = True
    preset: str = "sd-turbo"
    # A local directory with diffusers weights, overriding the preset's hub id.
    model_path: str = ""
    # Hugging Face cache directory; empty uses the library default (~/.cache/huggingface).
    cache_dir: str = ""
    # Never contact the hub; load only from model_path or the cache.
    local_files_only: bool = False
    accept_licences: list[str] = Field(default_factory=list)
    device: str = "auto"
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = "auto"
    max_batch: Annotated[int, Field(ge=1, le=64)] = 4
    max_wait_ms: Annotated[int, Field(ge=0, le=10_000)] = 50
    # Where generation runs: inside `fedi serve` (a child process), or in `fedi gpu-worker` hosts.
    worker: Literal["embedded", "remote"] = "embedded"
    bot_username: str = "imagine"
    daily_quota_per_account: Annotated[int, Field(ge=0)] = 100
    daily_quota_per_remote_domain: Annotated[int, Field(ge=0)] = 200
    # Prompts matching any of these words or regular expressions are refused.
    deny: list[str] = Field(default_factory=list)
    # `package.module:function(prompt) -> reason or None`: refuses prompts the deny list misses.
    prompt_hook: str = ""
    # `package.module:function(PIL image) -> object with .flagged and .reason`: flagged images
    # are marked sensitive with a content warning.
    image_check: str = ""


class ApiSettings(Section):
    # The OAuth password grant (removed by Mastodon; some old clients still use it).
    password_grant: bool = False
    max_characters: Annotated[int, Field(ge=1, le=100_000)] = 500
    # Requests per 5 minutes per token or address; 0 disables the limiter.
    rate_limit: Annotated[int, Field(ge=0)] = 300


class StreamingSettings(Section):
    backend: Literal["memory", "redis"] = "memory"
    redis_url: str = ""


class LogSettings(Section):
    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["console", "json"] = "console"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FEDI_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    data_dir: Path = Path("data")
    instance: InstanceSettings = Field(default_factory=InstanceSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    media: MediaSettings = Field(default_factory=MediaSettings)
    jobs: JobsSettings = Field(default_factory=JobsSettings)
    federation: FederationSettings = Field(default_factory=FederationSettings)
    generation: GenerationSettings = Field(default_factory=GenerationSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    streaming: StreamingSettings = Field(default_factory=StreamingSettings)
    log: LogSettings = Field(default_factory=LogSettings)

    # Set by load_settings; not a key.
    _config_file: Path | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        toml_file = _TOML_FILE.get()
        if toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)

    # Derived values used across the application.

    @cached_property
    def https(self) -> bool:
        if self.instance.https is not None:
            return self.instance.https
        return not _is_local_host(self.instance.domain)

    @cached_property
    def base_url(self) -> str:
        return f"{'https' if self.https else 'http'}://{self.instance.domain}"

    @cached_property
    def database_url(self) -> str:
        url = self.database.url
        if not url:
            return f"sqlite:///{(self.data_dir / 'fedi.sqlite3').resolve()}"
        if url.startswith(("postgres://", "postgresql://")):
            return "postgresql+psycopg://" + url.split("://", 1)[1]
        return url

    @cached_property
    def media_dir(self) -> Path:
        return Path(self.media.directory) if self.media.directory else self.data_dir / "media"

    @cached_property
    def media_base_url(self) -> str:
        return (self.media.base_url or f"{self.base_url}/media").rstrip("/")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


# The TOML file for the Settings being built: pydantic-settings reads its sources in __init__.
_TOML_FILE: ContextVar[Path | None] = ContextVar("fedi_toml_file", default=None)


def _is_local_host(domain: str) -> bool:
    host = domain.rsplit(":", 1)[0] if domain.count(":") == 1 else domain
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_settings(config_path: str | Path | None = None, **overrides: Any) -> Settings:
    """Build and validate settings, or raise ConfigError with one line naming the key."""
    path_text = str(config_path) if config_path else os.environ.get(CONFIG_ENV, "")
    path = Path(path_text) if path_text else None
    if path is not None:
        _check_toml(path)
    token = _TOML_FILE.set(path)
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from None
    finally:
        _TOML_FILE.reset(token)
    settings._config_file = path
    _check_data_dir(settings.data_dir)
    return settings


def _check_toml(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def _describe(exc: ValidationError, path: Path | None) -> str:
    errors = exc.errors()
    first = errors[0]
    key = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        reason = "unknown key"
    else:
        reason = first["msg"].removeprefix("Value error, ")
        if "input" in first and not isinstance(first["input"], dict):
            reason += f" (got {first['input']!r})"
    where = f" in {path}" if path else ""
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{key}: {reason}{where}{more}"


def _check_data_dir(data_dir: Path) -> None:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(f"data_dir: cannot write to {data_dir}: {exc.strerror}") from None

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
from urllib.parse import urlsplit

from limits import parse as parse_rate
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from fedi.security.files import UnsafeDirectory, prepare_private_dir
from generation.presets import DEFAULT_PRESET

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
    # Sign-ups (when open) wait for a moderator's approval before they can sign in.
    approval_required: bool = False
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
    # "local": files under `directory`; "s3": an S3-compatible bucket (AWS, MinIO, Garage, R2).
    backend: Literal["local", "s3"] = "local"
    # Empty means data_dir/media, served by fedi itself under /media/.
    directory: str = ""
    # Public base URL of the media files; empty: <instance>/media (fedi serves them, streaming
    # from the bucket when backend is s3). On another host name (a separate origin, as Akkoma
    # advises: this server, a CDN or a public bucket), fedi serves the files to requests for
    # that host only, and its own /media/ answers with a redirect there.
    base_url: str = ""
    # The bucket (backend "s3"); credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
    bucket: str = ""
    # The S3 API endpoint, e.g. https://s3.example.net (MinIO, Garage, R2); empty: AWS.
    endpoint: str = ""
    region: str = "us-east-1"
    max_upload_bytes: Annotated[int, Field(ge=1024)] = 16 * 1024 * 1024

    @field_validator("base_url")
    @classmethod
    def _an_http_base(cls, value: str) -> str:
        if not value:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError("must be an http(s) URL such as https://media.example (no query or fragment)")
        if parts.username or parts.password:
            raise ValueError("must not carry a user name or password")
        return value.rstrip("/")

    # Mastodon's matrix limit: 7680x4320 pixels.
    max_pixels: Annotated[int, Field(ge=1)] = 33_177_600
    # Remote posts' images are copied into media storage (with thumbnails) and clients get
    # local URLs, as Mastodon does; off: clients load them from the remote server.
    cache_remote: bool = True
    # Cached remote images are removed after this many days (0: kept); the API then falls back
    # to the original URL, and a later delivery of the post does not fetch it again.
    remote_cache_days: Annotated[int, Field(ge=0)] = 14

    @field_validator("base_url", "endpoint")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _bucket_for_s3(self) -> MediaSettings:
        if self.backend == "s3" and not self.bucket:
            raise ValueError("media.bucket is required when media.backend is 's3'")
        return self


class JobsSettings(Section):
    # sqlite: a file in data_dir (embedded); redis or postgres for separate `fedi worker` processes.
    backend: Literal["sqlite", "redis", "postgres"] = "sqlite"
    url: str = ""
    # Names the queues ("<name>" and "<name>-gpu"): instances sharing one Redis or database
    # need different names.
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,40}$")] = "fedi"
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
    # Remote posts nobody here interacted with (no local favourite, bookmark, boost, reply,
    # mention or remix) are deleted after this many days (0: kept). They come back when
    # delivered or looked up again.
    remote_status_days: Annotated[int, Field(ge=0, le=36500)] = 0
    # Federate only with the domains on the allow list (`/api/v1/admin/domain_allows`; Mastodon's
    # limited federation mode): everyone else is treated as suspended.
    allowlist_mode: bool = False


class GenerationSettings(Section):
    enabled: bool = True
    preset: str = DEFAULT_PRESET
    # A local directory with diffusers weights, overriding the preset's hub id.
    model_path: str = ""
    # Where downloaded weights are cached (Hugging Face cache layout); empty: data_dir/models.
    cache_dir: str = ""
    # Never contact the hub; load only from model_path or the cache.
    local_files_only: bool = False
    accept_licences: list[str] = Field(default_factory=list)
    device: str = "auto"
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = "auto"
    # Keep only the model component in use on the GPU: "auto" when the GPU has less memory than
    # the preset needs with everything on it.
    cpu_offload: Literal["auto", "on", "off"] = "auto"
    max_batch: Annotated[int, Field(ge=1, le=64)] = 4
    max_wait_ms: Annotated[int, Field(ge=0, le=10_000)] = 50
    # Where generation runs: inside `fedi serve` (a child process), or in `fedi gpu-worker` hosts.
    worker: Literal["embedded", "remote"] = "embedded"
    bot_username: str = "imagine"
    daily_quota_per_account: Annotated[int, Field(ge=0)] = 100
    # Counted per registrable domain (all of *.example.co.uk together).
    daily_quota_per_remote_domain: Annotated[int, Field(ge=0)] = 200
    # Images waiting or being made, all requesters together; past it, requests get 503.
    max_queued: Annotated[int, Field(ge=1, le=100_000)] = 100
    # Replies the image bot sends per hour to one asker, and to one remote registrable domain.
    # Refusals (quota reached, prompt refused) go out as direct replies, once per asker per hour.
    bot_replies_per_asker_per_hour: Annotated[int, Field(ge=0)] = 10
    bot_replies_per_domain_per_hour: Annotated[int, Field(ge=0)] = 60
    # Prompts matching any of these words or regular expressions are refused.
    deny: list[str] = Field(default_factory=list)
    # `package.module:function(prompt) -> reason or None`: refuses prompts the deny list misses.
    prompt_hook: str = ""
    # `package.module:function(PIL image) -> object with .flagged and .reason`: flagged images
    # are marked sensitive with a content warning.
    image_check: str = ""
    # Hold flagged images for a moderator (the review queue at /admin/images) instead of
    # posting them: approving publishes (still sensitive), rejecting fails the generation.
    hold_flagged: bool = False
    # Sign every generated image with Content Credentials (C2PA). The certificate chain (PEM,
    # signing certificate first) and its ES256 private key; both empty: fedi makes a local root
    # and a signing certificate in data_dir/c2pa at first start (validators call it untrusted).
    c2pa_certificate: str = ""
    c2pa_private_key: str = ""

    @model_validator(mode="after")
    def _c2pa_pair(self) -> GenerationSettings:
        if bool(self.c2pa_certificate) != bool(self.c2pa_private_key):
            raise ValueError("c2pa_certificate and c2pa_private_key are set together, or neither")
        return self


class ApiSettings(Section):
    # The OAuth password grant (removed by Mastodon; some old clients still use it).
    password_grant: bool = False
    max_characters: Annotated[int, Field(ge=1, le=100_000)] = 500
    # Requests per 5 minutes per token or address; 0 disables the limiter.
    rate_limit: Annotated[int, Field(ge=0)] = 300


class SignInSettings(Section):
    # Sign-in tries (the web form and the OAuth password grant) allowed per client address, and
    # failed tries allowed per account, in the `limits` notation: "25 per 5 minutes".
    per_address: str = "25 per 5 minutes"
    per_account: str = "50 per hour"

    @field_validator("per_address", "per_account")
    @classmethod
    def _a_rate(cls, value: str) -> str:
        try:
            item = parse_rate(value)
        except ValueError:
            raise ValueError('must read like "25 per 5 minutes"') from None
        if item.amount < 1:
            raise ValueError("must allow at least one try")
        return value


class StreamingSettings(Section):
    # How streaming events reach clients connected to other processes. "auto": Redis pub/sub
    # when redis_url is set, else PostgreSQL LISTEN/NOTIFY when the database is PostgreSQL,
    # else in memory (one `fedi serve`).
    backend: Literal["auto", "memory", "redis", "postgres"] = "auto"
    # Also shared by the API rate limiter, so that every `fedi serve` counts against one limit.
    redis_url: str = ""

    @model_validator(mode="after")
    def _url_for_redis(self) -> StreamingSettings:
        if self.backend == "redis" and not self.redis_url:
            raise ValueError("streaming.redis_url is required when streaming.backend is 'redis'")
        return self


class PushSettings(Section):
    # The VAPID key pair (RFC 8292) push services know this server by. Empty: made at first
    # start and kept in the database (table server_keys). Set both to pin a key of your own
    # (the private key as PEM or base64url raw scalar, the public key as base64url).
    vapid_private_key: str = ""
    vapid_public_key: str = ""
    # Who push services may contact about this server (VAPID `sub`); empty: the instance's
    # contact email, else its address.
    vapid_subject: str = ""
    # Seconds one push POST may take, connection included.
    timeout_s: Annotated[float, Field(gt=0, le=60)] = 10.0

    @model_validator(mode="after")
    def _both_or_neither(self) -> PushSettings:
        if bool(self.vapid_private_key) != bool(self.vapid_public_key):
            raise ValueError("push.vapid_private_key and push.vapid_public_key are set together")
        return self


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
    sign_in: SignInSettings = Field(default_factory=SignInSettings)
    streaming: StreamingSettings = Field(default_factory=StreamingSettings)
    push: PushSettings = Field(default_factory=PushSettings)
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
    def model_cache_dir(self) -> str:
        """Where model weights are cached: generation.cache_dir, else data_dir/models."""
        return self.generation.cache_dir or str(self.data_dir / "models")

    @cached_property
    def media_dir(self) -> Path:
        return Path(self.media.directory) if self.media.directory else self.data_dir / "media"

    @cached_property
    def media_base_url(self) -> str:
        return (self.media.base_url or f"{self.base_url}/media").rstrip("/")

    @cached_property
    def media_host(self) -> str | None:
        """The host name media is served on when it is not the instance's own, else None."""
        host = urlsplit(self.media_base_url).hostname
        return host if host and host != urlsplit(self.base_url).hostname else None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @cached_property
    def streaming_backend(self) -> Literal["memory", "redis", "postgres"]:
        """The broadcaster this process uses, with "auto" resolved."""
        chosen = self.streaming.backend
        if chosen != "auto":
            return chosen
        if self.streaming.redis_url:
            return "redis"
        return "memory" if self.is_sqlite else "postgres"

    @model_validator(mode="after")
    def _postgres_streaming_needs_postgres(self) -> Settings:
        if self.streaming.backend == "postgres" and self.database_url.startswith("sqlite"):
            raise ValueError("streaming.backend 'postgres' needs database.url to be a PostgreSQL URL")
        return self


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
        prepare_private_dir(data_dir)
        probe = data_dir / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except UnsafeDirectory as exc:
        raise ConfigError(f"data_dir: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"data_dir: cannot write to {data_dir}: {exc.strerror}") from None

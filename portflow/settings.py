"""Settings from `PORTFLOW_*` variables and Prefect's API location; read here and nowhere else."""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import SecretStr

from portflow.errors import UsageError
from portflow.porting.http import RetryPolicy
from portflow.readers import limits as read_limits

DEFAULT_LOG_LEVEL = "WARNING"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# portflow serve: when the nightly runs, how often the inbox is looked at, heartbeats.
DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "America/New_York"
DEFAULT_INTERVAL_SECONDS = 60
HEARTBEAT_SECONDS = 30
DEFAULT_TIMEOUT = 30.0
N = TypeVar("N", int, float)
_LIMITS = {  # variable: (Limits field, its unit in bytes, the default in that unit)
    "PORTFLOW_MAX_FILE_MB": ("max_file_bytes", read_limits.MB, read_limits.DEFAULT_MAX_FILE_MB),
    "PORTFLOW_MAX_ROWS": ("max_rows", 1, read_limits.DEFAULT_MAX_ROWS),
    "PORTFLOW_MAX_COLUMNS": ("max_columns", 1, read_limits.DEFAULT_MAX_COLUMNS),
    "PORTFLOW_MAX_UNZIPPED_MB": (
        "max_unzipped_bytes",
        read_limits.MB,
        read_limits.DEFAULT_MAX_UNZIPPED_MB,
    ),
    "PORTFLOW_MAX_WORKBOOK_SECONDS": (
        "max_workbook_seconds",
        1,
        read_limits.DEFAULT_MAX_WORKBOOK_SECONDS,
    ),
    "PORTFLOW_MAX_WORKBOOK_MEMORY_MB": (
        "max_workbook_memory_bytes",
        read_limits.MB,
        read_limits.DEFAULT_MAX_WORKBOOK_MEMORY_MB,
    ),
}
# What a bearer token may hold: visible ASCII. Anything else (a CR or a space that came with
# it from a file, an accented letter) is refused by the HTTP library, in an error message
# that quotes the whole header, token and all.
_TOKEN = re.compile(r"[!-~]+")
_NOT_FOR_PREFECT = ("PORTFLOW_SYSTEM_TOKEN",)  # a local Prefect server has no use for it
_AT_LEAST_ONE = {"PORTFLOW_SYSTEM_ATTEMPTS", "PORTFLOW_SYSTEM_TIMEOUT", *_LIMITS}


@dataclass(frozen=True)
class Settings:
    cache_dir: Path
    log_level: str
    prefect_api_url: str | None
    system_url: str
    system_token: SecretStr | None
    retry_policy: RetryPolicy
    system_timeout: float
    push_retries: int  # Prefect retries of the push task (after the client's own retries)
    push_retry_delay: float
    data_dir: Path  # the embedded porting system and the reconciliation state live here
    limits: read_limits.Limits = read_limits.DEFAULT_LIMITS  # what one input may cost to read
    system_url_set: bool = False  # PORTFLOW_SYSTEM_URL is set (system_url is not the default)

    @property
    def prefect_configured(self) -> bool:
        return bool(self.prefect_api_url)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings once, at start-up."""
    env = os.environ if environ is None else environ
    home = Path(env.get("HOME") or Path.home())
    cache_root = Path(env.get("XDG_CACHE_HOME") or home / ".cache")
    data_dir = Path(
        env.get("PORTFLOW_DATA_DIR")
        or Path(env.get("XDG_DATA_HOME") or home / ".local" / "share") / "portflow"
    )
    token = env.get("PORTFLOW_SYSTEM_TOKEN")
    if token and not _TOKEN.fullmatch(token):
        raise UsageError(
            "PORTFLOW_SYSTEM_TOKEN holds a space, a line break or a character outside ASCII, "
            "which an HTTP header cannot carry; set it to the token alone"
        )
    return Settings(
        cache_dir=Path(env.get("PORTFLOW_CACHE_DIR") or cache_root / "portflow"),
        log_level=_log_level(env),
        prefect_api_url=env.get("PREFECT_API_URL") or _profile_api_url(env, home),
        # Set to nothing (an unset variable in a script) is not the embedded store, which
        # would take a night's submission silently: "" is refused where a system is used.
        system_url=env["PORTFLOW_SYSTEM_URL"].strip()
        if "PORTFLOW_SYSTEM_URL" in env
        else f"sqlite:///{data_dir / 'porting-system.db'}",
        system_token=SecretStr(token) if token else None,
        retry_policy=RetryPolicy(
            attempts=_number(env, "PORTFLOW_SYSTEM_ATTEMPTS", RetryPolicy.attempts, int),
            base=_number(env, "PORTFLOW_SYSTEM_BACKOFF", RetryPolicy.base, float),
        ),
        system_timeout=_number(env, "PORTFLOW_SYSTEM_TIMEOUT", DEFAULT_TIMEOUT, float),
        push_retries=_number(env, "PORTFLOW_PUSH_RETRIES", 2, int),
        push_retry_delay=_number(env, "PORTFLOW_PUSH_RETRY_DELAY", 30.0, float),
        data_dir=data_dir,
        limits=read_limits.Limits(
            **{
                field: _number(env, name, default, int) * unit
                for name, (field, unit, default) in _LIMITS.items()
            }
        ),
        system_url_set=bool(env.get("PORTFLOW_SYSTEM_URL", "").strip()),
    )


def _log_level(env: Mapping[str, str]) -> str:
    level = (env.get("PORTFLOW_LOG_LEVEL") or DEFAULT_LOG_LEVEL).strip().upper()
    if level not in LOG_LEVELS:
        raise UsageError(
            f"PORTFLOW_LOG_LEVEL={env.get('PORTFLOW_LOG_LEVEL')!r} is not one of "
            + ", ".join(LOG_LEVELS)
        )
    return level


def _number(env: Mapping[str, str], name: str, default: N, kind: Callable[[str], N]) -> N:
    """A positive number from the environment (zero allowed for delays and retries)."""
    value = env.get(name)
    if value is None or value == "":
        return default
    try:
        number = kind(value)
    except ValueError:
        raise UsageError(f"{name}={value!r} is not a number") from None
    if not math.isfinite(number):  # nan passes `<`; inf overflows a deadline
        raise UsageError(f"{name}={value!r} is not a finite number")
    least = 1 if name in _AT_LEAST_ONE else 0
    if number < least:
        raise UsageError(f"{name}={value!r} must be at least {least}")
    return number


def use_prefect_defaults(*, verbose: bool, environ: MutableMapping[str, str] | None = None) -> None:
    """Defaults for Prefect, set before it is imported; a user's own settings win.

    The CLI prints its own summary, so Prefect's console handler shows only what is critical
    (everything still reaches the Prefect API); no telemetry from offline machines; and the
    temporary server gets time to start on a slow first run.
    """
    env = os.environ if environ is None else environ
    env.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "INFO" if verbose else "CRITICAL")
    env.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "portflow")
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    env.setdefault("DO_NOT_TRACK", "1")
    env.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
    env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")


def point_prefect_at(api_url: str, environ: MutableMapping[str, str] | None = None) -> None:
    """Make this process's Prefect client use `api_url` (before Prefect is imported)."""
    env = os.environ if environ is None else environ
    env["PREFECT_API_URL"] = api_url


def prefect_server_environment() -> dict[str, str]:
    """The environment for a local `prefect server start`: no telemetry from here, and
    concurrency leases kept on disk so a server restart does not crash running flows."""
    return {
        **{k: v for k, v in os.environ.items() if k not in _NOT_FOR_PREFECT},
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE": os.environ.get(
            "PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE",
            "prefect.server.concurrency.lease_storage.filesystem",
        ),
    }


def use_flow_heartbeats(seconds: int, environ: MutableMapping[str, str] | None = None) -> None:
    """Flow runs of this process send heartbeats this often (unless the user set it)."""
    env = os.environ if environ is None else environ
    env.setdefault("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", str(seconds))


def _profile_api_url(env: Mapping[str, str], home: Path) -> str | None:
    """PREFECT_API_URL from the active Prefect profile, read without importing Prefect."""
    prefect_home = Path(env.get("PREFECT_HOME") or home / ".prefect").expanduser()
    path = Path(env.get("PREFECT_PROFILES_PATH") or prefect_home / "profiles.toml").expanduser()
    try:
        profiles = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    active = env.get("PREFECT_PROFILE") or profiles.get("active")
    profile = profiles.get("profiles", {}).get(active, {}) if isinstance(active, str) else {}
    url = profile.get("PREFECT_API_URL") if isinstance(profile, dict) else None
    return url if isinstance(url, str) and url else None

"""Settings come from PORTFLOW_* variables and Prefect's own configuration, read in one place."""

from __future__ import annotations

from pathlib import Path

import pytest

from portflow.errors import UsageError
from portflow.porting import check_system_url
from portflow.settings import load_settings, use_prefect_defaults


def test_defaults_and_portflow_variables(tmp_path: Path) -> None:
    settings = load_settings({"HOME": str(tmp_path)})
    assert settings.cache_dir == tmp_path / ".cache" / "portflow"
    assert settings.log_level == "WARNING" and settings.prefect_api_url is None
    settings = load_settings(
        {"HOME": str(tmp_path), "PORTFLOW_CACHE_DIR": "/c", "PORTFLOW_LOG_LEVEL": "info"}
    )
    assert (settings.cache_dir, settings.log_level) == (Path("/c"), "INFO")


def test_a_prefect_api_is_found_in_the_environment_or_the_active_profile(tmp_path: Path) -> None:
    home = tmp_path / "prefect"
    home.mkdir()
    (home / "profiles.toml").write_text(
        'active = "team"\n[profiles.team]\nPREFECT_API_URL = "http://prefect:4200/api"\n'
        "[profiles.local]\n"
    )
    env = {"HOME": str(tmp_path), "PREFECT_HOME": str(home)}
    assert load_settings(env).prefect_api_url == "http://prefect:4200/api"
    assert load_settings({**env, "PREFECT_PROFILE": "local"}).prefect_api_url is None
    assert (
        load_settings({**env, "PREFECT_API_URL": "http://x/api"}).prefect_api_url == "http://x/api"
    )
    (home / "profiles.toml").write_text("not toml [")
    assert load_settings(env).prefect_configured is False


def test_prefect_defaults_never_override_the_users_own() -> None:
    env = {"PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "DEBUG"}
    use_prefect_defaults(verbose=False, environ=env)
    assert env["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] == "DEBUG"
    assert env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN"])
@pytest.mark.parametrize("name", ["PORTFLOW_SYSTEM_TIMEOUT", "PORTFLOW_SYSTEM_BACKOFF"])
def test_a_number_that_is_not_finite_is_refused(tmp_path: Path, name: str, value: str) -> None:
    """nan passed the minimum (every comparison is false) and inf overflowed a deadline."""
    with pytest.raises(UsageError, match=f"{name}='{value}' is not a finite number"):
        load_settings({"HOME": str(tmp_path), name: value})


@pytest.mark.parametrize("value", ["", "  "])
def test_a_system_url_set_to_nothing_is_refused_where_it_is_used(
    tmp_path: Path, value: str
) -> None:
    """`PORTFLOW_SYSTEM_URL=$UNSET` in a script is not the embedded store."""
    settings = load_settings({"HOME": str(tmp_path), "PORTFLOW_SYSTEM_URL": value})
    assert not settings.system_url_set  # so `check` asks no porting system
    with pytest.raises(UsageError, match="PORTFLOW_SYSTEM_URL is set but empty"):
        check_system_url(settings.system_url)

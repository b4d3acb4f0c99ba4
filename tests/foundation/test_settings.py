"""Settings: environment prefix, defaults, refusal of the default secret outside development."""

from __future__ import annotations

from pathlib import Path

import pytest

from parkcarbon.settings import DEV_SECRET_KEY, SettingsError, load_settings


def test_defaults_in_development(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("PARKCARBON_ENV", "PARKCARBON_DATABASE_URL", "PARKCARBON_SECRET_KEY", "PARKCARBON_MQTT_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.env == "development"
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'var' / 'parkcarbon.db'}"
    assert settings.mqtt_url is None
    assert settings.timezone == "Asia/Shanghai"
    assert settings.language == "zh-CN"


def test_environment_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARKCARBON_DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("PARKCARBON_MQTT_URL", "mqtt://127.0.0.1:1883")
    monkeypatch.setenv("PARKCARBON_LANGUAGE", "en")
    settings = load_settings()
    assert settings.resolved_database_url == "postgresql://u@h/db"
    assert settings.mqtt_url == "mqtt://127.0.0.1:1883"
    assert settings.language == "en"


@pytest.mark.parametrize("env", ["production", "test"])
def test_default_secret_refused_outside_development(monkeypatch: pytest.MonkeyPatch, env: str) -> None:
    monkeypatch.delenv("PARKCARBON_SECRET_KEY", raising=False)
    with pytest.raises(SettingsError, match="PARKCARBON_SECRET_KEY must be set"):
        load_settings(env=env)
    with pytest.raises(SettingsError, match="at least 32 characters"):
        load_settings(env=env, secret_key="short")
    assert load_settings(env=env, secret_key="k" * 40).secret_key != DEV_SECRET_KEY


def test_unknown_timezone_and_language_refused() -> None:
    with pytest.raises(SettingsError, match="unknown IANA timezone"):
        load_settings(timezone="Mars/Olympus")
    with pytest.raises(SettingsError, match="language"):
        load_settings(language="fr")


def test_settings_are_not_built_at_import() -> None:
    import parkcarbon.api.app as app_module
    import parkcarbon.settings as settings_module

    assert not any(type(v).__name__ == "Settings" for v in vars(settings_module).values())
    assert not any(type(v).__name__ in {"Settings", "FastAPI", "Runtime"} for v in vars(app_module).values())

"""Configuration from MODERATION_* variables, and the secret key rules."""

from pathlib import Path

import pytest

from moderation import create_app
from moderation.config import ConfigError


def test_environment_variables_configure_the_app(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MODERATION_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("MODERATION_DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite3")
    monkeypatch.setenv("MODERATION_ALLOWED_ORIGINS", "https://a.example, https://b.example/")
    monkeypatch.setenv("MODERATION_MIN_FILL_SECONDS", "7")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.sqlite3")
    assert app.config["ALLOWED_ORIGINS"] == ["https://a.example", "https://b.example"]
    assert app.config["MIN_FILL_SECONDS"] == 7


def test_json_list_of_origins_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODERATION_SECRET_KEY", "x")
    monkeypatch.setenv("MODERATION_ALLOWED_ORIGINS", '["https://a.example"]')
    assert create_app().config["ALLOWED_ORIGINS"] == ["https://a.example"]


def test_production_server_refuses_to_start_without_a_secret_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("MODERATION_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    with pytest.raises(RuntimeError, match="MODERATION_SECRET_KEY"):
        create_app()
    assert not (tmp_path / "secret_key").exists()


def test_flask_command_creates_and_then_reuses_an_instance_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("MODERATION_SECRET_KEY", raising=False)
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    first = create_app().config["SECRET_KEY"]
    key_file = tmp_path / "secret_key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    monkeypatch.delenv("FLASK_RUN_FROM_CLI")
    # Once the file exists, the production server uses it too.
    assert create_app().config["SECRET_KEY"] == first and len(first) >= 32


@pytest.mark.parametrize(
    ("value", "expected"),
    [("False", False), ("false", False), ("0", False), ("no", False), ("OFF", False)]
    + [("True", True), ("TRUE", True), ("1", True), ("yes", True), ("On", True)],
)
def test_boolean_settings_mean_what_they_say(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: bool
) -> None:
    monkeypatch.setenv("MODERATION_SECRET_KEY", "x")
    for name in ("GRAVATAR", "SECURE_COOKIES", "AUTO_CREATE_ARTICLES"):
        monkeypatch.setenv(f"MODERATION_{name}", value)
    app = create_app()
    assert app.config["GRAVATAR"] is expected
    assert app.config["SESSION_COOKIE_SECURE"] is expected
    assert app.config["AUTO_CREATE_ARTICLES"] is expected


def test_numbers_and_lists_are_parsed_by_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODERATION_SECRET_KEY", "x")
    monkeypatch.setenv("MODERATION_MAX_THREAD_DEPTH", " 5 ")
    monkeypatch.setenv("MODERATION_MIN_FILL_SECONDS", "1.5")
    monkeypatch.setenv("MODERATION_BLOCKLIST", "casino, pills  viagra")
    config = create_app().config
    assert config["MAX_THREAD_DEPTH"] == 5
    assert config["MIN_FILL_SECONDS"] == 1.5
    assert config["BLOCKLIST"] == ["casino", "pills", "viagra"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GRAVATAR", "maybe"),
        ("MAX_THREAD_DEPTH", "three"),
        ("MAX_THREAD_DEPTH", "0"),
        ("MIN_FILL_SECONDS", "-1"),
        ("TRUSTED_PROXIES", "1.5"),
        ("POST_RATE_LIMIT", "lots"),
        ("ALLOWED_ORIGINS", "blog.example"),
        ("BLOCKLIST", "[not json"),
        ("STORE_IP", "partly"),
        ("IP_RETENTION_DAYS", "-1"),
        ("SPAM_RETENTION_DAYS", "a month"),
    ],
)
def test_a_bad_value_stops_the_start_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv("MODERATION_SECRET_KEY", "x")
    monkeypatch.setenv(f"MODERATION_{name}", value)
    with pytest.raises(ConfigError, match=f"MODERATION_{name}="):
        create_app()


def test_a_bad_value_in_the_test_configuration_is_refused_too(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="MODERATION_GRAVATAR="):
        create_app({"TESTING": True, "SECRET_KEY": "x", "GRAVATAR": "perhaps"})


def test_an_unknown_variable_is_reported(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("MODERATION_SECRET_KEY", "x")
    monkeypatch.setenv("MODERATION_GRAVATARS", "true")
    create_app()
    assert "MODERATION_GRAVATARS" in caplog.text


def test_the_start_is_logged_without_secrets(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    monkeypatch.setenv("MODERATION_SECRET_KEY", "a-very-secret-key")
    monkeypatch.setenv("MODERATION_DATABASE_URL", "postgresql+psycopg://u:s3cret@db.example/c")
    monkeypatch.setenv("MODERATION_REDIS_URL", "redis://:r3dis-pass@cache.example:6379/0")
    create_app()
    assert "Starting with postgresql database db.example, rate limits in redis" in caplog.text
    for secret in ("s3cret", "r3dis-pass", "a-very-secret-key"):
        assert secret not in caplog.text

"""Configuration from MODERATION_* variables, and the secret key rules."""

from pathlib import Path

import pytest

from moderation import create_app


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

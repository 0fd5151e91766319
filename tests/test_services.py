"""When CI points the tests at PostgreSQL and Redis, they must really be there."""

import pytest
from flask import Flask

from moderation.extensions import db

from .conftest import TEST_DATABASE_URL, TEST_REDIS_URL


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="runs against PostgreSQL when configured")
def test_the_configured_database_is_the_one_in_use(app: Flask) -> None:
    assert db.engine.dialect.name == "postgresql"
    assert db.session.execute(db.text("SELECT version_num FROM alembic_version")).scalar()


@pytest.mark.skipif(not TEST_REDIS_URL, reason="runs against Redis when configured")
def test_rate_limits_are_kept_in_the_configured_redis(app: Flask) -> None:
    import redis

    client = redis.Redis.from_url(str(TEST_REDIS_URL))
    assert client.ping()
    assert app.config["RATELIMIT_STORAGE_URI"] == TEST_REDIS_URL

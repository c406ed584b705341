"""Settings from the environment."""

from __future__ import annotations

from adoption.config import Settings


def test_without_a_secret_every_process_shares_the_instance_folders_key(tmp_path):
    # Two gunicorn workers read the environment separately; their session cookies must agree.
    env = {"UPTAKE_INSTANCE_PATH": str(tmp_path)}
    first, second = Settings.from_env(env), Settings.from_env(env)
    assert first.secret_key == second.secret_key
    assert len(first.secret_key) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_a_configured_secret_wins(tmp_path):
    env = {"UPTAKE_INSTANCE_PATH": str(tmp_path), "UPTAKE_SECRET_KEY": "s3cret"}
    assert Settings.from_env(env).secret_key == "s3cret"
    assert not (tmp_path / "secret_key").exists()

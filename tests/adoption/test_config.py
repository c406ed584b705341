"""Settings from the environment."""

from __future__ import annotations

import pytest

from adoption.config import Settings
from adoption.errors import Invalid


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


def test_board_names_are_private_unless_the_chain_chose_colleagues(tmp_path):
    env = {"UPTAKE_INSTANCE_PATH": str(tmp_path)}
    assert Settings.from_env(env).board_names == "private"
    chosen = Settings.from_env({**env, "UPTAKE_BOARD_NAMES": " Colleagues "})
    assert chosen.board_names == "colleagues"


def test_an_unknown_board_names_value_stops_start_up_naming_the_variable(tmp_path):
    env = {"UPTAKE_INSTANCE_PATH": str(tmp_path), "UPTAKE_BOARD_NAMES": "everyone"}
    with pytest.raises(Invalid) as raised:
        Settings.from_env(env)
    assert "UPTAKE_BOARD_NAMES" in raised.value.details

"""`uptake cards set|show|list|remove`: the API's handlers as the operator (the API's JSON,
validation and audit), the image sent as its raw bytes."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from adoption.masterdata import feature_records
from adoption.models import AuditLog, QuickCard
from api.cli.main import main
from tests.adoption.scoring.test_proficiency import NOW

PNG = b"\x89PNG\r\n\x1a\n" + bytes(20)


@pytest.fixture
def feature(session):
    feature_records.put_feature(session, "returns.exchange", {}, now=NOW)
    session.commit()


def set_card(runner, *extra):
    args = ["cards", "set", "returns.exchange", "--locale", "zh", "--title", "六步完成换货"]
    return runner.invoke(
        main, [*args, "--step", "扫描小票条码。", "--step", "选择“换货”。", *extra]
    )


def test_set_writes_the_card_and_its_image_and_show_reads_it(feature, runner, tmp_path, session):
    image = tmp_path / "card.png"
    image.write_bytes(PNG)
    result = set_card(runner, "--image", str(image))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["title"], data["steps"], data["image_type"]) == (
        "六步完成换货",
        ["扫描小票条码。", "选择“换货”。"],
        "image/png",
    )
    shown = runner.invoke(main, ["cards", "show", "returns.exchange", "--locale", "zh"])
    assert json.loads(shown.stdout)["image_url"].endswith("/cards/zh/image")
    card = session.scalars(select(QuickCard)).one()
    assert card.image == PNG
    actors = {
        a.actor for a in session.scalars(select(AuditLog).where(AuditLog.target_type == "card"))
    }
    assert len(actors) == 1 and actors.pop().startswith("cli:")


def test_list_shows_the_locales_and_remove_deletes_one(feature, runner):
    set_card(runner)
    listed = runner.invoke(main, ["cards", "list", "returns.exchange", "--format", "json"])
    assert [c["locale"] for c in json.loads(listed.stdout)] == ["zh"]
    table = runner.invoke(main, ["cards", "list", "returns.exchange"]).stdout.splitlines()
    assert table[0].split() == ["locale", "title", "steps", "image", "updated"]
    assert table[1].split()[:3] == ["zh", "六步完成换货", "2"]
    removed = runner.invoke(main, ["cards", "remove", "returns.exchange", "--locale", "zh"])
    assert removed.exit_code == 0 and "Removed the zh card of returns.exchange." in removed.stdout
    again = runner.invoke(main, ["cards", "remove", "returns.exchange", "--locale", "zh"])
    assert again.exit_code == 1 and "No 'zh' card" in again.stderr


def test_a_card_without_steps_exits_2_naming_steps(feature, runner):
    args = ["cards", "set", "returns.exchange", "--title", "Exchange"]
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert "steps:" in result.stderr


def test_a_file_that_is_not_an_image_is_refused_before_the_card_is_saved(
    feature, runner, tmp_path, session
):
    image = tmp_path / "card.png"
    image.write_bytes(b"GIF89a" + bytes(20))
    result = set_card(runner, "--image", str(image))
    assert result.exit_code == 2
    assert "image: Not a PNG, JPEG or WebP image" in result.stderr
    assert session.scalars(select(QuickCard)).all() == []


def test_an_unknown_feature_exits_1(feature, runner):
    result = runner.invoke(main, ["cards", "show", "no.such", "--locale", "en"])
    assert result.exit_code == 1 and "No feature 'no.such'" in result.stderr

"""`uptake import events FILE [--source NAME]`: the rules of HTTP ingestion, for files."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select

from adoption.models import Event, Quarantine
from api.cli.main import main
from tests.helpers import event

FIELDS = ["event_id", "user_id", "site_id", "action", "occurred_at", "outcome", "duration_ms"]
AN_HOUR_AGO = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)


@pytest.fixture
def store(make_site, make_employee):
    make_site("S001", "UTC")
    make_employee("E001", "S001")


def fresh(session) -> None:
    """End the test session's transaction: under SQLite WAL a transaction keeps its first view."""
    session.rollback()


def stored_events(session) -> list[tuple]:
    fresh(session)
    return session.execute(
        select(Event.source, Event.event_id, Event.outcome, Event.duration_ms).order_by(Event.id)
    ).all()


def quarantine_rows(session) -> list[tuple]:
    fresh(session)
    return session.execute(
        select(Quarantine.source, Quarantine.event_id, Quarantine.reasons).order_by(Quarantine.id)
    ).all()


def write_csv(path, rows: list[dict], fields=FIELDS):
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_jsonl(path, rows: list[object]):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def run_import(runner, path, *args):
    """Run the command; return its summary, the JSON object on the last line of stdout."""
    result = runner.invoke(main, ["import", "events", str(path), *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def csv_row(n, **overrides) -> dict:
    row = {**event(n), "duration_ms": "1200", **overrides}
    return {k: "" if v is None else str(v) for k, v in row.items()}


def test_csv_import_prints_the_summary(store, runner, tmp_path):
    path = write_csv(tmp_path / "events.csv", [csv_row(1), csv_row(2), csv_row(3, site_id="S9")])
    assert run_import(runner, path) == {"accepted": 2, "duplicates": 0, "quarantined": 1}


def test_csv_import_stores_events_under_source_import(store, runner, tmp_path, session):
    run_import(runner, write_csv(tmp_path / "events.csv", [csv_row(1)]))
    assert stored_events(session) == [("import", "e-1", "success", 1200)]


def test_csv_duration_digits_become_an_integer(store, runner, tmp_path, session):
    run_import(runner, write_csv(tmp_path / "events.csv", [csv_row(1, duration_ms="1200")]))
    [(_, _, _, duration)] = stored_events(session)
    assert duration == 1200 and isinstance(duration, int)


def test_blank_csv_cells_are_absent(store, runner, tmp_path, session):
    path = write_csv(tmp_path / "events.csv", [csv_row(1, outcome="", duration_ms="")])
    assert run_import(runner, path)["accepted"] == 1
    assert stored_events(session) == [("import", "e-1", "success", None)]  # the defaults


def test_csv_duration_that_is_not_plain_digits_is_quarantined_not_a_crash(
    store, runner, tmp_path, session
):
    odd = ["--5", "²", "1_000", "12.5", "-3"]
    rows = [csv_row(n, duration_ms=value) for n, value in enumerate(odd)]
    summary = run_import(runner, write_csv(tmp_path / "events.csv", rows))
    assert summary == {"accepted": 0, "duplicates": 0, "quarantined": 5}
    reasons = [r for _, _, r in quarantine_rows(session)]
    assert [list(r) for r in reasons] == [["duration_ms"]] * 5


def test_csv_properties_cell_is_read_as_json(store, runner, tmp_path, session):
    fields = [*FIELDS, "properties"]
    path = write_csv(tmp_path / "e.csv", [csv_row(1, properties='{"till": 3}')], fields)
    run_import(runner, path)
    fresh(session)
    assert session.scalar(select(Event.properties)) == {"till": 3}


def test_bad_row_is_quarantined_under_source_import(store, runner, tmp_path, session):
    path = write_csv(tmp_path / "events.csv", [csv_row(1, occurred_at="yesterday")])
    run_import(runner, path)
    assert quarantine_rows(session) == [
        ("import", "e-1", {"occurred_at": ["Not a valid datetime."]})
    ]


def test_source_option_names_the_source(store, runner, tmp_path, session):
    path = write_csv(tmp_path / "events.csv", [csv_row(1), csv_row(2, occurred_at="bad")])
    run_import(runner, path, "--source", "legacy-pos")
    assert {source for source, *_ in stored_events(session)} == {"legacy-pos"}
    assert {source for source, *_ in quarantine_rows(session)} == {"legacy-pos"}


def test_rerunning_an_import_changes_nothing(store, runner, tmp_path, session):
    path = write_csv(tmp_path / "events.csv", [csv_row(1), csv_row(2), csv_row(3, site_id="S9")])
    run_import(runner, path)
    before = (stored_events(session), quarantine_rows(session))
    again = run_import(runner, path)
    assert again == {"accepted": 0, "duplicates": 2, "quarantined": 1}
    assert (stored_events(session), quarantine_rows(session)) == before


def test_import_dedupes_against_events_sent_over_http(store, runner, tmp_path, send_events):
    send_events([event(1)])  # the `pos` token
    path = write_jsonl(tmp_path / "events.jsonl", [event(1), event(2)])
    assert run_import(runner, path, "--source", "pos") == {
        "accepted": 1,
        "duplicates": 1,
        "quarantined": 0,
    }


def test_import_quarantines_with_the_same_reasons_as_http(
    store, runner, tmp_path, send_events, session
):
    bad = event(1, occurred_at="2026-02-30T10:00:00Z", duration_ms=-5, site_id=7)
    over_http = send_events([bad]).json["errors"][0]["details"]
    run_import(runner, write_jsonl(tmp_path / "events.jsonl", [bad]))
    [(_, _, from_file)] = [r for r in quarantine_rows(session) if r[0] == "import"]
    assert from_file == over_http


def test_jsonl_import_accepts_events(store, runner, tmp_path, session):
    path = write_jsonl(tmp_path / "events.jsonl", [event(1), event(2, outcome="error")])
    assert run_import(runner, path) == {"accepted": 2, "duplicates": 0, "quarantined": 0}
    assert [o for *_, o, _ in stored_events(session)] == ["success", "error"]


def test_jsonl_line_that_is_not_json_is_quarantined(store, runner, tmp_path, session):
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(event(1)) + "\n{not json\n\n", encoding="utf-8")
    assert run_import(runner, path) == {"accepted": 1, "duplicates": 0, "quarantined": 1}
    [(source, event_id, reasons)] = quarantine_rows(session)
    assert (source, event_id, reasons) == ("import", None, {"_schema": ["Invalid input type."]})


def test_jsonl_line_that_is_not_utf8_is_quarantined_not_a_crash(store, runner, tmp_path, session):
    path = tmp_path / "events.jsonl"
    path.write_bytes(json.dumps(event(1)).encode() + b"\n\xff\xfe broken\n")
    assert run_import(runner, path) == {"accepted": 1, "duplicates": 0, "quarantined": 1}


@pytest.mark.parametrize(
    "line",
    ['{"event_id": "e-big", "duration_ms": ' + "9" * 5000 + "}", "[" * 3000, "1" * 5000],
    ids=["5000-digit-number", "3000-nested", "bare-huge-integer"],
)
def test_jsonl_line_too_big_to_read_is_quarantined_not_a_crash(
    store, runner, tmp_path, session, line
):
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(event(1)) + "\n" + line + "\n", encoding="utf-8")
    assert run_import(runner, path) == {"accepted": 1, "duplicates": 0, "quarantined": 1}


def parquet_table(rows: list[dict]) -> pa.Table:
    return pa.table(
        {
            "event_id": pa.array([r["event_id"] for r in rows]),
            "user_id": pa.array([r["user_id"] for r in rows]),
            "site_id": pa.array([r["site_id"] for r in rows]),
            "action": pa.array([r["action"] for r in rows]),
            "occurred_at": pa.array(
                [r["occurred_at"] for r in rows], type=pa.timestamp("us", tz="UTC")
            ),
            "duration_ms": pa.array([r.get("duration_ms") for r in rows], type=pa.int64()),
        }
    )


def test_parquet_import_accepts_events(store, runner, tmp_path, session):
    rows = [
        {**event(1), "occurred_at": AN_HOUR_AGO, "duration_ms": 1200},
        {**event(2), "occurred_at": AN_HOUR_AGO, "duration_ms": None},  # null: absent
    ]
    pq.write_table(parquet_table(rows), tmp_path / "events.parquet")
    summary = run_import(runner, tmp_path / "events.parquet")
    assert summary == {"accepted": 2, "duplicates": 0, "quarantined": 0}
    assert stored_events(session) == [
        ("import", "e-1", "success", 1200),
        ("import", "e-2", "success", None),
    ]
    fresh(session)
    assert session.scalar(select(func.min(Event.occurred_at))) == AN_HOUR_AGO


def test_parquet_bad_row_is_quarantined(store, runner, tmp_path, session):
    rows = [{**event(1, site_id="S9"), "occurred_at": AN_HOUR_AGO, "duration_ms": 5}]
    pq.write_table(parquet_table(rows), tmp_path / "events.parquet")
    assert run_import(runner, tmp_path / "events.parquet")["quarantined"] == 1
    assert quarantine_rows(session) == [("import", "e-1", {"site_id": ["Unknown site."]})]


def test_parquet_naive_timestamp_is_quarantined(store, runner, tmp_path, session):
    table = pa.table(
        {
            **{k: [v] for k, v in event(1).items() if k not in ("occurred_at", "duration_ms")},
            "occurred_at": pa.array([AN_HOUR_AGO.replace(tzinfo=None)], type=pa.timestamp("us")),
        }
    )
    pq.write_table(table, tmp_path / "events.parquet")
    run_import(runner, tmp_path / "events.parquet")
    [(_, _, reasons)] = quarantine_rows(session)
    assert reasons == {"occurred_at": ["Not a valid aware datetime."]}


def test_unsupported_file_format_is_a_readable_error(store, runner, tmp_path):
    path = tmp_path / "events.xml"
    path.write_text("<events/>")
    result = runner.invoke(main, ["import", "events", str(path)])
    assert result.exit_code == 2
    assert "Unsupported format" in result.output and "Traceback" not in result.output


def test_csv_file_that_is_not_utf8_is_a_readable_error(store, runner, tmp_path):
    path = write_csv(tmp_path / "events.csv", [csv_row(1)])
    path.write_bytes(path.read_bytes() + b"e-2,Jos\xe9,S001\n")  # Latin-1, not UTF-8
    result = runner.invoke(main, ["import", "events", str(path)])
    assert result.exit_code == 2
    assert "not UTF-8" in result.output and "Traceback" not in result.output


def test_corrupt_parquet_file_is_a_readable_error(store, runner, tmp_path):
    path = tmp_path / "events.parquet"
    path.write_bytes(b"PAR1 this is not really parquet")
    result = runner.invoke(main, ["import", "events", str(path)])
    assert result.exit_code == 2
    assert "not a readable Parquet file" in result.output


def test_jsonl_line_nested_too_deeply_is_quarantined_not_a_crash(store, runner, tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(event(1)) + "\n" + "[" * 100_000 + "]" * 100_000 + "\n")
    assert run_import(runner, path) == {"accepted": 1, "duplicates": 0, "quarantined": 1}


@pytest.mark.parametrize("source", ["", "   ", "x" * 65])
def test_source_that_cannot_name_events_is_a_usage_error(store, runner, tmp_path, source):
    path = write_csv(tmp_path / "events.csv", [csv_row(1)])
    result = runner.invoke(main, ["import", "events", str(path), "--source", source])
    assert result.exit_code == 2 and "--source" in result.output


def test_a_file_that_stops_being_readable_keeps_the_batches_before_and_resumes(
    store, runner, tmp_path, session
):
    """The batches before the bad line are stored, the error is the readable one, and the run
    after the fix stores the rest and nothing twice."""
    rows = [csv_row(n) for n in range(400)]  # about 40 kB: the bad byte is past the first reads
    path = write_csv(tmp_path / "events.csv", rows)
    good = path.read_bytes()
    path.write_bytes(good + b"e-bad,Jos\xe9,S001\n")
    result = runner.invoke(main, ["import", "events", str(path), "--batch-size", "50"])
    assert result.exit_code == 2 and "not UTF-8" in result.output
    kept = [event_id for _, event_id, *_ in stored_events(session)]
    assert 0 < len(kept) < 400 and len(kept) % 50 == 0
    assert kept == [f"e-{n}" for n in range(len(kept))]
    path.write_bytes(good)
    summary = run_import(runner, path, "--batch-size", "50")
    assert summary == {"accepted": 400 - len(kept), "duplicates": len(kept), "quarantined": 0}


HOSTILE_LINES = {
    "year one": {"occurred_at": "0001-01-01T00:00:00Z"},
    "year 9999 west of UTC": {"occurred_at": "9999-12-31T23:59:59-01:00"},
    "surrogate user_id": {"user_id": "E\udfff"},
    "NUL user_id": {"user_id": "E\x00"},
    "user_id too long once case-folded": {"user_id": "ß" * 128},
    "2**70 duration": {"duration_ms": 2**70},
    "float duration": {"duration_ms": 1.5},
    "NUL in properties": {"properties": {"k": "a\x00b"}},
}


def test_hostile_events_in_a_jsonl_import_are_quarantined_beside_the_valid_one(
    store, runner, tmp_path, session
):
    """The import goes through the one validator, and on PostgreSQL through COPY."""
    bad = [event(f"bad-{n}", **fields) for n, fields in enumerate(HOSTILE_LINES.values())]
    path = write_jsonl(tmp_path / "events.jsonl", [event(1), *bad])
    summary = run_import(runner, path)
    assert summary == {"accepted": 1, "duplicates": 0, "quarantined": len(HOSTILE_LINES)}
    assert [event_id for _, event_id, *_ in stored_events(session)] == ["e-1"]
    reasons = {event_id: set(why) for _, event_id, why in quarantine_rows(session)}
    assert reasons == {f"e-bad-{n}": set(fields) for n, fields in enumerate(HOSTILE_LINES.values())}


def test_hostile_rows_in_a_csv_import_are_quarantined_beside_the_valid_one(
    store, runner, tmp_path, session
):
    bad = [
        csv_row("bad-0", occurred_at="0001-01-01T00:00:00Z"),
        csv_row("bad-1", user_id="E\x00"),
        csv_row("bad-2", user_id="ß" * 128),
        csv_row("bad-3", duration_ms="9" * 5000),
    ]
    summary = run_import(runner, write_csv(tmp_path / "events.csv", [csv_row(1), *bad]))
    assert summary == {"accepted": 1, "duplicates": 0, "quarantined": 4}
    reasons = {event_id: set(why) for _, event_id, why in quarantine_rows(session)}
    assert reasons == {
        "e-bad-0": {"occurred_at"},
        "e-bad-1": {"user_id"},
        "e-bad-2": {"user_id"},
        "e-bad-3": {"duration_ms"},
    }


@pytest.mark.parametrize(
    "properties",
    ['{"n": ' + "9" * 5000 + "}", "[" * 3000, '{"k": "a\\u0000b"}', '{"n": NaN}'],
    ids=["5000-digit number", "3000 nested", "NUL", "NaN"],
)
def test_a_hostile_csv_properties_cell_is_quarantined_not_a_crash(
    store, runner, tmp_path, session, properties
):
    fields = [*FIELDS, "properties"]
    rows = [csv_row(1, properties="{}"), csv_row(2, properties=properties)]
    summary = run_import(runner, write_csv(tmp_path / "events.csv", rows, fields))
    assert summary == {"accepted": 1, "duplicates": 0, "quarantined": 1}
    [(_, event_id, reasons)] = quarantine_rows(session)
    assert (event_id, set(reasons)) == ("e-2", {"properties"})

"""`uptake import events FILE` on PostgreSQL against a raw COPY of the same rows, in one run.

    .venv/bin/python bench/import_events.py --pg-url URL [--events 100000] [--repeat 3]
        [--format csv|jsonl] [--batch N] [--seed N] [--no-rows] [--no-floor] [--profile]

The events are bench/ingest.py's (`ingest_data.generate`, fixed seed), written once as a file.
Every import runs on a fresh copy of one migrated, seeded database, in this process, through
the command's own entry point (process start-up is not timed). The baseline COPYs the rows of
that file that land (valid, first of each event_id) into a table with the same unique key,
one COPY and one commit per chunk of the import's size. Figures are printed, never asserted.
The issue 11 target is the import at ≥ 50 % of that baseline. See bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy
from click.testing import CliRunner
from ingest import (
    ADDED,
    ROLLUP_COLUMNS,
    PostgresBackend,
    _newcomers,
    _rollup_deltas,
    build_template,
    freeze_heap,
)
from ingest_data import SOURCE, Dataset, generate

from adoption.ingest.validation import validate_event
from adoption.masterdata.cleaning import key_of
from api.cli.main import main as uptake

#: The issue 11 target: the import at least this share of the raw COPY's events/s.
TARGET = 0.50
FIELDS = ("event_id", "user_id", "site_id", "action", "occurred_at", "outcome", "duration_ms",
          "properties")  # fmt: skip
#: The file's columns typed as the event table types them, with the source and its unique key.
STAGE_DDL = (
    "CREATE TABLE stage (id bigserial PRIMARY KEY, source text NOT NULL DEFAULT 'pos', "
    "event_id text NOT NULL, user_id text, site_id text, action text, occurred_at timestamptz, "
    "outcome text, duration_ms integer, properties json)",
    "CREATE UNIQUE INDEX uq_stage ON stage (source, event_id)",
)
COPY_CSV = f"COPY stage ({', '.join(FIELDS)}) FROM STDIN (FORMAT csv, HEADER)"
#: The prepared event rows (ids resolved, local day placed) into an event-shaped table.
EVENT_DDL = (
    "CREATE TABLE event (id bigserial PRIMARY KEY, source text, event_id text, "
    "employee_id integer, site_id integer, feature_id integer, occurred_at timestamptz, "
    "local_day date, outcome text, duration_ms integer, properties json, "
    "received_at timestamptz)",
    "CREATE UNIQUE INDEX uq_raw ON event (source, event_id)",
)
COPY_ROWS = (
    "COPY event (source, event_id, employee_id, site_id, feature_id, occurred_at, local_day, "
    "outcome, duration_ms, properties, received_at) FROM STDIN"
)
EVENT_TYPES = ("varchar", "varchar", "int4", "int4", "int4", "timestamptz", "date", "varchar",
               "int4", "json", "timestamptz")  # fmt: skip


FLOOR_KEYS = (
    "WITH sent AS (SELECT k.event_id, k.n"
    " FROM unnest(%s::varchar[]) WITH ORDINALITY AS k(event_id, n)),"
    " landed AS (INSERT INTO event_key (source, event_id) SELECT %s, event_id FROM sent"
    " ORDER BY n ON CONFLICT (source, event_id) DO NOTHING RETURNING event_id)"
    " SELECT event_id FROM sent EXCEPT ALL SELECT event_id FROM landed"
)
FLOOR_ROLLUPS = (
    f"INSERT INTO daily_usage ({ROLLUP_COLUMNS}) SELECT c0, c1, c2, c3, c4, c5, c6, c7"
    " FROM unnest(%s::integer[], %s::integer[], %s::integer[], %s::date[], %s::integer[],"
    " %s::integer[], %s::integer[], %s::float8[]) WITH ORDINALITY"
    " AS r(c0, c1, c2, c3, c4, c5, c6, c7, n) ORDER BY n"
    f" ON CONFLICT (employee_id, site_id, feature_id, local_day) DO UPDATE SET {ADDED}"
)


@dataclass
class Measured:
    name: str
    run: Callable[[], tuple[float, tuple]]
    rates: list[float] = field(default_factory=list)
    outcome: tuple | None = None


def write_file(data: Dataset, path: Path, fmt: str) -> None:
    """The events as a source's export holds them: one per line (a null event as a blank CSV
    row, which the import quarantines for its missing fields)."""
    if fmt == "jsonl":
        with path.open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(ev) + "\n" for ev in data.events)
        return
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        for ev in data.events:
            writer.writerow(_csv_cells(ev))


def _csv_cells(ev: object) -> dict:
    if not isinstance(ev, dict):
        return {}
    cells = dict(ev)
    if isinstance(cells.get("properties"), dict):
        cells["properties"] = json.dumps(cells["properties"])
    return cells


def landing(data: Dataset, sites: set[str]) -> list[int]:
    """Indexes of the events that land: valid, at a known site, first of their event_id."""
    now = datetime.now(UTC)
    seen: set[str] = set()
    kept = []
    for index, ev in enumerate(data.events):
        valid, _ = validate_event(ev, now)
        if valid is None or key_of(valid.site_id) not in sites or valid.event_id in seen:
            continue
        seen.add(valid.event_id)
        kept.append(index)
    return kept


def csv_chunks(data: Dataset, kept: list[int], size: int) -> list[bytes]:
    """The landing rows as the file holds them, one CSV text (with its header) per chunk."""
    chunks = []
    for start in range(0, len(kept), size):
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=FIELDS)
        writer.writeheader()
        for index in kept[start : start + size]:
            writer.writerow(_csv_cells(data.events[index]))
        chunks.append(buffer.getvalue().encode())
    return chunks


@contextmanager
def raw_connection(backend: PostgresBackend, ddl: tuple[str, ...]):
    """psycopg 3 on a new database holding only the baseline's table."""
    import psycopg

    name = backend._create()
    url = backend.server.url.set(database=name, drivername="postgresql")
    conn = psycopg.connect(url.render_as_string(hide_password=False))
    for statement in ddl:
        conn.execute(statement)
    conn.commit()
    try:
        yield conn
    finally:
        conn.close()
        backend._drop(name)


def copy_csv(backend: PostgresBackend, chunks: list[bytes], rows: int):
    """COPY the file's landing rows as CSV text, one COPY and one commit per chunk."""
    with raw_connection(backend, STAGE_DDL) as conn:
        start = time.perf_counter()
        for chunk in chunks:
            with conn.cursor() as cur, cur.copy(COPY_CSV) as copy:
                copy.write(chunk)
            conn.commit()
        return time.perf_counter() - start, (rows,)


def copy_rows(backend: PostgresBackend, chunks: list[list[tuple]], rows: int):
    """COPY the same rows prepared as `event` rows (write_row), one COPY and commit per chunk."""
    with raw_connection(backend, EVENT_DDL) as conn:
        start = time.perf_counter()
        for chunk in chunks:
            with conn.cursor() as cur, cur.copy(COPY_ROWS) as copy:
                for row in chunk:
                    copy.write_row(row)
            conn.commit()
        return time.perf_counter() - start, (rows,)


def text_array(values: list[str]) -> str:
    """A PostgreSQL array literal of text, each value quoted."""
    quoted = (value.replace("\\", "\\\\").replace('"', '\\"') for value in values)
    return "{" + ",".join(f'"{value}"' for value in quoted) + "}"


def plain_array(values) -> str:
    """A PostgreSQL array literal of numbers or dates."""
    return "{" + ",".join(map(str, values)) + "}"


def floor(backend: PostgresBackend, data: Dataset, chunks: list[list[tuple]], rows: int):
    """The app's own tables fed the landing rows already prepared, in the import's statements:
    the chunk's keys as one array, its events by binary COPY, its rollup deltas (aliases
    ignored) as one array per column; one transaction per chunk. The arrays are written out
    before the clock starts, so there is no validation, lookup or Python per event but COPY's:
    what PostgreSQL alone costs this import on this schema."""
    import psycopg
    from psycopg.types.json import Json

    statements = []
    for chunk in chunks:
        cells = sorted(_rollup_deltas(chunk))
        keys = text_array(sorted(row[1] for row in chunk))
        columns = [plain_array(column) for column in zip(*cells, strict=True)]
        copied = [(*row[:9], None if row[9] is None else Json(json.loads(row[9])), row[10])
                  for row in chunk]  # fmt: skip
        statements.append((keys, copied, columns))
    with backend.fresh_app_db() as url:
        plain = sqlalchemy.make_url(url).set(drivername="postgresql")
        conn = psycopg.connect(plain.render_as_string(hide_password=False))
        try:
            with conn.cursor() as cur:
                for sql, values in _newcomers("postgresql", data, chunks[0][0][10]):
                    cur.executemany(sql, values)
            conn.commit()
            start = time.perf_counter()
            for keys, copied, columns in statements:
                with conn.cursor() as cur:
                    cur.execute(FLOOR_KEYS, (keys, SOURCE)).fetchall()
                    with cur.copy(COPY_ROWS + " (FORMAT BINARY)") as copy:
                        copy.set_types(EVENT_TYPES)
                        for row in copied:
                            copy.write_row(row)
                    cur.execute(FLOOR_ROLLUPS, columns)
                conn.commit()
            return time.perf_counter() - start, (rows,)
        finally:
            conn.close()


def run_import(backend: PostgresBackend, path: Path, workdir: str, extra: list[str]):
    """`uptake import events FILE --source pos` in this process, on a fresh copy of the world;
    returns its time and the accepted, duplicate and quarantined counts it printed."""
    with backend.fresh_app_db() as url:
        env = {
            "UPTAKE_DATABASE_URL": url,
            "UPTAKE_INSTANCE_PATH": workdir,
            "UPTAKE_SECRET_KEY": "bench",
        }
        runner = CliRunner()
        start = time.perf_counter()
        result = runner.invoke(
            uptake, ["import", "events", str(path), "--source", SOURCE, *extra], env=env
        )
        elapsed = time.perf_counter() - start
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    if result.exit_code != 0:
        raise SystemExit(f"import failed ({result.exit_code}): {result.output}")
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    return elapsed, (summary["accepted"], summary["duplicates"], summary["quarantined"])


def default_batch() -> int:
    """The events per transaction the command takes without --batch-size."""
    from api.cli.imports import import_events

    return next(param.default for param in import_events.params if param.name == "batch_size")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=os.environ.get("UPTAKE_TEST_POSTGRES_URL"))
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each path; medians shown")
    parser.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    parser.add_argument(
        "--batch", type=int, help="--batch-size of the import (default: the command's own)"
    )
    parser.add_argument("--seed", type=int, default=7, help="of the generated events")
    parser.add_argument("--no-rows", action="store_true", help="skip the prepared-rows COPY")
    parser.add_argument(
        "--no-floor", action="store_true", help="skip the app's tables fed prepared rows"
    )
    parser.add_argument("--profile", action="store_true", help="profile one import instead")
    args = parser.parse_args(argv)
    if not args.pg_url:
        parser.error("needs --pg-url or UPTAKE_TEST_POSTGRES_URL")
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    data = generate(args.events, seed=args.seed, now=datetime.now(UTC))
    extra = [] if args.batch is None else ["--batch-size", str(args.batch)]
    with ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="uptake-bench-"))
        backend = PostgresBackend(args.pg_url)
        stack.callback(backend.close)
        build_template(backend, data)
        path = Path(workdir) / f"events.{args.format}"
        write_file(data, path, args.format)
        if args.profile:
            freeze_heap()
            return profile(lambda: run_import(backend, path, workdir, extra))
        chunk = args.batch or default_batch()
        kept = landing(data, {key_of(code) for code, _ in data.sites})
        rows = data.raw_rows["postgresql"]
        prepared = [[rows[i] for i in kept[s : s + chunk]] for s in range(0, len(kept), chunk)]
        texts = csv_chunks(data, kept, chunk)
        freeze_heap()
        paths = [
            Measured("baseline: raw COPY, CSV", lambda: copy_csv(backend, texts, len(kept))),
        ]
        if not args.no_rows:
            paths.append(
                Measured("  same, prepared rows", lambda: copy_rows(backend, prepared, len(kept)))
            )
        if not args.no_floor:
            paths.append(
                Measured(
                    "floor: app tables, prepared",
                    lambda: floor(backend, data, prepared, len(kept)),
                )
            )
        paths.append(
            Measured("uptake import events", lambda: run_import(backend, path, workdir, extra))
        )
        measure(paths, args.repeat)
        report(backend, data, args, chunk, len(kept), path, paths)


def measure(paths: list[Measured], repeat: int) -> None:
    for i in range(repeat):
        turn = i % len(paths)  # rotate, so drift on a noisy machine is not always on one path
        for path in paths[turn:] + paths[:turn]:
            elapsed, outcome = path.run()
            path.rates.append(outcome[0] / elapsed)  # rows stored per second
            if path.outcome is not None and outcome != path.outcome:
                print(f"warning: {path.name} counted {outcome}, before {path.outcome}")
            path.outcome = outcome


def report(backend, data, args, chunk: int, kept: int, path: Path, paths: list[Measured]):
    size = path.stat().st_size
    print(
        f"Uptake import: {len(data.events):,} events, {args.format} file of {size / 1e6:.1f} MB, "
        f"{chunk:,} events per transaction; median of {args.repeat} run(s)"
    )
    print(
        f"machine: {os.cpu_count()} CPU(s), {backend.describe()}, "
        f"SQLAlchemy {sqlalchemy.__version__}"
    )
    accepted, duplicates, quarantined = paths[-1].outcome
    print(
        f"import: {accepted:,} accepted, {duplicates:,} duplicates, {quarantined:,} quarantined; "
        f"baseline: {kept:,} rows"
    )
    if accepted != kept:
        print(f"warning: the import stored {accepted:,} events, the baseline {kept:,} rows")
    print(
        f"\n{'path':<28} {'events/s':>10} {'÷ COPY':>8} {'target':>7} {'met':>4}"
        "   each run (stored events/s)"
    )
    base = paths[0].rates
    ratio = 0.0
    for row in paths:
        # the ratio of each repeat (both measured in it), then the median of those ratios
        ratio = statistics.median(r / b for r, b in zip(row.rates, base, strict=True))
        target, met = "", ""
        if row is paths[-1]:
            target, met = f"≥ {TARGET:.2f}", "yes" if ratio >= TARGET else "no"
        runs = ", ".join(f"{rate:,.0f}" for rate in row.rates)
        print(
            f"{row.name:<28} {statistics.median(row.rates):>10,.0f} {ratio:>8.4f} {target:>7} "
            f"{met:>4}   {runs}"
        )
    print(
        f"\nimport {statistics.median(paths[-1].rates):,.0f} events/s, raw COPY "
        f"{statistics.median(base):,.0f} events/s, ratio {ratio:.4f}, target {TARGET:.2f}, "
        f"met: {'yes' if ratio >= TARGET else 'no'}"
    )


def profile(run: Callable[[], tuple[float, tuple]]) -> None:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    with profiler:
        elapsed, outcome = run()
    print(profiler.output_text(color=False, show_all=False))
    print(f"under the profiler: {outcome[0] / elapsed:,.0f} stored events/s (it slows them)")


if __name__ == "__main__":
    main()

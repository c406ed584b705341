"""The Segment receiver's throughput as a ratio of POST /api/v1/events on the same events.

    .venv/bin/python bench/receivers.py [--events 100000] [--batch 1000] [--repeat 3]
        [--database sqlite|postgresql] [--pg-url URL] [--gzip]

The events of bench/ingest_data.py (resends, invalid and unknown-site ones included) are sent
twice in the same run, each path on a fresh copy of one migrated, seeded database: as Uptake
events to POST /api/v1/events, and as the Segment track messages a client would send for them
(messageId, userId, event, timestamp, properties.site_id...) to POST /v1/batch, through Flask's
test client, JSON encoding (and gzip) included. Both must store the same counts. Figures are
printed, never asserted: the ratio, measured side by side, is the figure (see bench/README.md).
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import tempfile
from contextlib import ExitStack
from datetime import UTC, datetime

from ingest import (
    PostgresBackend,
    SqliteBackend,
    build_template,
    freeze_heap,
    http,
    post_batches,
)
from ingest_data import Dataset, generate

from adoption.db import make_engine, make_sessionmaker
from adoption.identity import credentials

SEGMENT_SOURCE = "pos-segment"


def segment_message(event: object) -> object:
    """The Segment track message a client sends for an Uptake event (anything else as is)."""
    if not isinstance(event, dict):
        return event
    properties = event.get("properties")
    properties = {} if properties is None else properties  # a bad one stays bad
    if isinstance(properties, dict):
        properties = dict(properties)
        for key in ("site_id", "duration_ms", "outcome"):
            if event.get(key) is not None:
                properties[key] = event[key]
    message = {
        "type": "track",
        "messageId": event.get("event_id"),
        "userId": event.get("user_id"),
        "event": event.get("action"),
        "timestamp": event.get("occurred_at"),
        "properties": properties,
    }
    return {k: v for k, v in message.items() if v is not None}


def segment_key(backend) -> str:
    engine = make_engine(backend.template_url)
    with make_sessionmaker(engine)() as session:
        _, key = credentials.create_token(
            session, role="ingest", name=SEGMENT_SOURCE, now=datetime.now(UTC), format="segment"
        )
        session.commit()
    backend.seal_template(engine)
    engine.dispose()
    return key


def segment(backend, data: Dataset, batch: int, key: str, gzipped: bool, workdir: str):
    """POST /v1/batch with basic auth, as analytics-python sends it."""
    messages = [segment_message(event) for event in data.events]
    auth = base64.b64encode(f"{key}:".encode()).decode()
    batches = ({"batch": messages[i : i + batch]} for i in range(0, len(messages), batch))
    headers = {"Authorization": f"Basic {auth}"}
    return post_batches(backend, "/v1/batch", headers, batches, gzipped, workdir)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000, help="messages per request")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each path; medians shown")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("UPTAKE_TEST_POSTGRES_URL"))
    parser.add_argument("--gzip", action="store_true", help="gzip the request bodies")
    parser.add_argument("--seed", type=int, default=7, help="of the generated events")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    data = generate(args.events, seed=args.seed, now=datetime.now(UTC))
    with ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="uptake-bench-"))
        if args.database == "sqlite":
            backend = SqliteBackend(workdir)
        else:
            backend = PostgresBackend(args.pg_url)
        stack.callback(backend.close)
        token = build_template(backend, data)
        key = segment_key(backend)
        freeze_heap()
        runs = {"POST /api/v1/events": [], "POST /v1/batch (Segment)": []}
        counts = {}
        for _ in range(args.repeat):  # interleaved, so both paths see the same machine
            for name, run in runs.items():
                if name.startswith("POST /api"):
                    (wall, _cpu), got = http(backend, data, args.batch, token, args.gzip, workdir)
                else:
                    (wall, _cpu), got = segment(backend, data, args.batch, key, args.gzip, workdir)
                run.append(wall)
                counts[name] = got
        report(args, len(data.events), runs, counts)


def report(args, events: int, runs: dict[str, list[float]], counts: dict) -> None:
    print(
        f"{events:,} events, batches of {args.batch:,}, {args.database}"
        + (", gzip" if args.gzip else "")
        + f", median of {args.repeat}"
    )
    rates = {name: events / statistics.median(walls) for name, walls in runs.items()}
    for name, rate in rates.items():
        accepted, duplicates, quarantined = counts[name]
        print(
            f"  {name:<28} {rate:>10,.0f} events/s   accepted {accepted:,}, "
            f"duplicates {duplicates:,}, quarantined {quarantined:,}"
        )
    uptake, segment_rate = rates.values()
    print(f"  Segment / Uptake: {segment_rate / uptake:.2f}")
    if len(set(counts.values())) != 1:
        print("  WARNING: the two paths stored different counts")


if __name__ == "__main__":
    main()

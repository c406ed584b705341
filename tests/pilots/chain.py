"""A small simulated chain (adoption.simulation.chain) seeded once per module and back end.

The pilot read models only read, so a module may share one seeded database across its tests
(override `database_url` with `seeded_database`) instead of seeding it again for each test.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from adoption.db import make_engine, make_sessionmaker
from adoption.ingest.batch import ingest_batch
from adoption.masterdata import imports, records
from adoption.simulation import chain
from tests.conftest import empty_postgres

# Friday 2026-11-20 12:00 UTC. With seed 7, 4 sites and 4 weeks: pilots S001, S002, S004 go live
# 2026-10-23 (weeks 0–3 complete), S003 (wave 1) on 10-30 (weeks 0–2 complete); S099 has no
# go-live.
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

# The fields of each week of the comparison curve, in the domain result and in the API's body.
CURVE_KEYS = {"week", "pilot_mean", "control_mean", "pilot_q1", "pilot_q3", "control_q1",
              "control_q3", "n_pilot", "n_control"}  # fmt: skip


def seed_chain(session, directory: Path, *, seed: int = 7, sites: int = 4, weeks: int = 4):
    """Import the simulation's master files, ingest its events, add a site without go-live."""
    sim = chain.simulate(seed=seed, sites=sites, weeks=weeks, today=NOW.date())
    files = chain.write_master_files(sim, directory)
    for kind in ("sites", "features", "roster"):
        imports.import_master(session, kind, files[kind], now=NOW, actor="test", default_tz="UTC")
    for batch in chain.event_batches(sim, now=NOW, size=20_000):
        ingest_batch(session, source="pos", events=batch, now=NOW)
    records.put_site(
        session, "S099", {"name": "Not live yet"}, now=NOW, actor="test", default_tz="UTC"
    )
    session.commit()
    return sim


def _seed(url: str, directory: Path) -> None:
    engine = make_engine(url)
    session = make_sessionmaker(engine)()
    try:
        seed_chain(session, directory)
    finally:
        session.close()
        engine.dispose()


def seeded_database(request, tmp_path_factory):
    """Yield the URL of a database holding the simulated chain (request.param: back end)."""
    directory = tmp_path_factory.mktemp("chain")
    if request.param == "sqlite":
        path = directory / "uptake.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        _seed(f"sqlite:///{path}", directory)
        yield f"sqlite:///{path}"
        return
    # The run's PostgreSQL database, emptied as conftest empties it for each test; the next
    # test outside this module empties it again.
    url = request.getfixturevalue("postgres_url")
    empty_postgres(url)
    _seed(url, directory)
    yield url

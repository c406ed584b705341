"""The pilot comparison and the /pilots page, cold and warm, beside a raw SQL aggregation over
daily_usage measured in the same run.

    .venv/bin/python bench/pilot_comparison.py             # seeds the demo's 40 sites × 12 weeks
    .venv/bin/python bench/pilot_comparison.py --database sqlite:////tmp/w500.sqlite3 --week 20
    .venv/bin/python bench/pilot_comparison.py --repeat 5 --profile  # one cold page profiled

Without --database it seeds a temporary SQLite database the way `uptake demo` does (master files
through import_master, event batches through ingest_batch); with it, it reads that database and
writes only a login and a token. Cold: the worker's pilot cache is emptied before each request,
which is what the first request after an ingest costs (it reads the weekly panel of every
metric); warm: the same request again; first visit: each other metric and week once one page
has been served since the data changed. The
baseline is the DBAPI cursor running one GROUP BY over daily_usage: each person's active days
per week since their site's go-live, the rows the default metric rests on. Figures are medians
over --repeat runs; they are printed, never asserted.
"""

from __future__ import annotations

import argparse
import platform
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

from sqlalchemy import func, select

from adoption import schema
from adoption.config import Settings
from adoption.db import make_engine, make_sessionmaker, unit_of_work
from adoption.identity import credentials
from adoption.ingest.batch import ingest_batch
from adoption.masterdata import imports
from adoption.models import DailyUsage, Employee, Site
from adoption.simulation import chain
from api import create_app
from pilots.cache import cache_of
from pilots.curves import METRICS

PASSWORD = "bench password 123"
ACTIVE_DAYS = {
    "sqlite": "CAST(julianday(du.local_day) - julianday(s.go_live_on) AS INTEGER)",
    "postgresql": "(du.local_day - s.go_live_on)",
}
BASELINE = """
SELECT du.employee_id, ({days} + 56) / 7 - 8 AS week, COUNT(DISTINCT du.local_day)
FROM daily_usage du JOIN employee e ON e.id = du.employee_id JOIN site s ON s.id = e.site_id
WHERE e.rostered AND s.go_live_on IS NOT NULL AND du.successes > 0 AND {days} >= -56
GROUP BY du.employee_id, week
"""


def seed(url: str, workdir: Path, now: datetime) -> None:
    """The `uptake demo` path, 40 sites × 12 weeks: master files, then event batches."""
    engine = make_engine(url)
    schema.upgrade(engine)
    factory = make_sessionmaker(engine)
    sim = chain.simulate(seed=7, sites=40, weeks=12, today=now.date())
    files = chain.write_master_files(sim, workdir / "demo")
    for kind in ("sites", "features", "roster"):
        with unit_of_work(factory) as session:
            imports.import_master(
                session, kind, files[kind], now=now, actor="bench", default_tz="UTC"
            )
    for batch in chain.event_batches(sim, now=now):
        with unit_of_work(factory) as session:
            ingest_batch(session, source=chain.DEMO_SOURCE, events=batch, now=now)
    engine.dispose()


def signed_in(app, now: datetime):
    """A test client signed in as a new rollout lead, and bearer headers for the API."""
    name = f"bench-{uuid.uuid4().hex[:8]}"
    with unit_of_work(app.extensions["uptake"].sessions) as session:
        credentials.create_account(
            session, username=name, role="rollout_lead", now=now, password=PASSWORD
        )
        _, token = credentials.create_token(session, role="rollout_lead", name=name, now=now)
    client = app.test_client()
    form = client.get("/login").text
    csrf = unescape(re.search(r'name="csrf_token" value="([^"]+)"', form)[1])
    login = {"username": name, "password": PASSWORD, "csrf_token": csrf}
    assert client.post("/login", data=login).status_code == 302
    return client, {"Authorization": f"Bearer {token}"}


def timed(run: Callable[[], object], repeat: int, before: Callable[[], None]) -> float:
    """Median wall time in ms of `run` over `repeat` runs, `before` each (not timed)."""
    samples = []
    for _ in range(repeat):
        before()
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def get(client, path: str, headers: dict) -> Callable[[], object]:
    def run():
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.text[:300]

    return run


def baseline(engine) -> Callable[[], object]:
    sql = BASELINE.format(days=ACTIVE_DAYS[engine.dialect.name])

    def run():
        conn = engine.raw_connection()
        try:
            cur = conn.cursor()
            cur.execute(sql)
            return cur.fetchall()
        finally:
            conn.close()

    return run


def first_visits(client, cache) -> float:
    """Median ms of the first request for each other metric and week once one page has been
    served since the data changed: what a rollout lead waits for when changing the choice."""
    cache.clear()
    get(client, "/pilots?metric=adoption_rate", {})()
    samples = []
    for metric in METRICS:
        for week in (None, 0, 2, 4):
            path = f"/pilots?metric={metric}" + ("" if week is None else f"&week={week}")
            start = time.perf_counter()
            get(client, path, {})()
            samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def describe(app) -> str:
    with app.extensions["uptake"].sessions() as session:
        sites = session.scalar(select(func.count()).where(Site.go_live_on.is_not(None)))
        people = session.scalar(select(func.count()).select_from(Employee))
        rows = session.scalar(select(func.count()).select_from(DailyUsage))
    return f"{sites} sites with a go-live, {people} people, {rows} daily_usage rows"


def run(url: str, args, now: datetime, workdir: Path) -> None:
    settings = Settings(database_url=url, secret_key="bench", instance_path=workdir / "instance")
    app = create_app(settings)
    engine = app.extensions["uptake"].engine
    with app.extensions["uptake"].sessions() as session:
        cache = cache_of(session)
    client, token = signed_in(app, now)
    print(f"{engine.dialect.name}; python {platform.python_version()}; {describe(app)}")
    comparison = f"/api/v1/pilots/comparison?metric={args.metric}&week={args.week}"
    page = f"/pilots?metric={args.metric}"
    base_ms = timed(baseline(engine), args.repeat, lambda: None)
    print(f"\n{'figure':62} {'ms':>9} {'÷ baseline':>11}")
    print(f"{'baseline: GROUP BY over daily_usage':62} {base_ms:>9.1f} {1:>11.2f}")
    for label, path, headers in (
        (f"GET {comparison}", comparison, token),
        (f"GET {page}", page, {}),
    ):
        request = get(client, path, headers)
        cold = timed(request, args.repeat, cache.clear)
        request()
        warm = timed(request, args.repeat, lambda: None)
        print(f"{label + ', cold':62} {cold:>9.1f} {cold / base_ms:>11.2f}")
        print(f"{label + ', warm':62} {warm:>9.1f} {warm / base_ms:>11.2f}")
    switched = first_visits(client, cache)
    print(
        f"{'GET /pilots, first visit of another metric or week (median)':62} "
        f"{switched:>9.1f} {switched / base_ms:>11.2f}"
    )
    if args.profile:
        from pyinstrument import Profiler

        cache.clear()
        with Profiler() as profiler:
            get(client, page, {})()
        print(profiler.output_text(color=False))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="an existing world, e.g. from `uptake demo`")
    parser.add_argument("--metric", default="adoption_rate")
    parser.add_argument("--week", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = args.database
        if url is None:
            url = f"sqlite:///{workdir / 'bench.sqlite3'}"
            started = time.perf_counter()
            seed(url, workdir, now)
            print(f"seeded the demo's 40 sites × 12 weeks in {time.perf_counter() - started:.0f}s")
        run(url, args, now, workdir)


if __name__ == "__main__":
    main()

"""A batch that commits after a job run started is still read by the next run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from adoption.ingest.batch import ingest_batch
from adoption.jobs.models import JobRun
from adoption.masterdata import feature_records, records
from api import jobs
from rewards.models import PointsLedger

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_points_job_reads_a_batch_received_before_but_committed_after_the_last_run(session):
    records.put_site(session, "S1", {"name": "One"}, now=NOW, actor="t", default_tz="UTC")
    records.put_employee(session, "A", {"display_name": "A", "site_id": "S1"}, now=NOW)
    feature_records.put_feature(session, "pos.sale", {"points": 5}, now=NOW)
    # The previous points run started at 12:00 and saw nothing; a batch that arrived at 11:59
    # committed only afterwards (received_at is the request's arrival).
    session.add(JobRun(job="points", started_at=NOW, finished_at=NOW, outcome="ok"))
    event = {
        "event_id": "e1",
        "user_id": "A",
        "site_id": "S1",
        "action": "pos.sale",
        "occurred_at": "2026-11-20T11:00:00+00:00",
    }
    ingest_batch(session, source="pos", events=[event], now=NOW - timedelta(minutes=1))
    session.commit()
    jobs.points(session, NOW + timedelta(minutes=15))
    assert session.scalar(select(func.sum(PointsLedger.points))) == 5

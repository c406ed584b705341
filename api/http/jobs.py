"""Scheduled job runs for admins: what ran, when, and how it ended."""

from __future__ import annotations

from adoption import limits
from adoption.jobs.runs import recent_runs
from api import database
from api.auth import requires
from api.http.blueprint import Blueprint
from api.pagination import id_cursor, next_link
from api.schemas.jobs import JobRunListArgs, JobRunSchema

bp = Blueprint("jobs", __name__, description="Scheduled job runs (start, end, outcome).")


@bp.get("/jobs/runs")
@requires()
@bp.arguments(JobRunListArgs, location="query")
@bp.response(200, JobRunSchema(many=True))
def list_runs(args):
    """Recent runs, newest first; skipped attempts (lock held elsewhere) are not runs."""
    limit = args["limit"]
    runs = recent_runs(
        database.session(),
        job=args["job"],
        limit=limit,
        before=id_cursor(args["cursor"], limits.Whole(0, limits.INT32_MAX)),
    )
    return runs, 200, next_link(runs, limit, lambda r: r.id)

"""Privacy: forgetting a person (admin) and the access log of works-council mode (hr, admin).

docs/privacy.md has the rules; the domain does the work (`rewards.erasure`,
`adoption.identity.access_log`).
"""

from __future__ import annotations

from flask import Response, g

from adoption import limits
from adoption.identity import access_log
from adoption.masterdata import records
from api import database
from api.auth import requires
from api.clock import utcnow
from api.http.blueprint import Blueprint, path
from api.pagination import id_cursor, next_link
from api.schemas.privacy import AccessEntrySchema, AccessLogArgs, ForgetSchema
from rewards.erasure import forget_employee

bp = Blueprint("privacy", __name__, description="Forgetting a person; the access log.")
ENTRIES = {"type": "array", "items": {"$ref": "#/components/schemas/AccessEntry"}}
CSV_OR_JSON = {
    "description": "The entries as JSON, or with `format=csv` as a CSV file.",
    "content": {
        "application/json": {"schema": ENTRIES},
        "text/csv": {"schema": {"type": "string"}},
    },
}


@bp.post("/employees/<user_id>/forget", parameters=path("user_id"))
@requires()
@bp.response(200, ForgetSchema)
def forget(user_id):
    """Admin only. Replace the person's name and id by a pseudonym, delete their raw events and
    keep every aggregate (docs/privacy.md); audited. Again with the pseudonymous id: a no-op."""
    return forget_employee(database.session(), user_id, now=utcnow(), actor=g.principal.name)


@bp.get("/access-log")
@requires("hr")
@bp.arguments(AccessLogArgs, location="query")
@bp.response(200, AccessEntrySchema(many=True))
@bp.doc(responses={"200": CSV_OR_JSON})
def list_access_log(args):
    """Reads of one person's data by someone else, oldest first (`UPTAKE_ACCESS_LOG=on`);
    `format=csv` is the whole range as a file (audited)."""
    session = database.session()
    employee_id = None
    if args["user_id"] is not None:
        employee_id = records.get_employee(session, args["user_id"]).id
    window = {"first": args["from_"], "last": args["to"], "employee_id": employee_id}
    if args["format"] == "csv":
        content = access_log.export_csv(session, now=utcnow(), actor=g.principal.name, **window)
        return Response(
            content,
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="access-log.csv"'},
        )
    limit = args["limit"]
    entries = access_log.access_entries(
        session,
        **window,
        after=id_cursor(args["cursor"], limits.Whole(0, limits.INT64_MAX)),
        limit=limit,
    )
    return entries, 200, next_link(entries, limit, lambda e: e["id"])

"""Documents for the client: the optimisation report (rollout leads and admins; hr reads it)."""

from __future__ import annotations

from flask import Response, current_app, g

from adoption.errors import Forbidden
from adoption.masterdata.cards import cards_for
from adoption.scoring.rules import load_rules
from api import database, i18n
from api.auth import requires
from api.clock import utcnow
from api.http.blueprint import Blueprint
from api.reports.optimisation import MEDIA_TYPES, filename, render
from api.schemas.reports import OptimisationArgs
from pilots.optimisation import optimisation_report

bp = Blueprint("reports", __name__, description="Documents: the optimisation report.")
# JSON: the report's data, self-describing (`period`, `method`, each section); else a file.
DOCUMENTS = {
    mime: {
        "schema": {"type": "object"} if fmt == "json" else {"type": "string", "format": "binary"}
    }
    for fmt, mime in MEDIA_TYPES.items()
}


@bp.get("/reports/optimisation")
@requires("rollout_lead", "hr")
@bp.arguments(OptimisationArgs, location="query")
@bp.doc(responses={"200": {"description": "The report as data (JSON) or a document.",
                            "content": DOCUMENTS}})  # fmt: skip
def get_optimisation_report(args):
    """Targets, adoption by site and wave, error hot spots, unused modules, how many people
    need help, the pilot verdict, recommendations and the changes since the previous report
    (`pilots.optimisation`). The first report of a period is stored as issued, and asked for
    again it is given as issued, so the next period's report compares with what was said;
    `replace=true` (not hr) generates it again over it."""
    session = database.session()
    fmt = args["format"]
    if args["replace"] and g.principal.role == "hr":
        raise Forbidden(
            "HR reads reports; a rollout lead or an admin replaces one.",
            {"replace": ["Not allowed for hr."]},
        )
    data = optimisation_report(
        session,
        from_on=args["from_"],
        to_on=args["to"],
        now=utcnow(),
        rules=load_rules(session),
        actor=g.principal.name,
        min_group=current_app.extensions["uptake"].settings.min_group,
        replace=args["replace"],
    )
    cards = []
    if fmt in ("html", "pdf"):  # the documents end with the cards they recommend
        cards = cards_for(session, data["card_feature_ids"], i18n.current_locale())
    response = Response(render(data, fmt, cards=cards), content_type=MEDIA_TYPES[fmt])
    disposition = "inline" if fmt in ("json", "html") else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename(data, fmt)}"'
    return response

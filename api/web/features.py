"""The admin's feature catalogue page: actions waiting to be mapped."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from adoption.errors import Invalid
from adoption.masterdata import feature_records
from api import database
from api.schemas.masterdata import FeaturePutSchema
from api.web import bp
from api.web.render import now, page, render_page

FEATURE_FORM_FIELDS = ("points", "daily_cap", "expected_ms", "alias_of")


@bp.get("/admin/features")
@page()
def features():
    return _features_page()


def _features_page(errors: dict | None = None, values: dict | None = None, status: int = 200):
    queue = feature_records.mapping_queue(database.session(), now())
    return render_page(
        "features.html",
        title=_("Unmapped actions"),
        waiting=queue.waiting,
        mapped=queue.mapped,
        window_days=queue.window_days,
        errors=errors or {},
        values=values or {},
        status=status,
    )


@bp.post("/admin/features")
@page()
def map_feature():
    """Maps one action: the fields of the API's feature PUT, checked by the same schema and
    mapped by the same rule (`feature_records.map_feature`)."""
    session = database.session()
    action = request.form.get("action", "")
    form = {k: request.form.get(k, "").strip() for k in FEATURE_FORM_FIELDS}
    form["is_core"] = request.form.get("is_core") == "on"
    try:
        values = FeaturePutSchema().load(_feature_values(form))
        feature, _created = feature_records.map_feature(
            session, action, values, now=now(), actor=g.principal.name
        )
    except ValidationError as exc:
        return _features_page({action: exc.messages}, {action: form}, 422)
    except Invalid as exc:
        return _features_page({action: exc.details}, {action: form}, 422)
    flash(_("%(action)s is mapped.", action=feature.action), "ok")
    return redirect(url_for("web.features"))


def _feature_values(form: dict) -> dict:
    """The form as the API's PUT body: a blank points field is not given (the API's default:
    1 on create, kept on replace); a blank cap, expert time or alias means none."""
    values = {k: (v if v != "" else None) for k, v in form.items()}
    if values["points"] is None:
        del values["points"]
    return values

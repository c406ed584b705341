"""The admin's feature catalogue page (/admin/features): two tabs of one page.

- Catalogue (default): every mapped feature (`feature_catalogue.catalogue_page`), filtered by
  module and text, a page at a time; each row's edit posts to /admin/features/edit with the
  fields of the API's feature PUT, checked by the same schema and saved by the same domain
  call (`feature_records.map_feature`, which audits). A change of the core flag first says how
  many people's breadth it changes (`feature_catalogue.core_flag_effect`) and asks.
- Unmapped (`?tab=unmapped`): actions waiting to be mapped, posted to /admin/features.
"""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from marshmallow import ValidationError

from adoption.errors import Invalid
from adoption.ingest.validation import is_storable_text
from adoption.masterdata import feature_catalogue, feature_records
from api import database
from api.schemas.masterdata import FeaturePutSchema
from api.web import bp
from api.web.render import confirm_page, confirmed, day, now, page, render_page

FEATURE_FORM_FIELDS = ("points", "daily_cap", "expected_ms", "alias_of")
EDIT_FIELDS = ("module", *FEATURE_FORM_FIELDS, "title")
TITLE_FIELDS = {f"title_{locale}": locale for locale in feature_records.TITLE_LOCALES}
FILTERS = ("module", "q", "after")  # the catalogue's GET filters; posted back as f_<name>


@bp.get("/admin/features")
@page()
def features():
    if request.args.get("tab") == "unmapped":
        return _features_page()
    return _catalogue_page(_filters(request.args), editing=request.args.get("edit"))


def _filters(source, prefix: str = "") -> dict[str, str]:
    """The catalogue's filters; text no database stores (a NUL, a lone surrogate) reads as none."""
    values = {name: source.get(prefix + name, "").strip() for name in FILTERS}
    return {name: text if is_storable_text(text) else "" for name, text in values.items()}


def _catalogue_page(filters, errors=None, values=None, status=200, editing=None):
    """A page of the catalogue; `editing` names the feature whose form opens in a full-width row
    under it (as does a feature whose change was refused)."""
    session = database.session()
    catalogue = feature_catalogue.catalogue_page(
        session,
        now(),
        module=filters["module"] or None,
        search=filters["q"] or None,
        after=filters["after"] or None,
    )
    return render_page(
        "features.html",
        title=_("Feature catalogue"),
        tab="catalogue",
        catalogue=catalogue,
        effects={a: effect_text(e) for a, e in catalogue.effects.items()},
        filters=filters,
        editing=editing,
        title_fields=TITLE_FIELDS,
        errors=errors or {},
        values=values or {},
        status=status,
    )


def effect_text(effect: feature_catalogue.CoreFlagEffect) -> str:
    """What flipping the core flag does, in the reader's language."""
    if effect.counts_as is not None:
        return _(
            "This counts as %(target)s, so its own core flag changes no one's breadth.",
            target=effect.counts_as,
        )
    n = effect.changed
    if effect.make_core:
        change = ngettext(
            "Making this core changes the breadth of %(num)s person.",
            "Making this core changes the breadth of %(num)s people.",
            n,
        )
    else:
        change = ngettext(
            "Making this not core changes the breadth of %(num)s person.",
            "Making this not core changes the breadth of %(num)s people.",
            n,
        )
    used = ngettext(
        "%(num)s person used it at least %(times)s times in the %(days)s days to %(last)s.",
        "%(num)s people used it at least %(times)s times in the %(days)s days to %(last)s.",
        effect.users,
        times=effect.min_successes,
        days=effect.window_days,
        last=day(effect.last),
    )
    return f"{change} {used}"


@bp.post("/admin/features/edit")
@page()
def edit_feature():
    """Changes one mapped feature: the API's PUT fields and rules (`FeaturePutSchema`,
    `feature_records.map_feature`, audited there); a change of the core flag is confirmed
    first, on a page that says whose breadth it changes."""
    session = database.session()
    action = request.form.get("action", "")
    filters = _filters(request.form, "f_")
    stored = feature_records.get_feature(session, action)  # unknown: the 404 page
    form = _edit_form()
    try:
        values = FeaturePutSchema().load(_edit_values(form))
        if values.get("is_core") != stored.is_core and not confirmed():
            return _confirm_core(session, stored.action, values["is_core"])
        feature, _created = feature_records.map_feature(
            session, stored.action, values, now=now(), actor=g.principal.name
        )
    except (ValidationError, Invalid) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else exc.details
        return _catalogue_page(filters, {stored.action: messages}, {stored.action: form}, 422)
    flash(_("%(action)s is saved.", action=feature.action), "ok")
    return redirect(url_for("web.features", **{k: v for k, v in filters.items() if v}))


def _edit_form() -> dict:
    form = {k: request.form.get(k, "").strip() for k in (*EDIT_FIELDS, *TITLE_FIELDS)}
    form["is_core"] = request.form.get("is_core") == "on"
    return form


def _edit_values(form: dict) -> dict:
    """The edit form as the API's PUT body: blank points keep them, a blank cap, expert time or
    alias means none, a blank title clears it, and each title_<locale> sets that locale."""
    values = _feature_values({k: form[k] for k in (*EDIT_FIELDS, "is_core")})
    values["titles"] = {locale: form[name] or None for name, locale in TITLE_FIELDS.items()}
    return values


def _confirm_core(session, action: str, make_core: bool):
    effect = feature_catalogue.core_flag_effect(session, action, now())
    if make_core:
        question = _("Make %(action)s a core feature?", action=action)
    else:
        question = _("Make %(action)s not a core feature?", action=action)
    return confirm_page(question, effect_text(effect), action=_("Save"), danger=False)


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
    return redirect(url_for("web.features", tab="unmapped"))


def _features_page(errors: dict | None = None, values: dict | None = None, status: int = 200):
    """The Unmapped tab: actions seen in events that no admin has mapped yet."""
    queue = feature_records.mapping_queue(database.session(), now())
    return render_page(
        "features.html",
        title=_("Feature catalogue"),
        tab="unmapped",
        waiting=queue.waiting,
        mapped=queue.mapped,
        window_days=queue.window_days,
        errors=errors or {},
        values=values or {},
        status=status,
    )


def _feature_values(form: dict) -> dict:
    """The form as the API's PUT body: a blank points field is not given (the API's default:
    1 on create, kept on replace); a blank cap, expert time or alias means none."""
    values = {k: (v if v != "" else None) for k, v in form.items()}
    if values["points"] is None:
        del values["points"]
    return values

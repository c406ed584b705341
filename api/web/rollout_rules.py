"""The readiness gate's rules on a page, /pilots/readiness (rollout leads, admins): add a rule,
change one, switch it off and on, remove it.

The forms post here and the domain decides (`pilots.readiness_rules`, `pilots.readiness_edit`),
as for `PUT /api/v1/pilots/readiness/rules`; the page only turns a threshold entered in the
metric's unit (a % for a rate or share) into the stored fraction. A rejected form comes back
with each message next to its field (status 422) and what was typed kept.
"""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _

from adoption.errors import Invalid
from api import database
from api.web import bp
from api.web.render import confirm_page, confirmed, now, page, render_page
from api.web.rollout import rule_labels
from pilots import readiness_edit, readiness_rules
from pilots.curves import unit_of

RULE_FIELDS = ("metric", "comparison", "threshold", "weeks", "scope")
NEW = "new"  # the key of the add form's errors and values


@bp.get("/pilots/readiness")
@page("rollout_lead")
def readiness_rules_page():
    return _rules_page()


def _rules_page(errors: dict | None = None, values: dict | None = None, status: int = 200):
    """Every rule, enabled or not; `errors` and `values` by form (NEW or a rule id)."""
    rules = readiness_rules.list_rules(database.session())
    return render_page(
        "pilots_readiness.html",
        title=_("Readiness rules"),
        rules=rules,
        rule_metrics=readiness_rules.METRICS,
        rule_comparisons=readiness_rules.COMPARISONS,
        rule_scopes=readiness_rules.SCOPES,
        max_weeks=readiness_rules.MAX_WEEKS,
        errors=errors or {},
        values=values or {},
        status=status,
        **rule_labels(),
    )


@bp.post("/pilots/readiness/rules")
@page("rollout_lead")
def add_readiness_rule():
    form = _form()
    try:
        rule = readiness_rules.add_rule(
            database.session(), _rule_values(form), now=now(), actor=g.principal.name
        )
    except Invalid as exc:
        return _rules_page({NEW: exc.details}, {NEW: form}, 422)
    flash(_("Rule %(id)s added.", id=rule["id"]), "ok")
    return redirect(url_for("web.readiness_rules_page"))


@bp.post("/pilots/readiness/rules/<int:rule_id>")
@page("rollout_lead")
def edit_readiness_rule(rule_id):
    form = _form()
    try:
        rule = readiness_edit.update_rule(
            database.session(), rule_id, _rule_values(form), now=now(), actor=g.principal.name
        )
    except Invalid as exc:
        return _rules_page({rule_id: exc.details}, {rule_id: form}, 422)
    if rule["id"] != rule_id:
        flash(_("Rule %(id)s saved as rule %(new)s.", id=rule_id, new=rule["id"]), "ok")
    else:
        flash(_("Rule %(id)s saved.", id=rule_id), "ok")
    return redirect(url_for("web.readiness_rules_page"))


@bp.post("/pilots/readiness/rules/<int:rule_id>/enabled")
@page("rollout_lead")
def switch_readiness_rule(rule_id):
    """`enabled` yes switches the rule on, anything else off."""
    enabled = request.form.get("enabled") == "yes"
    readiness_edit.set_enabled(
        database.session(), rule_id, enabled, now=now(), actor=g.principal.name
    )
    if enabled:
        flash(_("Rule %(id)s is on.", id=rule_id), "ok")
    else:
        flash(_("Rule %(id)s is off.", id=rule_id), "ok")
    return redirect(url_for("web.readiness_rules_page"))


@bp.post("/pilots/readiness/rules/<int:rule_id>/remove")
@page("rollout_lead")
def remove_readiness_rule(rule_id):
    if not confirmed():
        return confirm_page(
            _("Remove readiness rule %(id)s?", id=rule_id),
            _("A wave's gate no longer checks it. Switching it off keeps it for later."),
            action=_("Remove"),
        )
    readiness_rules.remove_rule(database.session(), rule_id, now=now(), actor=g.principal.name)
    flash(_("Rule %(id)s removed.", id=rule_id), "ok")
    return redirect(url_for("web.readiness_rules_page"))


def _form() -> dict:
    return {k: request.form.get(k, "").strip() for k in RULE_FIELDS}


def _rule_values(form: dict) -> dict:
    """The form as a rule for the domain: the threshold in the metric's unit (a % for a
    fraction) as stored, weeks as a whole number. Invalid names every field that is wrong:
    the page's reading of the threshold and weeks, and `checked_rule`'s verdict on the rest."""
    errors: dict[str, list[str]] = {}
    values: dict = {k: form[k] for k in ("metric", "comparison", "scope")}
    values["threshold"] = _threshold(form["threshold"], unit_of(form["metric"]), errors)
    values["weeks"] = int(form["weeks"]) if _whole(form["weeks"]) else None
    if values["weeks"] is None:
        errors["weeks"] = [
            _("Enter a whole number of weeks from 1 to %(max)s.", max=readiness_rules.MAX_WEEKS)
        ]
    try:
        readiness_rules.checked_rule(values)
    except Invalid as exc:
        errors = exc.details | errors  # the page's words for what it read itself
    if errors:
        raise Invalid(errors)
    return values


def _threshold(text: str, unit: str, errors: dict) -> float | None:
    try:
        number = float(text.replace(",", ".").rstrip("% ").strip())
    except ValueError:
        errors["threshold"] = [_("Enter a number, e.g. 60 for 60%.")]
        return None
    if unit != "fraction":
        return number
    if not 0 <= number <= 100:
        errors["threshold"] = [_("Enter a percentage from 0 to 100.")]
        return None
    return number / 100


def _whole(text: str) -> bool:
    """A whole number as people type it: ASCII digits only ("²" is a digit to Python, and int()
    refuses it), at most 9 of them."""
    return text.isascii() and text.isdigit() and len(text) <= 9

"""A rollout wave on a page, /pilots/waves/<n> and /pilots/waves/new (rollout leads, admins):
its name, planned go-live, sites and canary share, saved as `PUT /api/v1/waves/{n}` saves them
(`pilots.waves.put_wave`, checked by the same schema), with the wave's status and the go-live
day of each of its sites.

The canary share is entered in % (blank: no canary sites); every site of the chain is a
checkbox, and a site checked here leaves the wave it was in. A rejected form comes back with
each message next to its field (status 422) and what was typed kept.
"""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from adoption.errors import Invalid, NotFound
from api import database
from api.schemas.waves import WavePutSchema
from api.web import bp
from api.web.render import now, page, render_page
from api.web.rollout import rule_labels
from pilots import waves

MAX_WAVES = 1000


@bp.get("/pilots/waves/<int:number>")
@page("rollout_lead")
def wave_page(number):
    wave = waves.get_wave(database.session(), _number(number), now=now())
    return _wave_page(wave, _shown(wave))


@bp.get("/pilots/waves/new")
@page("rollout_lead")
def new_wave_page():
    listed = waves.list_waves(database.session(), limit=MAX_WAVES, now=now())
    number = max((w["wave"] for w in listed), default=0) + 1
    return _wave_page(None, {"number": str(number), "sites": []})


def _wave_page(wave: dict | None, form: dict, errors: dict | None = None, status: int = 200):
    """The form of `wave` (None: a new wave) showing `form`, with every site to choose from."""
    session = database.session()
    return render_page(
        "pilots_wave.html",
        title=_("Wave %(wave)s", wave=wave["wave"]) if wave else _("New wave"),
        wave=wave,
        form=form,
        errors=errors or {},
        sites=waves.site_choices(session, now=now()),
        status=status,
        **rule_labels(),
    )


@bp.post("/pilots/waves")
@page("rollout_lead")
def add_wave():
    """A new wave: its number must not be a wave already (that one is changed on its page)."""
    form = _form()
    session = database.session()
    text = form["number"]  # ASCII digits only: "²" is a digit to Python, and int() refuses it
    number = int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None
    if number is None or number > waves.MAX_WAVE:
        return _rejected(
            None,
            form,
            {"number": [_("Enter a whole number from 0 to %(max)s.", max=waves.MAX_WAVE)]},
        )
    if _exists(number):
        return _rejected(
            None,
            form,
            {"number": [_("Wave %(wave)s exists already: change it on its page.", wave=number)]},
        )
    return _save(session, number, None, form)


@bp.post("/pilots/waves/<int:number>")
@page("rollout_lead")
def save_wave(number):
    session = database.session()
    wave = waves.get_wave(session, _number(number), now=now())
    return _save(session, number, wave, _form())


def _save(session, number: int, wave: dict | None, form: dict):
    try:
        values = _wave_values(form)
        actor = g.principal.name
        _stored, created = waves.put_wave(session, number, values, now=now(), actor=actor)
    except Invalid as exc:
        return _rejected(wave, form, exc.details)
    if created:
        flash(_("Wave %(wave)s added.", wave=number), "ok")
    else:
        flash(_("Wave %(wave)s saved.", wave=number), "ok")
    return redirect(url_for("web.wave_page", number=number))


def _rejected(wave: dict | None, form: dict, errors: dict):
    return _wave_page(wave, form, errors, 422)


def _number(number: int) -> int:
    """A wave number the page can show (Flask's int converter has no upper bound)."""
    if number > waves.MAX_WAVE:
        raise NotFound(_("No wave %(wave)s.", wave=number), {"wave": number})
    return number


def _exists(number: int) -> bool:
    try:
        waves.get_wave(database.session(), number, now=now())
    except NotFound:
        return False
    return True


def _shown(wave: dict) -> dict:
    """A stored wave as its form shows it: the canary share in %."""
    share = wave["canary_share"]
    return {
        "name": wave["name"] or "",
        "planned_go_live_on": wave["planned_go_live_on"].isoformat()
        if wave["planned_go_live_on"]
        else "",
        "canary_share": "" if share is None else f"{share * 100:g}",
        "sites": wave["sites"],
    }


def _form() -> dict:
    fields = ("number", "name", "planned_go_live_on", "canary_share")
    return {k: request.form.get(k, "").strip() for k in fields} | {
        "sites": request.form.getlist("sites")
    }


def _wave_values(form: dict) -> dict:
    """The form as the API's PUT body, checked by its schema: blank name, date or canary share
    mean none; the share is read in % (Invalid naming each field that is wrong)."""
    errors: dict[str, list[str]] = {}
    body = {
        "name": form["name"] or None,
        "planned_go_live_on": form["planned_go_live_on"] or None,
        "canary_share": _share(form["canary_share"], errors),
        "sites": form["sites"],
    }
    try:
        values = WavePutSchema().load(body)
    except ValidationError as exc:
        errors = exc.messages | errors
    if errors:
        raise Invalid(errors)
    return values


def _share(text: str, errors: dict) -> float | None:
    """The canary share typed in %, as the fraction stored (blank: no canary sites)."""
    if text == "":
        return None
    try:
        percent = float(text.replace(",", ".").rstrip("% ").strip())
    except ValueError:
        percent = float("nan")
    if not 0 < percent <= 100:
        errors["canary_share"] = [
            _("Enter a percentage above 0 and at most 100, or leave it blank for no canary sites.")
        ]
        return None
    return percent / 100

"""Kudos: give one, list a person's. Thin handlers: the rules are `rewards.kudos`."""

from __future__ import annotations

from flask import g

from adoption.errors import Forbidden
from adoption.masterdata import records
from api import database
from api.auth import require_person, requires
from api.clock import utcnow
from api.http.blueprint import Blueprint, path
from api.schemas.kudos import KudosArgs, KudosBodySchema, KudosSchema
from rewards.kudos import Giver, give_kudos, list_kudos
from rewards.points_config import load_points_rules
from rewards.points_trace import statement_window

bp = Blueprint("kudos", __name__, description="Thanks for something concrete.")


@bp.post("/employees/<user_id>/kudos", parameters=path("user_id"))
@requires("hr", "manager", "employee")
@bp.arguments(KudosBodySchema)
@bp.response(201, KudosSchema)
def give(body, user_id):
    """Thank the person. A manager thanks the people of its sites (others: 404 as for an
    unknown id); an employee thanks a colleague of its home site when the points config's
    `colleague_kudos` is on (403 otherwise), never itself (422). One kudos per giver and person
    a day (409); a colleague gives at most 3 a day (409). Points: the config's `kudos_points`."""
    session = database.session()
    principal = g.principal
    if principal.role == "employee" and not load_points_rules(session).colleague_kudos:
        raise Forbidden("Colleagues may not give kudos here (the points config).", {})
    employee = records.get_employee(session, user_id)
    if principal.role != "employee":
        require_person(principal, employee, "kudos")
    giver = Giver(principal.name, principal.role, principal.employee_id, principal.home_site_id)
    return give_kudos(session, employee, message=body["message"], giver=giver, now=utcnow())


@bp.get("/employees/<user_id>/kudos", parameters=path("user_id"))
@requires("hr", "manager", "employee")
@bp.arguments(KudosArgs, location="query")
@bp.response(200, KudosSchema(many=True))
def received(args, user_id):
    """The person's kudos of the window (default: this month through today), newest first:
    the person, its home site's manager, hr and admin."""
    session = database.session()
    employee = records.get_employee(session, user_id)
    require_person(g.principal, employee, "kudos")
    first, last = statement_window(employee, utcnow(), args["from_"], args["to"])
    return list_kudos(session, employee, first, last)

"""Sites, employees and features: GET, PUT (create or replace) and keyset-paginated lists."""

from __future__ import annotations

from flask import current_app, g

from adoption.errors import Forbidden, NotFound
from adoption.masterdata import feature_records, records
from api import database
from api.auth import ALL_READERS, require_person, requires, visible_site, visible_site_ids
from api.clock import utcnow
from api.http.blueprint import Blueprint, path
from api.pagination import PageArgs, decode_cursor, next_link
from api.schemas.masterdata import (
    EmployeeListArgs,
    EmployeePutSchema,
    EmployeeSchema,
    FeatureBodySchema,
    FeatureListArgs,
    FeatureSchema,
    SitePutSchema,
    SiteSchema,
)

bp = Blueprint("masterdata", __name__, description="Sites, employees and the feature catalog.")

ROLLOUT_SITE_FIELDS = {"is_pilot", "wave", "go_live_on", "program_started_on"}


@bp.get("/sites")
@requires(*ALL_READERS)
@bp.arguments(PageArgs, location="query")
@bp.response(200, SiteSchema(many=True))
def list_sites(args):
    limit = args["limit"]
    sites = records.list_sites(
        database.session(),
        limit=limit,
        after=decode_cursor(args["cursor"]),
        only=visible_site_ids(g.principal),
    )
    return sites, 200, next_link(sites, limit, lambda s: s.code_key)


@bp.get("/sites/<site_id>", parameters=path("site_id"))
@requires(*ALL_READERS)
@bp.response(200, SiteSchema)
def get_site(site_id):
    return visible_site(database.session(), g.principal, site_id)


@bp.put("/sites/<site_id>", parameters=path("site_id"))
@requires("rollout_lead")
@bp.arguments(SitePutSchema)
@bp.response(200, SiteSchema)
@bp.alt_response(201, schema=SiteSchema, description="Created")
def put_site(values, site_id):
    session = database.session()
    if g.principal.role == "rollout_lead":
        _check_rollout_lead_fields(session, site_id, values)
    settings = current_app.extensions["uptake"].settings
    site, created = records.put_site(
        session,
        site_id,
        values,
        now=utcnow(),
        actor=g.principal.name,
        default_tz=settings.default_timezone,
    )
    return site, 201 if created else 200


def _check_rollout_lead_fields(session, site_id, values) -> None:
    """A rollout lead plans the rollout (pilot, wave, dates) and changes nothing else."""
    try:
        site = records.get_site(session, site_id)
    except NotFound:
        raise Forbidden("A rollout lead may not create a site.") from None
    other = {k for k, v in values.items() if k not in ROLLOUT_SITE_FIELDS and getattr(site, k) != v}
    if other:
        raise Forbidden(
            "A rollout lead may only change is_pilot, wave, go_live_on and program_started_on.",
            {"fields": sorted(other)},
        )


@bp.get("/employees")
@requires("hr", "manager", "employee")
@bp.arguments(EmployeeListArgs, location="query")
@bp.response(200, EmployeeSchema(many=True))
def list_employees(args):
    session = database.session()
    principal = g.principal
    site_ids = visible_site_ids(principal)
    if args["site_id"] is not None:
        site_ids = {visible_site(session, principal, args["site_id"]).id}
    limit = args["limit"]
    people = records.list_employees(
        session,
        limit=limit,
        after=decode_cursor(args["cursor"]),
        site_ids=site_ids,
        only={principal.employee_id} if principal.role == "employee" else None,
        rostered=args["rostered"],
    )
    return people, 200, next_link(people, limit, lambda e: e.external_key)


@bp.get("/employees/<user_id>", parameters=path("user_id"))
@requires("hr", "manager", "employee")
@bp.response(200, EmployeeSchema)
def get_employee(user_id):
    employee = records.get_employee(database.session(), user_id)
    require_person(g.principal, employee, "record")
    return employee


@bp.put("/employees/<user_id>", parameters=path("user_id"))
@requires()
@bp.arguments(EmployeePutSchema)
@bp.response(200, EmployeeSchema)
@bp.alt_response(201, schema=EmployeeSchema, description="Created")
def put_employee(values, user_id):
    session = database.session()
    employee, created = records.put_employee(
        session, user_id, values, now=utcnow(), actor=g.principal.name
    )
    return employee, 201 if created else 200


@bp.get("/features")
@requires(*ALL_READERS)
@bp.arguments(FeatureListArgs, location="query")
@bp.response(200, FeatureSchema(many=True))
def list_features(args):
    limit = args["limit"]
    features = feature_records.list_features(
        database.session(),
        limit=limit,
        after=decode_cursor(args["cursor"]),
        unmapped=args["unmapped"],
    )
    return features, 200, next_link(features, limit, lambda f: f.action)


@bp.get("/features/<path:action>", parameters=path("action"))
@requires(*ALL_READERS)
@bp.response(200, FeatureSchema)
def get_feature(action):
    return feature_records.get_feature(database.session(), action)


@bp.put("/features/<path:action>", parameters=path("action"))
@requires()
@bp.arguments(FeatureBodySchema)
@bp.response(200, FeatureSchema)
@bp.alt_response(201, schema=FeatureSchema, description="Created")
def put_feature(values, action):
    """Map an action (`feature_records.map_feature`, the admin page's rule): omitted `points` is
    1 until the action is mapped, then kept; any other omitted field keeps its value (its
    default on create); an `alias_of` naming no known feature is 422 validation_error naming
    it."""
    session = database.session()
    feature, created = feature_records.map_feature(
        session, action, values, now=utcnow(), actor=g.principal.name
    )
    return feature, 201 if created else 200

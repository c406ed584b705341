"""Staggered difference-in-differences: query arguments and the answer (CONTRACT.md)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from adoption.limits import Whole
from api.schemas.fields import Day, whole
from pilots.did.estimator import CONTROLS
from pilots.did.panel import METRICS

NULLABLE = {"allow_none": True}
MAX_SEED = 2**32 - 1


class DidArgs(Schema):
    metric = fields.String(
        load_default="adoption_rate",
        validate=validate.OneOf(METRICS),
        metadata={"description": "The weekly site metric the programme may move."},
    )
    control = fields.String(
        load_default="never",
        validate=validate.OneOf(CONTROLS),
        metadata={"description": "never: never-treated sites; notyet: also those treated later."},
    )
    seed = whole(
        Whole(0, MAX_SEED),
        query=True,
        load_default=0,
        metadata={"description": "Seed of numpy default_rng for the multiplier bootstrap."},
    )
    start = Day(
        data_key="from",
        load_default=None,
        metadata={
            "description": "Start the panel with this date's ISO week (default: the first week "
            "any site was live on every day). A later start keeps sites of later waves in the "
            "panel; /pilots starts it when every site with a programme was live."
        },
    )


class EstimateFields(Schema):
    att = fields.Float(**NULLABLE)
    se = fields.Float(**NULLABLE, metadata={"description": "Multiplier-bootstrap standard error."})
    ci_low = fields.Float(**NULLABLE, metadata={"description": "95% pointwise: att − 1.96 se."})
    ci_high = fields.Float(**NULLABLE)


class GroupTimeSchema(EstimateFields):
    group = fields.Integer(metadata={"description": "Week number the programme started."})
    time = fields.Integer(metadata={"description": "Week number, 1 at the panel's first week."})


class EventTimeSchema(EstimateFields):
    e = fields.Integer(
        metadata={"description": "Weeks since the programme started (time − group)."}
    )


class OverallSchema(EstimateFields):
    aggregation = fields.String(
        metadata={"description": "simple: post-treatment cells by group size."}
    )


class DidSchema(Schema):
    control = fields.String()
    base_period = fields.String()
    n_units = fields.Integer()
    att_gt = fields.List(fields.Nested(GroupTimeSchema))
    event_time = fields.List(fields.Nested(EventTimeSchema))
    overall = fields.Nested(OverallSchema)
    caveats = fields.List(fields.String())

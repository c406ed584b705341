"""Documents: the optimisation report's arguments."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.reports.optimisation import FORMATS
from api.schemas.fields import Day, query_flag
from pilots.optimisation import MAX_DAYS


class OptimisationArgs(Schema):
    from_ = Day(
        data_key="from",
        required=True,
        metadata={"description": "First local day of the period (inclusive); not after `to`."},
    )
    to = Day(
        required=True,
        metadata={
            "description": f"Last local day (inclusive): at most {MAX_DAYS} days from `from`, "
            "and a day that has ended at every site."
        },
    )
    replace = query_flag(
        load_default=False,
        metadata={
            "description": "Generate the period's report again and store it over the one "
            "issued before (rollout leads and admins). Without it, a period already reported "
            "gives the report as it was issued."
        },
    )
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(FORMATS),
        metadata={"description": "json (the data), html, xlsx or pdf."},
    )

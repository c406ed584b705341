"""The quarantine's wire shapes: items, filters, totals, bulk actions (`adoption.ingest.triage`)."""

from __future__ import annotations

from dataclasses import asdict, replace

from marshmallow import Schema, fields, post_load, pre_dump, validate

from adoption import limits
from adoption.ingest import quarantine, triage
from api.pagination import PageArgs
from api.schemas.fields import Day, Flag, text, whole

STATUSES = [*quarantine.STATUSES, "all"]


class QuarantineSchema(Schema):
    id = fields.Integer()
    source = fields.String()
    event_id = fields.String(allow_none=True)
    kind = fields.String(metadata={"description": "event, or body for an unreadable request."})
    payload = fields.Method("payload_text")
    reasons = fields.Dict()
    reason = fields.String(
        metadata={"description": "The reasons as one line, to total and filter by."}
    )
    site = fields.String(
        allow_none=True, metadata={"description": "The site the input names, as sent."}
    )
    status = fields.String()
    received_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    resolved_by = fields.String(allow_none=True)

    def payload_text(self, item) -> str:
        return item.payload.decode("utf-8", errors="replace")


class FilterFields(Schema):
    """The filter of a list, a summary and a bulk action; loads as a `triage.Filter`."""

    reason = text(
        quarantine.REASON_LENGTH,
        load_default=None,
        metadata={"description": "Exactly an item's `reason` line (see the summary's totals)."},
    )
    source = text(64, load_default=None, metadata={"description": "The source it came from."})
    site = text(
        quarantine.SITE_LENGTH,
        load_default=None,
        metadata={"description": "The site code the input names (any case)."},
    )
    received_from = Day(
        load_default=None, metadata={"description": "Received on or after this UTC day."}
    )
    received_to = Day(
        load_default=None,
        metadata={"description": "Received on or before this UTC day; not before received_from."},
    )

    def _filter(self, data: dict, status: str | None) -> triage.Filter:
        criteria = {k: data.pop(k) for k in list(data) if k in FILTER_FIELDS}
        return triage.Filter(status=status, **criteria)


FILTER_FIELDS = frozenset({"reason", "source", "site", "received_from", "received_to"})


class QuarantineListArgs(PageArgs, FilterFields):
    status = fields.String(load_default="open", validate=validate.OneOf(STATUSES))

    @post_load
    def to_filter(self, data: dict, **_kwargs) -> dict:
        status = data.pop("status")
        data["filter"] = self._filter(data, None if status == "all" else status)
        return data


class QuarantineSummaryArgs(QuarantineListArgs):
    """As the list's, without paging."""

    class Meta:
        exclude = ("limit", "cursor")


class BulkSchema(FilterFields):
    dry_run = Flag(
        required=True,
        metadata={"description": "true: only say what would happen; nothing changes."},
    )
    up_to_id = whole(
        limits.ID,
        load_default=None,
        metadata={
            "description": "Items up to this id only: a dry run's `last_id`, so the action "
            "takes the set the dry run counted and nothing that arrived since."
        },
    )

    @post_load
    def to_filter(self, data: dict, **_kwargs) -> dict:
        up_to_id = data.pop("up_to_id")
        data["filter"] = replace(self._filter(data, "open"), up_to_id=up_to_id)
        return data


class ReasonCount(Schema):
    reason = fields.String()
    count = fields.Integer()


class SourceCount(Schema):
    source = fields.String()
    count = fields.Integer()


class SummarySchema(Schema):
    total = fields.Integer(metadata={"description": "Items the filter selects."})
    by_reason = fields.List(
        fields.Nested(ReasonCount),
        metadata={
            "description": f"Largest first (at most {triage.TOP_GROUPS}); "
            "leaves the reason filter out."
        },
    )
    by_source = fields.List(
        fields.Nested(SourceCount),
        metadata={
            "description": f"Largest first (at most {triage.TOP_GROUPS}); "
            "leaves the source filter out."
        },
    )

    @pre_dump
    def groups(self, summary, **_kwargs) -> dict:
        return {
            "total": summary.total,
            "by_reason": [{"reason": key, "count": n} for key, n in summary.by_reason],
            "by_source": [{"source": key, "count": n} for key, n in summary.by_source],
        }


class BulkResultSchema(Schema):
    dry_run = fields.Boolean()
    matched = fields.Integer(metadata={"description": "Open items the filter selected."})
    passed = fields.Integer(
        metadata={"description": "Items replayed or discarded (on a dry run: that would be)."}
    )
    failing = fields.Integer(
        metadata={"description": "Replay: items that would not pass as stored; they stay open."}
    )
    failing_by_reason = fields.List(
        fields.Nested(ReasonCount),
        metadata={"description": "Replay: the reasons they fail with today, largest first."},
    )
    accepted = fields.Integer(metadata={"description": "Events stored (0 on a dry run)."})
    duplicates = fields.Integer(metadata={"description": "Events already stored."})
    more = fields.Boolean(
        metadata={"description": f"More than {triage.MAX_BULK:,} items matched: send it again."}
    )
    last_id = fields.Integer(
        allow_none=True,
        metadata={"description": "The newest item selected (null when none): `up_to_id`."},
    )

    @pre_dump
    def groups(self, outcome, **_kwargs) -> dict:
        data = asdict(outcome)
        data["failing_by_reason"] = [
            {"reason": key, "count": n} for key, n in outcome.failing_by_reason
        ]
        return data


class ReplayResultSchema(Schema):
    item = fields.Nested(QuarantineSchema)
    accepted = fields.Integer()
    duplicates = fields.Integer()

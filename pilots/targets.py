"""Targets agreed with the client: a metric over a population compared with a threshold by a
deadline, either week k since each site's go-live or a date (docs/metrics.md "Targets").

Every change is audited. Progress (per site and overall, met / missed / on track / at risk) is
`pilots.target_progress`; `targets_overview` gives every target with it, for the /pilots page
and the optimisation report, from one read of the metrics.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption import audit, limits
from adoption.errors import Invalid, NotFound
from adoption.locales import N_, Text
from adoption.models import Site
from adoption.privacy import Viewer, group_row
from adoption.scoring.rules import ScoringRules
from pilots.curves import MAX_WEEK
from pilots.measures import CATALOG, COMPARISONS, METRICS, POPULATIONS, threshold_errors
from pilots.models import Target
from pilots.target_progress import progress_of
from pilots.waves import MAX_WAVE

FIELDS = (
    "name",
    "metric",
    "population",
    "population_value",
    "comparison",
    "threshold",
    "deadline_week",
    "deadline_on",
    "notes",
)
NAME_LENGTH = 200
REGION_LENGTH = 100
NOTES_LENGTH = 10_000
POPULATION_WORDS = {"all": N_("every site"), "pilots": N_("the pilot sites")}
ONE_DEADLINE = "Give exactly one of deadline_week and deadline_on."


def target_text(target: dict) -> str:
    """The target as people read it, e.g. 'Proficient share >= 80.0 % by week 8 since go-live
    at the pilot sites'."""
    metric = CATALOG[target["metric"]]
    if target["deadline_week"] is not None:
        deadline = N_("by week %(week)s since go-live", week=target["deadline_week"])
    else:
        deadline = N_("by %(day)s", day=target["deadline_on"].isoformat())
    return N_(
        "%(metric)s %(comparison)s %(threshold)s %(deadline)s at %(where)s",
        metric=Text(metric.label, {}),  # a msgid (pilots.measures), said in the reader's words
        comparison=target["comparison"],
        threshold=metric.shown(target["threshold"]),
        deadline=deadline,
        where=_where(target["population"], target["population_value"]),
    )


WHERE_AGAIN = re.compile(r"the sites of (wave|region) (.+)")


def stored_target_text(item: dict) -> str:
    """A target's `text` as a stored optimisation report keeps it (plain English), made a
    `Text` again from the item's fields (metric, comparison, threshold, deadline_week,
    deadline_on as ISO text) and the population its English names, so a reader in another
    language gets it said; the stored text as it is when it reads otherwise."""
    text = item["text"]
    if isinstance(text, Text):
        return text
    where = text.rpartition(" at ")[2]
    words = {str(word): code for code, word in POPULATION_WORDS.items()}
    found = WHERE_AGAIN.fullmatch(where)
    if where in words:
        population, value = words[where], None
    elif found:
        population, value = found.groups()
    else:
        return text
    deadline_on = item.get("deadline_on")
    again = target_text(
        {
            "metric": item["metric"],
            "comparison": item["comparison"],
            "threshold": item["threshold"],
            "deadline_week": item["deadline_week"],
            "deadline_on": deadline_on and date.fromisoformat(deadline_on),
            "population": population,
            "population_value": value,
        }
    )
    return again if again == text else text


def _where(population: str, value: str | None) -> str:
    """ "every site", "the sites of wave 2": whom a target is about, as `target_text` says it."""
    if population in POPULATION_WORDS:
        return POPULATION_WORDS[population]
    if population == "wave":
        return N_("the sites of wave %(value)s", value=value)
    if population == "region":
        return N_("the sites of region %(value)s", value=value)
    return N_("the sites of %(population)s %(value)s", population=population, value=value)


def target_dict(row: Target) -> dict:
    target = {"id": row.id, **{f: getattr(row, f) for f in FIELDS}}
    metric = CATALOG[row.metric]
    return {
        **target,
        "label": metric.label,
        "unit": metric.unit.name,
        "better": metric.better,
        "text": target_text(target),
        "created_by": row.created_by,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def list_targets(session: Session) -> list[dict]:
    return [target_dict(r) for r in session.scalars(select(Target).order_by(Target.id))]


def get_target(session: Session, target_id: int) -> dict:
    return target_dict(_row(session, target_id))


def add_target(session: Session, values: dict, *, now: datetime, actor: str) -> dict:
    row = Target(**checked_target(session, values), created_by=actor, created_at=now)
    row.updated_at = now
    session.add(row)
    session.flush()
    _audit(session, "target.add", row, now=now, actor=actor)
    return target_dict(row)


def update_target(
    session: Session, target_id: int, values: dict, *, now: datetime, actor: str
) -> dict:
    """The target replaced by `values` (every field; one left out is cleared)."""
    row = _row(session, target_id)
    for field, value in checked_target(session, values).items():
        setattr(row, field, value)
    row.updated_at = now
    session.flush()
    _audit(session, "target.update", row, now=now, actor=actor)
    return target_dict(row)


def remove_target(session: Session, target_id: int, *, now: datetime, actor: str) -> dict:
    row = _row(session, target_id)
    removed = target_dict(row)
    _audit(session, "target.remove", row, now=now, actor=actor)
    session.delete(row)
    session.flush()
    return removed


def target_progress(
    session: Session, target_id: int, *, now: datetime, rules: ScoringRules
) -> dict:
    """The target with its `progress` (`pilots.target_progress`) as of `now`."""
    target = get_target(session, target_id)
    return {**target, "progress": progress_of(session, [target], now=now, rules=rules)[0]}


def targets_overview(
    session: Session, *, now: datetime, rules: ScoringRules, panel: pd.DataFrame | None = None
) -> list[dict]:
    """Every target with its `progress`, by id; the metrics of all of them read once (or taken
    from a page's `panel`)."""
    targets = list_targets(session)
    progress = progress_of(session, targets, now=now, rules=rules, panel=panel)
    return [{**t, "progress": p} for t, p in zip(targets, progress, strict=True)]


def checked_target(session: Session, values: dict) -> dict:
    """The target's stored fields, or Invalid with a message per bad field."""
    errors: dict[str, list[str]] = {k: ["Unknown field."] for k in sorted(set(values) - {*FIELDS})}
    name = values.get("name")
    if not _storable(name) or not 1 <= len(name.strip()) <= NAME_LENGTH:
        errors["name"] = [f"Must be text of 1 to {NAME_LENGTH} characters."]
    for field, allowed in (
        ("metric", METRICS), ("population", POPULATIONS), ("comparison", COMPARISONS)
    ):  # fmt: skip
        if values.get(field) not in allowed:
            errors[field] = [f"Must be one of: {', '.join(allowed)}."]
    if problems := threshold_errors(values.get("metric"), values.get("threshold")):
        errors["threshold"] = problems
    errors |= _population_errors(session, values.get("population"), values.get("population_value"))
    errors |= _deadline_errors(values.get("deadline_week"), values.get("deadline_on"))
    notes = values.get("notes")
    if notes is not None and (not _storable(notes) or len(notes) > NOTES_LENGTH):
        errors["notes"] = [f"Must be text of at most {NOTES_LENGTH} characters."]
    if errors:
        raise Invalid(errors)
    stored = {f: values.get(f) for f in FIELDS}
    stored["name"] = name.strip()
    stored["threshold"] = float(values["threshold"])
    if stored["population"] == "wave":
        stored["population_value"] = str(int(stored["population_value"]))
    elif stored["population"] == "region":
        stored["population_value"] = stored["population_value"].strip()
    return stored


def _population_errors(session: Session, population: object, value: object) -> dict:
    """population_value: a wave number for `wave`, a region some site has for `region`, else
    none."""
    if population in ("all", "pilots") and value is not None:
        return {"population_value": [f"Must be empty for population {population}."]}
    if population == "wave":
        digits = isinstance(value, str) and re.fullmatch(r"[0-9]{1,10}", value.strip())
        number = int(value) if digits else value
        if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= MAX_WAVE:
            return {"population_value": [f"Must be a wave number from 0 to {MAX_WAVE}."]}
    if population == "region":
        if not _storable(value) or not 1 <= len(value.strip()) <= REGION_LENGTH:
            return {"population_value": [f"Must be a region name (1 to {REGION_LENGTH})."]}
        if session.scalar(select(Site.id).where(Site.region == value.strip()).limit(1)) is None:
            return {"population_value": [f"No site is in region {value.strip()!r}."]}
    return {}


def _storable(text: object) -> bool:
    """Text a database stores: no NUL, no lone surrogate."""
    if not isinstance(text, str) or "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _deadline_errors(week: object, day: object) -> dict:
    if (week is None) == (day is None):
        return {"deadline_week": [ONE_DEADLINE], "deadline_on": [ONE_DEADLINE]}
    if week is not None and not limits.Whole(0, MAX_WEEK).holds(week):
        return {"deadline_week": [f"Must be a whole number of weeks from 0 to {MAX_WEEK}."]}
    if day is not None and not (isinstance(day, date) and limits.day_holds(day)):
        return {"deadline_on": [limits.DAY_RULE]}
    return {}


def _row(session: Session, target_id: int) -> Target:
    row = session.get(Target, target_id)
    if row is None:
        raise NotFound(f"No target {target_id}.", {"id": target_id})
    return row


def _audit(session: Session, action: str, row: Target, *, now: datetime, actor: str) -> None:
    details = {f: getattr(row, f) for f in FIELDS}
    details["deadline_on"] = row.deadline_on and row.deadline_on.isoformat()
    audit.record(
        session,
        actor=actor,
        action=action,
        target_type="target",
        target=str(row.id),
        now=now,
        details=details,
    )


SITE_FIGURES = ("value", "projected_value", "status")


def visible_progress(progress: dict, viewer: Viewer, *, min_group: int) -> dict:
    """The progress as `viewer` may see it (docs/privacy.md "Small groups"): a site of fewer
    than `min_group` rostered people has its value, projection and status withheld, and so has
    the overall value when all the valued sites hold fewer people than that together (with one
    small site it would be that site's value)."""
    sites = [
        group_row(viewer, row, size=row["population"], figures=SITE_FIGURES, min_group=min_group)
        for row in progress["sites"]
    ]
    overall = group_row(
        viewer, progress, size=progress["population"], figures=("value",), min_group=min_group
    )
    return {**overall, "sites": sites}

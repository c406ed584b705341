"""The balanced panel a staggered DiD runs on, prepared as R `did` 2.5.1 prepares it.

In order: rows without an outcome are left out (their unit then misses a period); units first
treated after the last period count as never treated; without never-treated units the last
cohort becomes the comparison and the periods from its start are left out; units treated in
the first period are dropped; units missing a period are dropped. Every drop is a caveat.
Malformed input (a missing column, a non-integer period or group, a repeated unit × period)
raises `Invalid`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from adoption.errors import Invalid
from adoption.locales import N_

CONTROLS = ("never", "notyet")
SMALL_GROUP = 5  # R did warns below this many units per group (no covariates)
LISTED = 20  # units named in one caveat


@dataclass
class Prepared:
    control: str
    units: list  # unit ids, sorted; rows of y
    periods: np.ndarray  # sorted periods; columns of y
    y: np.ndarray  # units × periods
    g: np.ndarray  # each unit's group: the first treated period, 0 for never
    groups: list[int]  # the groups that get ATT(g, t)
    caveats: list[str]


def prepare(
    panel: pd.DataFrame,
    *,
    unit: str,
    time: str,
    group: str,
    outcome: str,
    control: str,
    noun: str = "unit",
) -> Prepared:
    if control not in CONTROLS:
        raise Invalid({"control": [f"Must be one of: {', '.join(CONTROLS)}."]})
    frame = _frame(panel, {"unit": unit, "time": time, "group": group, "outcome": outcome})
    caveats: list[str] = []
    observed = frame["y"].notna()
    absent = frame.loc[~frame["unit"].isin(frame.loc[observed, "unit"]), ["unit"]]
    frame = frame[observed]
    if frame["time"].nunique() < 2:
        return _nothing(
            control, caveats, N_("the panel has fewer than two periods with an outcome")
        )
    last = frame["time"].max()
    late = frame["g"] > last
    if late.any():
        caveats.append(
            N_(
                "%(count)s first treated after the last period (%(last)s) count as never "
                "treated: %(names)s.",
                count=_count(frame[late], noun),
                last=last,
                names=_names(frame[late]),
            )
        )
        frame = frame.assign(g=frame["g"].where(~late, 0))
    frame, latest = _without_never_treated(frame, control, None, caveats, noun)
    first = frame["time"].min()
    early = (frame["g"] > 0) & (frame["g"] <= first)
    if early.any():
        caveats.append(
            N_(
                "Dropped %(count)s treated in the first period (%(first)s): %(names)s.",
                count=_count(frame[early], noun),
                first=first,
                names=_names(frame[early]),
            )
        )
        frame = frame[~early]
    frame = _balanced(frame, absent, caveats, noun)
    frame, latest = _without_never_treated(frame, control, latest, caveats, noun)
    if frame.empty or frame["time"].nunique() < 2:
        return _nothing(control, caveats, N_("fewer than two periods are left"))
    wide = frame.pivot(index="unit", columns="time", values="y").sort_index(axis=1)
    g = frame.groupby("unit")["g"].first().reindex(wide.index).to_numpy()
    periods = wide.columns.to_numpy()
    groups = sorted(int(x) for x in set(g) if x > periods[0])
    if control == "notyet" and not (g == 0).any():
        groups = [x for x in groups if x < latest]  # the last cohort is only a comparison
    if not groups:
        return _nothing(control, caveats, N_("no group is treated after the first period"))
    caveats += _small_groups(g, groups, noun)
    return Prepared(control, list(wide.index), periods, wide.to_numpy(float), g, groups, caveats)


def _frame(panel: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """unit, time, g, y from the named columns, checked; a blank group means never treated."""
    missing = {
        option: [f"No column {name!r} in the panel."]
        for option, name in columns.items()
        if name not in panel.columns
    }
    if missing:
        raise Invalid(missing)
    units = panel[columns["unit"]]
    if units.isna().any():
        raise Invalid({"unit": ["Every row needs a unit."]})
    frame = pd.DataFrame(
        {
            "unit": units.to_numpy(),
            "time": _integers(panel[columns["time"]], "time", blank=None),
            "g": _integers(panel[columns["group"]], "group", blank=0),
            "y": _numbers(panel[columns["outcome"]], "outcome"),
        }
    )
    if (frame["g"] < 0).any():
        raise Invalid({"group": ["Must be the first treated period, or 0 or empty for never."]})
    if frame.duplicated(["unit", "time"]).any():
        repeated = frame[frame.duplicated(["unit", "time"])].iloc[0]
        raise Invalid({"time": [f"Unit {repeated['unit']} has period {repeated['time']} twice."]})
    if (frame.groupby("unit")["g"].nunique() > 1).any():
        raise Invalid({"group": ["Each unit needs one group in all of its rows."]})
    return frame


def _numbers(column: pd.Series, option: str) -> pd.Series:
    values = pd.to_numeric(column, errors="coerce")
    text = column.astype("string").str.strip()
    if (values.isna() & column.notna() & (text != "")).any():
        raise Invalid({option: ["Must be a number (or empty where missing)."]})
    return values.astype(float)


def _integers(column: pd.Series, option: str, *, blank: int | None) -> pd.Series:
    values = _numbers(column, option)
    if blank is not None:
        values = values.fillna(blank)
    elif values.isna().any():
        raise Invalid({option: ["Every row needs an integer period."]})
    if not np.isfinite(values).all() or (values % 1 != 0).any():
        raise Invalid({option: ["Must be whole numbers."]})
    return values.astype(np.int64)


def _without_never_treated(frame, control, latest, caveats, noun):
    """R did without never-treated units: the last cohort becomes the comparison group."""
    if (
        frame.empty
        or (frame["g"] == 0).any()
        or (latest is not None and frame["g"].max() >= latest)
    ):
        return frame, latest
    latest = int(frame["g"].max())
    frame = frame[frame["time"] < latest]
    values = {"nouns": _plural(noun), "latest": latest}
    if control == "never":
        frame = frame.assign(g=frame["g"].where(frame["g"] != latest, 0))
        caveats.append(
            N_(
                "No never-treated %(nouns)s: those first treated in period %(latest)s count as "
                "never treated, and periods from %(latest)s on are left out.",
                **values,
            )
        )
    else:
        caveats.append(
            N_(
                "No never-treated %(nouns)s: those first treated in period %(latest)s serve only "
                "as not-yet-treated comparisons, and periods from %(latest)s on are left out.",
                **values,
            )
        )
    return frame, latest


def _balanced(frame, absent, caveats, noun) -> pd.DataFrame:
    """Units seen in every period; `absent` units (no outcome at all) are listed with the rest."""
    seen = frame.groupby("unit")["time"].transform("nunique")
    gaps = seen < frame["time"].nunique()
    dropped = pd.concat([frame.loc[gaps, ["unit"]], absent])
    if not dropped.empty:
        caveats.append(
            N_(
                "Dropped %(count)s missing a period or an outcome: %(names)s.",
                count=_count(dropped, noun),
                names=_names(dropped),
            )
        )
    return frame[~gaps]


def _small_groups(g: np.ndarray, groups: list[int], noun: str) -> list[str]:
    sizes = {x: int((g == x).sum()) for x in [0, *groups]}
    small = [
        N_("never treated (%(n)s)", n=n) if x == 0 else N_("group %(g)s (%(n)s)", g=x, n=n)
        for x, n in sizes.items()
        if 0 < n < SMALL_GROUP
    ]
    if not small:
        return []
    listed = small[0]
    for more in small[1:]:
        listed = N_("%(first)s, %(next)s", first=listed, next=more)
    return [
        N_(
            "Small groups (fewer than %(n)s %(nouns)s): %(groups)s.",
            n=SMALL_GROUP,
            nouns=_plural(noun),
            groups=listed,
        )
    ]


def _nothing(control: str, caveats: list[str], why: str) -> Prepared:
    caveats.append(N_("Nothing to estimate: %(why)s.", why=why))
    return Prepared(control, [], np.empty(0), np.empty((0, 0)), np.empty(0), [], caveats)


def _count(rows: pd.DataFrame, noun: str) -> str:
    """ "1 site", "3 units": the count of `rows`' units with `noun` ("site" or "unit")."""
    n = rows["unit"].nunique()
    if noun == "site":
        return N_("%(n)s site", n=n) if n == 1 else N_("%(n)s sites", n=n)
    if noun == "unit":
        return N_("%(n)s unit", n=n) if n == 1 else N_("%(n)s units", n=n)
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _plural(noun: str) -> str:
    return {"site": N_("sites"), "unit": N_("units")}.get(noun, f"{noun}s")


def _names(rows: pd.DataFrame) -> str:
    units = [str(u) for u in pd.Series(rows["unit"].unique()).sort_values()]
    more = len(units) - LISTED
    if more > 0:
        return N_("%(names)s and %(more)s more", names=", ".join(units[:LISTED]), more=more)
    return ", ".join(units)

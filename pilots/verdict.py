"""The pilot comparison's verdict in words, generated from the effect at each week and its
caveats: "Pilot stores are ahead by 14 pp in week 1 (95 % CI 3 to 26, 3 vs 37 stores); from
week 2 on there is no detectable difference."

A week is *ahead* when the whole 95 % permutation interval (`perm_ci_low`, `perm_ci_high`: the
one that keeps its promise with few stores, `pilots.comparison`) is above zero, *behind* when it
is below, and *no detectable difference* when it holds zero or has no bound (too few stores to
rule anything out). For a metric where less is better (error rate, days to first use) "ahead"
means lower. Consecutive weeks of the same kind make one clause; the last clause always names
the latest week's figures, so a reader sees where things stand now.

Every phrase is a msgid marked with `N_` and filled by the caller's `gettext`, so the pages and
the report give the verdict in the reader's language; the domain itself stays free of Flask.
Clauses are lower case, joined by semicolons (`CLAUSES`); the sentence's first letter is raised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

FEW_SITES = 5  # DESIGN.md: a side with fewer than 5 sites is a caveat
LOWER_IS_BETTER = frozenset({"error_rate", "time_to_first_use", "time_to_proficiency"})


def N_(message: str) -> str:
    """Marks a msgid for extraction (pybabel -k N_); translated when the sentence is built."""
    return message


AHEAD = N_("pilot stores are ahead by %(size)s in week %(week)s (%(evidence)s)")
BEHIND = N_("pilot stores are behind by %(size)s in week %(week)s (%(evidence)s)")
AHEAD_RUN = N_(
    "pilot stores are ahead in weeks %(first)s–%(last)s, by %(size_first)s in week %(first)s "
    "and %(size_last)s in week %(last)s (%(evidence)s)"
)
BEHIND_RUN = N_(
    "pilot stores are behind in weeks %(first)s–%(last)s, by %(size_first)s in week "
    "%(first)s and %(size_last)s in week %(last)s (%(evidence)s)"
)
NONE_FROM_NOW = N_("from week %(first)s on there is no detectable difference (%(latest)s)")
NONE_RUN = N_("in weeks %(first)s–%(last)s there is no detectable difference")
NONE_WEEK = N_("in week %(first)s there is no detectable difference")
NONE_YET = N_("there is no detectable difference yet between pilot and other stores (%(latest)s)")
NO_DATA = N_("No week since go-live has stores on both sides yet, so there is no verdict.")
EVIDENCE = N_("95 %% CI %(low)s to %(high)s, %(pilot)s vs %(control)s stores")
EVIDENCE_OPEN = N_("%(pilot)s vs %(control)s stores: too few to rule out any difference at 95 %%")
LATEST = N_("week %(week)s: %(estimate)s, %(evidence)s")
FEW = N_(
    "With %(pilot)s pilot stores only a large difference can be told from chance; the "
    "interval used holds its 95 %% promise with this few stores."
)
MISSING = N_("Only %(control)s of %(total)s other stores have reached week %(week)s yet.")
POINTS = N_("%(value)s points")
DAYS = N_("%(value)s days")
PP = N_("%(value)s pp")
SENTENCE = N_("%(clauses)s.")  # the findings, one clause after another
CLAUSES = N_("; ")  # what joins two clauses


@dataclass(frozen=True)
class Week:
    week: int
    kind: str  # ahead, behind, none
    row: dict


def verdict_sentences(
    effects: list[dict],
    *,
    metric: str,
    unit: str,
    control_sites: int | None = None,
    gettext: Callable[[str], str] = lambda s: s,
) -> list[str]:
    """The verdict as sentences, from `effect_series` rows (week, estimate, perm_ci_low,
    perm_ci_high, n_pilot, n_control): the findings first, then caveats.

    `control_sites`: how many non-pilot stores have a go-live, to say when the latest week
    rests on fewer of them; `gettext` translates each phrase before it is filled."""
    rows = [r for r in effects if r["estimate"] is not None]
    weeks = [Week(int(r["week"]), _kind(r, metric), r) for r in rows]
    if not weeks:
        return [gettext(NO_DATA)]
    fill = _Filler(unit, gettext)
    runs: list[list[Week]] = []
    for week in weeks:
        before = runs[-1][-1] if runs else None
        # a run goes on over a week without data only when it found no difference either side
        if (
            before
            and before.kind == week.kind
            and (before.week == week.week - 1 or week.kind == "none")
        ):
            runs[-1].append(week)
        else:
            runs.append([week])
    clauses = [fill.clause(run, last=run is runs[-1], only=len(runs) == 1) for run in runs]
    sentences = [gettext(SENTENCE) % {"clauses": _capitalised(gettext(CLAUSES).join(clauses))}]
    latest = weeks[-1].row
    if latest["n_pilot"] < FEW_SITES:
        sentences.append(gettext(FEW) % {"pilot": latest["n_pilot"]})
    if control_sites and latest["n_control"] < control_sites:
        sentences.append(
            gettext(MISSING)
            % {"control": latest["n_control"], "total": control_sites, "week": weeks[-1].week}
        )
    return sentences


def _kind(row: dict, metric: str) -> str:
    low, high = row.get("perm_ci_low"), row.get("perm_ci_high")
    if low is not None and low > 0:
        better = metric not in LOWER_IS_BETTER
    elif high is not None and high < 0:
        better = metric in LOWER_IS_BETTER
    else:
        return "none"
    return "ahead" if better else "behind"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Filler:
    """Numbers in the metric's unit and the phrases filled with them."""

    def __init__(self, unit: str, gettext: Callable[[str], str]):
        self.unit, self._ = unit, gettext

    def scaled(self, value: float) -> float:
        return value * 100 if self.unit == "fraction" else value

    def number(self, value: float, signed: bool = False, digits: int | None = None) -> str:
        """Whole numbers from 10 up, one decimal below (or `digits`), with a true minus."""
        scaled = self.scaled(value)
        if digits is None:
            digits = 0 if abs(scaled) >= 10 else 1
        text = f"{scaled:+.{digits}f}" if signed else f"{scaled:.{digits}f}"
        return text.replace("-", "−")

    def size(self, value: float, signed: bool = False) -> str:
        number = self.number(value if signed else abs(value), signed)
        if self.unit == "fraction":
            return self._(PP) % {"value": number}
        if self.unit == "days":
            return self._(DAYS) % {"value": number}
        return self._(POINTS) % {"value": number}

    def evidence(self, row: dict) -> str:
        counts = {"pilot": row["n_pilot"], "control": row["n_control"]}
        if row.get("perm_ci_low") is None or row.get("perm_ci_high") is None:
            return self._(EVIDENCE_OPEN) % counts
        bounds = row["perm_ci_low"], row["perm_ci_high"]
        digits = 0 if max(abs(self.scaled(b)) for b in bounds) >= 10 else 1  # alike, both ends
        low, high = (self.number(b, signed=bounds[0] < 0, digits=digits) for b in bounds)
        return self._(EVIDENCE) % {"low": low, "high": high, **counts}

    def latest(self, row: dict) -> str:
        return self._(LATEST) % {
            "week": row["week"],
            "estimate": self.size(row["estimate"], signed=True),
            "evidence": self.evidence(row),
        }

    def clause(self, run: list[Week], *, last: bool, only: bool) -> str:
        """One run of weeks of the same kind; the last run names the latest week's figures."""
        first, end = run[0], run[-1]
        if first.kind == "none":
            values = {"first": first.week, "last": end.week, "latest": self.latest(end.row)}
            if last:
                return self._(NONE_YET if only else NONE_FROM_NOW) % values
            return self._(NONE_WEEK if first is end else NONE_RUN) % values
        if first is end:
            template = AHEAD if first.kind == "ahead" else BEHIND
            return self._(template) % {
                "size": self.size(first.row["estimate"]),
                "week": first.week,
                "evidence": self.evidence(first.row),
            }
        template = AHEAD_RUN if first.kind == "ahead" else BEHIND_RUN
        return self._(template) % {
            "first": first.week,
            "last": end.week,
            "size_first": self.size(first.row["estimate"]),
            "size_last": self.size(end.row["estimate"]),
            "evidence": self.evidence(end.row),
        }

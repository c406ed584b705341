"""HR's wording of a champion month: codes with names, the month's readiness to close, and the
stored reasons and rules version in plain language.

The champions object (`rewards.champions.review.month_review`) speaks in codes and rule
sentences (`rewards.champions.rules`), which the JSON API and the exports keep as they are. The
page shows them to HR as follows:

- A site is "S001 · Downtown" and a person "E00017 · Thomas Taylor" (the code alone when the
  name is unknown, e.g. a site deleted since a month was closed).
- Readiness reuses `month_status`'s verdict (`can_close`, `running_sites`) and only words it:
  "Ready to close"; "Not ready: N of M stores are still in the month (their last day ends at
  …)", the end being midnight after the month's last local day in each waiting store's time
  zone; "Closed by X on D (version N)".
- A rank reason is reworded sentence by sentence from the forms `rewards.champions.rules`
  writes (a winner's figures and lead, a tie and what broke it, the condition nobody met); the
  runner-up is named beside its code. A reason in no known form is shown as stored.
- The rules version `champions-1/scoring-1/ineligible=manager` reads "Champion rules 1, scoring
  rules 1; not eligible: manager".

Every sentence is a catalog message (`gettext`/`ngettext`), so the page reads in the request's
language; instants are written by `api.i18n.when`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import ngettext

from api import i18n
from api.i18n import N_
from api.web.render import level_label

SEP = " · "
NamesOf = Callable[[str], str]  # a code → "code · name"


def labelled(code: str | None, name: str | None) -> str:
    """'S001 · Downtown'; the code alone without a name; '' without a code."""
    if not code:
        return ""
    return f"{code}{SEP}{name}" if name else code


def points(count: int) -> str:
    return ngettext("%(num)d point", "%(num)d points", count)


def days(count: int) -> str:
    return ngettext("%(num)d day", "%(num)d days", count)


@dataclass(frozen=True)
class Readiness:
    """The status line at the top of a month: `state` is closed, ready or waiting; `text` the
    sentence; `waiting` the labelled stores whose last day of the month has not ended."""

    state: str
    text: str
    waiting: list[str]


def readiness(data, sites: Mapping[str, tuple[str, str]]) -> Readiness:
    """`data` is the month's review (status, closed_*, version, can_close, running_sites);
    `sites` maps each site code to (name, time zone)."""
    if data.status == "closed":
        text = _(
            "Closed by %(name)s on %(when)s (version %(version)s)",
            name=data.closed_by,
            when=i18n.when(data.closed_at),
            version=data.version,
        )
        return Readiness("closed", text, [])
    if data.can_close:
        return Readiness("ready", _("Ready to close"), [])
    running = data.running_sites
    waiting = [labelled(code, sites[code][0]) if code in sites else code for code in running]
    zones = sorted({sites[code][1] if code in sites else "UTC" for code in running})
    ends = _day_ends(data.month, zones)
    if not sites:  # no site yet: UTC decides (periods.running_sites)
        text = _(
            "Not ready: %(month)s has not ended yet (it ends at %(ends)s)",
            month=data.month,
            ends=ends,
        )
        return Readiness("waiting", text, [])
    text = ngettext(
        "Not ready: %(num)d of %(stores)s is still in the month (its last day ends at %(ends)s)",
        "Not ready: %(num)d of %(stores)s are still in the month (their last day ends at %(ends)s)",
        len(running),
        stores=ngettext("%(num)d store", "%(num)d stores", len(sites)),
        ends=ends,
    )
    return Readiness("waiting", text, waiting)


def _day_ends(month: str, zones: Iterable[str]) -> str:
    """When the month's last local day ends in the zones, earliest first, zones ending at the
    same instant together, e.g. '2027-01-01 00:00 UTC (midnight in Europe/Lisbon,
    Europe/London)'."""
    year, number = (int(part) for part in month.split("-"))
    following = date(year + number // 12, number % 12 + 1, 1)
    ends: dict[datetime, list[str]] = {}
    for zone in sorted(zones):
        end = datetime.combine(following, time(), ZoneInfo(zone)).astimezone(UTC)
        ends.setdefault(end, []).append(zone)
    texts = [
        _("%(when)s (midnight in %(zones)s)", when=i18n.when(end), zones=", ".join(ends[end]))
        for end in sorted(ends)
    ]
    if len(texts) == 1:
        return texts[0]
    return _("%(first)s and %(last)s", first=", ".join(texts[:-1]), last=texts[-1])


RULES_VERSION = re.compile(r"champions-(?P<c>[^/]+)/scoring-(?P<s>[^/]+)/ineligible=(?P<r>.*)")


def plain_rules(version: str | None) -> str:
    """The rules version of `rewards.champions.months.rules_version`, in words."""
    match = RULES_VERSION.fullmatch(version or "")
    if match is None:
        return _("Rules %(version)s", version=version) if version else ""
    roles = ", ".join(r for r in match["r"].split(",") if r)
    who = _("not eligible: %(roles)s", roles=roles) if roles else _("every role is eligible")
    return _(
        "Champion rules %(champions)s, scoring rules %(scoring)s; %(who)s",
        champions=match["c"],
        scoring=match["s"],
        who=who,
    )


RUNNER_UP = re.compile(r"(?:ahead of|with) (\S+?)(?: by |; )")
WINNER = re.compile(
    r"(?P<points>-?\d+) points?, (?P<days>\d+) active days?, (?P<level>[^();]+?)"
    r" \(score (?P<score>[\d.]+)\); (?P<tail>.+)"
)
AHEAD = re.compile(r"ahead of (?P<who>\S+) by (?P<gap>\d+) points?")
TIED = re.compile(r"tied on (?P<tied>[^;]+) with (?P<who>\S+); (?P<why>.+)")
TIE_BREAKS = (
    (re.compile(r"higher score (?P<a>\S+) vs (?P<b>\S+)"), N_("won on the higher score")),
    (re.compile(r"more active days (?P<a>\d+) vs (?P<b>\d+)"), N_("won on more active days")),
    (
        re.compile(r"earlier last points at \S+ (?P<a>\S+) vs (?P<b>\S+)"),
        N_("won by earning their last points at this store earlier"),
    ),
    (
        re.compile(r"user id (?P<a>\S+) before (?P<b>\S+)"),
        N_("tied on everything, so the lower employee code goes first"),
    ),
)
NOBODY = re.compile(
    r"Nobody eligible: nobody met “(?P<label>.+)” \((?P<n>\d+) employees? met the conditions "
    r"before it(?:; (?P<hint>.+))?\)\."
)
NO_STAFF = re.compile(r"Nobody eligible: no employee has \S+ as home site\.")


def mentioned(reasons: Iterable[str | None]) -> set[str]:
    """The employee codes the reasons name besides the winner (the runner-up)."""
    return {code for text in reasons if text for code in RUNNER_UP.findall(text)}


def plain_reason(text: str | None, names_of: NamesOf) -> str:
    """A rank reason as HR reads it (see the module docstring); '' for none."""
    if not text:
        return ""
    if NO_STAFF.fullmatch(text):
        return _("No champion: no employee has this store as home store.")
    if match := NOBODY.fullmatch(text):
        return _unmet(match["label"], int(match["n"]), match["hint"])
    if match := WINNER.fullmatch(text):
        tail = _lead(match["tail"], names_of)
        if not tail:
            return text
        return _(
            "%(points)s at this store, active on %(days)s, %(level)s (score %(score)s); %(lead)s.",
            points=points(int(match["points"])),
            days=days(int(match["days"])),
            level=_level(match["level"]),
            score=match["score"],
            lead=tail,
        )
    return text


def _level(level: str) -> str:
    return level_label(level)  # the pages' one table of level names


def _lead(tail: str, names_of: NamesOf) -> str | None:
    """How the winner beat the runner-up; None for a form this does not know."""
    if tail == "the only eligible employee":
        return _("the only employee who met every condition")
    if match := AHEAD.fullmatch(tail):
        return _(
            "%(gap)s ahead of the runner-up, %(who)s",
            gap=points(int(match["gap"])),
            who=names_of(match["who"]),
        )
    match = TIED.fullmatch(tail)
    if match is None:
        return None
    for pattern, said in TIE_BREAKS:
        if step := pattern.fullmatch(match["why"]):
            return _(
                "tied with %(who)s on %(tied)s; %(how)s (%(a)s vs %(b)s)",
                who=names_of(match["who"]),
                tied=match["tied"],
                how=_(said),
                a=_moment(step["a"]),
                b=_moment(step["b"]),
            )
    return None


def _moment(value: str) -> str:
    """'2026-10-14T09:00:00Z' → '2026-10-14 09:00 UTC' (`api.i18n.when`); else unchanged."""
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value):
        return value
    return i18n.when(datetime.fromisoformat(value.replace("Z", "+00:00")))


UNMET = (  # the condition's label → (one employee left, several left)
    (
        r"rostered",
        N_("the only employee based here is not on the HR roster"),
        N_("none of the %(n)s employees based here is on the HR roster"),
    ),
    (
        r"employed on (?P<x>\S+)",
        N_("the only employee on the HR roster was not employed on %(x)s"),
        N_("none of the %(n)s employees on the HR roster was employed on %(x)s"),
    ),
    (
        r"a role other than (?P<x>.+)",
        N_(
            "the only employee on the roster and employed at month end holds a role that may "
            "not be champion (%(x)s)"
        ),
        N_(
            "all %(n)s employees on the roster and employed at month end hold a role that may "
            "not be champion (%(x)s)"
        ),
    ),
    (
        r"≥ (?P<x>\d+) active days in (?P<y>\S+)",
        N_(
            "the only employee who could be champion used the system on fewer than %(x)s days "
            "in %(y)s"
        ),
        N_(
            "none of the %(n)s employees who could be champion used the system on %(x)s days or "
            "more in %(y)s"
        ),
    ),
    (
        r"Proficient or above on (?P<x>\S+)",
        N_("the only employee with enough active days was not Proficient or above on %(x)s"),
        N_("none of the %(n)s employees with enough active days was Proficient or above on %(x)s"),
    ),
)


def _unmet(label: str, count: int, hint: str | None) -> str:
    """The condition nobody met, with how many were still in the running and the best of them.
    (One message per count kind rather than ngettext: the sentences differ beyond the noun.)"""
    for pattern, one, many in UNMET:
        if match := re.fullmatch(pattern, label):
            sentence = _(one if count == 1 else many, n=count, **match.groupdict())
            return _("No champion: %(why)s%(best)s.", why=sentence, best=_best(hint))
    return _(
        "No champion: nobody met the condition “%(label)s” (%(pool)s met those before it).",
        label=label,
        pool=ngettext("%(num)d employee", "%(num)d employees", count),
    )


def _best(hint: str | None) -> str:
    """'most active days: 3' → ' (the most was 3 days)'; 'best: Competent (score 61.20)' →
    ' (the best was Competent, score 61.20)'."""
    if not hint:
        return ""
    if match := re.fullmatch(r"most active days: (\d+)", hint):
        return _(" (the most was %(days)s)", days=days(int(match[1])))
    if match := re.fullmatch(r"best: ([^()]+?)(?: \(score ([\d.]+)\))?", hint):
        if match[2]:
            return _(
                " (the best was %(level)s, score %(score)s)", level=_level(match[1]), score=match[2]
            )
        return _(" (the best was %(level)s)", level=_level(match[1]))
    return f" ({hint})"


def employees_of(entries: Iterable[dict], names: Mapping[str, str]) -> NamesOf:
    """'E00017 · Thomas Taylor' for a code: the name an entry gives it (as frozen), else the
    current name in `names`, else the code alone."""
    known = {e["user_id"]: e["display_name"] for e in entries if e.get("user_id")}
    return lambda code: labelled(code, known.get(code) or names.get(code))

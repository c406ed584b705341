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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

SEP = " · "
NamesOf = Callable[[str], str]  # a code → "code · name"


def labelled(code: str | None, name: str | None) -> str:
    """'S001 · Downtown'; the code alone without a name; '' without a code."""
    if not code:
        return ""
    return f"{code}{SEP}{name}" if name else code


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


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
        when = data.closed_at.strftime("%Y-%m-%d %H:%M UTC") if data.closed_at else "—"
        text = f"Closed by {data.closed_by} on {when} (version {data.version})"
        return Readiness("closed", text, [])
    if data.can_close:
        return Readiness("ready", "Ready to close", [])
    running = data.running_sites
    waiting = [labelled(code, sites[code][0]) if code in sites else code for code in running]
    zones = sorted({sites[code][1] if code in sites else "UTC" for code in running})
    ends = _day_ends(data.month, zones)
    if not sites:  # no site yet: UTC decides (periods.running_sites)
        return Readiness(
            "waiting", f"Not ready: {data.month} has not ended yet (it ends at {ends})", []
        )
    count = len(running)
    verb, its = ("is", "its") if count == 1 else ("are", "their")
    text = (
        f"Not ready: {count} of {plural(len(sites), 'store')} {verb} still in the month "
        f"({its} last day ends at {ends})"
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
        f"{end:%Y-%m-%d %H:%M} UTC (midnight in {', '.join(ends[end])})" for end in sorted(ends)
    ]
    return texts[0] if len(texts) == 1 else f"{', '.join(texts[:-1])} and {texts[-1]}"


RULES_VERSION = re.compile(r"champions-(?P<c>[^/]+)/scoring-(?P<s>[^/]+)/ineligible=(?P<r>.*)")


def plain_rules(version: str | None) -> str:
    """The rules version of `rewards.champions.months.rules_version`, in words."""
    match = RULES_VERSION.fullmatch(version or "")
    if match is None:
        return f"Rules {version}" if version else ""
    roles = ", ".join(r for r in match["r"].split(",") if r)
    who = f"not eligible: {roles}" if roles else "every role is eligible"
    return f"Champion rules {match['c']}, scoring rules {match['s']}; {who}"


RUNNER_UP = re.compile(r"(?:ahead of|with) (\S+?)(?: by |; )")
WINNER = re.compile(
    r"(?P<points>-?\d+) points?, (?P<days>\d+) active days?, (?P<level>[^();]+?)"
    r" \(score (?P<score>[\d.]+)\); (?P<tail>.+)"
)
AHEAD = re.compile(r"ahead of (?P<who>\S+) by (?P<gap>\d+) points?")
TIED = re.compile(r"tied on (?P<tied>[^;]+) with (?P<who>\S+); (?P<why>.+)")
TIE_BREAKS = (
    (re.compile(r"higher score (?P<a>\S+) vs (?P<b>\S+)"), "won on the higher score"),
    (re.compile(r"more active days (?P<a>\d+) vs (?P<b>\d+)"), "won on more active days"),
    (
        re.compile(r"earlier last points at \S+ (?P<a>\S+) vs (?P<b>\S+)"),
        "won by earning their last points at this store earlier",
    ),
    (
        re.compile(r"user id (?P<a>\S+) before (?P<b>\S+)"),
        "tied on everything, so the lower employee code goes first",
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
        return "No champion: no employee has this store as home store."
    if match := NOBODY.fullmatch(text):
        return _unmet(match["label"], int(match["n"]), match["hint"])
    if match := WINNER.fullmatch(text):
        head = (
            f"{plural(int(match['points']), 'point')} at this store, active on "
            f"{plural(int(match['days']), 'day')}, {match['level']} (score {match['score']})"
        )
        tail = _lead(match["tail"], names_of)
        return f"{head}; {tail}." if tail else text
    return text


def _lead(tail: str, names_of: NamesOf) -> str | None:
    """How the winner beat the runner-up; None for a form this does not know."""
    if tail == "the only eligible employee":
        return "the only employee who met every condition"
    if match := AHEAD.fullmatch(tail):
        gap = plural(int(match["gap"]), "point")
        return f"{gap} ahead of the runner-up, {names_of(match['who'])}"
    match = TIED.fullmatch(tail)
    if match is None:
        return None
    for pattern, said in TIE_BREAKS:
        if step := pattern.fullmatch(match["why"]):
            a, b = _moment(step["a"]), _moment(step["b"])
            return f"tied with {names_of(match['who'])} on {match['tied']}; {said} ({a} vs {b})"
    return None


def _moment(value: str) -> str:
    """'2026-10-14T09:00:00Z' → '2026-10-14 09:00 UTC'; anything else unchanged."""
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value):
        return value
    return f"{value[:10]} {value[11:16]} UTC"


UNMET = (  # the condition's label → (one employee left, several left)
    (
        r"rostered",
        "the only employee based here is not on the HR roster",
        "none of the {n} employees based here is on the HR roster",
    ),
    (
        r"employed on (?P<x>\S+)",
        "the only employee on the HR roster was not employed on {x}",
        "none of the {n} employees on the HR roster was employed on {x}",
    ),
    (
        r"a role other than (?P<x>.+)",
        "the only employee on the roster and employed at month end holds a role that may not "
        "be champion ({x})",
        "all {n} employees on the roster and employed at month end hold a role that may not "
        "be champion ({x})",
    ),
    (
        r"≥ (?P<x>\d+) active days in (?P<y>\S+)",
        "the only employee who could be champion used the system on fewer than {x} days in {y}",
        "none of the {n} employees who could be champion used the system on {x} days or more "
        "in {y}",
    ),
    (
        r"Proficient or above on (?P<x>\S+)",
        "the only employee with enough active days was not Proficient or above on {x}",
        "none of the {n} employees with enough active days was Proficient or above on {x}",
    ),
)


def _unmet(label: str, count: int, hint: str | None) -> str:
    """The condition nobody met, with how many were still in the running and the best of them."""
    for pattern, one, many in UNMET:
        if match := re.fullmatch(pattern, label):
            sentence = (one if count == 1 else many).format(n=count, **match.groupdict())
            return f"No champion: {sentence}{_best(hint)}."
    pool = plural(count, "employee")
    return f"No champion: nobody met the condition “{label}” ({pool} met those before it)."


def _best(hint: str | None) -> str:
    """'most active days: 3' → ' (the most was 3 days)'; 'best: Competent (score 61.20)' →
    ' (the best was Competent, score 61.20)'."""
    if not hint:
        return ""
    if match := re.fullmatch(r"most active days: (\d+)", hint):
        return f" (the most was {plural(int(match[1]), 'day')})"
    if match := re.fullmatch(r"best: ([^()]+?)(?: \(score ([\d.]+)\))?", hint):
        score = f", score {match[2]}" if match[2] else ""
        return f" (the best was {match[1]}{score})"
    return f" ({hint})"


def employees_of(entries: Iterable[dict], names: Mapping[str, str]) -> NamesOf:
    """'E00017 · Thomas Taylor' for a code: the name an entry gives it (as frozen), else the
    current name in `names`, else the code alone."""
    known = {e["user_id"]: e["display_name"] for e in entries if e.get("user_id")}
    return lambda code: labelled(code, known.get(code) or names.get(code))

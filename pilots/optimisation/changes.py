"""What changed since the previous optimisation report (PDCA: check the last cycle's actions):
target statuses, adoption, the error hot spots, unused modules and how many people need help.

Both reports are the stored JSON (`pilots.optimisation.optimisation_report`), so a report is
compared with what the previous one said at the time, not with today's view of its period.
"""

from __future__ import annotations

from pilots.optimisation.advice import HIGH_ERROR_RATE

SAME = 0.01  # a rate that moved by less than 1 pp has not changed
FIGURES = ("adoption_rate", "proficient_share", "mean_proficiency")
HOTSPOT_ORDER = ("worse", "new", "unchanged", "better", "resolved", "not_measured")


def since(before: dict | None, now: dict) -> dict | None:
    """The changes from report `before` to report `now`; None without a previous report."""
    if before is None:
        return None
    return {
        "previous": {
            "from": before["period"]["from"],
            "to": before["period"]["to"],
            "generated_at": before["generated_at"],
        },
        "targets": targets(before["targets"]["items"], now["targets"]["items"]),
        "adoption": adoption(before["adoption"], now["adoption"]),
        "hotspots": hotspots(before["hotspots"]["items"], now["hotspots"]["items"]),
        "unused_modules": modules(
            before["unused_modules"]["items"], now["unused_modules"]["items"]
        ),
        "help": help_counts(before["help"]["overall"], now["help"]["overall"]),
    }


def difference(before: float | None, now: float | None) -> float | None:
    return None if before is None or now is None else now - before


def targets(before: list[dict], now: list[dict]) -> list[dict]:
    """Each target of either report with its status then and now (None where it was not set)."""
    then = {t["id"]: t for t in before}
    current = {t["id"]: t for t in now}
    rows = []
    for target_id in sorted(then.keys() | current.keys()):
        old, new = then.get(target_id), current.get(target_id)
        rows.append(
            {
                "id": target_id,
                "name": (new or old)["name"],
                "before": old and old["status"],
                "now": new and new["status"],
                "changed": (old and old["status"]) != (new and new["status"]),
            }
        )
    return rows


def adoption(before: dict, now: dict) -> list[dict]:
    """The chain's figures, then each wave's that both reports have, before and now."""
    rows = [_compare(None, before["chain"], now["chain"])]
    then = {w["wave"]: w for w in before["waves"]}
    rows += [_compare(w["wave"], then[w["wave"]], w) for w in now["waves"] if w["wave"] in then]
    return rows


def _compare(wave: int | None, before: dict, now: dict) -> dict:
    return {
        "wave": wave,
        "before": {f: before[f] for f in FIGURES},
        "now": {f: now[f] for f in FIGURES},
        "change": {f: difference(before[f], now[f]) for f in FIGURES},
    }


def hotspots(before: list[dict], now: list[dict]) -> list[dict]:
    """Features that are or were hot spots (error rate ≥ `HIGH_ERROR_RATE`): new, resolved
    (now below it), not measured (under the minimum of attempts now), better or worse (by
    1 pp or more) or unchanged; worst first."""
    then = {h["action"]: h for h in before}
    current = {h["action"]: h for h in now}
    rows = []
    for action in then.keys() | current.keys():
        old, new = then.get(action), current.get(action)
        rate_then = old["error_rate"] if old else None
        rate_now = new["error_rate"] if new else None
        status = _hotspot_status(rate_then, rate_now)
        if status:
            rows.append(
                {
                    "action": action,
                    "title": (new or old)["title"],
                    "titles": (new or old).get("titles", {}),
                    "status": status,
                    "before": rate_then,
                    "now": rate_now,
                    "change": difference(rate_then, rate_now),
                }
            )
    rows.sort(key=lambda r: (HOTSPOT_ORDER.index(r["status"]), -(r["now"] or 0), r["action"]))
    return rows


def _hotspot_status(before: float | None, now: float | None) -> str | None:
    hot_then = before is not None and before >= HIGH_ERROR_RATE
    hot_now = now is not None and now >= HIGH_ERROR_RATE
    if hot_now and not hot_then:
        return "new"
    if hot_then and now is None:
        return "not_measured"
    if hot_then and not hot_now:
        return "resolved"
    if not hot_now:
        return None
    if now - before >= SAME:
        return "worse"
    return "better" if before - now >= SAME else "unchanged"


def modules(before: list[dict], now: list[dict]) -> dict:
    """Unused or rarely used modules: newly listed, still listed, no longer listed."""
    then = {m["module"] for m in before}
    current = {m["module"] for m in now}
    return {
        "new": sorted(current - then),
        "still": sorted(current & then),
        "no_longer": sorted(then - current),
    }


def help_counts(before: dict, now: dict) -> dict:
    """Overall counts of each coaching group and the team, before and now (None: withheld)."""
    groups = {
        group: {
            "before": before["counts"][group],
            "now": n,
            "change": difference(before["counts"][group], n),
        }
        for group, n in now["counts"].items()
    }
    return {"team": {"before": before["team"], "now": now["team"]}, "groups": groups}

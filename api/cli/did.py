"""`uptake pilots did`: the staggered DiD on any unit × period panel file (needs no database),
or with `--from-db` on the stored data: GET /api/v1/pilots/did run by the API's handler
(`api.cli.operator`).

JSON output is the API's JSON: the same estimator, the same schema.
"""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from adoption.errors import Invalid
from api.cli.context import format_option, pass_ctx, render
from api.cli.operator import call
from api.schemas.did import MAX_SEED, DidSchema
from pilots.did.estimator import CONTROLS, staggered_did

CSV_SUFFIXES = {".csv": ",", ".tsv": "\t", ".txt": ","}
PARQUET_SUFFIXES = {".parquet", ".pq"}


def read_panel(path: Path) -> pd.DataFrame:
    """A CSV (or TSV) or Parquet file as a frame; an unreadable file raises Invalid."""
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES and suffix not in PARQUET_SUFFIXES:
        raise Invalid({"panel": [f"Unsupported file type {path.suffix!r}: use .csv or .parquet."]})
    try:
        if suffix in PARQUET_SUFFIXES:
            return pd.read_parquet(path)
        return pd.read_csv(path, sep=CSV_SUFFIXES[suffix], encoding="utf-8-sig")
    except (ValueError, OSError) as exc:  # pandas' and pyarrow's parse errors are ValueErrors
        raise Invalid({"panel": [f"Cannot read {path.name}: {exc}"]}) from exc


@click.command("did")
@click.option(
    "--from-db",
    is_flag=True,
    help="The stored data: each live site's weekly metric (GET /pilots/did); no panel file.",
)
@click.option(
    "--metric",
    help="--from-db: the weekly site metric (the API's default: adoption_rate).",
)
@click.option(
    "--panel",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV or Parquet, one row per unit and period.",
)
@click.option("--unit", help="Column naming the unit, e.g. a store.")
@click.option("--time", "time_column", help="Column of integer periods.")
@click.option(
    "--group",
    "group_column",
    help="Column of the first treated period (0 or empty: never treated).",
)
@click.option("--outcome", help="Column of the outcome, e.g. a weekly KPI.")
@click.option("--control", type=click.Choice(CONTROLS), default="never", show_default=True)
@click.option(
    "--seed",
    type=click.IntRange(0, MAX_SEED),
    default=0,
    show_default=True,
    help="Seed of the multiplier bootstrap.",
)
@click.option(
    "--from",
    "start",
    type=click.DateTime(["%Y-%m-%d"]),
    help="--from-db: start the panel with this date's ISO week (keeps later waves' sites).",
)
@format_option("json")
@pass_ctx
def did(
    ctx, from_db, metric, path, unit, time_column, group_column, outcome, control, seed, start, fmt
) -> None:
    """Callaway & Sant'Anna ATT(g, t), by event time and overall, with bootstrap intervals:
    of a panel file (--panel, --unit, --time, --group, --outcome) or, with --from-db, of the
    programme started in different weeks at the live sites. A table or CSV of ATT(g, t)."""
    given = dict(path=path, unit=unit, time_column=time_column, group_column=group_column)
    given["outcome"] = outcome
    if from_db:
        if any(v is not None for v in given.values()):
            raise click.UsageError("--from-db reads the stored data: give no panel options.")
        query = {"metric": metric, "control": control, "seed": seed}
        if start is not None:
            query["from"] = start.date().isoformat()
        data = call(ctx, "GET", "/pilots/did", query=query).get_json()
        click.echo(render(data, fmt, rows="att_gt", people=_table), nl=False)
        return
    missing = [name for name, value in given.items() if value is None]
    if missing or metric is not None or start is not None:
        raise click.UsageError(
            "Give --panel, --unit, --time, --group and --outcome, or --from-db (with --metric "
            "and --from)."
        )
    result = staggered_did(
        read_panel(path),
        unit=unit,
        time=time_column,
        group=group_column,
        outcome=outcome,
        control=control,
        seed=seed,
    )
    data = DidSchema().dump(result)
    click.echo(render(data, fmt, rows="att_gt", people=_table), nl=False)


def _number(value) -> str:
    return "" if value is None else f"{value:.4f}"


def _rows(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    return lines


def _table(data: dict) -> str:
    estimate = ["att", "se", "ci_low", "ci_high"]
    overall = data["overall"]
    lines = [
        f"control: {data['control']}   base period: {data['base_period']}   "
        f"units: {data['n_units']}",
        f"overall ({overall['aggregation']}): "
        + "  ".join(f"{k} {_number(overall[k]) or '-'}" for k in estimate),
    ]
    if data["event_time"]:
        rows = [[str(r["e"]), *(_number(r[k]) for k in estimate)] for r in data["event_time"]]
        lines += ["", *_rows(["e", *estimate], rows)]
    if data["att_gt"]:
        rows = [
            [str(r["group"]), str(r["time"]), *(_number(r[k]) for k in estimate)]
            for r in data["att_gt"]
        ]
        lines += ["", *_rows(["group", "time", *estimate], rows)]
    if data["caveats"]:
        lines += ["", "caveats:", *(f"  - {c}" for c in data["caveats"])]
    return "\n".join(lines)

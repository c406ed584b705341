"""`uptake cards set|show|list|remove`: a feature's quick-reference cards, per locale, through
the API's own handlers as the operator (`api.cli.operator`: the API's validation, JSON and
audit). `set` writes the card and then, with `--image`, its image (PUT …/image)."""

from __future__ import annotations

from pathlib import Path

import click

from adoption.locales import DEFAULT_LOCALE, LOCALES
from adoption.masterdata.cards import checked_image, image_type
from api.cli.context import format_option, pass_ctx, render, table
from api.cli.operator import (  # the prefix and environ key as the operator has them
    API_PREFIX,
    OPERATOR_ENVIRON_KEY,
    app,
    call,
    echo,
    fail,
    principal,
    segment,
)

LOCALE = click.option(
    "--locale",
    type=click.Choice(LOCALES),
    default=DEFAULT_LOCALE,
    show_default=True,
    help="The card's language.",
)
SUFFIX_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}


def _card_path(action: str, locale: str) -> str:
    return f"/features/{segment(action, slash=True)}/cards/{segment(locale)}"


@click.group("cards")
def cards() -> None:
    """Quick-reference cards: a feature's few steps on one printable page, per language."""


@cards.command("set")
@click.argument("action")
@LOCALE
@click.option("--title", required=True, help="The card's heading, 1 to 200 characters.")
@click.option("--step", "steps", multiple=True, help="One step (repeat, in order: 1 to 10).")
@click.option("--notes", help="Optional notes below the steps.")
@click.option(
    "--image",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A PNG, JPEG or WebP file of at most 1 MB.",
)
@format_option("json")
@pass_ctx
def cards_set(ctx, action, locale, title, steps, notes, image, fmt) -> None:
    """Create or replace ACTION's card in --locale (PUT /features/{action}/cards/{locale});
    an image already on it stays unless --image replaces it."""
    path = _card_path(action, locale)
    picture = _image(image) if image is not None else None  # refused before the card is saved
    body = {"title": title, "steps": list(steps), "notes": notes}
    data = call(ctx, "PUT", path, json=body).get_json()
    if picture is not None:
        data = _put_image(ctx, path, *picture)
    click.echo(render(data, fmt), nl=False)


def _image(image: Path) -> tuple[bytes, str]:
    """The file's bytes and the type its name says (else the type its bytes are), checked as
    the API checks them (`checked_image`: exit 2 naming `image`)."""
    data = image.read_bytes()
    kind = SUFFIX_TYPES.get(image.suffix.lower()) or image_type(data)
    checked_image(data, kind)
    return data, kind


def _put_image(ctx, path: str, data: bytes, kind: str) -> dict:
    """PUT the bytes as `kind` (`operator.call` sends JSON only)."""
    response = (
        app(ctx)
        .test_client()
        .put(
            API_PREFIX + path + "/image",
            data=data,
            content_type=kind,
            environ_base={OPERATOR_ENVIRON_KEY: principal(ctx)},
        )
    )
    if response.status_code >= 400:
        fail(response)
    return response.get_json()


@cards.command("show")
@click.argument("action")
@LOCALE
@format_option("json")
@pass_ctx
def cards_show(ctx, action, locale, fmt) -> None:
    """ACTION's card in exactly --locale (GET /features/{action}/cards/{locale}); exits 1
    when there is none."""
    echo(ctx, fmt, "GET", _card_path(action, locale))


@cards.command("list")
@click.argument("action")
@format_option("table")
@pass_ctx
def cards_list(ctx, action, fmt) -> None:
    """ACTION's cards, one per language (GET /features/{action}/cards); the table shows each
    card's language, title, number of steps, image type and last change."""
    echo(ctx, fmt, "GET", f"/features/{segment(action, slash=True)}/cards", people=_card_table)


def _card_table(data: list[dict]) -> str:
    rows = [
        [c["locale"], c["title"], len(c["steps"]), c["image_type"] or "", c["updated_at"][:16]]
        for c in data
    ]
    return table(("locale", "title", "steps", "image", "updated"), rows) if rows else "(none)"


@cards.command("remove")
@click.argument("action")
@click.option("--locale", type=click.Choice(LOCALES), required=True, help="The card's language.")
@pass_ctx
def cards_remove(ctx, action, locale) -> None:
    """Delete ACTION's card in --locale, its image with it (DELETE
    /features/{action}/cards/{locale}); exits 1 when there is none."""
    call(ctx, "DELETE", _card_path(action, locale))
    click.echo(f"Removed the {locale} card of {action}.")

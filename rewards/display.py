"""The store display (docs/privacy.md "The store display"): a revocable, read-only link for one
store's back-office TV, and what that screen shows.

Links: an `ApiToken` of role `DISPLAY_ROLE` with exactly one site, stored hashed like every token
(`adoption.identity.credentials.hash_token`); the plain token is the last part of the link,
returned once by `create_display` and never again. Names are unique among a site's live links.
A link opens only the display page (`display_site`); the API refuses it as it refuses an unknown
token (`api.auth`), and it is no web login. A revoked or expired link opens nothing.

The screen (`display_board`): the site's points board of the month holding the site's today
(`rewards.leaderboards.ranked_board`, the board of /leaderboards, with its rank change from
`rewards.rank_change`). It is a public screen, so it names nobody by default:

- every row is an alias, the first-name initial and the surname initial ("Thomas Taylor" →
  "T. T.", `alias_of`), numbered where two people of the board share one ("T. T.", "T. T. 2",
  by user id); with the active points config's `display_names` on, the full display name;
- an opted-out person is "Anonymous" always, without rank change, and never celebrated;
- nothing else about a person: no user id, level, badges list or score, only rank and points.

Celebrations (`celebrations`): what is new since an instant, for people shown by alias or name:
badge awards recorded (`BadgeAward.created_at`) after it, and level-ups, the level on a score
day above the level the day before (`adoption.scoring.proficiency.stored_scores_on`, the levels
boards read), where that day ended (the site's local midnight) after it. At most `CATCH_UP` is
looked back, and at most `MAX_CELEBRATIONS` are returned, badges first, oldest first.

A site whose go-live is after its today shows when it goes live instead of a board of zeros.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption import audit
from adoption.calendar import Month, local_today
from adoption.errors import Conflict, Invalid, NotFound
from adoption.identity.credentials import MAX_TOKEN_NAME, TOKEN_PREFIX, hash_token
from adoption.identity.models import DISPLAY_ROLE, ApiToken, token_site
from adoption.masterdata.records import get_site
from adoption.models import Site
from adoption.privacy import ANONYMOUS
from adoption.scoring.proficiency import stored_scores_on
from adoption.scoring.rules import LEVELS, NOT_STARTED, load_rules
from rewards.badges import BY_NAME
from rewards.leaderboards import Entrant, ranked_board, resolve_scope
from rewards.models import BadgeAward
from rewards.points_config import load_points_rules
from rewards.rank_change import previous_ranks, with_change

MAX_EXPIRES_DAYS = 3650
PER_PAGE = 10
PER_PAGE_RANGE = (3, 50)
MAX_TOP = 100
AROUND_LINE = 3  # rows shown just below the line of `?top=N`
CATCH_UP = timedelta(hours=24)  # celebrations look back at most this far
MAX_CELEBRATIONS = 12
LEVEL_ORDER = {NOT_STARTED: 0, **{level: i + 1 for i, level in enumerate(LEVELS)}}


@dataclass(frozen=True)
class DisplayLink:
    """A display link as listed: never its token."""

    id: int
    name: str
    site_id: str  # the site's code
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    status: str  # "live", "expired" or "revoked"


def _link(token: ApiToken, now: datetime) -> DisplayLink:
    if token.revoked_at is not None:
        status = "revoked"
    elif token.expires_at is not None and token.expires_at <= now:
        status = "expired"
    else:
        status = "live"
    site = token.sites[0].code if token.sites else ""
    return DisplayLink(
        token.id,
        token.name,
        site,
        token.created_at,
        token.expires_at,
        token.revoked_at,
        status,
    )


def _live(token: ApiToken, now: datetime) -> bool:
    return token.revoked_at is None and (token.expires_at is None or token.expires_at > now)


def _displays(session: Session, site_ids: set[int] | None) -> list[ApiToken]:
    stmt = select(ApiToken).where(ApiToken.role == DISPLAY_ROLE)
    if site_ids is not None:
        stmt = stmt.join(token_site, token_site.c.token_id == ApiToken.id).where(
            token_site.c.site_id.in_(site_ids)
        )
    return list(session.scalars(stmt.order_by(ApiToken.created_at, ApiToken.id)))


def create_display(
    session: Session,
    site: Site,
    *,
    name: str | None,
    expires_in_days: int | None,
    now: datetime,
    actor: str,
) -> tuple[DisplayLink, str]:
    """A new link for the site (name default "<site code>-tv"), audited; the plain token is
    returned once. 422 for a blank or too long name or an expiry outside 1..MAX_EXPIRES_DAYS
    days; 409 when a live link of the site has the name."""
    name = f"{site.code}-tv" if name is None else name.strip()
    if not name:
        raise Invalid({"name": ["Must not be empty."]})
    if len(name) > MAX_TOKEN_NAME:
        raise Invalid({"name": [f"At most {MAX_TOKEN_NAME} characters."]})
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRES_DAYS:
        raise Invalid({"expires_in_days": [f"Must be between 1 and {MAX_EXPIRES_DAYS}."]})
    if any(t.name == name and _live(t, now) for t in _displays(session, {site.id})):
        raise Conflict(
            f"A live display link {name!r} exists at {site.code}; revoke it or choose another "
            "name.",
            {"name": name},
        )
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        role=DISPLAY_ROLE,
        token_hash=hash_token(plain),
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
        sites=[site],
    )
    session.add(token)
    session.flush()
    _audit(session, "display.create", token, actor, now, site=site.code)
    return _link(token, now), plain


def _audit(session: Session, action: str, token: ApiToken, actor: str, now: datetime, **extra):
    audit.record(
        session,
        actor=actor,
        action=action,
        target_type="token",
        target=str(token.id),
        now=now,
        details={"name": token.name, **extra},
    )


def list_displays(session: Session, *, site_ids: set[int] | None, now: datetime) -> list:
    """Every display link of these sites (None: all), oldest first, revoked and expired ones
    included with their status; never a token."""
    return [_link(t, now) for t in _displays(session, site_ids)]


def get_display(session: Session, display_id: int, *, site_ids: set[int] | None) -> ApiToken:
    """The display link with this id at one of these sites (None: any); anything else, another
    kind of token or a link of another site included, is the 404 of an unknown id."""
    token = session.get(ApiToken, display_id)
    if (
        token is None
        or token.role != DISPLAY_ROLE
        or (site_ids is not None and not {s.id for s in token.sites} & site_ids)
    ):
        raise NotFound(f"No display link {display_id}.", {"display_id": display_id})
    return token


def revoke_display(session: Session, token: ApiToken, *, now: datetime, actor: str) -> DisplayLink:
    """Revoke the link from now on, audited; a revoked link stays as it is (its first revocation
    time)."""
    if token.revoked_at is None:
        token.revoked_at = now
        session.flush()
        _audit(session, "display.revoke", token, actor, now)
    return _link(token, now)


def revoke_named(
    session: Session, name_or_id: str, *, site_code: str | None, now: datetime, actor: str
) -> list[DisplayLink]:
    """The command line's revoke: the display link with this id, or the live link with this
    name (at `site_code` when given). 404 when none; 422 naming `site` when links of several
    sites have the name and no site was given."""
    text = name_or_id.strip()
    site_ids = None if site_code is None else {get_site(session, site_code).id}
    if text.isdigit():
        return [
            revoke_display(
                session, get_display(session, int(text), site_ids=site_ids), now=now, actor=actor
            )
        ]
    named = [t for t in _displays(session, site_ids) if t.name == text and _live(t, now)]
    if not named:
        raise NotFound(f"No live display link {text!r}.", {"display": text})
    sites = sorted({_link(t, now).site_id for t in named})
    if len(sites) > 1:
        raise Invalid({"site": [f"Links of {', '.join(sites)} are named {text!r}: add --site."]})
    return [revoke_display(session, t, now=now, actor=actor) for t in named]


def display_site(session: Session, plain: str, *, now: datetime) -> Site | None:
    """The site a live display link shows; None for an unknown, revoked or expired token, any
    other kind of token, and a link without exactly one site."""
    if not plain or len(plain) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(plain)))
    if token is None or token.role != DISPLAY_ROLE or not _live(token, now):
        return None
    return token.sites[0] if len(token.sites) == 1 else None


def _initial(word: str) -> str:
    letter = next((c for c in word if c.isalnum()), "")
    return f"{letter.upper()}." if letter else ""


def alias_of(display_name: str) -> str:
    """The first-name initial and the surname initial: "Thomas Taylor" → "T. T.", "Taylor,
    Thomas" (surname first, with a comma) → "T. T.", a single name "Ann" → "A."; "?" for a name
    without a letter or digit."""
    surname, comma, given = display_name.partition(",")
    if comma:
        words = [*given.split()[:1], *surname.split()[-1:]]
    else:
        words = display_name.split()
        words = words[:1] + words[-1:] if len(words) > 1 else words
    initials = [i for i in (_initial(w) for w in words) if i]
    return " ".join(initials) or "?"


def aliases(people: list[tuple[int, str, str]]) -> dict[int, str]:
    """Employee id → alias for (employee id, user id, display name) of one board: people
    sharing an alias are numbered by user id (then id), the first keeping it ("T. T.", then
    "T. T. 2", "T. T. 3")."""
    groups: dict[str, list[tuple[str, int]]] = {}
    for eid, user_id, name in people:
        groups.setdefault(alias_of(name), []).append((user_id, eid))
    out: dict[int, str] = {}
    for alias, members in groups.items():
        for n, (_user_id, eid) in enumerate(sorted(members), start=1):
            out[eid] = alias if n == 1 else f"{alias} {n}"
    return out


def shown_names(entrants: list[Entrant], *, display_names: bool) -> dict[int, str]:
    """Employee id → what the display shows: "Anonymous" for an opted-out person, else the
    display name with `display_names`, else the alias among the others shown."""
    named = [e for e in entrants if not e.opted_out]
    if display_names:
        shown = {e.employee_id: e.display_name for e in named}
    else:
        shown = aliases([(e.employee_id, e.user_id, e.display_name) for e in named])
    return {e.employee_id: shown.get(e.employee_id, ANONYMOUS) for e in entrants}


@dataclass(frozen=True)
class DisplayRow:
    rank: int
    name: str
    value: int
    previous_rank: int | None  # null for an Anonymous row and whoever was not ranked then
    change: int | None  # places gained since the previous month (rewards.rank_change)


@dataclass(frozen=True)
class Celebration:
    kind: str  # "badge" or "level"
    name: str  # as the board shows the person
    title: str  # the badge's title, or the level reached


@dataclass(frozen=True)
class DisplayBoard:
    site_code: str
    site_name: str
    period: str  # YYYY-MM
    month_label: str  # "November 2026"
    updated: datetime  # now, in the site's time zone
    goes_live_on: date | None  # set (and no rows) while the site's go-live is after today
    names: str  # "aliases" or "names"
    pages: list[list[DisplayRow]] = field(default_factory=list)  # one page with `top`
    top: int | None = None
    below_line: list[DisplayRow] = field(default_factory=list)  # `top`: the rows just below
    celebrations: list[Celebration] = field(default_factory=list)


def check_view(per_page: int | None, top: int | None) -> tuple[int, int | None]:
    """(rows per page, top N) as asked; 422 naming `per_page` or `top` outside its range."""
    low, high = PER_PAGE_RANGE
    if per_page is not None and not low <= per_page <= high:
        raise Invalid({"per_page": [f"Must be between {low} and {high}."]})
    if top is not None and not 1 <= top <= MAX_TOP:
        raise Invalid({"top": [f"Must be between 1 and {MAX_TOP}."]})
    return per_page or PER_PAGE, top


def display_board(
    session: Session,
    site: Site,
    *,
    now: datetime,
    since: datetime | None,
    per_page: int = PER_PAGE,
    top: int | None = None,
) -> DisplayBoard:
    """The site's screen at `now`: every row in pages of `per_page`, or with `top` the ranks up
    to `top` and the AROUND_LINE rows just below them; and the celebrations since `since`
    (None: none)."""
    zone = ZoneInfo(site.timezone)
    today = local_today(site.timezone, now)
    month = Month.of(today)
    head = {
        "site_code": site.code,
        "site_name": site.name,
        "period": str(month),
        "month_label": today.strftime("%B %Y"),
        "updated": now.astimezone(zone),
    }
    display_names = load_points_rules(session).display_names
    names_kind = "names" if display_names else "aliases"
    if site.go_live_on is not None and site.go_live_on > today:
        return DisplayBoard(**head, goes_live_on=site.go_live_on, names=names_kind)
    board = ranked_board(
        session,
        scope=resolve_scope(session, f"site:{site.code}"),
        period=str(month),
        metric="points",
        now=now,
    )
    entrants = [e for _, e in board.ranked]
    names = shown_names(entrants, display_names=display_names)
    before = previous_ranks(session, board, now)
    rows = [_row(rank, e, names[e.employee_id], before) for rank, e in board.ranked]
    if top is None:
        pages = [rows[i : i + per_page] for i in range(0, len(rows), per_page)] or [[]]
        below: list[DisplayRow] = []
    else:
        cut = sum(1 for r in rows if r.rank <= top)
        pages, below = [rows[:cut]], rows[cut : cut + AROUND_LINE]
    shown = {eid: name for eid, name in names.items() if name != ANONYMOUS}
    happy = [] if since is None else celebrations(session, site, shown, since=since, now=now)
    return DisplayBoard(
        **head,
        goes_live_on=None,
        names=names_kind,
        pages=pages,
        top=top,
        below_line=below,
        celebrations=happy,
    )


def _row(rank: int, entrant: Entrant, name: str, before: dict[int, int] | None) -> DisplayRow:
    anonymous = name == ANONYMOUS
    row = {"rank": rank, "user_id": None if anonymous else entrant.user_id}
    changed = with_change(row, entrant, before)
    return DisplayRow(
        rank, name, int(entrant.value or 0), changed["previous_rank"], changed["change"]
    )


def celebrations(
    session: Session, site: Site, names: dict[int, str], *, since: datetime, now: datetime
) -> list[Celebration]:
    """What is new for these people (employee id → shown name) in (since, now]: badge awards
    recorded then, and level-ups of score days that ended then (the site's local midnight);
    `since` is taken no earlier than now − CATCH_UP. Badges first, each kind oldest first."""
    since = max(since.astimezone(UTC), now - CATCH_UP)
    if since >= now or not names:
        return []
    awards = session.execute(
        select(BadgeAward.employee_id, BadgeAward.badge)
        .where(
            BadgeAward.employee_id.in_(list(names)),
            BadgeAward.created_at > since,
            BadgeAward.created_at <= now,
        )
        .order_by(BadgeAward.created_at, BadgeAward.id)
    ).all()
    found = [
        Celebration("badge", names[eid], BY_NAME[badge].title if badge in BY_NAME else badge)
        for eid, badge in awards
    ]
    for day in _days_ended(site.timezone, since, now):
        found += _level_ups(session, names, day)
    return found[:MAX_CELEBRATIONS]


def _days_ended(timezone: str, since: datetime, now: datetime) -> list[date]:
    """The site's local days whose end (the next local midnight) is in (since, now], oldest
    first."""
    zone = ZoneInfo(timezone)
    today = local_today(timezone, now)
    ended = []
    for back in range(CATCH_UP.days + 2):
        midnight = datetime.combine(today - timedelta(days=back), time(), tzinfo=zone)
        if midnight <= since:
            break
        if midnight <= now:
            ended.append(today - timedelta(days=back + 1))
    return sorted(ended)


def _level_ups(session: Session, names: dict[int, str], day: date) -> list[Celebration]:
    """People whose level on `day` is above their level the day before (Not started lowest)."""
    rules = load_rules(session)
    ids = list(names)
    on_day = stored_scores_on(session, dict.fromkeys(ids, day), rules)
    before = stored_scores_on(session, dict.fromkeys(ids, day - timedelta(days=1)), rules)
    ups = []
    for eid in ids:
        now_level = on_day[eid].level if eid in on_day else NOT_STARTED
        was = before[eid].level if eid in before else NOT_STARTED
        if LEVEL_ORDER.get(now_level, 0) > LEVEL_ORDER.get(was, 0):
            ups.append(Celebration("level", names[eid], now_level))
    return sorted(ups, key=lambda c: (-LEVEL_ORDER[c.title], c.name))

"""The simulated chain's master data: sites in regions and waves, staff with personas, features.

Plain data drawn from a seeded `random.Random` (never the global one). `adoption.simulation.chain`
turns it into messy export files and events; the personas below are what those events plant.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

REGIONS = (("North", "Europe/Berlin"), ("West", "Europe/London"), ("South", "Europe/Lisbon"))
# Space-separated words per region: towns, first names, last names.
TOWNS = {
    "North": "Hamburg Bremen Hannover Kiel Lübeck Rostock Oldenburg Münster Bielefeld Osnabrück",
    "West": "Bristol Cardiff Exeter Plymouth Bath Swindon Gloucester Taunton Truro Newport",
    "South": "Lisboa Porto Coimbra Braga Faro Setúbal Aveiro Évora Leiria Viseu",
}
SUFFIXES = (
    "Centre",
    "Mall",
    "Station",
    "Harbour",
    "Retail Park",
    "High Street",
    "Airport",
    "Outlet",
)
FIRST_NAMES = {
    "North": "Anna Lukas Lea Jonas Marie Felix Sophie Paul Laura Leon Hannah Tim Jürgen Jan Mia",
    "West": "Olivia Jack Amelia Harry Isla George Emily Oliver Ava Charlie Grace Thomas Chloe Ella",
    "South": "Maria João Ana Pedro Beatriz Tiago Inês Rui Carolina Miguel Sofia Diogo Rita Bruno",
}
LAST_NAMES = {
    "North": "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch",
    "West": "Smith Jones Taylor Brown Williams Wilson Johnson Davies Evans Thomas Roberts Hughes",
    "South": "Silva Santos Ferreira Pereira Oliveira Costa Rodrigues Martins Sousa Gonçalves Lopes",
}
MAX_SITES = 5_000  # names repeat with a number once a region's town × suffix pairs run out
MIN_SITES = 4  # three pilots and at least one site in a later wave
MAX_PEOPLE_PER_SITE = 200
MAX_STAFF = 99_999  # user ids are E00001 … E99999


@dataclass(frozen=True, slots=True)
class SimFeature:
    """A catalog entry plus how hard it is to learn (0 easy … 1 hard)."""

    action: str
    module: str
    is_core: bool
    expected_ms: int | None
    points: int
    daily_cap: int | None
    alias_of: str | None = None
    difficulty: float = 0.2
    in_catalog: bool = True  # False: only events name it, so it is registered as unmapped


HARD_FEATURE = "returns.exchange"
GRIND_FEATURE = "inventory.lookup"
REFUND_V2 = "pos.refund.v2"
UNMAPPED_ACTION = "pos.giftcard.activate"
F = SimFeature
FEATURES = (
    F("pos.sale.complete", "pos", True, 25_000, 1, 20, difficulty=0.05),
    F("pos.sale.void", "pos", True, 8_000, 1, 5, difficulty=0.25),
    F("pos.discount.apply", "pos", True, 6_000, 1, 10, difficulty=0.15),
    F("pos.payment.split", "pos", False, 15_000, 2, 10, difficulty=0.3),
    F("pos.refund", "pos", True, 40_000, 3, 15, difficulty=0.35),
    F(REFUND_V2, "pos", False, None, 0, None, alias_of="pos.refund", difficulty=0.35),
    F("pos.drawer.count", "pos", False, 120_000, 2, 4, difficulty=0.2),
    F("returns.receipt", "returns", True, 45_000, 2, 10, difficulty=0.3),
    F(HARD_FEATURE, "returns", True, 90_000, 4, 12, difficulty=1.0),
    F("returns.no_receipt", "returns", False, 60_000, 2, 6, difficulty=0.4),
    F(GRIND_FEATURE, "inventory", True, 5_000, 1, 10, difficulty=0.05),
    F("inventory.count", "inventory", False, 300_000, 5, 10, difficulty=0.3),
    F("inventory.transfer", "inventory", False, 180_000, 5, 10, difficulty=0.4),
    F("loyalty.enroll", "loyalty", True, 60_000, 5, 15, difficulty=0.3),
    F("loyalty.lookup", "loyalty", False, 7_000, 1, 5, difficulty=0.1),
    F("loyalty.redeem", "loyalty", True, 20_000, 2, 10, difficulty=0.2),
    F(UNMAPPED_ACTION, "pos", False, None, 0, None, difficulty=0.3, in_catalog=False),
)
# What people call each catalog feature (every one has a title), and the quick-reference cards
# the chain has printed so far: some core features of the till, returns desk and loyalty.
HELP = "https://help.example.com"
TITLES = {
    "pos.sale.complete": "Complete a sale",
    "pos.sale.void": "Void a sale",
    "pos.discount.apply": "Apply a discount",
    "pos.payment.split": "Split a payment",
    "pos.refund": "Refund a sale",
    REFUND_V2: "Refund a sale (new screen)",
    "pos.drawer.count": "Count the drawer",
    "returns.receipt": "Process a return",
    HARD_FEATURE: "Exchange an item",
    "returns.no_receipt": "Return without a receipt",
    GRIND_FEATURE: "Look up stock",
    "inventory.count": "Count stock",
    "inventory.transfer": "Transfer stock",
    "loyalty.enroll": "Enrol a loyalty member",
    "loyalty.lookup": "Find a loyalty member",
    "loyalty.redeem": "Redeem loyalty points",
}  # UNMAPPED_ACTION is in no catalog: an admin maps (and names) it
# The same titles in Simplified Chinese: the catalog's `title_zh` (pages read in Chinese).
TITLES_ZH = {
    "pos.sale.complete": "完成销售",
    "pos.sale.void": "作废销售",
    "pos.discount.apply": "使用折扣",
    "pos.payment.split": "拆分付款",
    "pos.refund": "销售退款",
    REFUND_V2: "销售退款（新界面）",
    "pos.drawer.count": "清点钱箱",
    "returns.receipt": "办理退货",
    HARD_FEATURE: "换货",
    "returns.no_receipt": "无小票退货",
    GRIND_FEATURE: "查询库存",
    "inventory.count": "盘点库存",
    "inventory.transfer": "调拨库存",
    "loyalty.enroll": "注册会员",
    "loyalty.lookup": "查找会员",
    "loyalty.redeem": "兑换会员积分",
}
CARDS = {
    "pos.sale.complete": f"{HELP}/pos/sale",
    "pos.sale.void": f"{HELP}/pos/void",
    "pos.refund": f"{HELP}/pos/refund",
    "returns.receipt": f"{HELP}/pos/returns",
    HARD_FEATURE: f"{HELP}/pos/exchange",
    "loyalty.enroll": f"{HELP}/loyalty/enrol",
}
# What each role does, in the order people pick features up, with relative daily frequency.
ROLE_MIX = {
    "cashier": (("pos.sale.complete", 10), ("pos.discount.apply", 2), ("loyalty.lookup", 2),
                ("pos.sale.void", 1), (GRIND_FEATURE, 1.5), ("loyalty.redeem", 1.5),
                ("returns.receipt", 1), ("loyalty.enroll", 1), ("pos.refund", 1),
                ("pos.payment.split", 1), (HARD_FEATURE, 0.8), ("returns.no_receipt", 0.3),
                ("pos.drawer.count", 0.3)),
    "stock": ((GRIND_FEATURE, 6), ("pos.sale.complete", 2), ("inventory.count", 2),
              ("inventory.transfer", 1.5), ("returns.receipt", 0.5), (HARD_FEATURE, 0.3)),
    "supervisor": (("pos.sale.complete", 4), ("pos.sale.void", 2), ("pos.refund", 2),
                   ("pos.drawer.count", 1), (HARD_FEATURE, 1.5), ("returns.no_receipt", 1),
                   ("loyalty.enroll", 1), ("inventory.transfer", 0.5)),
    "manager": (("pos.sale.complete", 2), ("pos.drawer.count", 1), ("pos.refund", 1),
                ("inventory.transfer", 1), ("inventory.count", 1), ("pos.sale.void", 1),
                (HARD_FEATURE, 1)),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SimSite:
    code: str
    name: str
    region: str
    timezone: str
    is_pilot: bool
    wave: int
    go_live_on: date
    program_started_on: date | None
    opens: int  # local hour
    closes: int
    open_sundays: bool


@dataclass(frozen=True, slots=True)
class SimEmployee:
    """One person; `persona` is learner, resister, grinder or temp (not on the roster)."""

    user_id: str
    display_name: str
    site_code: str
    role: str
    hired_on: date | None
    left_on: date | None
    persona: str
    aptitude: float  # multiplies learning speed
    starts_on: date  # first day this person is expected to use the system
    public_opt_out: bool = False

    @property
    def rostered(self) -> bool:
        return self.persona != "temp"


def build_sites(rng: random.Random, count: int, first_day: date, last_day: date) -> list[SimSite]:
    """Three pilots (one per region) go live on the first day; the rest in waves 1–3 after."""
    regions = [REGIONS[i % len(REGIONS)] for i in range(count)]
    rng.shuffle(regions)
    pilots = {regions.index(region) for region in REGIONS}
    later = [i for i in range(count) if i not in pilots]
    rng.shuffle(later)
    waves = {i: 0 for i in pilots} | {i: 1 + n % 3 for n, i in enumerate(later)}
    go_live = _wave_dates(rng, first_day, (last_day - first_day).days + 1)
    names = {name: _site_names(rng, name) for name, _ in REGIONS}
    width = max(3, len(str(count)))  # S001 … S040 as always; S0001 … S1000 for a large chain
    sites = []
    for i, (region, tz) in enumerate(regions):
        opens = rng.choice((7, 8, 9)) + (1 if region == "South" else 0)
        sites.append(
            SimSite(
                code=f"S{i + 1:0{width}d}",
                name=next(names[region]),
                region=region,
                timezone=tz,
                is_pilot=waves[i] == 0,
                wave=waves[i],
                go_live_on=go_live[waves[i]],
                program_started_on=None,
                opens=opens,
                closes=opens + rng.choice((11, 12, 13)),
                open_sundays=rng.random() < 0.3,
            )
        )
    return _stagger_programme(rng, sites, first_day, last_day)


def _wave_dates(rng: random.Random, first_day: date, days: int) -> list[date]:
    """Waves every 2–3 weeks, squeezed so the last one still has three weeks of data if it can."""
    gap_max = max(7, min(21, (days - 21) // 3))
    gap_min = min(14, gap_max)
    dates = [first_day]
    for _ in range(3):
        dates.append(dates[-1] + timedelta(days=rng.randint(gap_min, gap_max)))
    return dates


def _site_names(rng: random.Random, region: str):
    """Every town × suffix pair once, then the same pairs numbered 2, 3, … (a large chain)."""
    combos = [f"{town} {suffix}" for town in TOWNS[region].split() for suffix in SUFFIXES]
    rng.shuffle(combos)
    yield from combos
    for n in itertools.count(2):
        yield from (f"{combo} {n}" for combo in combos)


def _stagger_programme(
    rng: random.Random, sites: list[SimSite], first_day: date, last_day: date
) -> list[SimSite]:
    """A training programme starts at about half of the sites of the pilots and wave 1,
    staggered by week from three weeks after wave 1 went live, so the DiD (its panel starting
    when every such site is live, `pilots.did.panel.programme_start`) sees weeks before and
    after each start and never-trained sites beside them."""
    weeks = ((last_day - first_day).days + 1) // 7
    if weeks < 6:
        return sites
    wave_1 = max(s.go_live_on for s in sites if s.wave is not None and s.wave <= 1)
    earliest = (wave_1 - first_day).days // 7 + 3
    starts = list(range(max(weeks // 2, earliest), weeks - 1))
    out = []
    for site in sites:
        live_weeks = (site.go_live_on - first_day).days // 7
        in_scope = site.wave is not None and site.wave <= 1
        options = [w for w in starts if w >= live_weeks + 3] if in_scope else []
        if options and rng.random() < 0.5:
            started = first_day + timedelta(weeks=rng.choice(options))
            site = replace(site, program_started_on=started)
        out.append(site)
    return out


def build_staff(
    rng: random.Random,
    sites: list[SimSite],
    first_day: date,
    last_day: date,
    people_per_site: int | None = None,
) -> list[SimEmployee]:
    """6–25 people per site (about 15.5 on average), or about `people_per_site` (from half to one
    and a half times it); personas planted at a realistic rate."""
    sizes = _team_sizes(len(sites), people_per_site)
    rng.shuffle(sizes)
    grinder_sites = {s.code for s in sites if rng.random() < 0.2} | {sites_pilot(sites)[0].code}
    staff: list[SimEmployee] = []
    temps = 0
    for site, size in zip(sites, sizes, strict=True):
        roles = ["manager"] + ["supervisor"] * (size >= 10) + ["stock"] * (size // 5)
        roles += ["cashier"] * (size - len(roles))
        grinder_at = rng.randrange(1, size) if site.code in grinder_sites else None
        for k, role in enumerate(roles):
            persona = "grinder" if k == grinder_at else _persona(rng, site, role, last_day)
            user_id = f"E{len(staff) - temps + 1:05d}"
            staff.append(_person(rng, site, user_id, role, persona, first_day, last_day))
        if rng.random() < 0.15:
            temps += 1
            staff.append(
                _person(rng, site, f"T{temps:03d}", "cashier", "temp", first_day, last_day)
            )
    return staff


def _team_sizes(n: int, people_per_site: int | None) -> list[int]:
    """Team sizes spread evenly from the smallest to the largest (shuffled by the caller)."""
    low, high = (6, 25) if people_per_site is None else _spread(people_per_site)
    return [low + (i * (high - low)) // max(1, n - 1) for i in range(n)]


def _spread(mean: int) -> tuple[int, int]:
    low = max(2, mean // 2)
    return low, max(low, 2 * mean - low)


def sites_pilot(sites: list[SimSite]) -> list[SimSite]:
    return [s for s in sites if s.is_pilot]


def _persona(rng: random.Random, site: SimSite, role: str, last_day: date) -> str:
    # A resister needs room to be seen active and then silent for the last week.
    room = (last_day - site.go_live_on).days >= 15
    return "resister" if role != "manager" and room and rng.random() < 0.08 else "learner"


def _person(rng, site, user_id, role, persona, first_day, last_day) -> SimEmployee:
    region = site.region
    name = f"{rng.choice(FIRST_NAMES[region].split())} {rng.choice(LAST_NAMES[region].split())}"
    hired = first_day - timedelta(days=rng.randint(30, 5 * 365))
    if persona == "learner" and rng.random() < 0.06:
        hired = first_day + timedelta(days=rng.randint(5, max(5, (last_day - first_day).days - 7)))
    left = None
    if persona == "learner" and role != "manager" and rng.random() < 0.03:
        left = first_day + timedelta(days=rng.randint(14, max(14, (last_day - first_day).days - 3)))
        left = max(left, hired)
    if persona == "temp":
        hired = None
    mean_delay = 1.5 if site.is_pilot else 9.0
    delay = (
        0 if persona in {"resister", "grinder"} else min(30, int(rng.expovariate(1 / mean_delay)))
    )
    starts = max(site.go_live_on, hired or site.go_live_on) + timedelta(days=delay)
    return SimEmployee(
        user_id=user_id,
        display_name=name,
        site_code=site.code,
        role=role,
        hired_on=hired,
        left_on=left,
        persona=persona,
        aptitude=rng.lognormvariate(0, 0.35) * (1.3 if site.is_pilot else 1.0),
        starts_on=starts,
        public_opt_out=rng.random() < 0.04,
    )


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SITE_HEADER = ("Site Code", "Name", "Region", "Timezone", "Pilot", "Wave", "Go-Live",
               "Program Start")  # fmt: skip
ROSTER_HEADER = ("Employee ID", "Name", "Store", "Role", "Hire Date", "Leave Date", "Opt-Out")


def site_rows(rng: random.Random, sites: list[SimSite]) -> list[list[str]]:
    """The sites export: yes/no spelled several ways, a padded code, a partial duplicate row."""
    rows = [list(SITE_HEADER)]
    for i, s in enumerate(sites):
        pilot = rng.choice(("yes", "Y", "x")) if s.is_pilot else rng.choice(("no", "N", ""))
        code = f" {s.code}  " if i == 1 else s.code
        rows.append([code, s.name, s.region, s.timezone, pilot, str(s.wave),
                     _iso(s.go_live_on), _iso(s.program_started_on)])  # fmt: skip
    last = sites[-1]
    rows.append([last.code.lower(), last.name, last.region, "", "", "", "", ""])  # merges
    return rows


def roster_rows(rng: random.Random, staff: list[SimEmployee]) -> list[list[str]]:
    """The HR export: stray spaces, mixed case, named-month dates, rows exported twice, and
    half-filled rows without a name (rejected by the import, which keeps the complete row)."""
    rows, again = [list(ROSTER_HEADER)], []
    for i, emp in enumerate(e for e in staff if e.rostered):
        row = [emp.user_id, emp.display_name, emp.site_code, emp.role, _iso(emp.hired_on),
               _iso(emp.left_on), "x" if emp.public_opt_out else ""]  # fmt: skip
        _mess_up(rng, row, emp)
        rows.append(row)
        chance = rng.random()
        if i == 2 or 0.015 <= chance < 0.025:
            again.append([emp.user_id, "", emp.site_code, "", "", "", ""])
        elif i == 1 or chance < 0.015:
            again.append(
                [emp.user_id.lower(), emp.display_name, emp.site_code, emp.role, "", "", ""]
            )
    return rows + again


def _mess_up(rng: random.Random, row: list[str], emp: SimEmployee) -> None:
    chance = rng.random()
    if chance < 0.03:
        row[0] = f"  {row[0]} "
    elif chance < 0.06:
        row[1] = "  " + row[1].replace(" ", "   ")
    elif chance < 0.09:
        row[2] = row[2].lower()
    elif chance < 0.12:
        row[3] = row[3].upper()
    elif chance < 0.15 and emp.hired_on is not None:
        row[4] = f"{emp.hired_on.day} {MONTHS[emp.hired_on.month - 1]} {emp.hired_on.year}"


def feature_records(features: tuple[SimFeature, ...]) -> list[dict]:
    """The feature catalog as JSONL objects, each with its title (`TITLES`, `TITLES_ZH`) and some
    with a quick-reference card (`CARDS`); one uses other key names, one comes twice."""
    records = []
    for f in features:
        if not f.in_catalog:
            continue
        record = {"action": f.action, "module": f.module, "is_core": f.is_core,
                  "expected_ms": f.expected_ms, "points": f.points, "daily_cap": f.daily_cap,
                  "alias_of": f.alias_of, "title": TITLES.get(f.action, f.action),
                  "title_zh": TITLES_ZH.get(f.action),
                  "quick_reference_url": CARDS.get(f.action)}  # fmt: skip
        if f.action == HARD_FEATURE:
            record = {"Action Key": " Returns.Exchange ", "core": "yes"} | {
                k: v for k, v in record.items() if k not in {"action", "is_core"}
            }
        records.append({k: v for k, v in record.items() if v is not None})
    records.append({"action": "POS.Sale.Complete", "cap": 20})  # sent again: merges
    return records


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""

"""`sites_behind` under concurrent writes to master data.

A request loads its sites early (`metrics.sites_by_id`) and reads `sites_behind` later. Sessions
keep loaded rows as they were (expire_on_commit is off, and PostgreSQL's READ COMMITTED shows each
statement what others committed since): when another transaction gives a site its wave and
go-live in between, the query for "sites with a wave and a go-live" matches the new row, and an
ORM query would hand back the loaded object, still without them (once a TypeError comparing a
None wave, or counting weeks from a None go-live).
"""

from __future__ import annotations

from datetime import date

from adoption.masterdata import records
from adoption.scoring.rules import load_rules
from adoption.usage.insights import sites_behind
from tests.adoption.scoring.test_proficiency import NOW, Scenario


def test_a_site_given_its_wave_by_another_transaction_is_read_as_stored(app, session):
    scn = Scenario(session)
    for code in ("W1", "W2"):
        scn.site(code, go_live_on=date(2026, 10, 26), wave=2)
        scn.person(f"{code}a", code)
    scn.site("W3").person("W3a", "W3")
    scn.feature("pos.sale")
    scn.send(
        scn.ev("W1a", "pos.sale", date(2026, 11, 10)), scn.ev("W2a", "pos.sale", date(2026, 11, 11))
    )
    loaded = [records.get_site(session, code) for code in ("W1", "W2", "W3")]
    session.commit()  # W3 stays loaded: no wave, no go-live
    other = app.extensions["uptake"].sessions()
    values = {"wave": 2, "go_live_on": date(2026, 10, 26)}
    records.put_site(other, "W3", values, now=NOW, actor="test", default_tz="UTC")
    other.commit()
    other.close()

    behind = sites_behind(session, loaded, NOW, load_rules(session))

    # week 2 = [11-09, 11-15]: W1 1/1 and W2 1/1 active, W3 0/1 → median 1.0, W3 trails by 1.0
    assert [(b["site_id"], b["wave"], b["adoption_rate"], b["gap"]) for b in behind] == [
        ("W3", 2, 0.0, 1.0)
    ]

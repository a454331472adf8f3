"""The demo registration system looks like a real one and is reproducible."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import sqlalchemy as sa

from demo.registrations import SOORT, TABLE, fill_demo_source, generate

UNTIL = dt.date(2026, 10, 31)


def test_same_seed_gives_the_same_registrations():
    assert generate(seed=7, until=UNTIL) == generate(seed=7, until=UNTIL)
    assert generate(seed=7, until=UNTIL) != generate(seed=8, until=UNTIL)


def test_a_later_until_keeps_earlier_months_and_only_settles_open_answers():
    earlier = {r.id: r for r in generate(until=dt.date(2026, 8, 31), broken=False)}
    later = {r.id: r for r in generate(until=UNTIL, broken=False)}
    for record_id, record in earlier.items():
        if record.datum_ingediend < dt.date(2024, 12, 1):
            continue  # the two-year window moved on
        assert later[record_id].onderwerp == record.onderwerp
        if record.datum_antwoord is not None:
            assert later[record_id].datum_antwoord == record.datum_antwoord


def test_two_years_hold_hundreds_of_items_a_year_of_both_kinds_across_all_wijken():
    records = generate(until=UNTIL, broken=False)
    kinds = Counter(r.soort for r in records)
    assert 400 < len(records) / 2 < 1000
    assert kinds[SOORT["vraag"]] > kinds[SOORT["advies"]] > 100
    assert len({r.wijk for r in records}) == 39


def test_most_are_answered_some_late_some_open_some_agreed_and_advice_has_tussenberichten():
    records = generate(until=UNTIL, broken=False)
    answered = [r for r in records if r.datum_antwoord]
    late = [r for r in answered
            if r.afgesproken_datum is None and r.afgesproken_termijn_dagen is None
            and (r.datum_antwoord - r.datum_ingediend).days > 42 + (r.verlenging_dagen or 0)]
    assert len(answered) / len(records) > 0.8
    assert 0.05 < len(late) / len(answered) < 0.4
    assert any(r.datum_antwoord is None for r in records)
    assert any(r.afgesproken_datum for r in records)
    assert any(r.afgesproken_termijn_dagen for r in records)
    assert any(r.datum_tussenbericht for r in records if r.soort == SOORT["advies"])
    assert all(r.datum_tussenbericht is None for r in records if r.soort == SOORT["vraag"])


def test_a_handful_of_broken_records_is_included():
    records = generate(until=UNTIL)
    broken = [r for r in records if r.id < 1_000_000]
    assert len(broken) == 6
    assert any(r.wethouder is None for r in broken)
    assert any("06-12345678" in (r.onderwerp or "") for r in broken)
    assert any(r.datum_antwoord and r.datum_antwoord < r.datum_ingediend for r in broken)


def test_fill_demo_source_writes_a_registration_table(tmp_path):
    url = f"sqlite:///{tmp_path}/nested/demo.sqlite"
    count = fill_demo_source(url, until=UNTIL)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text(f"SELECT count(*) FROM {TABLE}")).scalar() == count
    engine.dispose()
    assert fill_demo_source(url, until=UNTIL) == count  # refilling replaces, not appends


def test_the_deployed_package_carries_no_demo_generator():
    """The image copies plugins/ only: no module there may need the demo sources."""
    import ast

    from tests.conftest import ROOT

    for path in (ROOT / "plugins").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n == "demo" or n.startswith(("demo.", "wijkopvolging.demo"))
                           for n in names), f"{path} imports {names}"
        assert "demo" not in path.stem, path


def test_demo_exports_give_an_item_the_same_id_whatever_the_cut_off(tmp_path):
    """As a real export: a later cut-off adds rows and answers, it does not renumber."""
    from demo.exports import write_demo_exports
    from wijkopvolging.config import load_config
    from wijkopvolging.sources.files import extract_files

    source = load_config().source("gebiedslijsten")

    def read(until):
        write_demo_exports(tmp_path / str(until), until=until)
        items = extract_files(source, folder=tmp_path / str(until)).items
        return items.set_index("source_record_id")[["kind", "date_raised", "wijk",
                                                    "onderwerp", "wethouder"]]

    earlier, later = read(dt.date(2026, 8, 31)), read(dt.date(2026, 10, 31))
    both = earlier.index.intersection(later.index)
    assert len(both) >= 0.8 * len(earlier)
    assert earlier.loc[both].equals(later.loc[both])
    assert set(later.index) - set(earlier.index)  # two more months of rows

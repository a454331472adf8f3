"""A period's layout is spelled in one module: ``wijkopvolging.layout``, the revision mark
in ``wijkopvolging.labels``. The steps, delivery, the manifest, `make run`'s summary, the
benchmarks and the tests take them from there."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import ROOT
from wijkopvolging import labels, layout
from wijkopvolging.layout import SetKind, SetLayout
from wijkopvolging.periods import Period

PERIOD = Period.parse("2026-09")

# Every name of the layout that cannot be mistaken for another word. Bare words
# ("concept", "wijkraden", "signalering") also name tasks and configuration sections.
DISTINCT_NAMES = tuple(
    value for name, value in vars(layout).items()
    if name.isupper() and isinstance(value, str) and any(c in value for c in ".-")
    and value not in (layout.WORD, layout.PDF))
# The Word templates (include/templates/) carry the name of the document they make; a
# template's name is the house style's, not the output's, and may change on its own.
TEMPLATE_NAMES = {("plugins/wijkopvolging/documents/package.py", layout.LETTER),
                  ("plugins/wijkopvolging/documents/package.py", layout.OVERVIEW)}
# A test spells a name where the name itself is the promise: `make run` prints the paths
# the README tells the griffie about.
SPELLED_ON_PURPOSE = {("tests/e2e/test_make_run.py", layout.LETTER),
                      ("tests/e2e/test_make_run.py", layout.OVERVIEW)}
SCANNED = ("plugins", "scripts", "dags", "demo", "tests")


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring nodes in ``tree`` (documentation, not names in use)."""
    nodes = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, nodes) and node.body and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)}


def spelled_names(path: Path, names: tuple[str, ...] = DISTINCT_NAMES) -> set[str]:
    """The ``names`` (by default the layout's) that ``path`` spells in a string or bytes
    of its code."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstrings(tree)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) not in docstrings:
            value = node.value
            if isinstance(value, bytes):
                value = value.decode("utf-8", errors="replace")
            if isinstance(value, str):
                found |= {name for name in names if name in value}
    return found


def scanned_modules(*spelling: str) -> list[Path]:
    """The Python modules of the package, the scripts, the DAGs, the demo and the tests,
    but for the ``spelling`` modules (relative paths) and this scanner."""
    skip = {ROOT / path for path in (*spelling, "tests/unit/test_layout.py")}
    return [p for folder in SCANNED for p in sorted((ROOT / folder).rglob("*.py"))
            if p not in skip]


def test_the_layout_names_what_the_scan_looks_for():
    assert {layout.LETTER, layout.OVERVIEW, layout.WEBPAGE, layout.OPEN_DATA,
            layout.MANIFEST, layout.NOT_DELIVERED, layout.WORK,
            layout.VALIDATION_HTML} <= set(DISTINCT_NAMES)


def test_no_module_but_the_layout_spells_a_name_of_the_output():
    spelled = {(str(p.relative_to(ROOT)), name)
               for p in scanned_modules("plugins/wijkopvolging/layout.py")
               for name in spelled_names(p)}
    assert spelled - TEMPLATE_NAMES - SPELLED_ON_PURPOSE == set()


def test_no_module_but_the_labels_spells_the_revision_mark():
    spelled = {str(p.relative_to(ROOT))
               for p in scanned_modules("plugins/wijkopvolging/labels.py")
               if spelled_names(p, (labels.REVISED_MARK,))}
    assert spelled == set()


def test_the_scan_finds_a_name_spelled_again(tmp_path):
    module = tmp_path / "elsewhere.py"
    module.write_text('"""Mentions manifest.json in its docstring only."""\n'
                      'def f(folder):\n'
                      '    """And here: overzicht.html."""\n'
                      '    return folder / "open-data" / f"{folder}/manifest.json"\n'
                      'MARKED = b"brief (herziene versie)"\n')
    assert spelled_names(module) == {layout.OPEN_DATA, layout.MANIFEST}
    assert spelled_names(module, (labels.REVISED_MARK,)) == {labels.REVISED_MARK}


def test_the_scan_reaches_the_tests():
    assert ROOT / "tests/unit/test_delivery.py" in scanned_modules()
    assert ROOT / "tests/unit/test_layout.py" not in scanned_modules()


def test_a_set_s_paths_sit_in_its_folder(tmp_path):
    made = SetLayout(tmp_path)
    assert made.letter.parent == made.overview.parent == made.webpage.parent == tmp_path
    assert made.afschrift_of("noord").parent == made.afschriften
    assert SetLayout.pdf_of(made.afschrift_of("noord")).parent == made.afschriften
    assert SetLayout.pdf_of(made.letter).suffix == layout.PDF
    assert made.concept.folder.parent == made.not_delivered.folder.parent == tmp_path


@pytest.mark.parametrize("kind", list(SetKind))
def test_each_kind_renders_into_its_own_work_folder(tmp_path, kind):
    final = layout.work_set(tmp_path, PERIOD, SetKind.FINAL)
    made = layout.work_set(tmp_path, PERIOD, kind)
    assert made.folder.is_relative_to(layout.work_folder(tmp_path, PERIOD))
    assert (made == final) == (kind is SetKind.FINAL)
    assert not made.folder.is_relative_to(layout.drop_folder(tmp_path, PERIOD).folder)


def test_only_an_approved_kind_publishes_and_only_the_revised_one_is_marked():
    assert [k for k in SetKind if k.publishes] == [SetKind.FINAL, SetKind.REVISED]
    assert [k for k in SetKind if k.revised] == [SetKind.REVISED]
    assert [k for k in SetKind if k.concept] == [SetKind.CONCEPT]


def test_an_ingest_s_folder_is_named_after_its_amsterdam_day(tmp_path):
    late = dt.datetime(2026, 10, 31, 23, 30, tzinfo=dt.UTC)  # 1 November in Amsterdam
    assert layout.validation_folder(tmp_path, late).name == "2026-11-01"
    assert layout.week_folder(tmp_path, dt.date(2026, 11, 2)).name == "2026-11-02"

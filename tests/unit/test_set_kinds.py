"""The three kinds of set a report run renders (``layout.SetKind``), from one snapshot:
the concept publishes nothing and carries no date, kenmerk or decision; the final set
carries the college's decision, in the form the approval task hands it on; the revised
set is the final one marked "herziene versie", publications included."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from docx import Document

from tests.unit.report_frames import require_tools
from wijkopvolging import layout, pipeline
from wijkopvolging.approval import CollegeDecision
from wijkopvolging.labels import REVISED_MARK
from wijkopvolging.layout import SetKind, SetLayout
from wijkopvolging.periods import Period
from wijkopvolging.rapportage import (
    CONCEPT_KENMERK,
    CollegeRejected,
    render_concept,
    render_for_delivery,
    write_documents,
)

PERIOD = Period.parse("2026-09")
RUN_ID = "rapportage"


def college(*, approved: bool = True) -> CollegeDecision:
    return CollegeDecision(
        period=PERIOD.slug, approved=approved, decided_on=dt.date(2026, 11, 10) if approved
        else None, kenmerk="26bb004711" if approved else None,
        note="" if approved else "cijfers eerst nalopen", responded_by="secretariaat",
        responded_at=dt.datetime(2026, 11, 10, 9, tzinfo=dt.UTC))


@pytest.fixture(scope="module")
def checked(closing_ingest_sqlite, tmp_path_factory):
    """A project whose report run has passed its checks (snapshot, gate, timeliness)."""
    with closing_ingest_sqlite.copy(tmp_path_factory.mktemp("kinds") / "project") as project:
        config = project.config()
        pipeline.report_checks(config, PERIOD, run_id=RUN_ID)
        yield config


@pytest.fixture(scope="module")
def sets(checked) -> dict[SetKind, SetLayout]:
    """All three kinds, rendered as the DAG renders them."""
    concept = render_concept(checked, PERIOD, run_id=RUN_ID)["set"]
    rendered = render_for_delivery(checked, PERIOD, run_id=RUN_ID,
                                   decision=college().to_xcom(), with_revision=True)
    return {SetKind.CONCEPT: SetLayout(concept), SetKind.FINAL: SetLayout(rendered["set"]),
            SetKind.REVISED: SetLayout(rendered["revised_set"])}


def manifest(made: SetLayout) -> dict:
    return json.loads(made.manifest.read_text(encoding="utf-8"))


def title(path) -> str:
    return Document(path).core_properties.title


def test_each_kind_is_rendered_where_the_layout_puts_it(checked, sets):
    for kind, made in sets.items():
        assert made == layout.work_set(checked.output_dir, PERIOD, kind)
        assert made.letter.is_file() and made.overview.is_file()
        assert made.overview_xlsx.is_file()


def test_the_concept_publishes_nothing_and_waits_for_the_decision(sets):
    concept = sets[SetKind.CONCEPT]
    written = manifest(concept)
    assert written["concept"] is True and written["revised"] is False
    assert written["publications"] == {}
    assert written["kenmerk"] == CONCEPT_KENMERK
    assert written["letter_date"] is None and written["college"] is None
    assert not concept.webpage.exists() and not concept.open_data.exists()
    assert not concept.afschriften.exists()
    assert title(concept.letter).startswith("Concept: ")


def test_the_final_set_carries_the_decision_the_approval_task_handed_on(sets):
    final = sets[SetKind.FINAL]
    written = manifest(final)
    assert written["concept"] is False and written["revised"] is False
    assert written["college"] == college().to_xcom()
    assert written["kenmerk"] == "26bb004711" and written["letter_date"] == "2026-11-10"
    assert set(written["files"]) == {layout.LETTER, layout.OVERVIEW, layout.OVERVIEW_XLSX}
    publications = set(written["publications"])
    assert {layout.WEBPAGE, f"{layout.OPEN_DATA}/{layout.DATA_PACKAGE}",
            f"{layout.AFSCHRIFTEN}/{layout.MANIFEST}"} <= publications
    assert REVISED_MARK not in title(final.letter)


def test_the_revised_set_is_the_final_one_marked_publications_included(sets):
    final, revised = sets[SetKind.FINAL], sets[SetKind.REVISED]
    written = manifest(revised)
    assert written["revised"] is True and written["concept"] is False
    assert written["college"] == manifest(final)["college"]
    assert set(written["publications"]) == set(manifest(final)["publications"])
    assert title(revised.letter) == f"{title(final.letter)} {REVISED_MARK}"
    package = json.loads((revised.open_data / layout.DATA_PACKAGE).read_text("utf-8"))
    assert package["herziene_versie"] is True
    assert REVISED_MARK in revised.webpage.read_text(encoding="utf-8")


def test_a_rejection_renders_no_final_set(checked, tmp_path):
    rejected = college(approved=False)
    with pytest.raises(CollegeRejected, match="cijfers eerst nalopen"):
        render_for_delivery(checked, PERIOD, run_id=RUN_ID, decision=rejected.to_xcom())
    with pytest.raises(CollegeRejected):
        write_documents(checked, PERIOD, run_id=RUN_ID, folder=tmp_path / "afgewezen",
                        decision=rejected)
    assert not SetLayout(tmp_path / "afgewezen").manifest.exists()


def test_a_concept_cannot_carry_a_decision(checked, tmp_path):
    with pytest.raises(ValueError, match="concept"):
        write_documents(checked, PERIOD, run_id=RUN_ID, folder=SetLayout(tmp_path).concept.folder,
                        kind=SetKind.CONCEPT, decision=college())


def test_with_pdfs_every_word_document_has_its_pdf_beside_it(closing_ingest_sqlite, tmp_path):
    """One LibreOffice start converts the letter, the overview and every afschrift; the
    letter's and overview's PDFs go to the griffie, each afschrift's stays beside it."""
    require_tools("soffice")
    with closing_ingest_sqlite.copy(tmp_path / "project", pdf=True) as project:
        config = project.config()
        pipeline.report_checks(config, PERIOD, run_id=RUN_ID)
        final = SetLayout(render_for_delivery(config, PERIOD, run_id=RUN_ID,
                                              decision=college().to_xcom())["set"])
    written = manifest(final)
    assert set(written["files"]) == {layout.LETTER, layout.OVERVIEW, layout.OVERVIEW_XLSX,
                                     SetLayout.pdf_of(layout.LETTER).name,
                                     SetLayout.pdf_of(layout.OVERVIEW).name}
    afschriften = json.loads(final.afschriften_manifest.read_text("utf-8"))["afschriften"]
    assert afschriften
    for entry in afschriften:
        word = final.afschrift_of(entry["slug"])
        assert set(entry["files"]) == {word.name, SetLayout.pdf_of(word).name}
        assert str(SetLayout.pdf_of(word).relative_to(final.folder)) in written["publications"]
    assert not list(final.folder.glob(".tmp-*"))  # the staging folder is gone

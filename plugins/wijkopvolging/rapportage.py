"""The report steps for one period: snapshot, publication gate, timeliness, documents.
One function per DAG task. The documents are rendered into a work folder; delivering
them (``wijkopvolging.delivery``) is the DAG's last step, which these steps never call.

A report is made as of its period's end (the scheduled run's moment), from the warehouse's
history, so a re-issue of a past period shows what was known then, not today's data.

A set (``layout.SetKind``: the college's concept, the final set, the revised set) is made
in four stages: gather (what the documents show, read once), render (Word and the
spreadsheet), convert (PDFs, one LibreOffice start) and publish (beside an approved set:
open data, web page, afschriften); the manifest comes last.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wijkopvolging import layout
from wijkopvolging.config import Config
from wijkopvolging.errors import ExpectedError
from wijkopvolging.layout import SetKind, SetLayout
from wijkopvolging.periods import AMSTERDAM, Period
from wijkopvolging.schedules import report_as_of
from wijkopvolging.warehouse import open_warehouse

if TYPE_CHECKING:
    import pandas as pd

    from wijkopvolging.approval import CollegeDecision
    from wijkopvolging.trend import Trend

CONCEPT_KENMERK = "(volgt na het collegebesluit)"


def kenmerk_for(template: str, period: Period, override: str | None = None) -> str:
    """The letter's kenmerk: a run parameter wins over the configured template
    (``settings.kenmerk``, checked when the configuration is read)."""
    if override:
        return override
    return template.format(slug=period.slug, first_month=period.first_month,
                           year=period.start.year)


def work_folder(config: Config, period: Period) -> Path:
    """Where a run renders a period's sets for delivery (``layout.work_folder``)."""
    return layout.work_folder(config.output_dir, period)


class KnownAtError(ExpectedError, ValueError):
    """The ``bekend_op`` run parameter is not a moment."""


def parse_known_at(text: str | None) -> dt.datetime | None:
    """The ``bekend_op`` run parameter (ISO 8601, as the manifest's ``recorded_as_of``;
    without an offset it is UTC) as a moment, or None when empty."""
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise KnownAtError(
            f"bekend_op {text!r} is geen tijdstip: neem recorded_as_of uit het manifest van "
            "de levering over, bv. 2026-11-01T05:12:03.123456+00:00") from None


class NoWarehouseHistory(ExpectedError):
    """The warehouse holds no ingest from before the report moment: the report would be
    empty by mistake, not because nothing happened."""


def no_history_message(period: Period, first_ingest: dt.datetime | None) -> str:
    """The Dutch refusal for a period the warehouse has no history of: from when it has
    data, and how to fill the gap (``first_ingest`` naive UTC, or ``None``)."""
    as_of = report_as_of(period)
    since = ("er is nog geen enkele ingest gedraaid" if first_ingest is None else
             "het heeft gegevens vanaf "
             f"{first_ingest.replace(tzinfo=dt.UTC).astimezone(AMSTERDAM):%d-%m-%Y %H:%M}")
    day_before = period.end - dt.timedelta(days=1)
    return (
        f"Het warehouse heeft geen geschiedenis van {period.label}: een rapport per "
        f"{as_of:%d-%m-%Y %H:%M} zou leeg zijn, en {since}. Vul eerst de geschiedenis "
        f"tot die datum: draai wijkopvolging_ingest voor {day_before:%d-%m-%Y} (in de UI, "
        f"of `airflow backfill create --dag-id wijkopvolging_ingest --from-date "
        f"{day_before:%Y-%m-%d} --to-date {day_before:%Y-%m-%d}`; met de demodata: "
        f"`make run PERIOD={period.first_month}`) en start deze run daarna opnieuw."
    )


def take_snapshot(config: Config, period: Period, *, run_id: str,
                  known_at: dt.datetime | None = None) -> dict:
    """Select the period's items from the warehouse as of the report moment.

    The warehouse answers as recorded at ``known_at`` (default: now, all ingests so far);
    a delivered report's manifest names that moment (``recorded_as_of``), so passing it
    makes the report again as delivered, whatever backfills ran since. A period from
    before the warehouse's first ingest is refused (``NoWarehouseHistory``); a period with
    history but no items gives an empty report."""
    from wijkopvolging.duplicates import counted_once
    from wijkopvolging.model import naive_utc
    from wijkopvolging.periods import select_for_report
    from wijkopvolging.reference import ReferenceData

    reference = ReferenceData.load()
    with open_warehouse(config.warehouse_url) as warehouse:
        first_ingest = warehouse.first_ingest()
        if first_ingest is None or first_ingest > naive_utc(report_as_of(period)):
            raise NoWarehouseHistory(no_history_message(period, first_ingest))
        known_at = known_at or warehouse.last_recorded()
        snapshot = warehouse.snapshot(report_as_of(period), known_at=known_at)
        kept, duplicates = counted_once(config, snapshot)
        report = select_for_report(kept, period)
        report["gebied"] = report["wijk"].map(
            lambda wijk: reference.gebied_of(wijk) if reference.canonical_wijk(wijk) else None)
        warehouse.write_report_items(run_id, period.slug, report)
        warehouse.record_report_snapshot(run_id, period.slug, report_as_of(period), known_at)
    return {"period": period.slug, "in_warehouse": len(snapshot),
            "duplicates": len(duplicates), "in_report": len(report)}


def check_publication_gate(config: Config, period: Period, *, run_id: str) -> dict:
    """Validate the period's snapshot (Data Docs for stewards) and stop before any
    document is written if a record would publish personal data."""
    from wijkopvolging.reference import ReferenceData
    from wijkopvolging.validation import publication_gate, validate_snapshot

    with open_warehouse(config.warehouse_url) as warehouse:
        report = warehouse.read_report_items(run_id)
    findings = validate_snapshot(report, reference=ReferenceData.load(),
                                 peildatum=period.peildatum, settings=config.settings,
                                 run_id=run_id, gx_dir=config.data_docs_dir)
    publication_gate(report)
    return {"checked": len(report), "findings": len(findings)}


def compute_timeliness(config: Config, period: Period, *, run_id: str) -> dict:
    """Deadline and status at the peildatum for every item in the report."""
    from wijkopvolging.timeliness import apply_timeliness

    with open_warehouse(config.warehouse_url) as warehouse:
        report = warehouse.read_report_items(run_id)
        report = apply_timeliness(report, period.peildatum, config.settings.timeliness)
        warehouse.write_report_items(run_id, period.slug, report)
    return report["status"].value_counts().sort_index().to_dict()


def quarantine_by_reason(config: Config, period: Period) -> dict[str, int]:
    """Records in quarantine at the report moment, by Dutch reason (no details)."""
    from wijkopvolging.model import ERROR
    from wijkopvolging.validation import rule_title

    with open_warehouse(config.warehouse_url) as warehouse:
        findings = warehouse.findings_as_of(report_as_of(period))
    # Records only: a whole-file finding has no row, and its records carry their own.
    errors = findings[(findings["severity"] == ERROR) & findings["row_no"].notna()]
    # A record breaking two rules counts once, under its first rule.
    first = errors.sort_values(["source", "row_no", "rule"]).drop_duplicates(
        ["source", "row_no"])
    counts = first["rule"].map(rule_title).value_counts()
    return {str(k): int(v) for k, v in sorted(counts.items())}


class CollegeRejected(Exception):
    """The college rejected the concept: no final set, nothing for the griffie. The
    message is the decision's summary (the DAG skips the documents and their delivery)."""


def render_concept(config: Config, period: Period, *, run_id: str) -> dict:
    """Render the concept set for the college into the work folder: every page marked
    "concept", no letter date and no kenmerk yet (those come from the college's
    decision). The letter shows the trend as the final one will; the publications
    (afschriften, open data, web page) are not made for a concept. Returns the folder,
    for the concept's delivery."""
    target = layout.work_set(config.output_dir, period, SetKind.CONCEPT)
    write_documents(config, period, run_id=run_id, folder=target.folder,
                    kind=SetKind.CONCEPT)
    return {"set": str(target.folder)}


def render_for_delivery(config: Config, period: Period, *, run_id: str,
                        decision: Mapping, with_revision: bool = False) -> dict:
    """Render the final set from the run's snapshot, dated and numbered as the college
    decided, into the work folder for delivery, with the publications (afschriften, open
    data, web page) beside it; when the run forces delivery (``with_revision``) also the
    same set marked "herziene versie" next to it: a forced delivery of a changed period
    sends that one. Returns the folders, for the delivery task.

    ``decision`` is the college's decision in the one form it travels between tasks, as
    the approval task returns it (``CollegeDecision.to_xcom``); it is read here, once. A
    rejection raises ``CollegeRejected``: there is no final set."""
    from wijkopvolging.approval import CollegeDecision

    college = CollegeDecision.from_xcom(decision)
    if not college.approved:
        raise CollegeRejected(college.summary())
    kinds = (SetKind.FINAL, SetKind.REVISED) if with_revision else (SetKind.FINAL,)
    sets = {kind: layout.work_set(config.output_dir, period, kind) for kind in kinds}
    content = gather(config, period, run_id=run_id)  # once for both sets: the same rows
    for kind, target in sets.items():
        write_set(config, period, content, target=target, kind=kind, decision=college)
    revised = sets.get(SetKind.REVISED)
    return {"set": str(sets[SetKind.FINAL].folder),
            "revised_set": str(revised.folder) if revised else None}


def write_documents(config: Config, period: Period, *, run_id: str, folder: Path | str,
                    kind: SetKind = SetKind.FINAL,
                    decision: CollegeDecision | None = None) -> dict:
    """Render a set of ``kind`` from the run's snapshot into ``folder``: the letter, the
    overview (Word, PDF where LibreOffice is present, spreadsheet), beside a final set
    the publications, and the manifest (sha256 per file) last. A final or revised set
    is dated and numbered as the college decided (``decision``, an approved
    ``CollegeDecision``; without one: the configured kenmerk and the day after the
    period); a concept has neither, and no decision yet. Returns the set's paths."""
    return write_set(config, period, gather(config, period, run_id=run_id),
                     target=SetLayout(Path(folder)), kind=kind, decision=decision)


# -- the stages of a set: gather → render → convert → publish ------------------------------

@dataclass(frozen=True)
class ReportContent:
    """What every document of a period's set shows, read once from the warehouse."""

    report: pd.DataFrame  # the report's items, with their timeliness
    reconciliation: pd.DataFrame  # per source: extracted, loaded, quarantined
    known_at: dt.datetime | None  # the recorded moment the warehouse answered as of
    trend: Trend
    quarantined: dict[str, int]  # records in quarantine by Dutch reason
    rows: dict  # the overview's rows as Word texts (the overview, every afschrift)
    items: dict  # the overview's rows as items (spreadsheet, open data, web page)


@dataclass(frozen=True)
class Letterhead:
    """What the college gives the letter: its kenmerk and its date (neither on a concept
    yet), and the decision they come from, for the manifest."""

    kenmerk: str
    letter_date: dt.date | None
    decision: CollegeDecision | None


def letterhead(config: Config, period: Period, kind: SetKind,
               decision: CollegeDecision | None) -> Letterhead:
    """The kenmerk and date a set of ``kind`` carries. A concept comes before the
    college's decision; a final set never comes from a rejection."""
    if kind.concept:
        if decision is not None:
            raise ValueError(f"period {period.slug}: a concept precedes the college's "
                             "decision; it cannot carry one")
        return Letterhead(CONCEPT_KENMERK, None, None)
    if decision is not None and not decision.approved:
        raise CollegeRejected(decision.summary())
    decided = decision.kenmerk if decision else None
    return Letterhead(kenmerk_for(config.settings.kenmerk, period, decided),
                      (decision.decided_on if decision else None) or period.end, decision)


def gather(config: Config, period: Period, *, run_id: str) -> ReportContent:
    """Read what the set shows: the run's report items, the reconciliation and the
    quarantine as of the report moment, and the trend over the earlier periods."""
    from wijkopvolging.documents.overview import overview_items, overview_text_tables
    from wijkopvolging.trend import compute_trend

    with open_warehouse(config.warehouse_url) as warehouse:
        report = warehouse.read_report_items(run_id)
        reconciliation = warehouse.reconciliation_as_of(report_as_of(period))
        known_at = (warehouse.report_snapshot(run_id) or {}).get("known_at")
        # Earlier periods as a re-issue of them made with this report's knowledge shows them.
        trend = compute_trend(config, period, report, warehouse=warehouse, known_at=known_at)
    return ReportContent(report=report, reconciliation=reconciliation, known_at=known_at,
                         trend=trend, quarantined=quarantine_by_reason(config, period),
                         rows=overview_text_tables(report), items=overview_items(report))


def write_set(config: Config, period: Period, content: ReportContent, *,
              target: SetLayout, kind: SetKind,
              decision: CollegeDecision | None = None) -> dict:
    """Render, convert and publish one set of ``kind`` into ``target`` from ``content``,
    each file atomically (rendered in a staging folder, then renamed), the manifest
    last. See ``write_documents``."""
    head = letterhead(config, period, kind, decision)
    target.folder.mkdir(parents=True, exist_ok=True)
    staging = SetLayout(target.folder / f".tmp-{os.getpid()}")
    staging.folder.mkdir(exist_ok=True)
    try:
        rendered = render(content, period, kind=kind, head=head, staging=staging)
        files = [*rendered.for_the_griffie, *convert(config, rendered, staging=staging)]
        for path in files:  # a rename within one folder is atomic
            os.replace(path, target.folder / path.name)
        publications = (publish(content, period, kind=kind, head=head, staging=staging,
                                target=target) if kind.publishes else [])
    finally:
        shutil.rmtree(staging.folder, ignore_errors=True)
    files = [target.folder / p.name for p in files]
    if kind.publishes:  # the Woo index of what the approved set publishes
        publications = [*publications, *woo_index(
            config, period, content, kind=kind, head=head, target=target, files=files,
            publications=publications)]
    write_manifest(period, content, target=target, kind=kind, head=head, files=files,
                   publications=publications)
    return {"letter": str(target.letter), "overview": str(target.overview),
            "webpage": str(target.webpage), "open_data": str(target.open_data),
            "afschriften": str(target.afschriften),
            "spreadsheet": str(target.overview_xlsx),
            "pdfs": [str(p) for p in files if p.suffix == layout.PDF],
            "manifest": str(target.manifest)}


@dataclass(frozen=True)
class RenderedSet:
    """A set's Word documents and spreadsheet, rendered in the staging folder."""

    letter: Path
    overview: Path
    spreadsheet: Path
    afschriften: list[Path]  # none for a concept

    @property
    def for_the_griffie(self) -> list[Path]:
        """What the griffie's manifest lists (with the PDFs of the first two)."""
        return [self.letter, self.overview, self.spreadsheet]


def render(content: ReportContent, period: Period, *, kind: SetKind, head: Letterhead,
           staging: SetLayout) -> RenderedSet:
    """Render the griffie's documents (letter, overview, spreadsheet) into ``staging``
    and, for a set that publishes, the afschrift per wijkraad in its sub-folder."""
    from wijkopvolging.documents import render_letter, render_overview, write_overview_xlsx
    from wijkopvolging.documents.afschrift import render_afschriften

    report, marks = content.report, {"revised": kind.revised, "concept": kind.concept}
    return RenderedSet(
        letter=render_letter(report, period, kenmerk=head.kenmerk,
                             letter_date=head.letter_date,
                             quarantine_by_reason=content.quarantined, trend=content.trend,
                             path=staging.letter, **marks),
        overview=render_overview(report, period, path=staging.overview, rows=content.rows,
                                 **marks),
        spreadsheet=write_overview_xlsx(report, period, path=staging.overview_xlsx,
                                        items=content.items, **marks),
        # The publications come from the approved set only: the concept is the
        # college's to decide on, not yet public.
        afschriften=(render_afschriften(report, period, folder=staging.afschriften,
                                        kenmerk=head.kenmerk, revised=kind.revised,
                                        items=content.items, rows=content.rows)
                     if kind.publishes else []))


def convert(config: Config, rendered: RenderedSet, *, staging: SetLayout) -> list[Path]:
    """PDFs of the letter, the overview and every afschrift, each beside its Word file,
    in one LibreOffice start: starting it costs more than a conversion. Returns the
    letter's and the overview's; none without PDFs (``documents.pdf: false``) or
    without LibreOffice."""
    from wijkopvolging.documents import convert_to_pdf

    if not config.documents.pdf:
        return []
    documents = [rendered.letter, rendered.overview]
    pdfs = convert_to_pdf([*documents, *rendered.afschriften], staging.folder,
                          timeout=config.documents.pdf_timeout_seconds)
    for afschrift, pdf in zip(rendered.afschriften, pdfs[len(documents):], strict=False):
        os.replace(pdf, SetLayout.pdf_of(afschrift))
    return pdfs[:len(documents)]


def publish(content: ReportContent, period: Period, *, kind: SetKind, head: Letterhead,
            staging: SetLayout, target: SetLayout) -> list[str]:
    """Beside an approved set in ``target`` (not mailed to the griffie): the open data,
    the web page and the afschriften per wijkraad (rendered in ``staging``, PDFs
    included). Whatever else an approved set publishes belongs here. Returns the
    publications' paths relative to the set's folder, sorted."""
    from wijkopvolging.documents.afschrift import write_afschrift_manifest
    from wijkopvolging.documents.opendata import write_open_data
    from wijkopvolging.documents.webpage import write_webpage

    report, revised = content.report, kind.revised
    paths = write_open_data(report, period, folder=target.open_data, revised=revised,
                            items=content.items)
    paths.append(write_webpage(report, period, path=target.webpage, trend=content.trend,
                               kenmerk=head.kenmerk, revised=revised, items=content.items))
    shutil.rmtree(target.afschriften, ignore_errors=True)  # a wijk without items keeps none
    os.replace(staging.afschriften, target.afschriften)
    write_afschrift_manifest(report, period, folder=target.afschriften, kenmerk=head.kenmerk,
                             revised=revised, items=content.items)
    paths.extend(sorted(target.afschriften.iterdir()))
    return sorted(str(p.relative_to(target.folder)) for p in paths)


def woo_index(config: Config, period: Period, content: ReportContent, *, kind: SetKind,
              head: Letterhead, target: SetLayout, files: list[Path],
              publications: list[str]) -> list[str]:
    """The DiWoo metadata of each publication of an approved set and the sitemap for the
    Woo index, beside the set in ``target`` (``documents.diwoo``). Returns their paths
    relative to the set's folder."""
    from wijkopvolging.documents.diwoo import write_woo_index

    return write_woo_index(
        config.publication, period, folder=target.folder, kenmerk=head.kenmerk,
        decided_on=head.letter_date, revised=kind.revised, files=[p.name for p in files],
        publications=publications, recorded_as_of=content.known_at)


def write_manifest(period: Period, content: ReportContent, *, target: SetLayout,
                   kind: SetKind, head: Letterhead, files: list[Path],
                   publications: list[str]) -> dict:
    """The set's manifest, written last: what the report is as of, the figures, the
    college's decision and the sha256 of every file. Returns it."""
    from wijkopvolging.atomic import file_sha256, write_atomic

    report = content.report
    manifest = {
        "period": period.slug,
        "label": period.label,
        "peildatum": period.peildatum.isoformat(),
        "as_of": report_as_of(period).isoformat(),
        # The recorded moment the warehouse answered as of: a later backfill cannot change
        # this report; take_snapshot(known_at=...) with it makes the report again.
        "recorded_as_of": (content.known_at.replace(tzinfo=dt.UTC).isoformat()
                           if content.known_at else None),
        "kenmerk": head.kenmerk,
        "letter_date": head.letter_date.isoformat() if head.letter_date else None,
        "revised": kind.revised,
        "concept": kind.concept,
        "college": head.decision.to_xcom() if head.decision else None,
        "items": len(report),
        "status_counts": {k: int(v) for k, v in
                          report["status"].value_counts().sort_index().items()},
        "quarantine_by_reason": content.quarantined,
        "reconciliation": [
            {"source": r["source"], "extracted": int(r["extracted"]),
             "loaded": int(r["loaded"]), "quarantined": int(r["quarantined"])}
            for r in content.reconciliation.to_dict("records")
        ],
        "trend": content.trend.to_json(),
        "files": {p.name: file_sha256(p) for p in files},
        # Published beside the griffie's set (not mailed to the griffie): open data, the
        # web page and the afschriften per wijkraad, by path relative to the folder.
        "publications": {name: file_sha256(target.folder / name) for name in publications},
    }
    write_atomic(target.manifest,
                 json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8"))
    return manifest

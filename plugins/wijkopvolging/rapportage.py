"""The report steps for one period: snapshot, publication gate, timeliness, documents.
One function per DAG task. The documents are rendered into a work folder; delivering
them (``wijkopvolging.delivery``) is the DAG's last step, which these steps never call.

A report is made as of its period's end (the scheduled run's moment), from the warehouse's
history, so a re-issue of a past period shows what was known then, not today's data.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

from wijkopvolging.config import Config
from wijkopvolging.errors import ExpectedError
from wijkopvolging.periods import AMSTERDAM, Period
from wijkopvolging.schedules import report_as_of
from wijkopvolging.warehouse import open_warehouse

LETTER_NAME = "raadsinformatiebrief.docx"
OVERVIEW_NAME = "bijlage-overzicht.docx"
OVERVIEW_XLSX_NAME = "bijlage-overzicht.xlsx"  # the same rows, for sorting and filtering
WORK_FOLDER = ".werk"  # where a run renders its sets for delivery
REVISED_FOLDER = "herzien"  # the same set marked "herziene versie", next to it
CONCEPT_FOLDER = "concept"  # the college's concept, marked "concept" on every page
CONCEPT_KENMERK = "(volgt na het collegebesluit)"
WEBPAGE_NAME = "overzicht.html"  # the same rows as an accessible web page
OPEN_DATA_FOLDER = "open-data"  # the same rows as CSV, JSON and a data package
AFSCHRIFT_FOLDER = "wijkraden"  # per wijk its rows, for the wijkraad


def kenmerk_for(template: str, period: Period, override: str | None = None) -> str:
    """The letter's kenmerk: a run parameter wins over the configured template
    (``settings.kenmerk``, checked when the configuration is read)."""
    if override:
        return override
    return template.format(slug=period.slug, first_month=period.first_month,
                           year=period.start.year)


def work_folder(config: Config, period: Period) -> Path:
    """Where a run renders a period's set for delivery: ``<output>/.werk/<slug>/``."""
    return config.output_dir / WORK_FOLDER / period.slug


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


def render_concept(config: Config, period: Period, *, run_id: str) -> dict:
    """Render the concept set for the college into the work folder: every page marked
    "concept", no letter date and no kenmerk yet (those come from the college's
    decision). The letter shows the trend as the final one will; the publications
    (afschriften, open data, web page) are not made for a concept. Returns the folder,
    for the concept's delivery."""
    folder = work_folder(config, period) / CONCEPT_FOLDER
    write_documents(config, period, run_id=run_id, folder=folder, concept=True)
    return {"set": str(folder)}


def render_for_delivery(config: Config, period: Period, *, run_id: str, decision,
                        with_revision: bool = False) -> dict:
    """Render the final set from the run's snapshot, dated and numbered as the college
    decided (``decision``, an approved ``CollegeDecision``), into the work folder for
    delivery, with the publications (afschriften, open data, web page) beside it; when
    the run forces delivery (``with_revision``) also the same set marked "herziene
    versie" next to it: a forced delivery of a changed period sends that one.
    Returns the folders, for the delivery task."""
    if not decision.approved:
        raise ValueError(f"period {period.slug}: the college did not approve; no final set")
    folder = work_folder(config, period)
    college = decision.to_xcom()
    write_documents(config, period, run_id=run_id, folder=folder, kenmerk=decision.kenmerk,
                    letter_date=decision.decided_on, college=college)
    revised = None
    if with_revision:
        revised = folder / REVISED_FOLDER
        write_documents(config, period, run_id=run_id, folder=revised,
                        kenmerk=decision.kenmerk, letter_date=decision.decided_on,
                        college=college, revised=True)
    return {"set": str(folder), "revised_set": str(revised) if revised else None}


def write_documents(config: Config, period: Period, *, run_id: str, folder: Path | str,
                    kenmerk: str | None = None, letter_date: dt.date | None = None,
                    revised: bool = False, concept: bool = False,
                    college: dict | None = None) -> dict:
    """Render the letter and the overview into ``folder``, each file atomically, convert
    them to PDF where LibreOffice is present, and write the manifest (sha256 per file)
    last. The letter is dated ``letter_date`` (default: the day after the period) and
    carries ``kenmerk`` (default: the configured template); ``revised`` marks every
    document "herziene versie", ``concept`` marks every page as the college's concept
    (no date, no kenmerk yet). ``college``, the decision the set was made after, goes
    into the manifest. Every set's letter shows the trend; the publications (open data,
    web page, afschriften per wijkraad) are written beside a final set only, never
    beside a concept, so nothing the college has not approved is ever published."""
    from wijkopvolging.atomic import file_sha256, write_atomic
    from wijkopvolging.documents import (
        convert_to_pdf,
        render_letter,
        render_overview,
        write_overview_xlsx,
    )
    from wijkopvolging.documents.afschrift import render_afschriften
    from wijkopvolging.documents.diwoo import write_woo_index
    from wijkopvolging.documents.overview import overview_items, overview_text_tables
    from wijkopvolging.trend import compute_trend

    with open_warehouse(config.warehouse_url) as warehouse:
        report = warehouse.read_report_items(run_id)
        reconciliation = warehouse.reconciliation_as_of(report_as_of(period))
        moments = warehouse.report_snapshot(run_id) or {}
        # Earlier periods as a re-issue of them made with this report's knowledge shows them.
        trend = compute_trend(config, period, report, warehouse=warehouse,
                              known_at=moments.get("known_at"))
    quarantined = quarantine_by_reason(config, period)
    folder = Path(folder)
    if concept:
        kenmerk_text, letter_date = CONCEPT_KENMERK, None
    else:
        kenmerk_text = kenmerk_for(config.settings.kenmerk, period, kenmerk)
        letter_date = letter_date or period.end
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / f".tmp-{os.getpid()}"
    staging.mkdir(exist_ok=True)
    # The overview's rows, made once: as Word texts (the overview, every afschrift) and as
    # items (the spreadsheet, the open data, the web page).
    rows, items = overview_text_tables(report), overview_items(report)
    try:
        letter = render_letter(report, period, kenmerk=kenmerk_text, letter_date=letter_date,
                               quarantine_by_reason=quarantined, revised=revised,
                               concept=concept, trend=trend, path=staging / LETTER_NAME)
        overview = render_overview(report, period, revised=revised, concept=concept,
                                   path=staging / OVERVIEW_NAME, rows=rows)
        spreadsheet = write_overview_xlsx(report, period, revised=revised, concept=concept,
                                          path=staging / OVERVIEW_XLSX_NAME, items=items)
        # The publications (afschriften, open data, web page) come from the approved set
        # only: the concept is the college's to decide on, not yet public.
        afschriften = ([] if concept else render_afschriften(
            report, period, folder=staging / AFSCHRIFT_FOLDER, kenmerk=kenmerk_text,
            revised=revised, items=items, rows=rows))
        # One LibreOffice start for every PDF: starting it costs more than a conversion.
        # Without PDFs (documents.pdf: false) the Word files are the whole set.
        all_pdfs = (convert_to_pdf([letter, overview, *afschriften], staging,
                                   timeout=config.documents.pdf_timeout_seconds)
                    if config.documents.pdf else [])
        pdfs = all_pdfs[:2]
        for path in all_pdfs[2:]:
            os.replace(path, staging / AFSCHRIFT_FOLDER / path.name)
        files = [letter, overview, spreadsheet, *pdfs]
        for path in files:  # a rename within one folder is atomic
            os.replace(path, folder / path.name)
        publications = [] if concept else write_publications(
            report, period, folder=folder, staging=staging, trend=trend,
            kenmerk=kenmerk_text, revised=revised, items=items)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    files = [folder / p.name for p in files]
    if not concept:  # the Woo index: approved sets only (documents.diwoo)
        publications += write_woo_index(
            config.publication, period, folder=folder, kenmerk=kenmerk_text,
            decided_on=letter_date, revised=revised, files=[p.name for p in files],
            publications=publications, recorded_as_of=moments.get("known_at"))
    manifest = {
        "period": period.slug,
        "label": period.label,
        "peildatum": period.peildatum.isoformat(),
        "as_of": report_as_of(period).isoformat(),
        # The recorded moment the warehouse answered as of: a later backfill cannot change
        # this report; take_snapshot(known_at=...) with it makes the report again.
        "recorded_as_of": (moments["known_at"].replace(tzinfo=dt.UTC).isoformat()
                           if moments.get("known_at") else None),
        "kenmerk": kenmerk_text,
        "letter_date": letter_date.isoformat() if letter_date else None,
        "revised": revised,
        "concept": concept,
        "college": college,
        "items": len(report),
        "status_counts": {k: int(v) for k, v in
                          report["status"].value_counts().sort_index().items()},
        "quarantine_by_reason": quarantined,
        "reconciliation": [
            {"source": r["source"], "extracted": int(r["extracted"]),
             "loaded": int(r["loaded"]), "quarantined": int(r["quarantined"])}
            for r in reconciliation.to_dict("records")
        ],
        "trend": trend.to_json(),
        "files": {p.name: file_sha256(p) for p in files},
        # Published beside the griffie's set (not mailed to the griffie): open data, the
        # web page and the afschriften per wijkraad, by path relative to the folder.
        "publications": {name: file_sha256(folder / name) for name in publications},
    }
    write_atomic(folder / "manifest.json",
                 json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8"))
    return {"letter": str(folder / LETTER_NAME), "overview": str(folder / OVERVIEW_NAME),
            "webpage": str(folder / WEBPAGE_NAME),
            "open_data": str(folder / OPEN_DATA_FOLDER),
            "afschriften": str(folder / AFSCHRIFT_FOLDER),
            "spreadsheet": str(folder / OVERVIEW_XLSX_NAME),
            "pdfs": [str(folder / p.name) for p in pdfs],
            "manifest": str(folder / "manifest.json")}


def write_publications(report, period: Period, *, folder: Path, staging: Path, trend,
                       kenmerk: str, revised: bool, items: dict | None = None) -> list[str]:
    """Beside the griffie's set in ``folder``: the open data, the web page and the
    afschriften per wijkraad (rendered in ``staging``, PDFs included). Returns their
    paths relative to ``folder``, sorted."""
    from wijkopvolging.documents.afschrift import write_afschrift_manifest
    from wijkopvolging.documents.opendata import write_open_data
    from wijkopvolging.documents.webpage import write_webpage

    paths = write_open_data(report, period, folder=folder / OPEN_DATA_FOLDER,
                            revised=revised, items=items)
    paths.append(write_webpage(report, period, path=folder / WEBPAGE_NAME, trend=trend,
                               kenmerk=kenmerk, revised=revised, items=items))
    afschriften = folder / AFSCHRIFT_FOLDER
    shutil.rmtree(afschriften, ignore_errors=True)  # a wijk without items keeps none
    os.replace(staging / AFSCHRIFT_FOLDER, afschriften)
    write_afschrift_manifest(report, period, folder=afschriften, kenmerk=kenmerk,
                             revised=revised, items=items)
    paths.extend(sorted(afschriften.iterdir()))
    return sorted(str(p.relative_to(folder)) for p in paths)

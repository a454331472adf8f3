"""The steward report of one ingest run: what was quarantined, why, and how to fix it.

Written as HTML (to read) and CSV (to filter in Excel, ``;``-separated, UTF-8 with BOM),
in Dutch. Contents: the counts per source (extracted, loaded, quarantined, warnings),
sources that returned no records, the quarantined records grouped by source and rule
with the rule's description and fix hint, the warnings, the records that left quarantine
since the previous run of their source, and a link to the Great Expectations Data Docs.
Values are masked once more before they are shown, whatever wrote them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from wijkopvolging.labels import format_date_nl
from wijkopvolging.layout import DUPLICATES_CSV, VALIDATION_CSV, VALIDATION_HTML
from wijkopvolging.model import ERROR, FINDING_COLUMNS, WARNING
from wijkopvolging.safe_text import csv_text, html_text
from wijkopvolging.validation.privacy import mask_text
from wijkopvolging.validation.rules import RULES, column_label, rule_title

ROWS_PER_TABLE = 200  # the HTML stays readable; the CSV has every finding

IN_QUARANTINE = "in quarantaine"
WARNED = "waarschuwing"
RELEASED = "uit quarantaine"

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; margin: 2rem;
       color: #1a1a1a; line-height: 1.45; max-width: 75rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; margin-top: 2rem;
     border-bottom: 2px solid #00689e; } h3 { font-size: 1.1rem; } h4 { font-size: 1rem; }
table { border-collapse: collapse; margin: .5rem 0 1.25rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border: 1px solid #b0b0b0; padding: .3rem .6rem; text-align: left;
         vertical-align: top; }
th { background: #e8f1f7; } td.getal { text-align: right; }
.waarschuwing { background: #fff4d6; border-left: 4px solid #b07d00; padding: .5rem 1rem; }
.fout { color: #a1001c; font-weight: 600; } .goed { color: #1c6b2f; }
.uitleg { margin: .25rem 0; } .herstel { margin: .25rem 0 .5rem; font-style: italic; }
"""


def _e(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html_text(str(mask_text(str(value))))


def _table(caption: str, headers: list[str], rows: list[list], numeric: set[int] = frozenset()
           ) -> str:
    head = "".join(f'<th scope="col">{html_text(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(
            f'<td class="getal">{_e(v)}</td>' if i in numeric else f"<td>{_e(v)}</td>"
            for i, v in enumerate(row)) + "</tr>"
        for row in rows
    )
    return (f"<table><caption>{html_text(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _with_source(frame: pd.DataFrame | None) -> pd.DataFrame:
    if frame is None or frame.empty:
        return pd.DataFrame(columns=["source", *FINDING_COLUMNS])
    named = "source" in frame
    frame = frame.reindex(columns=list(dict.fromkeys(["source", *frame, *FINDING_COLUMNS])))
    if not named:
        frame["source"] = "onbekend"
    frame["source_row"] = pd.to_numeric(frame["source_row"]).astype("Int64")
    return frame


# Where a record sits in its source (``source_file``, ``source_row``: the row Excel shows)
# has its own columns; the extract's position (``row_no``) is internal and not shown.
# A value the source step emptied (unreadable, or out of bounds) also leaves its field
# missing; the report names the cause only.
EMPTIED, MISSING = ("onleesbare_waarde", "buiten_grenzen"), "verplicht_veld"


def shown_message(record) -> str | None:
    """A finding's message without the file and row it starts with: the report shows
    those in their own columns, so the steward reads each once."""
    message = record.message
    if not isinstance(message, str):
        return None
    if isinstance(record.source_file, str) and not pd.isna(record.source_row):
        message = message.removeprefix(f"{record.source_file}, rij {record.source_row}, ")
    return message


def one_finding_per_cause(findings: pd.DataFrame) -> pd.DataFrame:
    """Leave out "verplicht veld ontbreekt" for a field whose value was unreadable (or out
    of bounds) in the same record: that value is the cause, and the steward fixes it once."""
    if findings.empty:
        return findings
    unreadable = set(zip(*(findings.loc[findings["rule"].isin(EMPTIED), key]
                           for key in ("source", "row_no", "column")), strict=True))
    echo = [rule == MISSING and key in unreadable for rule, key in zip(
        findings["rule"], zip(findings["source"], findings["row_no"], findings["column"],
                              strict=True), strict=True)]
    return findings[~pd.Series(echo, index=findings.index, dtype=bool)]


def released_records(findings: pd.DataFrame, previous_findings: pd.DataFrame | None,
                     sources: set[str]) -> pd.DataFrame:
    """Records quarantined in the previous run of their source and not in this one
    (fixed at the source, or no longer in it). Only for ``sources`` that ran now."""
    previous = _with_source(previous_findings)
    previous = previous[(previous["severity"] == ERROR) & previous["source"].isin(sources)
                        & previous["source_record_id"].notna()]
    current = _with_source(findings)
    current = current[current["severity"] == ERROR]
    still = set(zip(current["source"], current["source_record_id"].astype("str"), strict=True))
    keys = list(zip(previous["source"], previous["source_record_id"].astype("str"),
                    strict=True))
    gone = previous.loc[pd.Series([key not in still for key in keys], index=previous.index,
                                  dtype=bool)]
    return (gone.groupby(["source", "source_record_id"], sort=True)
            .agg(rules=("rule", lambda r: ", ".join(dict.fromkeys(r))),
                 titles=("rule", lambda r: ", ".join(dict.fromkeys(map(rule_title, r)))))
            .reset_index())


def write_steward_report(findings: pd.DataFrame, runs: pd.DataFrame, out_dir, *,
                         previous_findings: pd.DataFrame | None = None,
                         gx_dir: str | Path | None = None,
                         duplicates: pd.DataFrame | None = None) -> dict[str, Path]:
    """Write the steward report (HTML) and all its findings (CSV) to ``out_dir``.

    ``findings``: this run's findings with a ``source`` column (the warehouse's
    ``quarantine`` rows); ``runs``: the run's ``ingest_runs`` rows; ``previous_findings``:
    the findings of the previous run of those sources, for "Uit quarantaine";
    ``duplicates``: items registered in more than one source (``duplicates.find_duplicates``),
    counted once in the overview;
    ``gx_dir``: the Great Expectations folder whose Data Docs the report links to
    (default: as the configuration resolves it). Returns ``{"html": ..., "csv": ...}``.
    """
    from wijkopvolging.validation.gx_runner import data_docs_index, gx_dir_default

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    findings = one_finding_per_cause(_with_source(findings))
    runs = runs if runs is not None else pd.DataFrame()
    sources = set(runs["source"]) if "source" in runs and len(runs) else set(findings["source"])
    released = released_records(findings, previous_findings, sources)

    csv_path = out_dir / VALIDATION_CSV
    write_csv(_csv(findings, released), csv_path)
    docs = data_docs_index(gx_dir if gx_dir is not None else gx_dir_default())
    html_path = out_dir / VALIDATION_HTML
    html = _html(findings, runs, released, docs, out_dir)
    paths = {"html": html_path, "csv": csv_path}
    if duplicates is not None and len(duplicates):
        html = html.replace("</main>", _duplicates_section(duplicates) + "</main>")
        paths["duplicates"] = out_dir / DUPLICATES_CSV
        write_csv(duplicates, paths["duplicates"])
    html_path.write_text(html, encoding="utf-8")
    return paths


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A CSV for stewards to open in Excel (``;``, UTF-8 with BOM); every text goes
    through ``csv_text``, so a value from a source never runs as a formula there."""
    frame = frame.copy()
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].map(csv_text)
    frame.to_csv(path, index=False, sep=";", encoding="utf-8-sig")


def _duplicates_section(duplicates: pd.DataFrame) -> str:
    rows = [[r.kept_source, r.kept_item_id, r.duplicate_source, r.duplicate_item_id,
             r.message] for r in duplicates.itertuples()]
    return (
        "<h2>Dubbel geregistreerd</h2><p>Deze items staan in meer dan één bron. Het overzicht "
        "telt ze één keer (uit de eerstgenoemde bron); haal de dubbele registratie weg of "
        "laat één bron leidend zijn.</p>"
        + _table("Dubbele registraties", ["Bron (geteld)", "Item", "Bron (dubbel)", "Item",
                                          "Toelichting"], rows))


def _csv(findings: pd.DataFrame, released: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for record in findings.sort_values(["source", "severity", "rule", "row_no"]).itertuples():
        entry = RULES.get(record.rule)
        rows.append({
            "bron": record.source, "bronnummer": record.source_record_id,
            "bestand": record.source_file, "rij": record.source_row,
            "status": IN_QUARANTINE if record.severity == ERROR else WARNED,
            "regel": record.rule, "regelnaam": rule_title(record.rule),
            "veld": column_label(record.column),
            "waarde": mask_text(record.value) if isinstance(record.value, str) else record.value,
            "melding": mask_text(message) if (message := shown_message(record)) else None,
            "uitleg": entry.description if entry else "", "herstel": entry.fix if entry else "",
        })
    for record in released.itertuples():
        rows.append({"bron": record.source, "bronnummer": record.source_record_id,
                     "status": RELEASED, "regel": record.rules,
                     "regelnaam": record.titles})
    columns = ["bron", "bronnummer", "bestand", "rij", "status", "regel", "regelnaam", "veld",
               "waarde", "melding", "uitleg", "herstel"]
    table = pd.DataFrame(rows, columns=columns)
    table["rij"] = pd.to_numeric(table["rij"]).astype("Int64")  # 19, not 19.0; may be empty
    return table


def _html(findings: pd.DataFrame, runs: pd.DataFrame, released: pd.DataFrame, docs: Path,
          out_dir: Path) -> str:
    errors = findings[findings["severity"] == ERROR]
    warnings = findings[findings["severity"] == WARNING]
    as_of = pd.to_datetime(runs["as_of"]).max() if "as_of" in runs and len(runs) else None
    run_ids = sorted(set(runs["run_id"])) if "run_id" in runs and len(runs) else []
    title = "Validatierapport" + (f" {format_date_nl(as_of)}" if as_of is not None else "")
    parts = [
        f'<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html_text(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{html_text(title)}</h1>",
    ]
    if run_ids:
        parts.append(f"<p>Run: {_e(', '.join(run_ids))}.</p>")
    n_quarantined = errors.drop_duplicates(["source", "row_no"]).shape[0]
    parts.append(
        f"<p><strong>{n_quarantined}</strong> record(s) in quarantaine, "
        f"<strong>{len(warnings)}</strong> waarschuwing(en), "
        f"<strong>{len(released)}</strong> record(s) uit quarantaine.</p>")
    try:
        href = os.path.relpath(docs, out_dir)
    except ValueError:  # another drive
        href = docs.as_uri()
    parts.append(
        f'<p>Technische details per validatie staan in de <a href="{html_text(href)}">'
        f"Great Expectations Data Docs</a> ({html_text(str(docs))}).</p>")

    parts.append(_runs_section(runs))
    parts.append(_empty_sources_section(runs))
    parts.append(_grouped_section("In quarantaine", errors,
                                  "Deze records zijn niet geladen. Herstel ze in het "
                                  "bronsysteem; de volgende run neemt ze dan vanzelf mee."))
    parts.append(_grouped_section("Waarschuwingen", warnings,
                                  "Deze records zijn wel geladen, maar verdienen een blik."))
    parts.append(_released_section(released))
    parts.append("</main></body></html>")
    return "\n".join(part for part in parts if part)


def _runs_section(runs: pd.DataFrame) -> str:
    out = ["<h2>Per bron</h2>"]
    if runs is None or runs.empty:
        out.append('<p class="waarschuwing">Er zijn (nog) geen laadresultaten voor deze run: '
                   "het laden is niet gelukt of nog niet gedaan.</p>")
        return "\n".join(out)
    rows = []
    for run in runs.sort_values("source").itertuples():
        reconciled = int(run.extracted) == int(run.loaded) + int(run.quarantined)
        rows.append([run.source, int(run.extracted), int(run.loaded), int(run.quarantined),
                     int(run.warnings), int(getattr(run, "new", 0)),
                     int(getattr(run, "changed", 0)), int(getattr(run, "deleted", 0)),
                     "ja" if reconciled else "NEE"])
    out.append(_table(
        "Aantallen per bron: gelezen = geladen + in quarantaine",
        ["Bron", "Gelezen", "Geladen", "In quarantaine", "Waarschuwingen", "Nieuw",
         "Gewijzigd", "Verwijderd", "Sluitend"],
        rows, numeric={1, 2, 3, 4, 5, 6, 7}))
    return "\n".join(out)


def _empty_sources_section(runs: pd.DataFrame) -> str:
    if runs is None or runs.empty:
        return ""
    empty = sorted(runs.loc[runs["extracted"].astype(int) == 0, "source"])
    if not empty:
        return ""
    items = "".join(f"<li>{_e(source)}</li>" for source in empty)
    return ("<h2>Bronnen zonder records</h2>"
            '<div class="waarschuwing"><p>Deze bronnen leverden geen enkel record. Dat kan '
            "kloppen, maar is vaker een teken dat de bron leeg, onbereikbaar of verkeerd "
            "ingesteld is (query, tabel of filter). Bij een volledige extractie betekent het "
            f"ook dat eerdere records als verwijderd gelden.</p><ul>{items}</ul></div>")


def _grouped_section(title: str, findings: pd.DataFrame, intro: str) -> str:
    out = [f"<h2>{html_text(title)}</h2>"]
    if findings.empty:
        out.append("<p>Geen.</p>")
        return "\n".join(out)
    out.append(f"<p>{html_text(intro)}</p>")
    order = {rule_id: n for n, rule_id in enumerate(RULES)}
    for source, per_source in findings.groupby("source", sort=True):
        records = per_source.drop_duplicates("row_no").shape[0]
        out.append(f"<h3>Bron {_e(source)} ({records} record(s))</h3>")
        for rule_id in sorted(per_source["rule"].unique(), key=lambda r: order.get(r, 99)):
            group = per_source[per_source["rule"] == rule_id].sort_values("row_no")
            entry = RULES.get(rule_id)
            out.append(f"<h4>{_e(rule_title(rule_id))} ({len(group)})</h4>")
            if entry:
                out.append(f'<p class="uitleg">{html_text(entry.description)}</p>')
                out.append(f'<p class="herstel">Herstel: {html_text(entry.fix)}</p>')
            shown = group.head(ROWS_PER_TABLE)
            # An export's records by file and row too; a database's or API's by key alone.
            located = bool(shown["source_file"].notna().any())
            where = ["Bestand", "Rij in bron"] if located else []
            rows = [[r.source_record_id, *([r.source_file, r.source_row] if located else []),
                     column_label(r.column), r.value, shown_message(r)]
                    for r in shown.itertuples()]
            out.append(_table(f"Bron {source}, {rule_title(rule_id)}",
                              ["Bronnummer", *where, "Veld", "Waarde", "Melding"], rows,
                              numeric={2} if located else set()))
            if len(group) > ROWS_PER_TABLE:
                out.append(f"<p>En nog {len(group) - ROWS_PER_TABLE} record(s) met deze "
                           f"regel: zie {VALIDATION_CSV}.</p>")
    return "\n".join(out)


def _released_section(released: pd.DataFrame) -> str:
    out = ["<h2>Uit quarantaine</h2>"]
    if released.empty:
        out.append("<p>Geen records: niets dat bij de vorige run van een bron in quarantaine "
                   "stond, is nu vrijgekomen.</p>")
        return "\n".join(out)
    out.append("<p>Deze records stonden bij de vorige run van hun bron in quarantaine en nu "
               "niet meer: ze zijn in de bron hersteld (en nu geladen) of uit de bron "
               "verdwenen.</p>")
    rows = [[r.source, r.source_record_id, r.titles] for r in released.itertuples()]
    out.append(_table("Records uit quarantaine", ["Bron", "Bronnummer", "Regel(s) vorige run"],
                      rows))
    return "\n".join(out)

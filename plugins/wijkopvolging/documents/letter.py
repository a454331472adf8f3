"""The raadsinformatiebrief: the letter that accompanies the overview in the RIS.

The wording lives in the Word template ``include/templates/raadsinformatiebrief.docx``,
which is the source: whoever keeps the house style edits it in Word. This module only
supplies the placeholders' values (``letter_context``: the figures, the charts, the
period, the titles from ``labels``), renders with docxtpl with autoescaping on, and saves
reproducibly.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from pathlib import Path

from docx.oxml.ns import qn
from docx.shared import Cm

from wijkopvolging.documents.chart import (
    chartable,
    on_time_chart_alt_text,
    on_time_chart_png,
    trend_chart_alt_text,
    trend_chart_png,
)
from wijkopvolging.documents.package import (
    LETTER_TEMPLATE,
    import_docxtpl,
    mark_as_concept,
    render_template,
    save_docx,
    set_core_properties,
    template_path,
    zip_moment,
)
from wijkopvolging.figures import compute_figures
from wijkopvolging.labels import (
    DOCUMENT_KEYWORDS,
    REVISED_MARK,
    concept_title,
    format_date_nl,
    letter_title,
    overview_title,
)
from wijkopvolging.periods import Period
from wijkopvolging.safe_text import clean_report, clean_text

CHART_WIDTH = Cm(15)


def _quarantine_lines(quarantine_by_reason: Mapping[str, int]) -> list[dict]:
    """Reason and count, most frequent first; no record details (those are for the
    data stewards' validation report, not the public letter)."""
    lines = [
        {"reason": clean_text(reason), "count": int(count)}
        for reason, count in quarantine_by_reason.items()
        if int(count) > 0
    ]
    return sorted(lines, key=lambda line: (-line["count"], line["reason"]))


def letter_context(
    template,
    report,
    period: Period,
    *,
    kenmerk: str,
    letter_date: dt.date | None,
    quarantine_by_reason: Mapping[str, int],
    revised: bool = False,
    trend=None,
) -> dict:
    """Every placeholder the letter template may use, with its value: the one list of
    them (the template contract test and README's table read this). ``template`` is the
    docxtpl template the charts are placed in; ``report`` is already cleaned."""
    from wijkopvolging.trend import Trend, trend_point

    docxtpl = import_docxtpl()
    figures = compute_figures(report, period)

    chart_rows = chartable(figures.by_wethouder)
    chart = None
    if chart_rows:
        png = on_time_chart_png(chart_rows)
        chart = docxtpl.InlineImage(template, io.BytesIO(png), width=CHART_WIDTH)

    if trend is None:
        trend = Trend(period=period, points=(trend_point(report, period),))
    trend_chart = None
    if len(trend.points) > 1:  # one bar group shows no development
        trend_chart = docxtpl.InlineImage(
            template, io.BytesIO(trend_chart_png(trend.points)), width=CHART_WIDTH)

    quarantine = _quarantine_lines(quarantine_by_reason)
    return {
        "title": letter_title(period),
        "overview_title": overview_title(period),
        "revised_mark": REVISED_MARK,
        "period_label": period.label,
        "peildatum": format_date_nl(period.peildatum),
        "letter_date": (format_date_nl(letter_date) if letter_date
                        else "(datum van het collegebesluit)"),
        "kenmerk": clean_text(kenmerk),
        "revised": bool(revised),
        "total": figures.total,
        "vraag": figures.kind("vraag"),
        "advies": figures.kind("advies"),
        "kinds": [*figures.by_kind, figures.total],
        "wethouders": figures.by_wethouder,
        "chart": chart,
        "quarantine": quarantine,
        "quarantine_total": sum(line["count"] for line in quarantine),
        "trend": trend.points,
        "trend_note": trend.note,
        "trend_as_reported": trend.as_reported,
        "trend_chart": trend_chart,
    }


def render_letter(
    report,
    period: Period,
    *,
    kenmerk: str,
    letter_date: dt.date | None,
    quarantine_by_reason: Mapping[str, int],
    revised: bool = False,
    concept: bool = False,
    trend=None,
    path: Path | str,
) -> Path:
    """Render the raadsinformatiebrief for ``period`` to ``path`` (.docx) and return it.

    ``report`` is the period's report frame (items with timeliness columns);
    ``quarantine_by_reason`` maps a Dutch reason to the number of records held back.
    ``revised`` marks a corrected re-issue ("Herziene versie"). ``concept`` marks every
    page as the college's concept; a concept has no ``letter_date`` yet (the date of the
    college's decision). ``trend`` is the ``trend.Trend`` up to this period (default: this
    period only); concept and final letter show it alike. The same input always gives the
    same bytes.
    """
    docxtpl = import_docxtpl()

    report = clean_report(report)
    template = docxtpl.DocxTemplate(template_path(LETTER_TEMPLATE))
    context = letter_context(
        template, report, period, kenmerk=kenmerk, letter_date=letter_date,
        quarantine_by_reason=quarantine_by_reason, revised=revised, trend=trend)
    render_template(template, context, LETTER_TEMPLATE)

    # docxtpl's InlineImage writes no alt text; screen readers need it (WCAG 1.1.1).
    # The images appear in the body in this order.
    images = []
    if context["chart"] is not None:
        images.append((on_time_chart_alt_text(chartable(context["wethouders"]), period.label),
                       "Aandeel op tijd beantwoord per wethouder", "Figuur 1"))
    if context["trend_chart"] is not None:
        images.append((trend_chart_alt_text(context["trend"]),
                       "Ontwikkeling per periode", "Figuur 2"))
    doc_prs = list(template.docx.element.body.iter(qn("wp:docPr")))
    for number, (doc_pr, (alt_text, title, name)) in enumerate(
            zip(doc_prs, images, strict=True), start=1):
        doc_pr.set("id", str(number))  # unique per document
        doc_pr.set("descr", alt_text)
        doc_pr.set("title", title)
        doc_pr.set("name", name)

    title = letter_title(period, revised=revised)
    if concept:
        mark_as_concept(template.docx)
        title = concept_title(title)
    set_core_properties(
        template.docx,
        title=title,
        subject=f"Raadsinformatiebrief {clean_text(kenmerk)}",
        keywords=DOCUMENT_KEYWORDS,
        identifier=clean_text(kenmerk),
        moment=zip_moment(period.peildatum),
        revision=2 if revised else 1,
    )
    return save_docx(template, path, zip_moment(period.peildatum))

"""The letter's charts: on-time share per wethouder and the trend, as deterministic PNGs.

The PNG must be byte-identical for the same figures (the documents are compared byte
for byte), so it carries no software/date metadata, uses matplotlib's bundled DejaVu
Sans and a fixed size and dpi.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from wijkopvolging.figures import WethouderRow

DPI = 150
BAR_COLOUR = "#00558C"  # dark blue; every bar also carries its figure as text


def _finished_png(figure, axes) -> bytes:
    """The charts' common finish: open top and right, tight layout, and a PNG without
    the software stamp (so the same figures give the same bytes)."""
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def chartable(rows: Sequence[WethouderRow]) -> list[WethouderRow]:
    """The wethouders with something answered in the period: a share of nothing is no
    bar (the table shows ``—`` for them)."""
    return [row for row in rows if row.answered]


def on_time_chart_png(rows: Sequence[WethouderRow]) -> bytes:
    """A horizontal bar chart of the on-time share (0–100%) per wethouder, top to bottom
    in the order given."""
    # Figure + Agg canvas directly: no pyplot global state, safe in worker threads.
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = chartable(rows)
    with rc_context({"font.family": "DejaVu Sans", "font.size": 9}):
        figure = Figure(figsize=(6.3, 0.42 * len(rows) + 0.9), dpi=DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        names = [row.wethouder for row in rows]
        shares = [100 * row.on_time_fraction for row in rows]
        positions = list(range(len(rows)))
        axes.barh(positions, shares, color=BAR_COLOUR, height=0.6)
        for y, row, share in zip(positions, rows, shares, strict=True):
            axes.text(min(share, 100) + 1.5, y,
                      f"{row.on_time_pct} ({row.answered_on_time} van {row.answered})",
                      va="center", ha="left")
        axes.set_yticks(positions, labels=names)
        axes.invert_yaxis()  # first wethouder on top, as in the table
        axes.set_xlim(0, 125)
        axes.set_xticks([0, 25, 50, 75, 100], labels=["0%", "25%", "50%", "75%", "100%"])
        axes.set_xlabel("Aandeel op tijd beantwoord")
        return _finished_png(figure, axes)


def on_time_chart_alt_text(rows: Sequence[WethouderRow], period_label: str) -> str:
    """The chart in words, for screen readers (``descr`` of the image)."""
    rows = chartable(rows)
    parts = "; ".join(
        f"{row.wethouder}: {row.on_time_pct} ({row.answered_on_time} van {row.answered})"
        for row in rows
    )
    return (
        f"Staafdiagram: aandeel van de in {period_label} beantwoorde Vragen uit de Wijk en "
        f"ongevraagde adviezen dat op tijd is beantwoord, per wethouder. {parts}. "
        "Wethouders die in de periode niets hebben beantwoord, staan niet in de figuur."
    )


# -- the trend over the last periods ------------------------------------------------------

TREND_SERIES = (  # (attribute, legend label, colour, hatch): not told apart by colour alone
    ("answered", "Beantwoord in periode", "#00558C", ""),
    ("open_overdue", "Open, termijn verlopen op peildatum", "#B34A00", "//"),
    ("advies_tussenbericht", "Adviezen met tussenbericht", "#4B6B2A", ".."),
)


def trend_chart_png(points: Sequence) -> bytes:
    """Grouped bars per period (oldest left): answered, open past term and advice with a
    tussenbericht, each bar with its figure; the on-time share under each period."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with rc_context({"font.family": "DejaVu Sans", "font.size": 8, "hatch.color": "white"}):
        figure = Figure(figsize=(6.3, 3.2), dpi=DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        width = 0.26
        top = max([1] + [getattr(p, attr) for p in points for attr, *_ in TREND_SERIES])
        for offset, (attr, label, colour, hatch) in enumerate(TREND_SERIES):
            xs = [i + (offset - 1) * width for i in range(len(points))]
            values = [getattr(p, attr) for p in points]
            axes.bar(xs, values, width=width, color=colour, hatch=hatch, label=label)
            for x, value in zip(xs, values, strict=True):
                axes.text(x, value + top * 0.015, str(value), ha="center", va="bottom",
                          fontsize=7)
        axes.set_xticks(range(len(points)),
                        labels=[f"{p.short_label}\n{p.on_time_pct} op tijd" for p in points])
        axes.set_ylim(0, top * 1.15)
        axes.set_ylabel("Aantal")
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, frameon=False,
                    fontsize=7)
        return _finished_png(figure, axes)


def trend_chart_alt_text(points: Sequence) -> str:
    """The trend chart in words, for screen readers."""
    parts = "; ".join(
        f"{p.label}: {p.answered} beantwoord, waarvan {p.on_time_pct} op tijd, "
        f"{p.open_overdue} open met verlopen termijn, {p.advies_tussenbericht} adviezen "
        "met tussenbericht" for p in points)
    return (f"Staafdiagram: ontwikkeling over {len(points)} perioden, oudste eerst. {parts}. "
            "Dezelfde cijfers staan in de tabel bij de figuur.")

"""The overview as one accessible web page, beside a period's set (``layout.WEBPAGE``).

One self-contained file: the styles and the script are inline, there are no images,
fonts or other requests (a Content-Security-Policy says so to the browser), and the page
is complete without JavaScript. With JavaScript on, four selection lists filter the table
per gebied, wijk, wethouder and status, and a live region says how many rows are shown.

Dutch, for WCAG 2.1 AA: ``lang="nl"``, landmarks (header, nav, main, footer), a skip
link, headings in order, tables with a caption and ``th scope``, labelled form fields,
a visible keyboard focus, text contrast of at least 4.5:1, and status as words (never
by colour alone). The rows are the Word overview's (``overview.overview_items``), the
figures the letter's (``figures.compute_figures``) and the trend the letter's.
Byte-identical for the same input.
"""

from __future__ import annotations

from pathlib import Path

from wijkopvolging.atomic import write_atomic
from wijkopvolging.documents.overview import OVERVIEW_COLUMNS, overview_items
from wijkopvolging.figures import compute_figures
from wijkopvolging.labels import (
    KIND_LABELS_PLURAL,
    STATUS_LABELS,
    format_date_nl,
    overview_title,
)
from wijkopvolging.layout import DATA_PACKAGE, OPEN_DATA, OPEN_DATA_CSV, OPEN_DATA_JSON
from wijkopvolging.periods import Period
from wijkopvolging.safe_text import html_text

# The open data, linked from the page beside it (a relative path in the same set).
OPEN_DATA_LINK = f"{OPEN_DATA}/{OPEN_DATA_CSV}"

# The Word overview's columns per kind (overview.OVERVIEW_COLUMNS), widths in % of the
# table. The tables have a fixed layout and sit one per kind and gebied, each rendered
# only when scrolled near (content-visibility): one automatic-layout table of 10,000
# rows makes Chromium measure every cell again each time the parser hands it more rows.
FILTERS = (("gebied", "Gebied"), ("wijk", "Wijk"), ("wethouder", "Wethouder"),
           ("status", "Status"))
CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "base-uri 'none'; form-action 'none'")

STYLE = """
[hidden]{display:none!important}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1a1a1a;
background:#fff;margin:0;line-height:1.5}
header,main,footer,nav{padding:0 1.5rem;max-width:90rem;margin:0 auto}
header{border-bottom:4px solid #00558c;padding-bottom:.5rem}
a{color:#00558c}a:focus,select:focus,button:focus{outline:3px solid #b34a00;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}
.cijfers{display:flex;flex-wrap:wrap;gap:1rem;padding:0;list-style:none}
.cijfers li{border:1px solid #767676;padding:.5rem 1rem;min-width:10rem}
.cijfers strong{display:block;font-size:1.6rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
.groep table{table-layout:fixed;width:100%;overflow-wrap:break-word}
.groep{content-visibility:auto;contain-intrinsic-size:auto 40rem}
caption{text-align:left;font-weight:bold;padding:.25rem 0}
th,td{border:1px solid #767676;padding:.25rem .4rem;text-align:left;vertical-align:top}
thead th{background:#e8eef4}
td.getal{text-align:right}
form{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-end;margin:1rem 0}
label{display:block;font-weight:bold}
select,button{font:inherit;padding:.3rem;border:1px solid #1a1a1a;background:#fff;color:#1a1a1a}
.verlopen{font-weight:bold}
"""

SCRIPT = """
(function () {
  var form = document.getElementById('filters');
  var count = document.getElementById('aantal');
  var groups = Array.prototype.map.call(document.querySelectorAll('.groep'), function (g) {
    var columns = {};
    Array.prototype.forEach.call(g.querySelectorAll('thead th'), function (th, i) {
      columns[th.getAttribute('data-veld')] = i;
    });
    return {element: g, gebied: g.getAttribute('data-gebied'), columns: columns,
            rows: g.querySelector('tbody').rows};
  });
  var total = 0;
  groups.forEach(function (g) { total += g.rows.length; });
  var selects = form.querySelectorAll('select');
  function apply() {
    var wanted = [], gebied = '';
    Array.prototype.forEach.call(selects, function (select) {
      if (!select.value) { return; }
      if (select.name === 'gebied') { gebied = select.value; }
      else { wanted.push([select.name, select.value]); }
    });
    var shown = 0;
    groups.forEach(function (g) {
      var visible = 0, inGebied = !gebied || g.gebied === gebied;
      for (var i = 0; i < g.rows.length; i++) {
        var cells = g.rows[i].cells, show = inGebied;
        for (var j = 0; j < wanted.length && show; j++) {
          show = cells[g.columns[wanted[j][0]]].textContent === wanted[j][1];
        }
        if (g.rows[i].hidden === show) { g.rows[i].hidden = !show; }  // only changes
        if (show) { visible++; }
      }
      g.element.hidden = visible === 0;
      shown += visible;
    });
    Array.prototype.forEach.call(document.querySelectorAll('section.soort'), function (s) {
      var groupsIn = s.querySelectorAll('.groep');
      s.hidden = groupsIn.length > 0 && !s.querySelector('.groep:not([hidden])');
    });
    count.textContent = shown + ' van ' + total + ' vragen en adviezen getoond';
  }
  Array.prototype.forEach.call(selects, function (select) {
    select.addEventListener('change', apply);
  });
  form.addEventListener('submit', function (event) { event.preventDefault(); apply(); });
  form.addEventListener('reset', function () { setTimeout(apply, 0); });
  form.hidden = false;
})();
"""


def _options(values) -> str:
    return "".join(f"<option>{html_text(v)}</option>"
                   for v in sorted(set(values), key=lambda v: (v.casefold(), v)))


def _trend_table(trend) -> str:
    rows = "".join(
        f"<tr><th scope=\"row\">{html_text(p.label)}</th><td class=\"getal\">{p.answered}</td>"
        f"<td class=\"getal\">{p.answered_on_time} ({html_text(p.on_time_pct)})</td>"
        f"<td class=\"getal\">{p.open_overdue}</td>"
        f"<td class=\"getal\">{p.advies_tussenbericht}</td></tr>"
        for p in trend.points)
    return (
        "<table><caption>Ontwikkeling per periode, oudste eerst</caption><thead><tr>"
        "<th scope=\"col\">Periode</th><th scope=\"col\">Beantwoord in periode</th>"
        "<th scope=\"col\">Waarvan op tijd</th><th scope=\"col\">Open, termijn verlopen "
        "op peildatum</th><th scope=\"col\">Adviezen met tussenbericht</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>")


def _kind_section(kind: str, items: list) -> str:
    """A kind's heading and, per gebied, a heading and a table (as the Word overview)."""
    label = KIND_LABELS_PLURAL[kind]
    if not items:
        return (f'<section class="soort" aria-label="{label}"><h3>{label}</h3>'
                f"<p>Er staan geen {label[0].lower()}{label[1:]} in dit overzicht.</p>"
                "</section>")
    columns = OVERVIEW_COLUMNS[kind]
    widths = [c.width_cm for c in columns]
    colgroup = "".join(f'<col style="width:{100 * w / sum(widths):.1f}%">' for w in widths)
    header = "".join(f'<th scope="col" data-veld="{c.field}">{html_text(c.header)}</th>'
                     for c in columns)
    overdue = STATUS_LABELS["open_verlopen"]
    by_gebied: dict[str, list] = {}
    for item in items:
        by_gebied.setdefault(item.gebied, []).append(item)
    parts = [f'<section class="soort" aria-label="{label}"><h3>{label}</h3>']
    for gebied, gebied_items in by_gebied.items():
        rows = []
        for item in gebied_items:
            cells = []
            for column in columns:
                text = html_text(item.text(column.field))
                cells.append(f'<td class="verlopen">{text}</td>' if column.field == "status"
                             and text == overdue else f"<td>{text}</td>")
            rows.append(f"<tr>{''.join(cells)}</tr>")
        parts.append(
            f'<div class="groep" data-gebied="{html_text(gebied)}"><h4>{html_text(gebied)}</h4>'
            f"<table><caption>{label}, gebied {html_text(gebied)}</caption>"
            f"<colgroup>{colgroup}</colgroup><thead><tr>{header}</tr></thead><tbody>\n"
            + "\n".join(rows) + "\n</tbody></table></div>")
    parts.append("</section>")
    return "\n".join(parts)


def render_webpage(report, period: Period, *, trend, kenmerk: str, revised: bool = False,
                   items: dict | None = None) -> str:
    """The page as a string (see the module docstring). ``items``: the report's
    ``overview_items`` when already made."""
    figures = compute_figures(report, period)
    total, advies = figures.total, figures.kind("advies")
    items_by_kind = overview_items(report) if items is None else items
    items = [item for kind_items in items_by_kind.values() for item in kind_items]
    title = overview_title(period, revised=revised)

    groups = "\n".join(_kind_section(kind, kind_items)
                        for kind, kind_items in items_by_kind.items())
    filters = "".join(
        f'<div><label for="filter-{name}">{label}</label>'
        f'<select id="filter-{name}" name="{name}"><option value="">Alle</option>'
        f"{_options(getattr(i, name) for i in items)}</select></div>"
        for name, label in FILTERS)
    figures_list = "".join(
        f"<li><strong>{value}</strong> {html_text(text)}</li>" for value, text in (
            (total.items, "vragen en adviezen in het overzicht"),
            (total.answered, "beantwoord in de periode"),
            (html_text(total.on_time_pct), "daarvan op tijd beantwoord"),
            (total.open_within_term, "open binnen de termijn op de peildatum"),
            (total.open_overdue, "open met verlopen termijn op de peildatum"),
            (advies.tussenbericht_sent, "ongevraagde adviezen met een tussenbericht"),
        ))
    revised_note = ("<p><strong>Herziene versie.</strong> Deze pagina vervangt de eerder "
                    "gepubliceerde versie.</p>") if revised else ""
    return f"""<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html_text(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<a class="skip" href="#overzicht">Direct naar het overzicht</a>
<header>
<p>Gemeente Rotterdam · bijlage bij de raadsinformatiebrief, ons kenmerk {html_text(kenmerk)}</p>
<h1>{html_text(title)}</h1>
{revised_note}<p>Peildatum: {format_date_nl(period.peildatum)}. Alle Vragen uit de Wijk en
ongevraagde adviezen van de wijkraden die op de peildatum open stonden en alle die in de
periode zijn beantwoord. De reactietermijn is zes weken, tenzij anders is afgesproken.</p>
</header>
<nav aria-label="Op deze pagina">
<ul><li><a href="#kerncijfers">Kerncijfers</a></li><li><a href="#ontwikkeling">Ontwikkeling
over de laatste perioden</a></li><li><a href="#overzicht">Overzicht</a></li>
<li><a href="{OPEN_DATA_LINK}">Open data (CSV)</a></li></ul>
</nav>
<main>
<section aria-labelledby="kerncijfers">
<h2 id="kerncijfers">Kerncijfers over {html_text(period.label)}</h2>
<ul class="cijfers">{figures_list}</ul>
</section>
<section aria-labelledby="ontwikkeling">
<h2 id="ontwikkeling">Ontwikkeling over de laatste perioden</h2>
<p>{html_text(trend.note)} {html_text(trend.as_reported)}</p>
{_trend_table(trend)}
</section>
<section aria-labelledby="overzicht">
<h2 id="overzicht">Overzicht</h2>
<form id="filters" hidden aria-label="Filter het overzicht">
{filters}
<div><button type="reset">Alle filters wissen</button></div>
</form>
<p id="aantal" role="status">{len(items)} vragen en adviezen</p>
{groups}
</section>
</main>
<footer>
<p>De gegevens staan ook als open data (CC0) in de map <a href="{OPEN_DATA_LINK}">
{OPEN_DATA}</a>: {OPEN_DATA_CSV}, {OPEN_DATA_JSON} en {DATA_PACKAGE}. Het overzicht bevat geen
persoonsgegevens.</p>
</footer>
<script>{SCRIPT}</script>
</body>
</html>
"""


def write_webpage(report, period: Period, *, path: Path | str, trend, kenmerk: str,
                  revised: bool = False, items: dict | None = None) -> Path:
    """Write the page to ``path`` atomically and return it."""
    html = render_webpage(report, period, trend=trend, kenmerk=kenmerk, revised=revised,
                          items=items)
    return write_atomic(Path(path), html.encode("utf-8"))

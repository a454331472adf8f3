"""Delivery of a period's documents to the griffie: the drop folder and e-mail.

The last step of the rapportage DAG, and only that: it takes a set the report steps
finished (files plus manifest, in a work folder the DAG hands over) and places, sends
and records it. It never renders and never reaches back into the report steps.

Before the griffie, the college: ``deliver_concept`` places the concept set in
``<drop folder>/concept/`` and mails it to the secretariat (``approval.to``), and
``record_college_decision`` notes the college's answer in the ledger (channel
``college``). Only an approved, final set reaches ``deliver_to_griffie``, which decides,
against the delivery ledger in the warehouse (``deliver_once``, the rule every delivery
shares), what the griffie gets:

- **first delivery**: the set goes into the drop folder ``<output>/<YYYY-MM>_<YYYY-MM>/``
  and by e-mail (letter, overview and PDFs attached); the ledger records it;
- **unchanged** since the last delivery: nothing is sent, the drop folder is left alone;
- **changed, not forced**: nothing is sent. The drop folder keeps the set the griffie
  received (what it may already have published must stay recognisable); the new set
  goes to ``<drop folder>/niet-geleverd/`` and the log tells the operator to run again
  with ``force_delivery``;
- **changed, forced** (``force_delivery``): the same set marked "herziene versie" (which
  the report step rendered alongside, because the run forces delivery) replaces the drop
  folder's set and is mailed with "herziene versie" in the subject.

"Changed" compares the Word documents as rendered without the revision mark. They are
byte-identical for the same snapshot; the PDFs are not (LibreOffice stamps a creation
time), so they are delivered but not compared.

Without an Airflow connection named ``delivery.smtp_conn_id`` (``make run``, a laptop),
nothing is mailed or recorded: the drop folder always gets the current set and the log
says where it is. With the connection, an unreachable server fails the task (Airflow
retries it); the documents then already sit in the drop folder and the ledger stays
unmarked, so the retry sends them. The concept goes to the secretariat once per run, by
the same rule: a retry does not mail it twice.

Every file reaches its final name by ``os.replace`` from a temporary name in the same
folder: a killed task never leaves a half-written document under a name the griffie uses.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from wijkopvolging.atomic import (  # noqa: F401 (part of delivery's interface)
    TEMP_MARK,
    file_sha256,
    place_file,
    place_files,
    sweep_temporary_files,
    write_atomic,
)
from wijkopvolging.deliver_once import (  # noqa: F401 (part of delivery's interface)
    EMAIL,
    Action,
    Decision,
    Delivery,
    DeliveryError,
    LedgerKey,
    content_fingerprint,
    decide_delivery,
    deliver_once,
)
from wijkopvolging.layout import CONCEPT, MANIFEST, NOT_DELIVERED, drop_folder
from wijkopvolging.mail import (  # noqa: F401 (MailNotSent: part of delivery's interface)
    Mail,
    MailNotSent,
    smtp_connection_configured,
)

log = logging.getLogger(__name__)


# -- the set ---------------------------------------------------------------------------

def read_manifest(folder: Path) -> dict:
    """The manifest a documents run wrote in ``folder``."""
    path = Path(folder) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeliveryError(
            f"{path} is missing: the documents of this period were not rendered; run the "
            f"'documents' task (or the whole rapportage DAG) first") from None


def publish_set(source: Path, target: Path) -> dict:
    """Put the set described by ``source``'s manifest into ``target``, file by file and
    atomically, the manifest last; files of the set that was there before and are not
    in the new one (a PDF that is no longer made) are removed. Returns the manifest."""
    source, target = Path(source), Path(target)
    manifest = read_manifest(source)
    target.mkdir(parents=True, exist_ok=True)
    sweep_temporary_files(target)
    try:
        previous = set(json.loads((target / MANIFEST).read_text(encoding="utf-8"))["files"])
    except (FileNotFoundError, KeyError, ValueError):
        previous = set()
    # Open data, web page, afschriften: beside the set, in sub-folders, not mailed.
    publications = manifest.get("publications", {})
    for name in publications:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        sweep_temporary_files((target / name).parent)
    # Every file copied before the first is renamed, the manifest last: a full disk
    # leaves the set that was there whole.
    place_files((source / name, target / name)
                for name in [*manifest["files"], *publications, MANIFEST])
    for name in sorted(previous - set(manifest["files"])):
        (target / name).unlink(missing_ok=True)
    for folder in {Path(n).parent for n in publications} - {Path(".")}:
        for stale in (target / folder).iterdir():  # e.g. a wijk without items this time
            if stale.is_file() and str(stale.relative_to(target)) not in publications:
                stale.unlink()
    return manifest


# -- the e-mail --------------------------------------------------------------------------

def mail_subject(period, *, kenmerk: str, revised: bool) -> str:
    """The letter's own title (with the revision mark when revised) and the kenmerk."""
    from wijkopvolging.documents.letter import letter_title

    return f"{letter_title(period, revised=revised)} – kenmerk {kenmerk}"


def build_mail(period, manifest: Mapping, folder: Path, *, to: Iterable[str],
               from_email: str | None, revised: bool,
               previous_delivery: dt.datetime | None = None) -> Mail:
    """The e-mail for the set in ``folder`` (described by ``manifest``): the letter, the
    overview and the PDFs attached, with a short Dutch message."""
    from wijkopvolging.labels import format_date_nl

    folder = Path(folder)
    attachments = tuple(folder / name for name in manifest["files"])
    missing = [str(p) for p in attachments if not p.is_file()]
    if missing:
        raise DeliveryError(f"cannot mail the documents: missing {', '.join(missing)}")
    kenmerk = manifest["kenmerk"]
    peildatum = dt.date.fromisoformat(manifest["peildatum"])
    has_pdf = any(p.suffix == ".pdf" for p in attachments)
    esc = html.escape
    paragraphs = [  # HTML, values escaped
        "Geachte griffie,",
        f"Hierbij ontvangt u de raadsinformatiebrief over de stand van zaken van de Vragen "
        f"uit de Wijk en de ongevraagde adviezen van de wijkraden over {esc(period.label)} "
        f"(peildatum {format_date_nl(peildatum)}, ons kenmerk {esc(kenmerk)}), met als "
        f"bijlage het overzicht van alle vragen en adviezen.",
    ]
    if revised:
        since = (f" die u op {format_date_nl(previous_delivery.date())} ontving"
                 if previous_delivery else " die u eerder ontving")
        paragraphs.append(
            "Dit is een <strong>herziene versie</strong>: de gegevens over deze periode zijn "
            f"gecorrigeerd. Deze documenten vervangen de versie{since}.")
    paragraphs.append(
        "De Word-documenten kunt u nog bewerken; "
        + ("de PDF-versies zijn bedoeld voor publicatie in het RIS."
           if has_pdf else "PDF-versies zijn deze keer niet gemaakt."))
    listing = "".join(f"<li>{esc(p.name)}</li>" for p in attachments)
    body = ("".join(f"<p>{p}</p>" for p in paragraphs)
            + f"<p>Bijlagen:</p><ul>{listing}</ul>"
            + "<p>Met vriendelijke groet,<br>wijkopvolging (automatisch verstuurd)</p>")
    recipients = tuple(to)
    if not recipients:
        from wijkopvolging.config import ConfigError

        raise ConfigError("delivery.griffie: no address to mail the documents to; set it "
                          "in the configuration (or remove the SMTP connection)")
    return Mail(
        to=recipients, from_email=from_email,
        subject=mail_subject(period, kenmerk=kenmerk, revised=revised),
        html=f'<html lang="nl"><body>{body}</body></html>', attachments=attachments,
        headers={"X-Wijkopvolging-Periode": manifest["period"],
                 "X-Wijkopvolging-Herzien": "ja" if revised else "nee"},
    )


# -- the whole step ----------------------------------------------------------------------

def period_folder(config, period) -> Path:
    """The drop folder of one period: ``<output>/<YYYY-MM>_<YYYY-MM>/``."""
    return drop_folder(config.output_dir, period).folder


def concept_folder(config, period) -> Path:
    """Where the college's secretariat finds the concept: ``<drop folder>/concept/``."""
    return drop_folder(config.output_dir, period).concept.folder


def build_concept_mail(period, manifest: Mapping, folder: Path, *, to: Iterable[str],
                       from_email: str | None) -> Mail:
    """The e-mail to the college's secretariat with the concept set attached."""
    from wijkopvolging.documents.letter import letter_title
    from wijkopvolging.labels import format_date_nl

    folder = Path(folder)
    attachments = tuple(folder / name for name in manifest["files"])
    listing = "".join(f"<li>{html.escape(p.name)}</li>" for p in attachments)
    peildatum = dt.date.fromisoformat(manifest["peildatum"])
    body = (
        "<p>Geacht secretariaat,</p>"
        f"<p>Hierbij het <strong>concept</strong> van de raadsinformatiebrief over de Vragen "
        f"uit de Wijk en de ongevraagde adviezen over {html.escape(period.label)} (peildatum "
        f"{format_date_nl(peildatum)}), ter besluitvorming door het college. Elke pagina is "
        f"als concept gemarkeerd; datum en kenmerk volgen uit het collegebesluit.</p>"
        "<p>Na het besluit: vul in Airflow bij <em>Required actions</em> de uitkomst, de "
        "datum van het collegebesluit en het kenmerk in. Pas na goedkeuring gaat de brief, "
        "met die datum en dat kenmerk, naar de griffie.</p>"
        f"<p>Bijlagen:</p><ul>{listing}</ul>"
        "<p>wijkopvolging (automatisch verstuurd)</p>")
    return Mail(to=tuple(to), from_email=from_email,
                subject=f"Concept ter besluitvorming: {letter_title(period)}",
                html=f'<html lang="nl"><body>{body}</body></html>', attachments=attachments,
                headers={"X-Wijkopvolging-Periode": manifest["period"],
                         "X-Wijkopvolging-Concept": "ja"})


def deliver_concept(config, period, rendered: Path, *, run_id: str,
                    smtp_configured: bool | None = None) -> dict:
    """Place the concept set in ``rendered`` into ``<drop folder>/concept/`` and, when the
    SMTP connection exists and ``approval.to`` names the secretariat, mail it there once
    per run: each run asks the college anew, a retry of the task does not mail it twice.
    The griffie gets nothing from this step. Returns what was done."""
    target = concept_folder(config, period)
    manifest = publish_set(rendered, target)
    _consume(Path(rendered), output=config.output_dir)
    settings = config.delivery
    if smtp_configured is None:
        smtp_configured = smtp_connection_configured(settings.smtp_conn_id)
    to = config.approval.to
    if not smtp_configured or not to:
        log.warning("concept staat in %s; niet gemaild (%s)", target,
                    "geen adres in approval.to" if smtp_configured
                    else f"Airflow-verbinding {settings.smtp_conn_id!r} ontbreekt")
        return {"period": period.slug, "folder": str(target), "to": []}
    from wijkopvolging.warehouse import open_warehouse

    concept = Delivery(
        key=LedgerKey.of(period.slug, set_name=CONCEPT, recipient=run_id),
        content=content_fingerprint(manifest["files"]),
        mail=lambda _decision: build_concept_mail(period, manifest, target, to=to,
                                                  from_email=settings.from_email),
        name="concept")
    with open_warehouse(config.warehouse_url) as warehouse:
        try:
            decision = deliver_once(warehouse, concept, conn_id=settings.smtp_conn_id,
                                    run_id=run_id)
        except MailNotSent as exc:  # not an expected error: the task's retries send it
            raise MailNotSent(f"{exc}; the concept is in {target}, nothing was recorded "
                              f"as delivered") from exc
    if decision.sends:
        log.info("concept van periode %s gemaild aan %s; staat in %s", period.label,
                 ", ".join(to), target)
    else:
        log.info("concept van periode %s is in deze run al gemaild aan %s (%s); niet "
                 "opnieuw verstuurd. Het staat in %s", period.label,
                 ", ".join(decision.last["recipients"]), _when(decision.last), target)
    return {"period": period.slug, "folder": str(target), "to": list(to),
            "action": str(decision.action)}


def deliver_to_griffie(config, period, rendered: Path, *, run_id: str,
                       revised_set: Path | None = None, force: bool = False,
                       delivered_at: dt.datetime | None = None,
                       smtp_configured: bool | None = None) -> dict:
    """Deliver the finished set in ``rendered`` (see the module docstring for what
    happens when). ``revised_set`` is the same set marked "herziene versie", rendered by
    the report step when the run forces delivery; it is what a forced delivery of a
    changed period sends. Both folders are consumed. Returns what was done (for the task
    log and XCom)."""
    settings = config.delivery
    candidate = Path(rendered)
    drop = period_folder(config, period)
    manifest = read_manifest(candidate)
    content = content_fingerprint(manifest["files"])
    if smtp_configured is None:
        smtp_configured = smtp_connection_configured(settings.smtp_conn_id)

    if not smtp_configured:
        publish_set(candidate, drop)
        _consume(candidate, revised_set, output=config.output_dir)
        log.warning("geen SMTP-verbinding ingesteld; documenten staan in %s (niet gemaild: "
                    "Airflow-verbinding %r ontbreekt)", drop, settings.smtp_conn_id)
        return {"period": period.slug, "action": "drop_folder_only", "folder": str(drop)}

    if not settings.griffie:
        from wijkopvolging.config import ConfigError

        raise ConfigError(f"{config.path}: delivery.griffie: no address to mail the documents "
                          f"to, while the SMTP connection {settings.smtp_conn_id!r} exists")
    from wijkopvolging.warehouse import open_warehouse

    sent: list[Mail] = []

    def place_and_mail(decision: Decision) -> Mail:
        """The set goes into the drop folder first: a mail that fails leaves it there."""
        source = candidate
        if decision.revised:
            if revised_set is None:
                raise DeliveryError(
                    f"periode {period.label} is gewijzigd en force_delivery staat aan, maar er "
                    f"is geen set gemarkeerd als herziene versie gemaakt; start de hele "
                    f"rapportage-DAG opnieuw met force_delivery=true")
            source = Path(revised_set)
        placed = publish_set(source, drop)
        sent.append(build_mail(
            period, placed, drop, to=settings.griffie, from_email=settings.from_email,
            revised=decision.revised,
            previous_delivery=decision.last["delivered_at"] if decision.last else None))
        return sent[-1]

    griffie = Delivery(key=LedgerKey.of(period.slug), content=content, mail=place_and_mail,
                       kenmerk=manifest["kenmerk"], name="griffie")
    with open_warehouse(config.warehouse_url) as warehouse:
        try:
            decision = deliver_once(warehouse, griffie, conn_id=settings.smtp_conn_id,
                                    run_id=run_id, force=force, hold_changes=True,
                                    delivered_at=delivered_at)
        except MailNotSent as exc:  # not an expected error: the task's retries send it
            raise MailNotSent(f"{exc}; the documents are in the drop folder, nothing was "
                              f"recorded as delivered") from exc
    if decision.action is Action.NOTHING:
        _consume(candidate, revised_set, output=config.output_dir)
        _discard(drop / NOT_DELIVERED)  # a held set equal to the delivered one is moot
        log.info("periode %s is ongewijzigd sinds de levering van %s aan %s; niets "
                 "verstuurd. Documenten: %s", period.label,
                 _when(decision.last), ", ".join(decision.last["recipients"]), drop)
        return {"period": period.slug, "action": str(decision.action), "folder": str(drop)}
    if decision.action is Action.HOLD:
        held = drop / NOT_DELIVERED
        publish_set(candidate, held)
        _consume(candidate, revised_set, output=config.output_dir)
        log.warning(
            "periode %s is gewijzigd sinds de levering van %s; NIET verstuurd. De map "
            "%s houdt de geleverde versie; de nieuwe documenten staan in %s. Start "
            "wijkopvolging_rapportage met periode=%s en force_delivery=true om ze als "
            "herziene versie te leveren.", period.label, _when(decision.last), drop,
            held, period.first_month)
        return {"period": period.slug, "action": str(decision.action), "folder": str(held)}

    (mail,) = sent
    _consume(candidate, revised_set, output=config.output_dir)
    _discard(drop / NOT_DELIVERED)
    log.info("periode %s %sgeleverd aan %s: %s", period.label,
             "als herziene versie " if decision.revised else "", ", ".join(mail.to),
             ", ".join(p.name for p in mail.attachments))
    return {"period": period.slug, "action": str(decision.action), "folder": str(drop),
            "to": list(mail.to), "subject": mail.subject,
            "files": [p.name for p in mail.attachments]}


def record_college_decision(config, decision, *, run_id: str, concept: Path) -> None:
    """Note the college's decision on the concept in ``concept`` in the delivery ledger
    (channel ``college``): who entered it, when, the kenmerk, and the note (a
    rejection's reason), with the concept's checksums."""
    from wijkopvolging.approval import LEDGER_CHANNEL
    from wijkopvolging.warehouse import open_warehouse

    manifest = read_manifest(concept)
    with open_warehouse(config.warehouse_url) as warehouse:
        warehouse.record_delivery(
            period_slug=decision.period, channel=LEDGER_CHANNEL,
            delivered_at=decision.responded_at, run_id=run_id,
            recipients=[decision.responded_by], subject=decision.summary(),
            kenmerk=decision.kenmerk, revised=False,
            content_sha256=content_fingerprint(manifest["files"]), files=manifest["files"])


def _when(row: Mapping) -> str:
    return f"{row['delivered_at']:%d-%m-%Y %H:%M} UTC"


def _discard(folder: Path) -> None:
    folder = Path(folder)
    if folder.is_dir():
        shutil.rmtree(folder)


def _consume(*folders: Path | None, output: Path) -> None:
    """Remove the rendered sets delivery was handed, and the work folders they leave
    empty up to (never including) the output folder."""
    output = Path(output).resolve()
    for folder in folders:
        if folder is None:
            continue
        folder = Path(folder)
        _discard(folder)
        parent = folder.parent.resolve()
        while (parent != output and output in parent.parents and parent.is_dir()
               and not any(parent.iterdir())):
            parent.rmdir()  # no empty work folder left behind in the output
            parent = parent.parent

"""Delivery of the afschriften per wijkraad, like the weekly lists: per recipient, once.

Each wijk's afschrift (``documents.afschrift``) in the period's drop folder goes by e-mail
to the gebiedsorganisatie of that wijk (addresses in the configuration's ``wijkraden``
section: per wijk, or a pattern with ``{slug}``), which sends it on to the wijkraad. The
delivery ledger records each: a re-run sends an unchanged afschrift never again; a changed
one (a re-issued period) goes out once more, marked "herziene versie". Only what reached
the drop folder is sent, so an afschrift of a set held back from the griffie is not; the
DAG calls this after the college approved and the set went to the griffie (the concept
has no afschriften).
Without the SMTP connection nothing is sent and the log says where the files are.

A recipient the mail server refuses (550: no such mailbox) does not stop the others: they
are sent and recorded, and the task then fails naming each refused wijk and address, so
Airflow retries it as it retries a mail server that is down; the retry sends only what
the ledger does not have yet. A server that cannot be reached stops the loop at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging

from wijkopvolging.layout import WORD, afschrift_in

log = logging.getLogger(__name__)

LEDGER_CHANNEL = "email"


def afschrift_addresses(settings, wijk: str, slug: str) -> tuple[str, ...]:
    """The addresses for ``wijk``'s afschrift (``settings``: the ``config.WijkradenConfig``):
    listed per wijk, else the pattern with its slug; none when neither is configured."""
    listed = settings.afschrift.get(wijk)
    if listed is not None:
        return tuple(listed)
    if settings.afschrift_address:
        return (settings.afschrift_address.format(slug=slug),)
    return ()


def _fingerprint(files: dict[str, str]) -> str:
    """The Word file's checksum (PDFs carry a creation time and are not compared)."""
    lines = sorted(f"{n}  {sha}" for n, sha in files.items() if n.endswith(WORD))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def deliver_afschriften(config, period, *, run_id: str,
                        smtp_configured: bool | None = None) -> dict:
    """Mail each wijk's afschrift in the drop folder to its gebiedsorganisatie once."""
    from wijkopvolging.delivery import period_folder
    from wijkopvolging.documents.afschrift import MANIFEST, afschrift_folder
    from wijkopvolging.labels import afschrift_mail_subject, format_date_nl
    from wijkopvolging.mail import (
        Mail,
        MailNotSent,
        RecipientRefused,
        send_mail,
        smtp_connection_configured,
    )
    from wijkopvolging.warehouse import open_warehouse

    folder = afschrift_folder(period_folder(config, period))
    path = folder / MANIFEST
    if not path.is_file():
        log.info("geen afschriften voor de wijkraden in %s", folder)
        return {"period": period.slug, "sent": 0, "unchanged": 0, "folder": str(folder)}
    manifest = json.loads(path.read_text(encoding="utf-8"))
    conn_id = config.delivery.smtp_conn_id
    if smtp_configured is None:
        smtp_configured = smtp_connection_configured(conn_id)
    if not smtp_configured:
        log.warning("geen SMTP-verbinding ingesteld; %d afschrift(en) voor de wijkraden "
                    "staan in %s", len(manifest["afschriften"]), folder)
        return {"period": period.slug, "sent": 0, "unchanged": 0,
                "waiting": len(manifest["afschriften"]), "folder": str(folder)}

    ledger_key = f"wijkraden/{period.slug}"
    sent = unchanged = skipped = 0
    refused: list[str] = []
    with open_warehouse(config.warehouse_url) as warehouse:
        for entry in manifest["afschriften"]:
            to = afschrift_addresses(config.wijkraden, entry["wijk"], entry["slug"])
            if not to:
                skipped += 1
                log.warning("wijkraden.afschrift: geen adres voor wijk %r; afschrift %s niet "
                            "verstuurd", entry["wijk"], afschrift_in(folder, entry["slug"]))
                continue
            channel = f"{LEDGER_CHANNEL}:{entry['slug']}"
            content = _fingerprint(entry["files"])
            last = warehouse.last_delivery(ledger_key, channel)
            if last and last["content_sha256"] == content:
                unchanged += 1
                continue
            revised = last is not None
            subject = afschrift_mail_subject(entry["wijk"], period, revised=revised)
            mail = Mail(
                to=to, from_email=config.delivery.from_email, subject=subject,
                html=(
                    '<html lang="nl"><body><p>Beste collega\'s van de gebiedsorganisatie,'
                    f"</p><p>In de bijlage staat het afschrift voor de wijkraad "
                    f"{_esc(entry['wijk'])}: de {entry['items']} vragen en adviezen van deze "
                    f"wijk uit het overzicht bij de raadsinformatiebrief over "
                    f"{_esc(period.label)} (peildatum {format_date_nl(period.peildatum)}, "
                    f"kenmerk {_esc(manifest['kenmerk'])}). Wilt u het doorsturen aan de "
                    "wijkraad? Het bevat geen persoonsgegevens en is openbaar.</p>"
                    + ("<p>Dit is een <strong>herziene versie</strong>; zij vervangt het "
                       "eerder gestuurde afschrift.</p>" if revised else "")
                    + "<p>wijkopvolging (automatisch verstuurd)</p></body></html>"),
                attachments=tuple(folder / name for name in entry["files"]),
                headers={"X-Wijkopvolging-Periode": period.slug,
                         "X-Wijkopvolging-Wijk": entry["slug"]},
            )
            try:
                send_mail(mail, conn_id)
            except RecipientRefused as exc:
                refused.append(f"{entry['wijk']} ({exc})")
                log.error("afschrift voor wijk %s niet verstuurd: %s", entry["wijk"], exc)
                continue
            warehouse.record_delivery(
                period_slug=ledger_key, channel=channel, delivered_at=dt.datetime.now(dt.UTC),
                run_id=run_id, recipients=mail.to, subject=subject,
                kenmerk=manifest["kenmerk"], revised=revised, content_sha256=content,
                files=entry["files"])
            sent += 1
    if refused:
        raise MailNotSent(
            f"{len(refused)} afschrift(en) niet verstuurd, de mailserver weigerde de "
            f"ontvanger: {'; '.join(refused)}. De {sent} andere zijn verstuurd en vastgelegd "
            f"({unchanged} waren al eerder verstuurd). De taak probeert het opnieuw en stuurt "
            "dan alleen de geweigerde; klopt een adres niet, verbeter het dan in "
            "wijkraden.afschrift (of afschrift_address) en wis de taak (Clear).")
    return {"period": period.slug, "sent": sent, "unchanged": unchanged, "skipped": skipped,
            "folder": str(folder)}


def _esc(text: str) -> str:
    import html

    return html.escape(str(text))


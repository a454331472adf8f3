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

Once per recipient, and what a refused address or a mail server that is down does, is the
rule every delivery shares (``deliver_once.deliver_each``): a refused wijk does not stop
the others, the task then fails naming each refused wijk and address and Airflow retries
it, sending only what the ledger does not have yet. A server that cannot be reached stops
the loop at once.
"""

from __future__ import annotations

import json
import logging

from wijkopvolging.layout import afschrift_in

log = logging.getLogger(__name__)

LEDGER_SET = "wijkraden"  # the afschriften' deliveries in the ledger: wijkraden/<period>


def afschrift_addresses(settings, wijk: str, slug: str) -> tuple[str, ...]:
    """The addresses for ``wijk``'s afschrift (``settings``: the ``config.WijkradenConfig``):
    listed per wijk, else the pattern with its slug; none when neither is configured."""
    listed = settings.afschrift.get(wijk)
    if listed is not None:
        return tuple(listed)
    if settings.afschrift_address:
        return (settings.afschrift_address.format(slug=slug),)
    return ()


def deliver_afschriften(config, period, *, run_id: str,
                        smtp_configured: bool | None = None) -> dict:
    """Mail each wijk's afschrift in the drop folder to its gebiedsorganisatie once."""
    from wijkopvolging.deliver_once import (
        Delivery,
        LedgerKey,
        content_fingerprint,
        deliver_each,
    )
    from wijkopvolging.layout import MANIFEST, drop_folder
    from wijkopvolging.mail import smtp_connection_configured
    from wijkopvolging.warehouse import open_warehouse

    folder = drop_folder(config.output_dir, period).afschriften
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

    deliveries = []
    for entry in manifest["afschriften"]:
        to = afschrift_addresses(config.wijkraden, entry["wijk"], entry["slug"])
        if not to:
            log.warning("wijkraden.afschrift: geen adres voor wijk %r; afschrift %s niet "
                        "verstuurd", entry["wijk"], afschrift_in(folder, entry["slug"]))
            continue
        deliveries.append(Delivery(
            key=LedgerKey.of(period.slug, set_name=LEDGER_SET, recipient=entry["slug"]),
            content=content_fingerprint(entry["files"]),
            mail=_afschrift_mail(config, period, manifest, entry, folder, to),
            kenmerk=manifest["kenmerk"], name=entry["wijk"]))
    with open_warehouse(config.warehouse_url) as warehouse:
        tally = deliver_each(warehouse, deliveries, conn_id=conn_id, run_id=run_id,
                             what="afschrift(en)",
                             addresses_setting="wijkraden.afschrift (of afschrift_address)")
    return {"period": period.slug, "sent": tally.sent, "unchanged": tally.unchanged,
            "skipped": len(manifest["afschriften"]) - len(deliveries),
            "folder": str(folder)}


def _afschrift_mail(config, period, manifest: dict, entry: dict, folder, to):
    """The mail with ``entry``'s afschrift, once the ledger decided it goes."""
    from wijkopvolging.labels import afschrift_mail_subject, format_date_nl
    from wijkopvolging.mail import Mail

    def mail(decision) -> Mail:
        return Mail(
            to=to, from_email=config.delivery.from_email,
            subject=afschrift_mail_subject(entry["wijk"], period, revised=decision.revised),
            html=(
                '<html lang="nl"><body><p>Beste collega\'s van de gebiedsorganisatie,'
                f"</p><p>In de bijlage staat het afschrift voor de wijkraad "
                f"{_esc(entry['wijk'])}: de {entry['items']} vragen en adviezen van deze "
                f"wijk uit het overzicht bij de raadsinformatiebrief over "
                f"{_esc(period.label)} (peildatum {format_date_nl(period.peildatum)}, "
                f"kenmerk {_esc(manifest['kenmerk'])}). Wilt u het doorsturen aan de "
                "wijkraad? Het bevat geen persoonsgegevens en is openbaar.</p>"
                + ("<p>Dit is een <strong>herziene versie</strong>; zij vervangt het "
                   "eerder gestuurde afschrift.</p>" if decision.revised else "")
                + "<p>wijkopvolging (automatisch verstuurd)</p></body></html>"),
            attachments=tuple(folder / name for name in entry["files"]),
            headers={"X-Wijkopvolging-Periode": period.slug,
                     "X-Wijkopvolging-Wijk": entry["slug"]},
        )

    return mail


def _esc(text: str) -> str:
    import html

    return html.escape(str(text))


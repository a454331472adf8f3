"""The weekly early-warning lists: what a Wijk MT or a wethouder's staff can still act on.

Every Monday, per wijk (for its Wijk MT) and per wethouder (for their staff): the open
items whose deadline falls within the next ``HORIZON_DAYS``, the overdue ones, and the
advice older than ``TUSSENBERICHT_AFTER_DAYS`` without a tussenbericht, sorted by
deadline. The lists are internal: they may show full titles, but personal data is stopped
by the same gate as the public overview.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from wijkopvolging.config import SignaleringConfig
from wijkopvolging.labels import days_nl, term_nl
from wijkopvolging.layout import week_folder
from wijkopvolging.timeliness import DEFAULT_TERM_DAYS, OPEN_BINNEN_TERMIJN, OPEN_VERLOPEN

HORIZON_DAYS = 14  # a deadline this many days ahead, counted from the Monday, is near
TUSSENBERICHT_AFTER_DAYS = DEFAULT_TERM_DAYS  # advice older than the term should have had one
HORIZON_NL = days_nl(HORIZON_DAYS)  # "14 dagen"
TUSSENBERICHT_AFTER_NL = term_nl(TUSSENBERICHT_AFTER_DAYS)  # "zes weken"

BINNENKORT = "termijn_binnenkort"
VERLOPEN = "termijn_verlopen"
GEEN_TUSSENBERICHT = "geen_tussenbericht"
SIGNAL_LABELS = {
    BINNENKORT: f"Termijn verloopt binnen {HORIZON_NL}",
    VERLOPEN: "Termijn verlopen",
    GEEN_TUSSENBERICHT: f"Advies ouder dan {TUSSENBERICHT_AFTER_NL} zonder tussenbericht",
}


@dataclass(frozen=True)
class Recipient:
    """One list: a Wijk MT (per wijk) or a wethouder's staff."""

    kind: str  # "wijk" or "wethouder"
    name: str  # the wijk or the wethouder
    addresses: tuple[str, ...]

    @property
    def slug(self) -> str:
        return f"{self.kind}-{slugify(self.name)}"


def slugify(name: str) -> str:
    """``Het Lage Land-Prinsenland-'s Gravenland`` → ``het-lage-land-prinsenland-s-gravenland``."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def select_signals(items: pd.DataFrame, monday: dt.date) -> pd.DataFrame:
    """The items that need attention in the week starting ``monday``.

    ``items`` carries the timeliness columns as of ``monday`` (``apply_timeliness`` with
    peildatum = monday). Adds ``signal`` (codes joined by ``,``), ``signal_label`` (Dutch)
    and ``days_left`` (negative when overdue); sorted by deadline, then wijk and id.
    """
    peil = pd.Timestamp(monday)
    is_open = items["status"].isin([OPEN_BINNEN_TERMIJN, OPEN_VERLOPEN])
    days_left = (items["deadline"] - peil).dt.days
    soon = is_open & (items["status"] == OPEN_BINNEN_TERMIJN) & (days_left <= HORIZON_DAYS)
    overdue = is_open & (items["status"] == OPEN_VERLOPEN)
    age = (peil - items["date_raised"]).dt.days
    no_tussenbericht = (is_open & (items["kind"] == "advies") & ~items["tussenbericht_sent"]
                        & (age > TUSSENBERICHT_AFTER_DAYS))
    flags = {BINNENKORT: soon, VERLOPEN: overdue, GEEN_TUSSENBERICHT: no_tussenbericht}
    selected = items[soon | overdue | no_tussenbericht].copy()
    codes = [[code for code, mask in flags.items() if mask[index]] for index in selected.index]
    selected["signal"] = [",".join(c) for c in codes]
    selected["signal_label"] = ["; ".join(SIGNAL_LABELS[x] for x in c) for c in codes]
    selected["days_left"] = days_left[selected.index].astype("int64")
    return selected.sort_values(["deadline", "wijk", "item_id"]).reset_index(drop=True)


def recipients(signals: pd.DataFrame, settings: SignaleringConfig, *, wijken,
               wethouders) -> list[Recipient]:
    """Everyone who gets a list this week, with their addresses from the configuration.

    ``settings`` is the ``signalering`` section: ``wijk_mt`` and ``wethouder_staf`` map a
    name to addresses, ``wijk_mt_address``/``wethouder_staf_address`` are patterns with
    ``{slug}`` for the rest; ``send_empty`` also lists recipients without signals.
    ``wijken``/``wethouders`` are the names that can receive a list.
    """
    out = []
    for kind, names, explicit, pattern in (
        ("wijk", wijken, settings.wijk_mt, settings.wijk_mt_address),
        ("wethouder", wethouders, settings.wethouder_staf, settings.wethouder_staf_address),
    ):
        column = "wijk" if kind == "wijk" else "wethouder"
        with_signals = set(signals[column].dropna())
        for name in sorted(names):
            if name not in with_signals and not settings.send_empty:
                continue
            addresses = explicit.get(name)
            if addresses is None and pattern:
                addresses = (pattern.format(slug=slugify(name)),)
            if addresses:
                out.append(Recipient(kind, name, tuple(addresses)))
    return out


def list_for(signals: pd.DataFrame, recipient: Recipient) -> pd.DataFrame:
    """The rows of one recipient's list."""
    column = "wijk" if recipient.kind == "wijk" else "wethouder"
    return signals[signals[column] == recipient.name].reset_index(drop=True)


# -- the weekly run -----------------------------------------------------------------------

LEDGER_SET = "signalering"  # the lists' deliveries in the ledger: signalering/<Monday>
XLSX = (".xlsx",)  # a list is compared by its spreadsheet, which is byte-identical


def make_week_lists(config, monday: dt.date, *, as_of: dt.datetime) -> dict:
    """Select the week's signals from the warehouse as of ``as_of`` and write one
    spreadsheet per recipient into the week folder, with a manifest.

    Stops with ``PublicationBlocked`` when a listed record holds personal data: internal
    lists may show full titles, never residents' data.
    """
    import json

    from wijkopvolging.atomic import file_sha256, write_atomic
    from wijkopvolging.documents.signalering_xlsx import write_signalering_xlsx
    from wijkopvolging.duplicates import counted_once
    from wijkopvolging.layout import MANIFEST, week_list
    from wijkopvolging.reference import ReferenceData
    from wijkopvolging.timeliness import apply_timeliness
    from wijkopvolging.validation import publication_gate
    from wijkopvolging.warehouse import open_warehouse

    with open_warehouse(config.warehouse_url) as warehouse:
        snapshot = warehouse.snapshot(as_of)
    kept, _ = counted_once(config, snapshot)
    kept = kept[kept["date_raised"] <= pd.Timestamp(monday)]
    timed = apply_timeliness(kept, monday, config.settings.timeliness)
    signals = select_signals(timed, monday)
    publication_gate(signals)

    reference = ReferenceData.load()
    folder = week_folder(config.output_dir, monday)
    folder.mkdir(parents=True, exist_ok=True)
    lists = []
    for recipient in recipients(signals, config.signalering, wijken=reference.wijk_names,
                                wethouders=reference.wethouder_names):
        rows = list_for(signals, recipient)
        who = f"Wijk MT {recipient.name}" if recipient.kind == "wijk" else (
            f"staf wethouder {recipient.name}")
        path = write_signalering_xlsx(
            rows, title=f"Signalering {who}, week van {monday:%d-%m-%Y}", monday=monday,
            path=week_list(folder, recipient.slug))
        lists.append({"recipient": recipient.slug, "name": recipient.name,
                      "kind": recipient.kind, "to": list(recipient.addresses),
                      "items": len(rows), "file": path.name, "sha256": file_sha256(path)})
    manifest = {"week": monday.isoformat(), "as_of": as_of.isoformat(),
                "signals": len(signals), "lists": lists}
    write_atomic(folder / MANIFEST,
                 json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8"))
    return {"folder": str(folder), "signals": len(signals), "lists": len(lists)}


def deliver_week_lists(config, monday: dt.date, *, run_id: str,
                       smtp_configured: bool | None = None) -> dict:
    """Mail each list to its recipients once: a list already sent unchanged this week is
    not sent again, a changed one goes once more. Without an SMTP connection the lists wait
    in the week folder. A refused address does not stop the other lists: the task fails
    after them, naming it, and its retry sends only that one (``deliver_once``)."""
    import json

    from wijkopvolging.deliver_once import (
        Delivery,
        LedgerKey,
        content_fingerprint,
        deliver_each,
    )
    from wijkopvolging.layout import MANIFEST
    from wijkopvolging.mail import smtp_connection_configured
    from wijkopvolging.warehouse import open_warehouse

    folder = week_folder(config.output_dir, monday)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    conn_id = config.delivery.smtp_conn_id
    if smtp_configured is None:
        smtp_configured = smtp_connection_configured(conn_id)
    if not smtp_configured:
        import logging

        logging.getLogger(__name__).warning(
            "geen SMTP-verbinding ingesteld; %d signaleringslijst(en) staan in %s",
            len(manifest["lists"]), folder)
        return {"week": manifest["week"], "sent": 0, "unchanged": 0,
                "waiting": len(manifest["lists"]), "folder": str(folder)}

    deliveries = [
        Delivery(key=LedgerKey.of(manifest["week"], set_name=LEDGER_SET,
                                  recipient=item["recipient"]),
                 content=content_fingerprint({item["file"]: item["sha256"]}, compared=XLSX),
                 mail=_list_mail(config, monday, manifest, item, folder),
                 name=(f"Wijk MT {item['name']}" if item["kind"] == "wijk"
                       else f"staf wethouder {item['name']}"))
        for item in manifest["lists"]]
    with open_warehouse(config.warehouse_url) as warehouse:
        tally = deliver_each(
            warehouse, deliveries, conn_id=conn_id, run_id=run_id,
            what="signaleringslijst(en)",
            addresses_setting="signalering.wijk_mt of wethouder_staf (of het patroon "
                              "wijk_mt_address of wethouder_staf_address)")
    return {"week": manifest["week"], "sent": tally.sent, "unchanged": tally.unchanged,
            "folder": str(folder)}


def _list_mail(config, monday: dt.date, manifest: dict, item: dict, folder: Path):
    """The mail with one recipient's list, once the ledger decided it goes."""
    from wijkopvolging.labels import format_date_nl
    from wijkopvolging.mail import Mail

    def mail(_decision) -> Mail:
        return Mail(
            to=tuple(item["to"]), from_email=config.delivery.from_email,
            subject=(f"Signalering Vragen uit de Wijk en adviezen, week van "
                     f"{format_date_nl(monday)}: {item['items']} item(s) voor {item['name']}"),
            html=(
                '<html lang="nl"><body><p>Goedemorgen,</p><p>In de bijlage staan de '
                "open Vragen uit de Wijk en ongevraagde adviezen waarvan de termijn "
                f"binnen {HORIZON_NL} verloopt of al verlopen is, en de adviezen ouder "
                f"dan {TUSSENBERICHT_AFTER_NL} zonder tussenbericht, gesorteerd op "
                "uiterste datum.</p>"
                "<p>Deze lijst is intern; niet doorsturen buiten de organisatie.</p>"
                "<p>wijkopvolging (automatisch verstuurd)</p></body></html>"),
            attachments=(folder / item["file"],),
            headers={"X-Wijkopvolging-Signalering": manifest["week"]},
        )

    return mail

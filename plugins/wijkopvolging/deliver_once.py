"""Deliver once: the delivery ledger decides what goes out, and records what went.

Everything the project delivers from a set goes through one rule here (``act_once``):
the mails, that is the griffie's set and the college's concept (``delivery``), each
wijkraad's afschrift (``wijkraden``) and each weekly signalering list (``signalering``),
through ``deliver_once``; and each document stored in the archive (``archive``). A
delivery names its place in the ledger (``LedgerKey``: which set, period or week,
recipient or file), the fingerprint of its content (``content_fingerprint``, or a file's
sha256) and the act that delivers it (send the mail, store the document). Then:

- **never delivered** under that key: the act is done, and recorded after it succeeded;
- **delivered with the same content**: nothing is done;
- **delivered with other content**: done again as "herziene versie" (a mail marked so, a
  new version of the archived object), unless the delivery holds changes (the griffie's
  set: it waits until a run forces it).

An act that fails raises and records nothing, so the retry does exactly what is missing.

**One retry rule for mail.** A mail server that cannot be reached, times out or answers
4xx raises ``MailNotSent`` (``mail.send_mail``), which is not an ``ExpectedError``: the
task fails with its traceback and Airflow retries it (every delivering task has
``RETRY_WITH_BACKOFF``). Nothing is recorded for a mail that did not go, so the retry
sends exactly what is missing. A recipient the server refuses (550: no such mailbox) does
not stop the others (``deliver_each``): they go out and are recorded, then one
``MailNotSent`` names every refused recipient, and the retry sends only those.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from wijkopvolging.atomic import file_sha256
from wijkopvolging.errors import ExpectedError
from wijkopvolging.layout import WORD  # deterministic documents; PDFs carry a creation time
from wijkopvolging.mail import Mail, MailNotSent, RecipientRefused, send_mail

log = logging.getLogger(__name__)

EMAIL = "email"  # the ledger's channel for e-mail deliveries
MAX_RECIPIENT = 100  # the ledger's channel column holds 120 characters


class DeliveryError(ExpectedError):
    """The documents could not be delivered; the message says what to do."""


def content_fingerprint(files: Mapping[str, str], *, compared: tuple[str, ...] = (WORD,)) -> str:
    """One sha256 over the checksums (name and sha256 per line) of the files whose names
    end in ``compared``: the files that are byte-identical for the same content (the Word
    documents by default; PDFs carry a creation time, so they are delivered, not
    compared)."""
    lines = sorted(f"{name}  {sha}" for name, sha in files.items() if name.endswith(compared))
    if not lines:
        raise DeliveryError(f"the manifest lists no {' or '.join(compared)} file to deliver")
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LedgerKey:
    """Where the ledger keeps one delivery: ``period`` (a period's slug for the griffie's
    set; another set puts its name in front, as in ``wijkraden/2026-09_2026-10`` or
    ``signalering/2026-11-02``) and ``channel`` (``email``, or ``email:<recipient>`` when
    one set goes to many; ``archief:<file name>`` for a document in the archive)."""

    period: str
    channel: str = EMAIL

    @classmethod
    def of(cls, period: str, *, set_name: str | None = None,
           recipient: str | None = None) -> LedgerKey:
        """The key of ``set_name``'s delivery for ``period`` (a slug or a week) to
        ``recipient``; without either, the griffie's set for the period. A recipient too
        long for the ledger's column (an Airflow run id may have 250 characters) is
        replaced by its sha256."""
        if recipient and len(recipient) > MAX_RECIPIENT:
            recipient = "sha256-" + hashlib.sha256(recipient.encode("utf-8")).hexdigest()
        return cls(period=f"{set_name}/{period}" if set_name else period,
                   channel=f"{EMAIL}:{recipient}" if recipient else EMAIL)


class Action(StrEnum):
    SEND = "send"  # never delivered: send it
    SEND_REVISED = "send_revised"  # changed (and forced, where changes are held): "herzien"
    NOTHING = "nothing"  # unchanged since the last delivery
    HOLD = "hold"  # changed but not forced: keep it back


@dataclass(frozen=True)
class Decision:
    """What the ledger says to do with one delivery, and the last delivery it compared."""

    action: Action
    last: dict | None = None  # the latest ledger row under the key, if any

    @property
    def sends(self) -> bool:
        """Whether it goes out (the mail is sent, the document stored)."""
        return self.action in (Action.SEND, Action.SEND_REVISED)

    @property
    def revised(self) -> bool:
        """Whether it goes out as "herziene versie" (a new version, in the archive)."""
        return self.action is Action.SEND_REVISED


def decide_delivery(content_sha256: str, last: dict | None, *, force: bool = False,
                    hold_changes: bool = False) -> Decision:
    """What to do with content ``content_sha256``, given the last delivery under its key.

    An unchanged delivery is never sent twice, forced or not (the recipient already has
    exactly this). A changed one is held when ``hold_changes`` unless ``force``, and sent
    as revised otherwise.
    """
    if last is None:
        return Decision(Action.SEND)
    if last["content_sha256"] == content_sha256:
        return Decision(Action.NOTHING, last)
    if hold_changes and not force:
        return Decision(Action.HOLD, last)
    return Decision(Action.SEND_REVISED, last)


@dataclass(frozen=True)
class Receipt:
    """What the ledger records of an act that succeeded: where it went (the mail's
    addresses; the archived object's URL), under which subject (the mail's; the
    document's title) and the checksums of the files it carried."""

    recipients: Sequence[str]
    subject: str
    files: Mapping[str, str]


def act_once(ledger, key: LedgerKey, content: str, act: Callable[[Decision], Receipt], *,
             run_id: str, kenmerk: str | None = None, force: bool = False,
             hold_changes: bool = False, delivered_at: dt.datetime | None = None
             ) -> Decision:
    """The one ledger rule: decide from the last record under ``key`` (an open warehouse's
    ``deliveries``) what to do with ``content``; when it goes, ``act`` on the decision
    and record its ``Receipt``, only after ``act`` returned. A changed delivery is held
    when ``hold_changes`` and not ``force``. Returns the decision.

    An ``act`` that raises leaves the ledger as it was: the retry acts again.
    """
    decision = decide_delivery(content, ledger.last_delivery(key.period, key.channel),
                               force=force, hold_changes=hold_changes)
    if not decision.sends:
        return decision
    receipt = act(decision)
    ledger.record_delivery(
        period_slug=key.period, channel=key.channel,
        delivered_at=delivered_at or dt.datetime.now(dt.UTC), run_id=run_id,
        recipients=receipt.recipients, subject=receipt.subject, kenmerk=kenmerk,
        revised=decision.revised, content_sha256=content, files=dict(receipt.files))
    return decision


@dataclass(frozen=True)
class Delivery:
    """One mail that must go out once: its ledger key, the fingerprint of its content, and
    ``mail``, which makes the mail once the ledger decided it goes (as revised or not; it
    may place files first). ``kenmerk`` goes into the ledger with the attachments'
    checksums; ``name`` names it to the person who must act (a wijk, a list)."""

    key: LedgerKey
    content: str
    mail: Callable[[Decision], Mail]
    kenmerk: str | None = None
    name: str = ""


def deliver_once(ledger, delivery: Delivery, *, conn_id: str, run_id: str,
                 force: bool = False, hold_changes: bool = False,
                 delivered_at: dt.datetime | None = None) -> Decision:
    """Send ``delivery`` through the SMTP connection ``conn_id`` unless the ledger (an open
    warehouse) says it went already; record it after the server accepted it
    (``act_once``). A changed delivery is held when ``hold_changes`` and not ``force``.
    Returns the decision.

    A mail that does not go raises ``MailNotSent`` (``RecipientRefused`` when the server
    refused the recipients) and leaves the ledger as it was: the retry sends it.
    """

    def send(decision: Decision) -> Receipt:
        mail = delivery.mail(decision)
        send_mail(mail, conn_id)
        return Receipt(recipients=mail.to, subject=mail.subject,
                       files={path.name: file_sha256(path) for path in mail.attachments})

    return act_once(ledger, delivery.key, delivery.content, send, run_id=run_id,
                    kenmerk=delivery.kenmerk, force=force, hold_changes=hold_changes,
                    delivered_at=delivered_at)


@dataclass
class Tally:
    """What ``deliver_each`` did: how many went out, were unchanged, and which
    recipients the mail server refused (name and the server's answer)."""

    sent: int = 0
    unchanged: int = 0
    refused: list[str] = field(default_factory=list)


def deliver_each(ledger, deliveries: Iterable[Delivery], *, conn_id: str, run_id: str,
                 what: str, addresses_setting: str) -> Tally:
    """Deliver each of ``deliveries`` once (changes go out as revised). A refused
    recipient does not stop the others; after the last, one ``MailNotSent`` names each
    refused one (``what``: "afschrift(en)", ``addresses_setting``: where to correct an
    address), so the task's retry sends only those. A server that cannot be reached
    stops at once: nothing after it was tried."""
    tally = Tally()
    for delivery in deliveries:
        try:
            decision = deliver_once(ledger, delivery, conn_id=conn_id, run_id=run_id)
        except RecipientRefused as exc:
            tally.refused.append(f"{delivery.name} ({exc})")
            log.error("niet verstuurd (%s): %s", delivery.name, exc)
            continue
        if decision.sends:
            tally.sent += 1
        else:
            tally.unchanged += 1
    if tally.refused:
        raise MailNotSent(
            f"{len(tally.refused)} {what} niet verstuurd, de mailserver weigerde de "
            f"ontvanger: {'; '.join(tally.refused)}. De {tally.sent} andere zijn verstuurd "
            f"en vastgelegd ({tally.unchanged} waren al eerder verstuurd). De taak probeert "
            f"het opnieuw en stuurt dan alleen de geweigerde; klopt een adres niet, "
            f"verbeter het dan in {addresses_setting} en wis de taak (Clear).")
    return tally

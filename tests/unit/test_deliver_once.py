"""Deliver once, the rule every delivery shares: the ledger decides, a mail is recorded
only after the server took it, and a mail server that is down is retried by Airflow in
every delivery (the griffie's set, the concept, the afschriften, the signalering lists).

The mail server is a stand-in here (``send_mail`` replaced); the service tests
(test_smtp_delivery, test_faults_mail, …) use a real one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

from tests.signalering_week import MONDAY, make_one_item_week
from tests.unit.report_frames import KENMERK, PERIOD, ROWS, report_frame
from wijkopvolging import deliver_once as once
from wijkopvolging import layout
from wijkopvolging.airflow_support import fail_clearly
from wijkopvolging.config import load_config
from wijkopvolging.deliver_once import (
    Action,
    Delivery,
    LedgerKey,
    Receipt,
    act_once,
    content_fingerprint,
    decide_delivery,
    deliver_each,
)
from wijkopvolging.errors import ExpectedError
from wijkopvolging.mail import Mail, MailNotSent, RecipientRefused
from wijkopvolging.warehouse import open_warehouse


class MailServer:
    """Stands in for ``mail.send_mail``: takes every mail, or is down, or refuses some
    addresses (550), as the test says."""

    def __init__(self):
        self.received: list[Mail] = []
        self.down = False
        self.refused: set[str] = set()

    def __call__(self, mail: Mail, conn_id: str) -> None:
        if self.down:
            raise MailNotSent(f"SMTP connection {conn_id!r}: could not send the e-mail to "
                              f"{', '.join(mail.to)} (ConnectionRefusedError: [Errno 111])")
        refused = [address for address in mail.to if address in self.refused]
        if refused:
            raise RecipientRefused(f"SMTP-verbinding {conn_id!r}: de server weigerde "
                                   f"{refused[0]}: 550 mailbox unavailable")
        self.received.append(mail)

    def recipients(self) -> list[str]:
        return [address for mail in self.received for address in mail.to]


@pytest.fixture
def server(monkeypatch):
    server = MailServer()
    monkeypatch.setattr(once, "send_mail", server)
    return server


@pytest.fixture
def ledger(tmp_path):
    with open_warehouse(f"sqlite:///{tmp_path}/warehouse.sqlite") as warehouse:
        yield warehouse


def parcel(tmp_path: Path, recipient: str, text: bytes = b"lijst") -> Delivery:
    """A delivery of one file to ``recipient``, keyed per recipient."""
    path = tmp_path / f"{recipient}.docx"
    path.write_bytes(text)
    files = {path.name: hashlib.sha256(text).hexdigest()}
    return Delivery(
        key=LedgerKey.of("2026-11-02", set_name="proef", recipient=recipient),
        content=content_fingerprint(files), name=recipient,
        mail=lambda decision: Mail(to=(f"{recipient}@example.org",), from_email=None,
                                   subject="herzien" if decision.revised else "nieuw",
                                   html="<p>x</p>", attachments=(path,)))


def rows(ledger, delivery: Delivery) -> list[dict]:
    return ledger.deliveries_of(delivery.key.period, delivery.key.channel)


# -- the ledger's decision ---------------------------------------------------------------

def _row(content: str) -> dict:
    return {"content_sha256": content, "delivered_at": dt.datetime(2026, 11, 1, 6),
            "recipients": ["griffie@example.org"]}


def test_a_changed_delivery_goes_out_again_as_revised_unless_it_holds_changes():
    assert decide_delivery("new", _row("old")).action is Action.SEND_REVISED
    assert decide_delivery("new", _row("old"), hold_changes=True).action is Action.HOLD
    assert decide_delivery("new", _row("old"), hold_changes=True,
                           force=True).action is Action.SEND_REVISED


def test_ledger_keys_put_the_set_before_the_period_and_the_recipient_after_the_channel():
    assert LedgerKey.of("2026-09_2026-10") == LedgerKey("2026-09_2026-10", "email")
    assert LedgerKey.of("2026-09_2026-10", set_name="wijkraden", recipient="tarwewijk") == (
        LedgerKey("wijkraden/2026-09_2026-10", "email:tarwewijk"))


def test_a_run_id_too_long_for_the_ledger_still_makes_a_key_of_its_own(ledger):
    runs = ["manual__" + "x" * 240, "manual__" + "x" * 239 + "y"]
    keys = [LedgerKey.of("2026-09_2026-10", set_name="concept", recipient=r) for r in runs]
    assert keys[0] != keys[1] and all(len(key.channel) <= 120 for key in keys)


def test_a_list_is_compared_by_its_spreadsheet_and_a_set_by_its_word_documents():
    files = {"lijst.xlsx": "1", "brief.docx": "2", "brief.pdf": "3"}
    assert content_fingerprint(files, compared=(".xlsx",)) != content_fingerprint(
        {**files, "lijst.xlsx": "anders"}, compared=(".xlsx",))
    assert content_fingerprint(files) == content_fingerprint({**files, "lijst.xlsx": "x"})
    with pytest.raises(ExpectedError, match=r"no \.docx file"):
        content_fingerprint({"brief.pdf": "3"})


# -- once ----------------------------------------------------------------------------------

def test_a_first_delivery_is_sent_then_recorded_with_the_checksums_of_what_was_attached(
        tmp_path, server, ledger):
    delivery = parcel(tmp_path, "pernis")
    decision = once.deliver_once(ledger, delivery, conn_id="smtp", run_id="r1")
    assert decision.action is Action.SEND and server.recipients() == ["pernis@example.org"]
    (row,) = rows(ledger, delivery)
    assert row["files"] == {"pernis.docx": hashlib.sha256(b"lijst").hexdigest()}
    assert (row["run_id"], row["revised"], row["subject"]) == ("r1", False, "nieuw")


def test_an_unchanged_delivery_is_not_sent_again_even_when_forced(tmp_path, server, ledger):
    delivery = parcel(tmp_path, "pernis")
    once.deliver_once(ledger, delivery, conn_id="smtp", run_id="r1")
    again = once.deliver_once(ledger, delivery, conn_id="smtp", run_id="r2", force=True)
    assert again.action is Action.NOTHING
    assert len(server.received) == 1 and len(rows(ledger, delivery)) == 1


def test_a_changed_delivery_is_sent_once_more_marked_revised(tmp_path, server, ledger):
    once.deliver_once(ledger, parcel(tmp_path, "pernis"), conn_id="smtp", run_id="r1")
    changed = parcel(tmp_path, "pernis", b"lijst, gecorrigeerd")
    decision = once.deliver_once(ledger, changed, conn_id="smtp", run_id="r2")
    assert decision.revised and server.received[-1].subject == "herzien"
    assert [row["revised"] for row in rows(ledger, changed)] == [False, True]


def test_a_held_change_makes_no_mail_at_all_until_forced(tmp_path, server, ledger):
    once.deliver_once(ledger, parcel(tmp_path, "griffie"), conn_id="smtp", run_id="r1")
    made = []
    changed = parcel(tmp_path, "griffie", b"gecorrigeerd")
    watched = Delivery(key=changed.key, content=changed.content,
                       mail=lambda decision: made.append(decision) or changed.mail(decision))
    held = once.deliver_once(ledger, watched, conn_id="smtp", run_id="r2", hold_changes=True)
    assert held.action is Action.HOLD and made == [] and len(server.received) == 1
    forced = once.deliver_once(ledger, watched, conn_id="smtp", run_id="r3",
                               hold_changes=True, force=True)
    assert forced.revised and len(made) == 1 and len(server.received) == 2


def test_a_mail_that_does_not_go_is_not_recorded_so_the_retry_sends_it_once(
        tmp_path, server, ledger):
    delivery = parcel(tmp_path, "pernis")
    server.down = True
    with pytest.raises(MailNotSent):
        once.deliver_once(ledger, delivery, conn_id="smtp", run_id="r1")
    assert rows(ledger, delivery) == []
    server.down = False
    assert once.deliver_once(ledger, delivery, conn_id="smtp", run_id="r1").sends
    assert once.deliver_once(ledger, delivery, conn_id="smtp", run_id="r1").action is (
        Action.NOTHING)
    assert len(server.received) == 1


class Shelf:
    """Stands in for any act that is not a mail (as the archive's store): it stores the
    content under a new place, or a new version of the last place when revised, or fails
    while ``broken``."""

    def __init__(self):
        self.stored: list[tuple[str, str]] = []
        self.broken = False

    def store(self, text: str):
        def act(decision):
            if self.broken:
                raise ConnectionError("the shelf is down")
            place = (decision.last["recipients"][0] if decision.revised
                     else f"https://plank.example.org/{len(self.stored)}")
            self.stored.append((place, text))
            return Receipt(recipients=[place], subject=f"over {text}",
                           files={"stuk.txt": hashlib.sha256(text.encode()).hexdigest()})
        return act


def test_any_act_is_recorded_only_after_it_succeeded_and_as_its_receipt_says(ledger):
    """The rule the mails follow, for an act of any kind: a failing act records nothing,
    the retry acts once, a change acts again on the last record's place."""
    shelf, key = Shelf(), LedgerKey("2026-09_2026-10", "plank:stuk.txt")

    def once_more(text: str, run_id: str):
        return act_once(ledger, key, hashlib.sha256(text.encode()).hexdigest(),
                        shelf.store(text), run_id=run_id, kenmerk="K/1")

    shelf.broken = True
    with pytest.raises(ConnectionError):
        once_more("stuk", "r1")
    assert ledger.deliveries_of(key.period, key.channel) == [] and shelf.stored == []
    shelf.broken = False
    assert once_more("stuk", "r1").action is Action.SEND
    assert once_more("stuk", "r1").action is Action.NOTHING
    assert once_more("stuk, herzien", "r2").action is Action.SEND_REVISED
    assert shelf.stored == [("https://plank.example.org/0", "stuk"),
                            ("https://plank.example.org/0", "stuk, herzien")]
    first, revised = ledger.deliveries_of(key.period, key.channel)
    assert (first["recipients"], first["subject"], first["kenmerk"], first["revised"]) == (
        ["https://plank.example.org/0"], "over stuk", "K/1", False)
    assert first["files"] == {"stuk.txt": hashlib.sha256(b"stuk").hexdigest()}
    assert (revised["run_id"], revised["revised"]) == ("r2", True)


# -- many recipients ---------------------------------------------------------------------------

def test_a_refused_recipient_does_not_stop_the_others_and_the_retry_sends_only_it(
        tmp_path, server, ledger):
    deliveries = [parcel(tmp_path, name) for name in ("charlois", "delfshaven", "noord")]
    server.refused = {"charlois@example.org"}
    with pytest.raises(MailNotSent) as error:
        deliver_each(ledger, deliveries, conn_id="smtp", run_id="r1", what="lijst(en)",
                     addresses_setting="proef.adressen")
    message = str(error.value)
    assert not isinstance(error.value, ExpectedError)  # Airflow retries it
    assert message.startswith("1 lijst(en) niet verstuurd")
    assert "charlois (" in message and "550" in message and "proef.adressen" in message
    assert "De 2 andere zijn verstuurd" in message
    assert server.recipients() == ["delfshaven@example.org", "noord@example.org"]

    server.refused.clear()
    tally = deliver_each(ledger, deliveries, conn_id="smtp", run_id="r1", what="lijst(en)",
                         addresses_setting="proef.adressen")
    assert (tally.sent, tally.unchanged, tally.refused) == (1, 2, [])
    assert sorted(server.recipients()) == [
        "charlois@example.org", "delfshaven@example.org", "noord@example.org"]


def test_a_mail_server_that_is_down_stops_the_round_at_once(tmp_path, server, ledger):
    tried = []
    deliveries = [parcel(tmp_path, name) for name in ("charlois", "delfshaven")]
    server.down = True
    watched = [Delivery(key=d.key, content=d.content, name=d.name,
                        mail=lambda decision, d=d: tried.append(d.name) or d.mail(decision))
               for d in deliveries]
    with pytest.raises(MailNotSent, match="could not send"):
        deliver_each(ledger, watched, conn_id="smtp", run_id="r1", what="lijst(en)",
                     addresses_setting="proef.adressen")
    assert tried == ["charlois"]
    assert ledger.deliveries_of("proef/2026-11-02") == []


# -- one retry rule, in every delivery ------------------------------------------------------

def _word_set(folder: Path) -> Path:
    """A finished set as the documents task leaves it: files plus manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {layout.LETTER: b"brief", layout.OVERVIEW: b"overzicht"}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / layout.MANIFEST).write_text(json.dumps({
        "period": PERIOD.slug, "label": PERIOD.label, "kenmerk": KENMERK,
        "peildatum": PERIOD.peildatum.isoformat(),
        "files": {n: hashlib.sha256(d).hexdigest() for n, d in files.items()}}))
    return folder


def _deliver_griffie(config, run_id):
    from wijkopvolging.delivery import deliver_to_griffie
    from wijkopvolging.rapportage import work_folder

    rendered = work_folder(config, PERIOD)
    if not (rendered / layout.MANIFEST).exists():  # a retry finds the set it was handed
        _word_set(rendered)
    return deliver_to_griffie(config, PERIOD, rendered, run_id=run_id, smtp_configured=True)


def _deliver_concept(config, run_id):
    from wijkopvolging.delivery import deliver_concept
    from wijkopvolging.rapportage import work_folder

    rendered = _word_set(work_folder(config, PERIOD) / "concept")  # rendered again
    return deliver_concept(config, PERIOD, rendered, run_id=run_id, smtp_configured=True)


def _deliver_afschriften(config, run_id):
    from wijkopvolging.documents.afschrift import render_afschriften, write_afschrift_manifest
    from wijkopvolging.wijkraden import deliver_afschriften

    report = report_frame(ROWS[:2])
    folder = layout.drop_folder(config.output_dir, PERIOD).afschriften
    render_afschriften(report, PERIOD, folder=folder, kenmerk=KENMERK)
    write_afschrift_manifest(report, PERIOD, folder=folder, kenmerk=KENMERK)
    return deliver_afschriften(config, PERIOD, run_id=run_id, smtp_configured=True)


def _deliver_lists(config, run_id):
    from wijkopvolging.signalering import deliver_week_lists

    if (layout.week_folder(config.output_dir, MONDAY) / layout.MANIFEST).exists():  # a retry
        return deliver_week_lists(config, MONDAY, run_id=run_id, smtp_configured=True)
    make_one_item_week(config)
    return deliver_week_lists(config, MONDAY, run_id=run_id, smtp_configured=True)


def ledger_rows(config) -> int:
    """Every delivery recorded, whatever its key."""
    import sqlalchemy as sa

    with open_warehouse(config.warehouse_url) as warehouse, warehouse.engine.connect() as db:
        return db.execute(sa.text("SELECT count(*) FROM deliveries")).scalar_one()


# Each delivery and how many mails it makes: the afschriften of two wijken, the lists of
# the Wijk MT Pernis and the staff of wethouder Zeegers.
DELIVERIES = {"griffie": (_deliver_griffie, 1), "concept": (_deliver_concept, 1),
              "afschriften": (_deliver_afschriften, 2), "signalering": (_deliver_lists, 2)}


@pytest.mark.parametrize(("deliver", "mails"), DELIVERIES.values(), ids=DELIVERIES.keys())
def test_every_delivery_retries_when_the_mail_server_is_down_and_then_mails_once(
        deliver, mails, isolated_project, server):
    """The one retry rule: ``MailNotSent`` passes ``fail_clearly`` unchanged (so the task
    keeps its traceback and Airflow's retries), nothing is recorded, and the retry of the
    same run mails everything once."""
    config = load_config()
    server.down = True
    with pytest.raises(MailNotSent) as error:
        with fail_clearly("levering"):
            deliver(config, "run-1")
    assert not isinstance(error.value, ExpectedError)
    assert ledger_rows(config) == 0 and server.received == []

    server.down = False
    deliver(config, "run-1")  # Airflow's retry
    assert len(server.received) == ledger_rows(config) == mails
    deliver(config, "run-1")  # and once more: nothing new
    assert len(server.received) == ledger_rows(config) == mails


def test_concept_delivery_retries_when_mail_server_down(isolated_project, server):
    """It used to end as an expected error (no retry) while the griffie's mail retried."""
    config = load_config()
    server.down = True
    with pytest.raises(MailNotSent, match="the concept is in .*concept") as error:
        with fail_clearly("concept voor het college"):
            _deliver_concept(config, "run-1")
    assert not isinstance(error.value, ExpectedError)
    server.down = False
    result = _deliver_concept(config, "run-1")
    assert result["action"] == "send" and server.recipients() == list(config.approval.to)


def test_the_concept_goes_once_per_run_and_again_to_a_new_run(isolated_project, server):
    """A retry does not mail it twice; a new run asks the college anew, so it mails it."""
    config = load_config()
    actions = [_deliver_concept(config, run)["action"] for run in ("run-1", "run-1", "run-2")]
    assert actions == ["send", "nothing", "send"]
    assert len(server.received) == 2


def test_a_refused_wijk_mt_does_not_stop_the_other_lists_and_is_sent_alone_on_the_retry(
        isolated_project, server):
    config = load_config()
    server.refused = {"wijkmt.pernis@example.org"}
    with pytest.raises(MailNotSent) as error:
        _deliver_lists(config, "s1")
    message = str(error.value)
    assert "1 signaleringslijst(en) niet verstuurd" in message
    assert "Pernis (" in message and "wijkmt.pernis@example.org" in message
    assert "signalering.wijk_mt" in message
    assert server.recipients() == ["staf.zeegers@example.org"]

    server.refused.clear()
    from wijkopvolging.signalering import deliver_week_lists

    retried = deliver_week_lists(config, MONDAY, run_id="s1", smtp_configured=True)
    assert (retried["sent"], retried["unchanged"]) == (1, 1)
    assert sorted(server.recipients()) == ["staf.zeegers@example.org",
                                           "wijkmt.pernis@example.org"]

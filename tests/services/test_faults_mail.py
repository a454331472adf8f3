"""Mail faults made for real with a local SMTP server: one wijkraad's or Wijk MT's
address refused (550) while the others are accepted, and a server that answers "try again
later" (451). docs/reliability.md lists what happens."""

from __future__ import annotations

import dataclasses

import pytest

from tests.services.conftest import Inbox, free_port, running_smtp_server
from tests.signalering_week import MONDAY, make_one_item_week
from tests.unit.report_frames import KENMERK, PERIOD, ROWS, report_frame
from wijkopvolging.config import WijkradenConfig, load_config
from wijkopvolging.documents.afschrift import render_afschriften, write_afschrift_manifest
from wijkopvolging.errors import ExpectedError
from wijkopvolging.layout import drop_folder
from wijkopvolging.mail import MailNotSent
from wijkopvolging.warehouse import open_warehouse
from wijkopvolging.wijkraden import deliver_afschriften

# The first afschrift in the manifest's order: before the fix, a refusal stopped the loop
# there and no other wijkraad got its afschrift.
REFUSED = "wijkraad.afrikaanderwijk@example.org"


@pytest.fixture
def inbox(monkeypatch):
    with running_smtp_server(Inbox("127.0.0.1", free_port(), refused={REFUSED})) as inbox:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_GRIFFIE", inbox.connection_uri)
        yield inbox


@pytest.fixture
def config(isolated_project, inbox):
    """A period's afschriften in the drop folder, one per wijk, each mailed to
    ``wijkraad.<slug>@example.org``."""
    config = dataclasses.replace(load_config(), wijkraden=WijkradenConfig(
        afschrift_address="wijkraad.{slug}@example.org"))
    report = report_frame(ROWS)
    folder = drop_folder(config.output_dir, PERIOD).afschriften
    render_afschriften(report, PERIOD, folder=folder, kenmerk=KENMERK)
    write_afschrift_manifest(report, PERIOD, folder=folder, kenmerk=KENMERK)
    return config


def recipients(inbox) -> list[str]:
    return sorted(address for _, to in inbox.envelopes for address in to)


def test_a_refused_wijkraad_does_not_stop_the_others_and_is_sent_alone_on_the_next_run(
        config, inbox):
    wijken = len({row[2] for row in ROWS})
    with pytest.raises(MailNotSent) as error:
        deliver_afschriften(config, PERIOD, run_id="r1")
    # The task fails (Airflow retries it, as for a mail server that is down), naming the
    # wijk, the address and the server's answer, after the others went out.
    assert not isinstance(error.value, ExpectedError)
    message = str(error.value)
    assert "Afrikaanderwijk" in message and REFUSED in message and "550" in message
    assert f"De {wijken - 1} andere zijn verstuurd" in message
    assert len(inbox.messages) == wijken - 1 and REFUSED not in recipients(inbox)
    with open_warehouse(config.warehouse_url) as warehouse:
        ledger = warehouse.deliveries_of(f"wijkraden/{PERIOD.slug}")
    assert len(ledger) == wijken - 1

    inbox.refused.clear()  # the address was corrected, or the mailbox is back
    second = deliver_afschriften(config, PERIOD, run_id="r1")
    assert (second["sent"], second["unchanged"]) == (1, wijken - 1)
    assert recipients(inbox) == sorted(set(recipients(inbox)))  # every wijkraad once
    assert len(inbox.messages) == wijken and REFUSED in recipients(inbox)


# -- the weekly lists: the same rule ---------------------------------------------------------

REFUSED_LIST = "wijkmt.pernis@example.org"  # the first list of the week, as above


def test_a_refused_wijk_mt_does_not_stop_the_other_lists_and_is_sent_alone_on_the_next_run(
        config, inbox):
    from wijkopvolging.signalering import deliver_week_lists

    make_one_item_week(config)
    inbox.refused = {REFUSED_LIST}
    with pytest.raises(MailNotSent) as error:
        deliver_week_lists(config, MONDAY, run_id="s1")
    assert not isinstance(error.value, ExpectedError)
    message = str(error.value)
    assert "Pernis" in message and REFUSED_LIST in message and "550" in message
    assert "signalering.wijk_mt" in message and "De 1 andere zijn verstuurd" in message
    assert recipients(inbox) == ["staf.zeegers@example.org"]

    inbox.refused.clear()
    second = deliver_week_lists(config, MONDAY, run_id="s1")
    assert (second["sent"], second["unchanged"]) == (1, 1)
    assert recipients(inbox) == ["staf.zeegers@example.org", REFUSED_LIST]


# -- a server that says "try again later" ------------------------------------------------------

class BusyInbox(Inbox):
    """Answers 451 (a temporary failure: try again later) to every message while busy."""

    busy: bool = True

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.busy:
            return "451 4.3.0 Mail server temporarily busy, try again later"
        return await super().handle_DATA(server, session, envelope)


def test_a_mail_server_that_answers_try_again_later_is_retried_and_mails_once(
        isolated_project, monkeypatch):
    with running_smtp_server(BusyInbox("127.0.0.1", free_port())) as server:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_GRIFFIE", server.connection_uri)
        config = load_config()
        report = report_frame(ROWS)
        folder = drop_folder(config.output_dir, PERIOD).afschriften
        render_afschriften(report, PERIOD, folder=folder, kenmerk=KENMERK)
        write_afschrift_manifest(report, PERIOD, folder=folder, kenmerk=KENMERK)

        with pytest.raises(MailNotSent, match="451") as error:
            deliver_afschriften(config, PERIOD, run_id="r1")
        assert not isinstance(error.value, ExpectedError)  # Airflow's retry takes it
        with open_warehouse(config.warehouse_url) as warehouse:
            assert warehouse.deliveries_of(f"wijkraden/{PERIOD.slug}") == []
        assert server.messages == []

        server.busy = False
        retried = deliver_afschriften(config, PERIOD, run_id="r1")
        wijken = len({row[2] for row in ROWS})
        assert (retried["sent"], retried["unchanged"]) == (wijken, 0)
        assert recipients(server) == sorted(set(recipients(server)))  # each wijkraad once

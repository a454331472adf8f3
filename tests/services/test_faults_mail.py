"""One wijkraad's address refused by the mail server (550) while the others are
accepted, made for real: a local SMTP server that answers 550 to that recipient only.
docs/reliability.md lists what happens."""

from __future__ import annotations

import dataclasses

import pytest

from tests.services.conftest import Inbox, free_port, running_smtp_server
from tests.unit.report_frames import KENMERK, PERIOD, ROWS, report_frame
from wijkopvolging.config import WijkradenConfig, load_config
from wijkopvolging.delivery import period_folder
from wijkopvolging.documents.afschrift import (
    afschrift_folder,
    render_afschriften,
    write_afschrift_manifest,
)
from wijkopvolging.errors import ExpectedError
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
    folder = afschrift_folder(period_folder(config, PERIOD))
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

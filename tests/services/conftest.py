"""Service fixtures: the session's Airflow, a warehouse after the closing ingest, a
PostgreSQL schema per test and a local SMTP server.

A test whose server is absent is skipped with the reason; under ``CI=true`` it fails
instead (``tests.conftest.require``), so CI never passes by skipping. Every server here
listens on 127.0.0.1 only and is stopped when its test ends.
"""

from __future__ import annotations

import email
import email.policy
import secrets
import socket
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from tests.conftest import port_open, require

POSTGRES_HOST, POSTGRES_PORT = "127.0.0.1", 5432
POSTGRES_DATABASE = "test"


@pytest.fixture(scope="session")
def airflow_cluster(tmp_path_factory):
    """The one Airflow of the session (api-server, dag-processor, metadata on PostgreSQL),
    started by the first test that asks for it and stopped when the session ends. Each
    module adds its own scheduler."""
    from tests.services.airflow_processes import started_airflow

    with started_airflow(tmp_path_factory) as cluster:
        yield cluster


@pytest.fixture(scope="session")
def closing_ingest_postgres(tmp_path_factory):
    """A PostgreSQL warehouse (and project folder) after the ingest that closes
    September–October 2026, built once per session; ``template.copy(folder)`` gives a
    test its own copy (``CREATE DATABASE … TEMPLATE``)."""
    from tests.projects import closing_ingest_template

    require(port_open(POSTGRES_HOST, POSTGRES_PORT),
            f"PostgreSQL not reachable on {POSTGRES_HOST}:{POSTGRES_PORT}")
    with closing_ingest_template(tmp_path_factory.mktemp("closing-ingest-pg"), "2026-09",
                                 postgres=True) as template:
        yield template


@pytest.fixture
def postgres_url():
    """A SQLAlchemy URL into a fresh, uniquely named schema of the ``test`` database
    (user postgres, trust auth); the schema is dropped after the test."""
    require(port_open(POSTGRES_HOST, POSTGRES_PORT),
            f"PostgreSQL not reachable on {POSTGRES_HOST}:{POSTGRES_PORT}")
    import sqlalchemy as sa

    base = f"postgresql+psycopg2://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/{POSTGRES_DATABASE}"
    schema = f"wijk_test_{secrets.token_hex(6)}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        # Unqualified table names land in the test's schema (search_path).
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@dataclass
class Inbox:
    """What the local SMTP server received: envelope and parsed message per mail."""

    host: str
    port: int
    messages: list = field(default_factory=list)  # email.message.EmailMessage
    envelopes: list = field(default_factory=list)  # (mail_from, [rcpt_tos])
    refused: set = field(default_factory=set)  # addresses answered 550 at RCPT TO

    async def handle_RCPT(self, server, session, envelope, address,  # noqa: N802
                          rcpt_options):
        if address in self.refused:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(
            envelope.original_content or envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    @property
    def connection_uri(self) -> str:
        """The Airflow connection URI (plain SMTP, no TLS, no retries inside the hook)."""
        return (f"smtp://{self.host}:{self.port}"
                "?disable_ssl=true&disable_tls=true&timeout=10&retry_limit=0")


def free_port() -> int:
    """A TCP port on 127.0.0.1 with nothing listening on it (right now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_smtp_server(inbox: Inbox | None = None):
    """An aiosmtpd server on 127.0.0.1 and a free port, collecting every mail in
    ``inbox`` (default: a new ``Inbox``; a subclass may answer otherwise)."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        require(False, "aiosmtpd is not installed (it is in requirements-dev.lock)")
    inbox = inbox or Inbox("127.0.0.1", free_port())
    controller = Controller(inbox, hostname=inbox.host, port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp_server():
    """A local SMTP server for one test."""
    with running_smtp_server() as inbox:
        yield inbox


@pytest.fixture
def dead_smtp_uri() -> str:
    """An SMTP connection URI to a port where nothing listens."""
    return f"smtp://127.0.0.1:{free_port()}?disable_ssl=true&disable_tls=true&timeout=5"

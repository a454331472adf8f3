"""E-mail through an Airflow SMTP connection: one message, built complete, then sent.

Used by everything the project mails: the documents to the griffie (``delivery``), the
weekly signalering lists (``signalering``) and the alerts to operations
(``airflow_support``). The server and its credentials live in the Airflow connection,
never in the configuration; without that connection nothing is sent and the caller
decides what to say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class MailNotSent(RuntimeError):
    """The SMTP server could not be reached or refused the message. Not an expected
    error for the person who must act: the task's retries try again."""


class RecipientRefused(MailNotSent):
    """The server is there but refused the recipient (a 5xx or 4xx to RCPT TO, such as
    550 for an unknown mailbox): mail to others may still go out."""


@dataclass(frozen=True)
class Mail:
    """One e-mail, complete but not sent."""

    to: tuple[str, ...]
    from_email: str | None
    subject: str
    html: str
    attachments: tuple[Path, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)


def smtp_connection_configured(conn_id: str) -> bool:
    """Whether Airflow knows the connection (metadata DB, env var or secrets backend)."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return False
    return True


def send_mail(mail: Mail, conn_id: str) -> None:
    """Send ``mail`` through the Airflow SMTP connection ``conn_id``; a server that cannot
    be reached or refuses the message raises ``MailNotSent``, one that refuses every
    recipient ``RecipientRefused``."""
    import smtplib

    from airflow.providers.smtp.hooks.smtp import SmtpHook

    try:
        with SmtpHook(smtp_conn_id=conn_id) as hook:
            hook.send_email_smtp(
                to=list(mail.to), from_email=mail.from_email, subject=mail.subject,
                html_content=mail.html, files=[str(p) for p in mail.attachments],
                custom_headers=dict(mail.headers))
    except smtplib.SMTPRecipientsRefused as exc:
        refusals = "; ".join(f"{address}: {code} {_text(reason)}"
                             for address, (code, reason) in exc.recipients.items())
        raise RecipientRefused(
            f"SMTP-verbinding {conn_id!r}: de server weigerde {refusals}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise MailNotSent(
            f"SMTP connection {conn_id!r}: could not send the e-mail to "
            f"{', '.join(mail.to)} ({type(exc).__name__}: {exc})") from exc


def _text(reason: bytes | str) -> str:
    return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)

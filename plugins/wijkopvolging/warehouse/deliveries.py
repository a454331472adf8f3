"""The delivery ledger: what went out to whom and when (a period's documents to the
griffie, a week's signalering lists), so an unchanged set is not sent twice."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from wijkopvolging.model import naive_utc
from wijkopvolging.warehouse.schema import metadata

# One row per e-mail (or other channel) delivery of a period's documents to the griffie.
# ``content_sha256`` fingerprints the Word documents as rendered *without* the
# "herziene versie" mark, so a re-run of an unchanged period matches the delivery even
# after a revised one; ``files`` holds the sha256 of every file actually attached.
deliveries = sa.Table(
    "deliveries", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("period", sa.String(120), nullable=False),  # a period slug, or set/period-or-week
    sa.Column("channel", sa.String(120), nullable=False),  # "email", or "email:<recipient>"
    sa.Column("delivered_at", sa.DateTime, nullable=False),
    sa.Column("run_id", sa.String(250), nullable=False),
    sa.Column("recipients", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("kenmerk", sa.String(100)),
    sa.Column("revised", sa.Boolean, nullable=False),
    sa.Column("content_sha256", sa.String(64), nullable=False),
    sa.Column("files", sa.Text, nullable=False),  # JSON: {file name: sha256}
    sa.Index("ix_deliveries_period", "period", "channel", "delivered_at"),
)


class DeliveryLedger:
    """The delivery ledger's part of the warehouse."""

    engine: sa.Engine

    def record_delivery(self, *, period_slug: str, channel: str, delivered_at: dt.datetime,
                        run_id: str, recipients: list[str] | tuple[str, ...], subject: str,
                        kenmerk: str | None, revised: bool, content_sha256: str,
                        files: dict[str, str]) -> None:
        """Note that a period's documents went out (call only after the send succeeded)."""
        with self.engine.begin() as conn:
            conn.execute(deliveries.insert().values(
                period=period_slug, channel=channel, delivered_at=naive_utc(delivered_at),
                run_id=run_id, recipients=", ".join(recipients), subject=subject,
                kenmerk=kenmerk, revised=bool(revised), content_sha256=content_sha256,
                files=json.dumps(dict(sorted(files.items())))))

    def deliveries_of(self, period_slug: str, channel: str | None = None) -> list[dict]:
        """Every delivery of one period, oldest first; ``files`` as a dict."""
        query = sa.select(deliveries).where(deliveries.c.period == period_slug)
        if channel:
            query = query.where(deliveries.c.channel == channel)
        query = query.order_by(deliveries.c.delivered_at, deliveries.c.id)
        with self.engine.connect() as conn:
            rows = [dict(row._mapping) for row in conn.execute(query)]
        for row in rows:
            row["files"] = json.loads(row["files"])
            row["recipients"] = [r for r in row["recipients"].split(", ") if r]
        return rows

    def last_delivery(self, period_slug: str, channel: str) -> dict | None:
        """The latest delivery of one period through ``channel``, or None."""
        rows = self.deliveries_of(period_slug, channel)
        return rows[-1] if rows else None

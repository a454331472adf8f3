"""ZGW source: zaken of the configured zaaktypen from a Zaken API (ZGW 1.x), e.g. Open Zaak.

Authentication per the ZGW auth spec: a fresh JWT per request (``zgw_http.zgw_token``),
so long reads never expire.

Mapping (fixed; the eigenschap names and the tussenbericht statustype are configured):

=======================================  ==================================================
Zaken API                                canonical field
=======================================  ==================================================
``identificatie`` (else ``uuid``)        source_record_id
``zaaktype`` (URL, via ``zaaktypen``)    kind
eigenschap ``eigenschappen.wijk``        wijk
eigenschap ``eigenschappen.wethouder``   wethouder
eigenschap ``eigenschappen.onderwerp``   onderwerp (else ``omschrijving``)
``startdatum``                           date_raised
``uiterlijkeEinddatumAfdoening``         agreed_deadline
``einddatum``                            date_answered
``verlenging.duur`` (ISO 8601, P14D)     extension_days
first status of type                     date_tussenbericht (its ``datumStatusGezet``,
``tussenbericht_statustype``             as a date in Europe/Amsterdam)
=======================================  ==================================================

Incremental loads: the Zaken API 1.x has no "modified since" filter, so a watermark (the
newest ``registratiedatum`` seen, kept per run in the warehouse ledger) selects per zaaktype
(a) zaken registered since the watermark, (b) zaken still open (only open zaken change in
ways that matter: einddatum, verlenging, statussen, eigenschappen) and (c) zaken closed
since the watermark, each minus ``overlap_days`` for late or backdated registrations. The
first run, or ``incremental: false``, reads every zaak of the zaaktypen. Such a source is
not a full extract (``full_extract: false``): a zaak deleted in the case system is not seen.

Timeouts (``timeout_seconds`` per answer), connection errors, answers cut short, 429 and 5xx
are retried (tenacity) with exponential backoff or the server's ``Retry-After``, a bounded
number of times (``retries``); then ``SourceUnavailable`` names the source and the last
cause, and the task's own retries take over. 401/403 raise ``SourceAccessDenied`` naming
the Airflow connection.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import pandas as pd

from wijkopvolging.sources import Extract, SourceAccessDenied, SourceError, SourceUnavailable
from wijkopvolging.zgw_http import Unavailable, ZgwClient

if TYPE_CHECKING:
    import requests

    from wijkopvolging.config import SourceConfig
    from wijkopvolging.sources.ledger import SourceLedger

USER_REPRESENTATION = "wijkopvolging (Airflow ingest)"
_DURATION = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?$")


@dataclass(frozen=True)
class ZgwConnection:
    """Where the Zaken API is and who we are there; the secret never shows in a repr."""

    base_url: str  # e.g. https://openzaak.example.nl/zaken/api/v1
    client_id: str
    secret: str = field(repr=False)
    conn_id: str | None = None  # the Airflow connection it came from, for error messages


def connection_from_airflow(conn, conn_id: str | None = None) -> ZgwConnection:
    """A ``ZgwConnection`` from an Airflow connection's fields (duck-typed).

    login = client_id, password = secret; the base URL is ``extra.base_url`` when given,
    else ``host`` when it holds a full URL, else ``<schema or https>://host[:port]``.
    """
    extra = getattr(conn, "extra_dejson", None) or {}
    host = (conn.host or "").strip()
    if extra.get("base_url"):
        base = extra["base_url"]
    elif "://" in host:
        base = host
    else:
        port = f":{conn.port}" if getattr(conn, "port", None) else ""
        base = f"{conn.schema or 'https'}://{host}{port}"
    return ZgwConnection(base_url=base.rstrip("/"), client_id=conn.login or "",
                         secret=conn.password or "",
                         conn_id=conn_id or getattr(conn, "conn_id", None))


class ZakenClient(ZgwClient):
    """A small Zaken API client: authenticated GETs with retries, pages followed."""

    user_representation = USER_REPRESENTATION
    read_timeout = "ReadTimeout: geen antwoord binnen {seconds:g} s (timeout_seconds)"

    def __init__(self, connection: ZgwConnection, *, source_name: str, **options: Any):
        """``options``: ``timeout``, ``retries``, ``backoff``, ``sleep``, ``session``
        (``ZgwClient``)."""
        super().__init__(connection, **options)
        self.source_name = source_name

    def url(self, path: str) -> str:
        return urljoin(self.connection.base_url.rstrip("/") + "/", path.lstrip("/"))

    def _who(self) -> str:
        via = (f"Airflow-verbinding {self.connection.conn_id!r}" if self.connection.conn_id
               else "de ingestelde verbinding")
        return f"bron {self.source_name!r} ({via}, {self.connection.base_url})"

    def _denied(self, response: requests.Response) -> SourceAccessDenied:
        return SourceAccessDenied(
            f"{self._who()}: the Zaken API refused access ({response.status_code} "
            f"{response.reason}) for client_id {self.connection.client_id!r}. Check "
            "client_id (login) and secret (password) of the connection, and that "
            "the application may read (zaken.lezen) these zaaktypen in the "
            "Autorisaties API.")

    def get_json(self, url: str, params: dict[str, Any] | None = None) -> Any:
        """GET one resource; retries timeouts, connection errors, 429 and 5xx.

        Up to ``retries`` more tries after the first, waiting ``backoff``, then twice as
        long each time (at most ``zgw_http.MAX_BACKOFF_SECONDS``), or what a numeric
        ``Retry-After`` asks; after the last try ``SourceUnavailable`` says the API is
        unavailable (the task's own retries may get through later).
        """
        try:
            return self._with_retries(self._get_once, url, params)
        except Unavailable as last:
            raise SourceUnavailable(
                f"{self._who()}: GET {url} mislukt na {self.retries + 1} pogingen (laatste: "
                f"{last}); de Zaken API is nu niet beschikbaar. De taak probeert het later "
                "opnieuw; blijft het mislukken, vraag dan de beheerder van de Zaken API of die "
                "werkt") from None

    def _get_once(self, url: str, params: dict[str, Any] | None) -> Any:
        """One authenticated GET: the JSON body, ``Unavailable`` for what may pass, or a
        ``SourceError`` for what another try will not fix."""
        response = self._send("GET", url, params=params, headers={"Accept-Crs": "EPSG:4326"})
        if response.status_code >= 400:
            raise SourceError(f"{self._who()}: GET {response.url} failed with "
                              f"{response.status_code} {response.reason}: "
                              f"{_problem(response)}")
        try:
            return response.json()
        except ValueError:
            raise SourceError(f"{self._who()}: GET {response.url} did not return JSON"
                              ) from None

    def pages(self, path_or_url: str, params: dict[str, Any] | None = None
              ) -> Iterator[dict[str, Any]]:
        """Every result of a paginated list, following ``next`` to the end."""
        url = path_or_url if "://" in path_or_url else self.url(path_or_url)
        while url:
            page = self.get_json(url, params)
            params = None  # ``next`` carries the query string
            if isinstance(page, list):  # an unpaginated list
                yield from page
                return
            yield from page.get("results") or []
            url = page.get("next")

    def zaken(self, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        return self.pages("zaken", params)

    def eigenschappen(self, zaak: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self.pages(f"zaken/{zaak['uuid']}/zaakeigenschappen"))

    def statussen(self, zaak: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self.pages("statussen", {"zaak": zaak["url"]}))


def _problem(response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        parts = [str(body.get(k)) for k in ("title", "detail") if body.get(k)]
        for error in body.get("invalidParams") or []:
            parts.append(f"{error.get('name')}: {error.get('reason')}")
        return "; ".join(parts) or str(body)[:200]
    return str(body)[:200]


def duration_days(text: str | None) -> int | str | None:
    """Days in an ISO 8601 duration (``P14D``, ``P2W``); anything else comes back as is,
    so the mapping reports it as unreadable (months have no fixed number of days)."""
    if text is None or not str(text).strip():
        return None
    match = _DURATION.match(str(text).strip().upper())
    if not match or not any(match.groups()):
        return str(text)
    weeks, days = (int(g) if g else 0 for g in match.groups())
    return weeks * 7 + days


def local_date(moment: str | None) -> dt.date | None:
    """The Amsterdam calendar date of an ISO timestamp (``datumStatusGezet``)."""
    if not moment:
        return None
    from wijkopvolging.periods import AMSTERDAM

    stamp = pd.Timestamp(moment)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(AMSTERDAM)
    return stamp.date()


def _norm(name: Any) -> str:
    return " ".join(str(name).split()).casefold()


def zaak_record(zaak: dict[str, Any], eigenschappen: list[dict[str, Any]],
                statussen: list[dict[str, Any]], source: SourceConfig) -> dict[str, Any]:
    """One zaak as raw canonical fields (before parsing and value tables)."""
    names = source.options["eigenschappen"]
    values = {_norm(e.get("naam")): e.get("waarde") for e in eigenschappen}

    def eigenschap(canonical: str) -> Any:
        name = names.get(canonical)
        value = values.get(_norm(name)) if name else None
        return value if value not in ("", None) else None

    tussenbericht = source.options.get("tussenbericht_statustype")
    moments = sorted(s["datumStatusGezet"] for s in statussen
                     if tussenbericht and s.get("statustype") == tussenbericht
                     and s.get("datumStatusGezet"))
    verlenging = zaak.get("verlenging") or {}
    return {
        "source_record_id": zaak.get("identificatie") or zaak.get("uuid"),
        "kind": source.options["zaaktypen"].get(zaak.get("zaaktype")),
        "wijk": eigenschap("wijk"),
        "wethouder": eigenschap("wethouder"),
        "onderwerp": eigenschap("onderwerp") or zaak.get("omschrijving") or None,
        "date_raised": zaak.get("startdatum"),
        "agreed_deadline": zaak.get("uiterlijkeEinddatumAfdoening"),
        "date_answered": zaak.get("einddatum"),
        "extension_days": duration_days(verlenging.get("duur")),
        "date_tussenbericht": local_date(moments[0]) if moments else None,
    }


def zaak_queries(zaaktype: str, watermark: str | None, overlap_days: int
                 ) -> list[dict[str, str]]:
    """The /zaken filters for one zaaktype: all of them, or what may have changed."""
    if not watermark:
        return [{"zaaktype": zaaktype}]
    since = (dt.date.fromisoformat(watermark) - dt.timedelta(days=overlap_days)).isoformat()
    return [
        {"zaaktype": zaaktype, "registratiedatum__gt": since},
        {"zaaktype": zaaktype, "einddatum__isnull": "true"},
        {"zaaktype": zaaktype, "einddatum__gt": since},
    ]


def extract_zgw(source: SourceConfig, *, connection: ZgwConnection,
                ledger: SourceLedger | None = None, data_interval_end=None,
                client: ZakenClient | None = None, bounds=None) -> Extract:
    """Read the zaken of the configured zaaktypen into canonical items.

    With a ledger and ``incremental`` (the default) only zaken that may have changed since
    the last finished ingest are read, and this run's watermark is proposed to the ledger.
    ``bounds``: the settings a record's days must keep (``sources.mapping.to_canonical``).
    """
    from wijkopvolging.sources.mapping import to_canonical

    incremental = bool(source.options.get("incremental", True)) and ledger is not None
    watermark = ledger.watermark() if incremental else None
    overlap = int(source.options.get("overlap_days", 7))
    own_client = client is None
    client = client or ZakenClient(
        connection, source_name=source.name,
        timeout=float(source.options.get("timeout_seconds", 30)),
        retries=int(source.options.get("retries", 4)))
    try:
        zaken: dict[str, dict[str, Any]] = {}
        for zaaktype in source.options["zaaktypen"]:
            for params in zaak_queries(zaaktype, watermark, overlap):
                for zaak in client.zaken(params):
                    if zaak.get("zaaktype") in source.options["zaaktypen"]:
                        zaken.setdefault(zaak["url"], zaak)
        ordered = sorted(zaken.values(), key=lambda z: (str(z.get("identificatie")),
                                                        str(z.get("uuid"))))
        records = []
        for zaak in ordered:
            statussen = (client.statussen(zaak)
                         if source.options.get("tussenbericht_statustype") else [])
            records.append(zaak_record(zaak, client.eigenschappen(zaak), statussen, source))
    finally:
        if own_client:
            client.close()

    columns = ["source_record_id", "kind", "wijk", "wethouder", "onderwerp", "date_raised",
               "agreed_deadline", "date_answered", "extension_days", "date_tussenbericht"]
    raw = pd.DataFrame(records, columns=columns, dtype="object")
    result = to_canonical(raw, dataclasses.replace(source, mapping={c: c for c in columns}),
                          bounds=bounds)
    if len(result.findings):
        result.findings["message"] = [
            f"zaak {r}: {m}" for r, m in zip(result.findings["source_record_id"],
                                             result.findings["message"], strict=True)]
    if ledger is not None and incremental:
        new = _new_watermark(ordered, watermark, data_interval_end)
        if new:
            ledger.remember_watermark(new)
    return result


def _new_watermark(zaken: list[dict[str, Any]], previous: str | None,
                   data_interval_end) -> str | None:
    """The newest registratiedatum seen, never past the run's own date (a typo like
    2099 must not stop every later read), never before the previous watermark."""
    seen = [z["registratiedatum"] for z in zaken if z.get("registratiedatum")]
    candidates = [d for d in (*seen, previous) if d]
    if not candidates:
        return None
    newest = max(candidates)
    if data_interval_end is not None:
        newest = min(newest, pd.Timestamp(data_interval_end).date().isoformat())
    return newest

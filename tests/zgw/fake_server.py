"""A fake Zaken API on 127.0.0.1 (a free port) for the zgw source's tests.

Serves GET /zaken (paginated, filters zaaktype, registratiedatum__gt, einddatum__gt,
einddatum__isnull), GET /zaken/{uuid}/zaakeigenschappen and GET /statussen?zaak=, checks
the ZGW JWT (HS256) on every request, and validates every body it sends against the
published schema (``spec.py``); a body that breaks the schema is recorded in
``schema_errors`` (the tests assert it stays empty). ``fail_next`` injects 429/5xx
answers, slow ones and ``Retry-After``; ``cut_next`` sends answers whose body stops
half-way (the connection closes before the promised ``Content-Length``).
"""

from __future__ import annotations

import time
import uuid as uuidlib
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.fake_http import LocalApi
from tests.zgw import spec

BASE_PATH = "/zaken/api/v1"
CATALOGI = "http://catalogi.test/catalogi/api/v1"
ZAAKTYPE_VRAAG = f"{CATALOGI}/zaaktypen/0f3a2c4e-1111-4c3a-9a1e-000000000001"
ZAAKTYPE_ADVIES = f"{CATALOGI}/zaaktypen/0f3a2c4e-2222-4c3a-9a1e-000000000002"
ZAAKTYPE_OTHER = f"{CATALOGI}/zaaktypen/0f3a2c4e-3333-4c3a-9a1e-000000000003"
STATUSTYPE_TUSSENBERICHT = f"{CATALOGI}/statustypen/5b0c6a5e-aaaa-4b6e-8f7e-000000000001"
STATUSTYPE_ONTVANGEN = f"{CATALOGI}/statustypen/5b0c6a5e-bbbb-4b6e-8f7e-000000000002"
EIGENSCHAP = f"{CATALOGI}/eigenschappen/7c1d2e3f-0000-4a5b-8c9d-0000000000"


class FakeZakenApi(LocalApi):
    """The server's data and behaviour; ``start()`` serves it in a thread."""

    base_path = BASE_PATH
    api_version = "1.5.1"

    def __init__(self, *, client_id: str = "wijkopvolging",
                 secret: str = "geheim-voor-de-tests-van-wijkopvolging", page_size: int = 2):
        super().__init__(client_id=client_id, secret=secret)
        self.page_size = page_size
        self.zaken: list[dict[str, Any]] = []
        self.eigenschappen: dict[str, list[dict[str, Any]]] = {}
        self.statussen: list[dict[str, Any]] = []
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        self._cuts: list[tuple[str]] = []

    # -- faults ----------------------------------------------------------------------------
    def fail_next(self, path_contains: str, status: int = 503, times: int = 1, *,
                  retry_after: str | None = None, delay: float = 0.0) -> None:
        """The next ``times`` requests whose path+query contains the text get ``status``
        (with a ``Retry-After`` header when given), after ``delay`` seconds (a delay longer
        than the client's timeout makes the client time out)."""
        self._queue(self._failures, (path_contains, status, retry_after, delay), times)

    def cut_next(self, path_contains: str, times: int = 1) -> None:
        """The next ``times`` answers to requests whose path+query contains the text send
        their headers and half of their body, then close the connection."""
        self._queue(self._cuts, (path_contains,), times)

    # -- data ------------------------------------------------------------------------------
    def add_zaak(self, identificatie: str, *, zaaktype: str = ZAAKTYPE_VRAAG,
                 startdatum: str = "2024-03-12", registratiedatum: str | None = None,
                 einddatum: str | None = None, uiterlijke_einddatum: str | None = None,
                 omschrijving: str = "", verlenging: str | None = None,
                 eigenschappen: dict[str, str] | None = None,
                 statussen: list[tuple[str, str]] = ()) -> dict[str, Any]:
        """A complete Zaak as the API returns it, with its eigenschappen and statussen."""
        zaak_uuid = str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, identificatie))
        url = f"{self.base_url}/zaken/{zaak_uuid}"
        status_urls = [f"{self.base_url}/statussen/{uuidlib.uuid4()}" for _ in statussen]
        eigen = [
            {"url": f"{url}/zaakeigenschappen/{uuidlib.uuid5(uuidlib.NAMESPACE_URL, url + n)}",
             "uuid": str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, url + n)), "zaak": url,
             "eigenschap": f"{EIGENSCHAP}{i:02d}", "naam": n, "waarde": v}
            for i, (n, v) in enumerate((eigenschappen or {}).items())
        ]
        zaak = {
            "url": url, "uuid": zaak_uuid, "identificatie": identificatie,
            "bronorganisatie": "002220647", "omschrijving": omschrijving, "toelichting": "",
            "zaaktype": zaaktype, "registratiedatum": registratiedatum or startdatum,
            "verantwoordelijkeOrganisatie": "002220647", "startdatum": startdatum,
            "einddatum": einddatum, "einddatumGepland": None,
            "uiterlijkeEinddatumAfdoening": uiterlijke_einddatum, "publicatiedatum": None,
            "communicatiekanaal": "", "productenOfDiensten": [],
            "vertrouwelijkheidaanduiding": "openbaar", "betalingsindicatie": "",
            "betalingsindicatieWeergave": "", "laatsteBetaaldatum": None,
            "zaakgeometrie": None,
            "verlenging": {"reden": "Complex advies", "duur": verlenging} if verlenging
            else None,
            "opschorting": {"indicatie": False, "reden": ""}, "selectielijstklasse": "",
            "hoofdzaak": None, "deelzaken": [], "relevanteAndereZaken": [],
            "eigenschappen": [e["url"] for e in eigen], "rollen": [],
            "status": status_urls[-1] if status_urls else None,
            "zaakinformatieobjecten": [], "zaakobjecten": [], "kenmerken": [],
            "archiefnominatie": None, "archiefstatus": "nog_te_archiveren",
            "archiefactiedatum": None, "resultaat": None, "opdrachtgevendeOrganisatie": "",
            "processobjectaard": None, "startdatumBewaartermijn": None, "processobject": None,
        }
        for n, (statustype, gezet) in enumerate(statussen):
            self.statussen.append({
                "url": status_urls[n], "uuid": status_urls[n].rsplit("/", 1)[1], "zaak": url,
                "statustype": statustype, "datumStatusGezet": gezet, "statustoelichting": "",
                "indicatieLaatstGezetteStatus": n == len(statussen) - 1, "gezetdoor": "",
                "zaakinformatieobjecten": [],
            })
        self.zaken.append(zaak)
        self.eigenschappen[zaak_uuid] = eigen
        return zaak

    # -- requests --------------------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        query = parse_qs(parts.query)
        with self._lock:
            self.requests.append((parts.path, query))
            failure = self._take(self._failures, handler.path)
            cut = self._take(self._cuts, handler.path)
        handler.cut_body = bool(cut)
        if failure:
            _, status, retry_after, delay = failure
            if delay:
                time.sleep(delay)
            headers = {"Retry-After": retry_after} if retry_after else {}
            try:
                return self._send(handler, status, {"detail": "tijdelijk niet beschikbaar"},
                                  validate=None, headers=headers)
            except OSError:  # the client gave up waiting (a timeout test)
                return None
        if not self._authorised(handler):
            body = {"type": "", "code": "not_authenticated", "title": "Niet geauthenticeerd.",
                    "status": 401, "detail": "Ongeldige of ontbrekende JWT.",
                    "instance": f"urn:uuid:{uuidlib.uuid4()}"}
            return self._send(handler, 401, body, validate=("/zaken", "401"),
                              content_type="application/problem+json")
        path = parts.path.removeprefix(BASE_PATH)
        if path == "/zaken":
            return self._send(handler, 200, self._page(handler, self._filter(query), query),
                              validate=("/zaken", "200"))
        if path.startswith("/zaken/") and path.endswith("/zaakeigenschappen"):
            zaak_uuid = path.split("/")[2]
            if zaak_uuid not in self.eigenschappen:
                return self._send(handler, 404, {"detail": "Niet gevonden."}, validate=None)
            return self._send(handler, 200, self.eigenschappen[zaak_uuid],
                              validate=("/zaken/{zaak_uuid}/zaakeigenschappen", "200"))
        if path == "/statussen":
            zaak = (query.get("zaak") or [None])[0]
            found = [s for s in self.statussen if zaak is None or s["zaak"] == zaak]
            return self._send(handler, 200, self._page(handler, found, query),
                              validate=("/statussen", "200"))
        return self._send(handler, 404, {"detail": "Niet gevonden."}, validate=None)

    def _filter(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        def one(name):
            return (query.get(name) or [None])[0]

        zaken = self.zaken
        if one("zaaktype"):
            zaken = [z for z in zaken if z["zaaktype"] == one("zaaktype")]
        if one("registratiedatum__gt"):
            zaken = [z for z in zaken if z["registratiedatum"] > one("registratiedatum__gt")]
        if one("einddatum__gt"):
            zaken = [z for z in zaken if z["einddatum"] and z["einddatum"] > one("einddatum__gt")]
        if one("einddatum__isnull") == "true":
            zaken = [z for z in zaken if z["einddatum"] is None]
        return zaken

    def _page(self, handler, results: list[dict[str, Any]], query) -> dict[str, Any]:
        page = int((query.get("page") or ["1"])[0])
        start = (page - 1) * self.page_size
        base = f"{self.root}{urlsplit(handler.path).path}"
        rest = {k: v[0] for k, v in query.items() if k != "page"}

        def link(n):
            return f"{base}?{urlencode({**rest, 'page': n})}"

        return {
            "count": len(results),
            "next": link(page + 1) if start + self.page_size < len(results) else None,
            "previous": link(page - 1) if page > 1 else None,
            "results": results[start:start + self.page_size],
        }

    def _send(self, handler, status: int, body: Any, *, validate: tuple[str, str] | None,
              content_type: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        if validate:
            self._record(spec.errors(body, *validate), f"GET {validate[0]} {validate[1]}")
        data = self._head(handler, status, body, content_type=content_type, headers=headers)
        if getattr(handler, "cut_body", False):
            handler.wfile.write(data[:len(data) // 2])
            handler.close_connection = True
            return
        handler.wfile.write(data)

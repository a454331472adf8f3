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

import json
import threading
import time
import uuid as uuidlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt

from tests.zgw import spec

BASE_PATH = "/zaken/api/v1"
CATALOGI = "http://catalogi.test/catalogi/api/v1"
ZAAKTYPE_VRAAG = f"{CATALOGI}/zaaktypen/0f3a2c4e-1111-4c3a-9a1e-000000000001"
ZAAKTYPE_ADVIES = f"{CATALOGI}/zaaktypen/0f3a2c4e-2222-4c3a-9a1e-000000000002"
ZAAKTYPE_OTHER = f"{CATALOGI}/zaaktypen/0f3a2c4e-3333-4c3a-9a1e-000000000003"
STATUSTYPE_TUSSENBERICHT = f"{CATALOGI}/statustypen/5b0c6a5e-aaaa-4b6e-8f7e-000000000001"
STATUSTYPE_ONTVANGEN = f"{CATALOGI}/statustypen/5b0c6a5e-bbbb-4b6e-8f7e-000000000002"
EIGENSCHAP = f"{CATALOGI}/eigenschappen/7c1d2e3f-0000-4a5b-8c9d-0000000000"


class FakeZakenApi:
    """The server's data and behaviour; ``start()`` serves it in a thread."""

    def __init__(self, *, client_id: str = "wijkopvolging",
                 secret: str = "geheim-voor-de-tests-van-wijkopvolging", page_size: int = 2):
        self.client_id = client_id
        self.secret = secret
        self.page_size = page_size
        self.zaken: list[dict[str, Any]] = []
        self.eigenschappen: dict[str, list[dict[str, Any]]] = {}
        self.statussen: list[dict[str, Any]] = []
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        self.claims: list[dict[str, Any]] = []
        self.schema_errors: list[str] = []
        self._failures: list[tuple[str, int, str | None, float]] = []
        self._cuts: list[str] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeZakenApi:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                api._handle(self)

            def log_message(self, *args):  # keep pytest output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{BASE_PATH}"

    def fail_next(self, path_contains: str, status: int = 503, times: int = 1, *,
                  retry_after: str | None = None, delay: float = 0.0) -> None:
        """The next ``times`` requests whose path+query contains the text get ``status``
        (with a ``Retry-After`` header when given), after ``delay`` seconds (a delay longer
        than the client's timeout makes the client time out)."""
        with self._lock:
            self._failures.extend([(path_contains, status, retry_after, delay)] * times)

    def cut_next(self, path_contains: str, times: int = 1) -> None:
        """The next ``times`` answers to requests whose path+query contains the text send
        their headers and half of their body, then close the connection."""
        with self._lock:
            self._cuts.extend([path_contains] * times)

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
    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = parse_qs(parts.query)
        with self._lock:
            self.requests.append((parts.path, query))
            failure = next((f for f in self._failures if f[0] in handler.path), None)
            if failure:
                self._failures.remove(failure)
            cut = next((c for c in self._cuts if c in handler.path), None)
            if cut:
                self._cuts.remove(cut)
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

    def _authorised(self, handler) -> bool:
        header = handler.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return False
        try:
            claims = jwt.decode(header.removeprefix("Bearer "), self.secret,
                                algorithms=["HS256"], options={"require": ["iat"]})
        except jwt.InvalidTokenError:
            return False
        with self._lock:
            self.claims.append(claims)
        return claims.get("client_id") == self.client_id

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
        base = f"{self.base_url.removesuffix(BASE_PATH)}{urlsplit(handler.path).path}"
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
            problems = spec.errors(body, *validate)
            if problems:
                with self._lock:
                    self.schema_errors.extend(f"GET {validate[0]} {validate[1]}: {p}"
                                              for p in problems)
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("API-version", "1.5.1")
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        if getattr(handler, "cut_body", False):
            handler.wfile.write(data[:len(data) // 2])
            handler.close_connection = True
            return
        handler.wfile.write(data)

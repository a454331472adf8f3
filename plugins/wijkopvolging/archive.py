"""Archiving the delivered set in the ZGW Documenten API 1.5 (e.g. Open Zaak).

After the griffie received a period's final set (the ``deliver`` task), each of its
documents, the Word files and the PDFs, is stored as an ``EnkelvoudigInformatieObject``:

=============================  ==========================================================
field                          value
=============================  ==========================================================
bronorganisatie                ``archive.bronorganisatie`` (the gemeente's RSIN)
informatieobjecttype           ``archive.informatieobjecttype`` (Catalogi API URL)
auteur                         ``archive.auteur``
identificatie                  the kenmerk and the document: ``<kenmerk>-brief``,
                               ``-brief-pdf``, ``-bijlage``, ``-bijlage-pdf`` (unique per
                               bronorganisatie, at most 40 characters)
titel                          the document's own title (``labels``)
creatiedatum                   the letter's date (the college's decision)
taal / status / vertrouwelijk  ``dut`` / ``definitief`` / ``openbaar``
formaat, bestandsnaam          the file's media type and name
inhoud                         base64; a file above ``archive.inline_max_bytes`` goes in
                               the ``bestandsdelen`` the server hands out (POST with
                               ``inhoud: null`` and ``bestandsomvang``, PUT each part,
                               then ``unlock``)
=============================  ==========================================================

Only the set the griffie has: the drop folder's set, archived when the delivery ledger
records that exactly these files were mailed to the griffie. Each document is stored once
by the ledger rule the mails follow (``deliver_once.act_once``; channel
``archief:<file name>``, the object's URL as recipient): a re-run stores nothing again; a
store that fails is not recorded, so the retry stores what is missing; a revised set
stores a new version of each object (``lock``, ``PATCH`` with the lock, ``unlock``),
never a new object.

Authentication is the ZGW JWT (``zgw_http``, as for the Zaken client) with the client
id and secret of the Airflow connection ``archive.conn_id``. Timeouts, lost connections,
429 and 5xx are retried with backoff (``zgw_http``, as for the Zaken client), then
``ArchiveUnavailable`` fails the task (Airflow retries it later); 401/403 and a 400 with
field errors raise ``ArchiveError`` in Dutch, naming the connection or the field and its
setting. Archiving never touches the griffie's delivery: the drop folder and the ledger's
e-mail rows stay as they are. Off (one log line) while ``archive.documenten_api_url`` is
not set.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from collections import Counter
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wijkopvolging import layout
from wijkopvolging.deliver_once import EMAIL, Action, Decision, LedgerKey, Receipt, act_once
from wijkopvolging.errors import ExpectedError
from wijkopvolging.zgw_http import Unavailable, ZgwClient

if TYPE_CHECKING:
    import requests

    from wijkopvolging.sources.zgw import ZgwConnection

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "archief:"  # the ledger's channel per archived file
USER_REPRESENTATION = "wijkopvolging (archief)"
TAAL = "dut"
STATUS = "definitief"
VERTROUWELIJKHEID = "openbaar"
MEDIA_TYPES = {
    layout.WORD: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    layout.PDF: "application/pdf",
}
LETTER, OVERVIEW = layout.stem(layout.LETTER), layout.stem(layout.OVERVIEW)
ROLES = {LETTER: "brief", OVERVIEW: "bijlage"}
# Which setting to correct when the archive refuses a field.
FIELD_SETTINGS = {
    "bronorganisatie": "archive.bronorganisatie",
    "informatieobjecttype": "archive.informatieobjecttype",
    "auteur": "archive.auteur",
    "identificatie": "settings.kenmerk",
}
OFF_MESSAGE = "uit (archive.documenten_api_url niet ingesteld)"


class ArchiveError(ExpectedError):
    """The archive refused: access, or a field. The message says what to correct."""


class ArchiveUnavailable(Exception):
    """The archive did not answer after every retry. Not an ``ExpectedError``: the task's
    own retries may get through later."""


@dataclass(frozen=True)
class ArchiveDocument:
    """One file of the delivered set, as the archive stores it."""

    name: str
    path: Path
    sha256: str
    identificatie: str
    titel: str

    @property
    def formaat(self) -> str:
        return MEDIA_TYPES[self.path.suffix]


def archive_documents(folder: Path, manifest: dict, period) -> list[ArchiveDocument]:
    """The set's Word files and PDFs (the letter and the overview), in manifest order."""
    from wijkopvolging.labels import letter_title, overview_title

    revised = bool(manifest.get("revised"))
    titles = {LETTER: letter_title(period, revised=revised),
              OVERVIEW: overview_title(period, revised=revised)}
    found = []
    for name, sha in manifest["files"].items():
        path = Path(folder) / name
        if path.suffix not in MEDIA_TYPES or path.stem not in ROLES:
            continue
        role = ROLES[path.stem] + ("-pdf" if path.suffix == layout.PDF else "")
        identificatie = f"{manifest['kenmerk']}-{role}"
        if len(identificatie) > 40:
            raise ArchiveError(
                f"de identificatie {identificatie!r} voor het archief is langer dan 40 tekens "
                f"(de grens van de Documenten API): kort het kenmerk in (settings.kenmerk, "
                f"of de kenmerk-invoer bij het collegebesluit)")
        found.append(ArchiveDocument(name, path, sha, identificatie, titles[path.stem]))
    return found


def eio_body(settings, document: ArchiveDocument, *, creatiedatum: str, content: bytes
             ) -> dict[str, Any]:
    """The ``EnkelvoudigInformatieObject`` fields for ``document``; the content inline
    (base64) up to ``settings.inline_max_bytes``, else announced for bestandsdelen."""
    body = {
        "identificatie": document.identificatie,
        "bronorganisatie": settings.bronorganisatie,
        "creatiedatum": creatiedatum,
        "titel": document.titel,
        "vertrouwelijkheidaanduiding": VERTROUWELIJKHEID,
        "auteur": settings.auteur,
        "status": STATUS,
        "formaat": document.formaat,
        "taal": TAAL,
        "bestandsnaam": document.path.name,
        "informatieobjecttype": settings.informatieobjecttype,
    }
    if len(content) > settings.inline_max_bytes:
        body.update(inhoud=None, bestandsomvang=len(content))
    else:
        body.update(inhoud=base64.b64encode(content).decode("ascii"),
                    bestandsomvang=len(content))
    return body


class DocumentenClient(ZgwClient):
    """A small Documenten API client: authenticated JSON and multipart requests with
    retries, and the 1.5 flows (create, new version, bestandsdelen)."""

    user_representation = USER_REPRESENTATION
    read_timeout = "geen antwoord binnen {seconds:g} s (archive.timeout_seconds)"

    def _where(self) -> str:
        via = (f"Airflow-verbinding {self.connection.conn_id!r}" if self.connection.conn_id
               else "de ingestelde verbinding")
        return f"het archief (ZGW Documenten API {self.connection.base_url}, {via})"

    def _denied(self, response: requests.Response) -> ArchiveError:
        status = response.status_code
        return ArchiveError(
            f"{self._where()} weigert de toegang ({status} {response.reason}) voor "
            f"client_id {self.connection.client_id!r}. Controleer client_id (login) en "
            "secret (wachtwoord) van de verbinding, en of de applicatie in de "
            "Autorisaties API documenten mag aanmaken, bijwerken en vergrendelen "
            "(documenten.aanmaken, documenten.bijwerken, documenten.lock) voor dit "
            "informatieobjecttype. De levering aan de griffie is niet geraakt.")

    def request(self, method: str, url: str, *, json_body: Any = None,
                form: dict[str, Any] | None = None, what: str = "") -> Any:
        """One request with the retries of ``ZgwClient``; the JSON answer (None for
        204). ``form`` sends multipart/form-data (a bestandsdeel)."""
        try:
            return self._with_retries(self._once, method, url, json_body, form, what)
        except Unavailable as last:
            raise ArchiveUnavailable(
                f"{self._where()} is niet bereikbaar: {method} {url} mislukt na "
                f"{self.retries + 1} pogingen (laatste: {last}). De levering aan de griffie "
                "is gedaan en blijft zoals ze is; alleen het archiveren wacht. De taak "
                "probeert het later opnieuw; blijft het mislukken, vraag dan de beheerder "
                "van de Documenten API of die werkt") from None

    def _once(self, method: str, url: str, json_body: Any, form: dict[str, Any] | None,
              what: str) -> Any:
        if form is not None:
            kwargs: dict[str, Any] = {"files": {
                key: (None, value) if isinstance(value, str)
                else ("bestandsdeel", value, "application/octet-stream")
                for key, value in form.items()}}
        else:
            kwargs = {"headers": {"Content-Type": "application/json"},
                      "data": json.dumps(json_body if json_body is not None else {})}
        response = self._send(method, url, **kwargs)
        status = response.status_code
        if status >= 400:
            raise ArchiveError(f"{self._where()} weigert {what or url} ({status}): "
                               f"{_refusal(response)}. De levering aan de griffie is niet "
                               "geraakt.")
        if status == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ArchiveError(f"{self._where()}: {method} {url} gaf geen JSON terug"
                               ) from None

    # -- the 1.5 flows ------------------------------------------------------------------
    def _collection(self) -> str:
        return self.connection.base_url.rstrip("/") + "/enkelvoudiginformatieobjecten"

    def create(self, body: dict[str, Any], content: bytes, *, what: str) -> dict[str, Any]:
        """A new object; its bestandsdelen filled and the object unlocked when the server
        asked for parts."""
        created = self.request("POST", self._collection(), json_body=body, what=what)
        if created.get("bestandsdelen"):
            # The server locked the new object; each part carries that lock (1.5.0).
            lock = created["bestandsdelen"][0]["lock"]
            self._upload(created, content, lock, what=what)
            self.request("POST", f"{created['url']}/unlock", json_body={"lock": lock},
                         what=what)
        return created

    def new_version(self, url: str, body: dict[str, Any], content: bytes, *,
                    what: str) -> dict[str, Any]:
        """A new version of the object at ``url``: lock, PATCH (parts when asked), unlock."""
        lock = self.request("POST", f"{url}/lock", json_body={}, what=what)["lock"]
        updated = self.request("PATCH", url, json_body={**body, "lock": lock}, what=what)
        if updated.get("bestandsdelen"):
            self._upload(updated, content, lock, what=what)
        self.request("POST", f"{url}/unlock", json_body={"lock": lock}, what=what)
        return updated

    def _upload(self, eio: dict[str, Any], content: bytes, lock: str, *, what: str) -> None:
        offset = 0
        for part in sorted(eio["bestandsdelen"], key=lambda p: p["volgnummer"]):
            chunk = content[offset:offset + part["omvang"]]
            offset += part["omvang"]
            self.request("PUT", part["url"], form={"inhoud": chunk, "lock": lock},
                         what=f"{what}, bestandsdeel {part['volgnummer']}")
        if offset != len(content):
            raise ArchiveError(f"{self._where()} gaf bestandsdelen voor {offset} bytes, het "
                               f"bestand ({what}) heeft er {len(content)}")


def _refusal(response) -> str:
    """A 400's field errors in Dutch: ``veld <name> (instelling <setting>): <reason>``."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    parts = []
    for error in (body.get("invalidParams") or []) if isinstance(body, dict) else []:
        name = error.get("name")
        if error.get("code") == "identificatie-niet-uniek":
            # Stored by a try that stopped before the ledger recorded it.
            parts.append(f"een document met deze identificatie staat al in het archief, maar "
                         f"het grootboek (deliveries, kanaal {CHANNEL_PREFIX}<bestand>) kent "
                         "het niet: een eerdere poging stopte na het opslaan. Zoek het op in "
                         "de Documenten API en neem de URL op in het grootboek, of verwijder "
                         "het daar, en start de taak opnieuw")
            continue
        setting = FIELD_SETTINGS.get(name)
        where = f"veld {name}" + (f" (instelling {setting})" if setting else "")
        parts.append(f"{where}: {error.get('reason')}")
    if not parts and isinstance(body, dict):
        parts = [str(body.get(k)) for k in ("title", "detail") if body.get(k)]
    return "; ".join(parts) or str(body)[:200]


def _store(client: DocumentenClient, settings, document: ArchiveDocument,
           decision: Decision, *, creatiedatum: str) -> Receipt:
    """Store ``document`` as the ledger decided (``act_once``): a new object, or when
    revised a new version of the object whose URL the last record holds. The receipt
    names the object's URL, which the ledger keeps as the recipient."""
    content = document.path.read_bytes()
    body = eio_body(settings, document, content=content, creatiedatum=creatiedatum)
    what = f"{document.name} ({document.identificatie})"
    if decision.revised:
        url = decision.last["recipients"][0]
        client.new_version(url, body, content, what=what)
    else:
        url = client.create(body, content, what=what)["url"]
    log.info("archief: %s %s als %s", document.name,
             "nieuwe versie" if decision.revised else "opgeslagen", url)
    return Receipt(recipients=[url], subject=document.titel,
                   files={document.name: document.sha256})


def archive_set(config, period, *, run_id: str, connection: ZgwConnection | None = None,
                client: DocumentenClient | None = None,
                archived_at: dt.datetime | None = None) -> dict:
    """Store each document of the set the griffie received in the Documenten API, once
    (see the module docstring). ``connection``: base URL and credentials (default: the
    configured URL and the Airflow connection ``archive.conn_id``). Returns counts."""
    from wijkopvolging.delivery import period_folder, read_manifest
    from wijkopvolging.warehouse import open_warehouse

    settings = config.archive
    if not settings.enabled:
        log.info("archief (ZGW Documenten API): %s; niets gearchiveerd", OFF_MESSAGE)
        return {"period": period.slug, "archive": "uit"}
    drop = period_folder(config, period)
    manifest = read_manifest(drop)
    with open_warehouse(config.warehouse_url) as warehouse:
        delivered = warehouse.last_delivery(period.slug, EMAIL)
        if delivered is None or delivered["files"] != manifest["files"]:
            log.warning("archief: de set in %s is (nog) niet aan de griffie geleverd; niets "
                        "gearchiveerd. Alleen wat de griffie ontving gaat naar het archief.",
                        drop)
            return {"period": period.slug, "archive": "niet geleverd", "stored": 0}
        documents = archive_documents(drop, manifest, period)
        if connection is None:
            connection = archive_connection(settings)
        own_client = client is None
        client = client or DocumentenClient(connection, timeout=settings.timeout_seconds,
                                            retries=settings.retries)
        stored = Counter()
        try:
            for document in documents:
                decision = act_once(
                    warehouse, LedgerKey(period.slug, CHANNEL_PREFIX + document.name),
                    document.sha256,
                    partial(_store, client, settings, document,
                            creatiedatum=manifest["letter_date"]),
                    run_id=run_id, kenmerk=manifest["kenmerk"], delivered_at=archived_at)
                stored[decision.action] += 1
        finally:
            if own_client:
                client.close()
    return {"period": period.slug, "archive": settings.documenten_api_url,
            "created": stored[Action.SEND], "new_versions": stored[Action.SEND_REVISED],
            "unchanged": stored[Action.NOTHING]}


def archive_connection(settings) -> ZgwConnection:
    """The Documenten API's URL (``archive.documenten_api_url``) with the client id and
    secret of the Airflow connection ``archive.conn_id``."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    from wijkopvolging.sources.zgw import ZgwConnection

    try:
        conn = BaseHook.get_connection(settings.conn_id)
    except AirflowNotFoundException:
        raise ArchiveError(
            f"archief: de Airflow-verbinding {settings.conn_id!r} (archive.conn_id) ontbreekt; "
            "maak haar aan met login = client_id en wachtwoord = secret van de Documenten "
            "API, of zet archive.documenten_api_url uit") from None
    return ZgwConnection(base_url=settings.documenten_api_url, client_id=conn.login or "",
                         secret=conn.password or "", conn_id=settings.conn_id)


def archive_summary(config) -> str:
    """One line for the run summary: where archiving goes, or that it is off."""
    settings = config.archive
    if not settings.enabled:
        return f"Archief (ZGW Documenten API): {OFF_MESSAGE}"
    return (f"Archief (ZGW Documenten API): {settings.documenten_api_url} "
            f"(verbinding {settings.conn_id!r}, bronorganisatie {settings.bronorganisatie})")

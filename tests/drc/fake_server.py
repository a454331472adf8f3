"""A fake Documenten API 1.5 on 127.0.0.1 (a free port) for the archive's tests.

Serves POST /enkelvoudiginformatieobjecten (inline ``inhoud``, or ``inhoud: null`` with
``bestandsomvang``: then bestandsdelen of ``part_size`` bytes and the object locked),
PATCH /enkelvoudiginformatieobjecten/{uuid} (a new version, with the lock), POST .../lock,
POST .../unlock (checks every part arrived) and PUT /bestandsdelen/{uuid} (multipart).
Every request body is checked against the operation's request schema and every body it
sends against the response schema of the published spec (``spec.py``); each breach is
recorded in ``schema_errors`` (the tests assert it stays empty). It checks the ZGW JWT
(HS256) and answers as the API does: 403 (or ``refuse_with=401``) for a refused token,
400 with ``invalidParams`` for an RSIN failing the 11-proef, an unknown
informatieobjecttype, a second object with the same identificatie or a wrong lock.
``fail_next`` injects 5xx answers.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.parser
import email.policy
import json
import uuid as uuidlib
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from tests.drc import spec
from tests.fake_http import LocalApi

BASE_PATH = "/documenten/api/v1"
INFORMATIEOBJECTTYPE = ("http://catalogi.test/catalogi/api/v1/informatieobjecttypen/"
                        "4f3e0a1b-0000-4c3a-9a1e-000000000001")
COLLECTION = "/enkelvoudiginformatieobjecten"


def rsin_valid(rsin: str) -> bool:
    if len(rsin) != 9 or not rsin.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(rsin[:8], range(9, 1, -1), strict=True))
    return (total - int(rsin[8])) % 11 == 0


class FakeDocumentenApi(LocalApi):
    """The server's data and behaviour; ``start()`` serves it in a thread."""

    base_path = BASE_PATH
    api_version = "1.5.0"
    methods = ("POST", "PATCH", "PUT")

    def __init__(self, *, client_id: str = "wijkopvolging",
                 secret: str = "geheim-voor-de-tests-van-wijkopvolging",
                 part_size: int = 4096, refuse_with: int = 403):
        super().__init__(client_id=client_id, secret=secret)
        self.refuse_with = refuse_with  # 401 or 403 for a token the API does not accept
        self.part_size = part_size
        self.informatieobjecttypen = {INFORMATIEOBJECTTYPE}
        self.objects: dict[str, dict[str, Any]] = {}  # uuid -> the latest version
        self.versions: dict[str, list[dict[str, Any]]] = {}  # uuid -> every version
        self.content: dict[str, bytes] = {}  # uuid -> the latest version's bytes
        self.parts: dict[str, dict[str, Any]] = {}  # part uuid -> part (with its bytes)
        self.locks: dict[str, str] = {}  # uuid -> lock
        self.requests: list[dict[str, Any]] = []  # method, path, body (parsed)

    # -- requests ----------------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        path = urlsplit(handler.path).path.removeprefix(BASE_PATH)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        media = (handler.headers.get("Content-Type") or "").split(";")[0].strip()
        template = self._template(path)
        body: Any = None
        if template is None:
            return self._send(handler, 404, {"detail": "Niet gevonden."}, None)
        if media == "multipart/form-data":
            body = self._form(handler.headers.get("Content-Type"), raw)
        elif raw:
            body = json.loads(raw)
        with self._lock:
            self.requests.append({"method": method.upper(), "path": path, "body": body})
            failure = self._take(self._failures, path)
        if failure:
            return self._send(handler, failure[1], {"detail": "tijdelijk niet beschikbaar"},
                              None)
        if "requestBody" in spec.operation(template, method):
            checked = ({k: ("<binary>" if isinstance(v, bytes) else v)
                        for k, v in body.items()} if isinstance(body, dict) else body)
            self._record(spec.request_errors(checked, template, method, media),
                         f"{method.upper()} {template} request")
        elif media and media != "application/json":
            self._record([f"Content-Type {media}"], f"{method.upper()} {template} request")
        op = (template, method)
        if not self._authorised(handler):
            if self.refuse_with == 401:
                return self._problem(handler, op, 401, "not_authenticated",
                                     "Ongeldige of ontbrekende JWT.")
            return self._problem(handler, op, 403, "permission_denied",
                                 "Je hebt geen toestemming om deze actie uit te voeren.")
        if template == COLLECTION:
            return self._create(handler, op, body)
        uuid = path.split("/")[2]
        if template.startswith("/bestandsdelen"):
            return self._upload(handler, op, uuid, body)
        if uuid not in self.objects:
            return self._send(handler, 404, {"detail": "Niet gevonden."}, None)
        if template.endswith("/lock"):
            return self._lock_object(handler, op, uuid)
        if template.endswith("/unlock"):
            return self._unlock(handler, op, uuid, body)
        return self._update(handler, op, uuid, body)

    @staticmethod
    def _template(path: str) -> str | None:
        parts = path.strip("/").split("/")
        if parts == ["enkelvoudiginformatieobjecten"]:
            return COLLECTION
        if len(parts) == 2 and parts[0] == "enkelvoudiginformatieobjecten":
            return "/enkelvoudiginformatieobjecten/{uuid}"
        if len(parts) == 3 and parts[0] == "enkelvoudiginformatieobjecten" \
                and parts[2] in ("lock", "unlock"):
            return f"/enkelvoudiginformatieobjecten/{{uuid}}/{parts[2]}"
        if len(parts) == 2 and parts[0] == "bestandsdelen":
            return "/bestandsdelen/{uuid}"
        return None

    @staticmethod
    def _form(content_type: str, raw: bytes) -> dict[str, Any]:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
        form = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            form[name] = payload if part.get_filename() else payload.decode()
        return form

    # -- operations --------------------------------------------------------------------
    def _field_errors(self, body: dict[str, Any], uuid: str | None = None) -> list[dict]:
        errors = []
        if "bronorganisatie" in body and not rsin_valid(str(body["bronorganisatie"])):
            errors.append({"name": "bronorganisatie", "code": "invalid",
                           "reason": "Onjuist RSIN formaat, moet 9 cijfers lang zijn en "
                                     "voldoen aan de 11-proef."})
        if "informatieobjecttype" in body and \
                body["informatieobjecttype"] not in self.informatieobjecttypen:
            errors.append({"name": "informatieobjecttype", "code": "bad-url",
                           "reason": "De URL is ongeldig."})
        taken = {(o["bronorganisatie"], o["identificatie"]) for u, o in self.objects.items()
                 if u != uuid}
        if (body.get("bronorganisatie"), body.get("identificatie")) in taken:
            errors.append({"name": "identificatie", "code": "identificatie-niet-uniek",
                           "reason": "Deze identificatie bestaat al voor deze "
                                     "bronorganisatie."})
        return errors

    def _create(self, handler, op, body) -> None:
        errors = self._field_errors(body)
        if errors:
            return self._invalid(handler, op, errors)
        uuid = str(uuidlib.uuid4())
        eio = self._version(uuid, body, versie=1)
        with self._lock:
            self.objects[uuid] = eio
            self.versions[uuid] = [eio]
        return self._send(handler, 201, self._public(eio), op,
                          headers={"Location": eio["url"]})

    def _update(self, handler, op, uuid, body) -> None:
        if body.get("lock") != self.locks.get(uuid):
            return self._invalid(handler, op, [{
                "name": "nonFieldErrors", "code": "incorrect-lock-id",
                "reason": "Incorrect lock ID."}])
        errors = self._field_errors(body, uuid)
        if errors:
            return self._invalid(handler, op, errors)
        previous = self.objects[uuid]
        fields = {k: v for k, v in body.items() if k != "lock"}
        merged = {**{k: previous[k] for k in BODY_KEYS}, **fields}
        eio = self._version(uuid, merged, versie=previous["versie"] + 1,
                            lock=self.locks[uuid])
        with self._lock:
            self.objects[uuid] = eio
            self.versions[uuid].append(eio)
        return self._send(handler, 200, self._public(eio), op)

    def _version(self, uuid: str, body: dict[str, Any], *, versie: int,
                 lock: str | None = None) -> dict[str, Any]:
        """One version of an object; bestandsdelen when the content is announced, not
        sent (the object is then locked until every part arrived)."""
        url = f"{self.base_url}/enkelvoudiginformatieobjecten/{uuid}"
        size = body.get("bestandsomvang")
        parts = []
        if body.get("inhoud") is None and size:
            lock = lock or uuidlib.uuid4().hex
            self.locks[uuid] = lock
            for n, start in enumerate(range(0, size, self.part_size), start=1):
                part_id = str(uuidlib.uuid4())
                parts.append({"url": f"{self.base_url}/bestandsdelen/{part_id}",
                              "volgnummer": n, "omvang": min(self.part_size, size - start),
                              "voltooid": False, "lock": lock, "eio": uuid, "data": None})
                self.parts[part_id] = parts[-1]
        elif body.get("inhoud") is not None:
            self.content[uuid] = base64.b64decode(body["inhoud"])
        return {
            "url": url, "identificatie": body.get("identificatie", ""),
            "bronorganisatie": body["bronorganisatie"], "creatiedatum": body["creatiedatum"],
            "titel": body["titel"],
            "vertrouwelijkheidaanduiding": body.get("vertrouwelijkheidaanduiding", ""),
            "auteur": body["auteur"], "status": body.get("status", ""),
            "formaat": body.get("formaat", ""), "taal": body["taal"], "versie": versie,
            "beginRegistratie": dt.datetime.now(dt.UTC).isoformat(),
            "bestandsnaam": body.get("bestandsnaam", ""),
            "inhoud": f"{url}/download?versie={versie}", "bestandsomvang": size,
            "link": "", "beschrijving": "", "ontvangstdatum": None, "verzenddatum": None,
            "indicatieGebruiksrecht": None, "verschijningsvorm": "",
            "ondertekening": None, "integriteit": None,
            "informatieobjecttype": body["informatieobjecttype"],
            "locked": uuid in self.locks, "bestandsdelen": parts, "trefwoorden": [],
            "inhoudIsVervallen": False,
        }

    @staticmethod
    def _public(eio: dict[str, Any]) -> dict[str, Any]:
        return {**eio, "bestandsdelen": [{k: v for k, v in p.items() if k not in ("eio",
                                                                                   "data")}
                                         for p in eio["bestandsdelen"]]}

    def _lock_object(self, handler, op, uuid) -> None:
        if uuid in self.locks:
            return self._problem(handler, op, 400, "existing-lock",
                                 "Het document is al gelocked.")
        self.locks[uuid] = uuidlib.uuid4().hex
        self.objects[uuid]["locked"] = True
        return self._send(handler, 200, {"lock": self.locks[uuid]}, op)

    def _unlock(self, handler, op, uuid, body) -> None:
        if (body or {}).get("lock") != self.locks.get(uuid):
            return self._problem(handler, op, 400, "incorrect-lock-id", "Incorrect lock ID.")
        parts = self.objects[uuid]["bestandsdelen"]
        if parts:
            if not all(p["voltooid"] for p in parts):
                return self._problem(handler, op, 400, "incomplete-upload",
                                     "Alle bestandsdelen moeten geupload zijn.")
            self.content[uuid] = b"".join(p["data"] for p in sorted(
                parts, key=lambda p: p["volgnummer"]))
            self.objects[uuid]["bestandsdelen"] = []
        del self.locks[uuid]
        self.objects[uuid]["locked"] = False
        return self._send(handler, 204, None, op)

    def _upload(self, handler, op, part_id, form) -> None:
        part = self.parts.get(part_id)
        if part is None:
            return self._send(handler, 404, {"detail": "Niet gevonden."}, None)
        if (form or {}).get("lock") != self.locks.get(part["eio"]):
            return self._invalid(handler, op, [{"name": "nonFieldErrors",
                                                "code": "incorrect-lock-id",
                                                "reason": "Incorrect lock ID."}])
        data = (form or {}).get("inhoud") or b""
        if len(data) != part["omvang"]:
            return self._invalid(handler, op, [{
                "name": "inhoud", "code": "file-size",
                "reason": f"Het aangeleverde bestand heeft een verkeerde grootte: "
                          f"{len(data)} in plaats van {part['omvang']}."}])
        part.update(data=data, voltooid=True)
        answer = {"url": part["url"], "lock": part["lock"], "omvang": part["omvang"],
                  "inhoud": f"{part['url']}/inhoud", "voltooid": True,
                  "volgnummer": part["volgnummer"]}
        return self._send(handler, 200, answer, op)

    # -- answers -----------------------------------------------------------------------
    def _problem(self, handler, op, status: int, code: str, detail: str) -> None:
        body = {"type": "", "code": code, "title": detail, "status": status,
                "detail": detail, "instance": f"urn:uuid:{uuidlib.uuid4()}"}
        return self._send(handler, status, body, op, content_type="application/problem+json")

    def _invalid(self, handler, op, errors: list[dict]) -> None:
        body = {"type": "", "code": "invalid", "title": "Invalid input.", "status": 400,
                "detail": "", "instance": f"urn:uuid:{uuidlib.uuid4()}",
                "invalidParams": errors}
        return self._send(handler, 400, body, op, content_type="application/problem+json")

    def _send(self, handler, status: int, body: Any, op: tuple[str, str] | None, *,
              content_type: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        if op is not None:
            self._record(spec.response_errors(body, op[0], op[1], str(status)),
                         f"{op[1].upper()} {op[0]} {status}")
        handler.wfile.write(self._head(handler, status, body, content_type=content_type,
                                       headers=headers))


BODY_KEYS = ("identificatie", "bronorganisatie", "creatiedatum", "titel",
             "vertrouwelijkheidaanduiding", "auteur", "status", "formaat", "taal",
             "bestandsnaam", "informatieobjecttype")

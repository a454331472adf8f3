"""The one configuration file: sources, warehouse, output folder and settings.

``include/config/wijkopvolging.yaml`` by default; ``WIJKOPVOLGING_CONFIG`` names another.
No secrets live in it: database passwords and API secrets come from Airflow connections
or environment variables. Every section is parsed into frozen, typed objects when the file
is loaded, so a wrong value or an unknown key (anywhere) stops before any work starts,
with one line naming the file and the key.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from wijkopvolging.errors import ExpectedError
from wijkopvolging.model import FIELD_NAMES, KINDS
from wijkopvolging.timeliness import TimelinessSettings

SOURCE_TYPES = ("sql", "file", "zgw")


class ConfigError(ExpectedError):
    """The configuration file is missing or wrong; the message names file and key."""


def project_root() -> Path:
    """The checkout (or image folder) holding dags/, plugins/ and include/."""
    env = os.environ.get("WIJKOPVOLGING_HOME")
    return Path(env).resolve() if env else Path(__file__).resolve().parents[2]


def default_config_path() -> Path:
    env = os.environ.get("WIJKOPVOLGING_CONFIG")
    return Path(env) if env else project_root() / "include" / "config" / "wijkopvolging.yaml"


@dataclass(frozen=True)
class SourceConfig:
    """One source system and how its records map onto the canonical item."""

    name: str
    type: str
    mapping: dict[str, str]  # source column -> canonical field
    options: dict[str, Any] = field(default_factory=dict)  # type-specific keys
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> {source: canon}
    full_extract: bool = True  # every run sees all records, so absence means deletion


@dataclass(frozen=True)
class DeliveryConfig:
    """Where the documents go by e-mail and where failure alerts go. The SMTP server and
    its credentials live in the Airflow connection ``smtp_conn_id``, never here."""

    griffie: tuple[str, ...] = ()  # recipients of the letter, overview and PDFs
    from_email: str | None = None  # the connection's ``from_email`` extra when left out
    smtp_conn_id: str = "smtp_griffie"
    ops_alert_to: tuple[str, ...] = ()  # operations: an e-mail when a task fails
    alert_conn_id: str | None = None  # SMTP connection for alerts; default smtp_conn_id

    @property
    def alert_connection(self) -> str:
        return self.alert_conn_id or self.smtp_conn_id


KENMERK_FIELDS = ("slug", "first_month", "year")  # what a kenmerk template may use


@dataclass(frozen=True)
class Settings:
    """The ``settings`` section: how deadlines are computed, the bounds a source's terms
    and verlengingen must keep (``bounds``), which records are too old to be real, and
    the letter's kenmerk."""

    timeliness: TimelinessSettings = TimelinessSettings()
    earliest_date: dt.date = dt.date(2022, 3, 1)  # the wijkraden started in March 2022
    kenmerk: str = "WIJK/{slug}"  # ons kenmerk; {slug}, {first_month}, {year}

    @property
    def term_days(self) -> int:
        return self.timeliness.term_days


def _frozen_addresses(table: Mapping[str, tuple[str, ...]] | None = None) -> Mapping:
    return MappingProxyType(dict(table or {}))


@dataclass(frozen=True)
class SignaleringConfig:
    """The ``signalering`` section: who gets the weekly early-warning lists.

    ``wijk_mt`` and ``wethouder_staf`` map a name to its addresses; the ``*_address``
    patterns (with ``{slug}``) serve everyone not listed; ``send_empty`` also sends a list
    without rows."""

    wijk_mt: Mapping[str, tuple[str, ...]] = field(default_factory=_frozen_addresses)
    wethouder_staf: Mapping[str, tuple[str, ...]] = field(default_factory=_frozen_addresses)
    wijk_mt_address: str | None = None
    wethouder_staf_address: str | None = None
    send_empty: bool = False


@dataclass(frozen=True)
class ApprovalConfig:
    """The college's approval before the griffie receives: where the concept is mailed,
    when a reminder goes out and when operations is alerted (days, fractions allowed)."""

    to: tuple[str, ...] = ()  # the college's secretariat: the concept set by e-mail
    reminder_after_days: float = 3
    timeout_days: float = 10
    # Only `make run` reads this: it then approves the demo's concept itself, through
    # Airflow's API. A production configuration leaves it out; the DAG never approves.
    demo_approval: bool = False
    # The Airflow role whose members may record the decision (and nobody else, admins
    # included); include/config/airflow-roles.json defines it.
    approver_role: str = "Secretariaat"


@dataclass(frozen=True)
class WijkradenConfig:
    """The ``wijkraden`` section: where each wijkraad's afschrift goes (the
    gebiedsorganisatie, who sends it on). ``afschrift`` maps a wijk to its addresses; the
    ``afschrift_address`` pattern (with ``{slug}``) serves every wijk not listed."""

    afschrift: Mapping[str, tuple[str, ...]] = field(default_factory=_frozen_addresses)
    afschrift_address: str | None = None


@dataclass(frozen=True)
class DocumentsConfig:
    """The ``documents`` section: whether LibreOffice makes PDFs beside the Word files, and
    how long one conversion may take before it is stopped."""

    pdf: bool = True
    pdf_timeout_seconds: float = 300


@dataclass(frozen=True)
class ValidationConfig:
    """The ``validation`` section: whether each validation is published to the Data Docs
    site in ``gx_dir`` for the stewards (the findings and the steward report are made
    either way)."""

    data_docs: bool = True


@dataclass(frozen=True)
class PublicationConfig:
    """The ``publication`` section: where the Woo index finds the final sets
    (``base_url``; ``<base_url>/<period>/<file>``) and their Woo informatiecategorie
    (a TOOI concept id, see ``documents.diwoo.INFORMATIECATEGORIEEN``)."""

    base_url: str = "https://woo.example.org/wijkopvolging"
    informatiecategorie: str = "c_8c840238"  # bij vertegenwoordigende organen ingekomen stukken


@dataclass(frozen=True)
class ArchiveConfig:
    """The ``archive`` section: the ZGW Documenten API (1.5) that stores each delivered
    document. Off while ``documenten_api_url`` is empty; the client id and secret live in
    the Airflow connection ``conn_id`` (login, password), never here."""

    documenten_api_url: str | None = None
    conn_id: str = "zgw_documenten"
    bronorganisatie: str | None = None  # RSIN of the gemeente (9 digits)
    informatieobjecttype: str | None = None  # URL in the Catalogi API
    auteur: str = "Gemeente Rotterdam, wijkopvolging"
    inline_max_bytes: int = 4 * 1024 * 1024  # larger files go in bestandsdelen
    timeout_seconds: float = 30
    retries: int = 4

    @property
    def enabled(self) -> bool:
        return bool(self.documenten_api_url)


@dataclass(frozen=True)
class Config:
    path: Path
    warehouse_url: str
    output_dir: Path
    gx_dir: Path
    sources: tuple[SourceConfig, ...]
    settings: Settings = Settings()
    delivery: DeliveryConfig = DeliveryConfig()
    approval: ApprovalConfig = ApprovalConfig()
    signalering: SignaleringConfig = SignaleringConfig()
    wijkraden: WijkradenConfig = WijkradenConfig()
    documents: DocumentsConfig = DocumentsConfig()
    validation: ValidationConfig = ValidationConfig()
    publication: PublicationConfig = PublicationConfig()
    archive: ArchiveConfig = ArchiveConfig()

    @property
    def data_docs_dir(self) -> Path | None:
        """Where validations publish their Data Docs, or None when they are left out."""
        return self.gx_dir if self.validation.data_docs else None

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        raise ConfigError(f"{self.path}: sources: no source named {name!r}")


def _sqlite_url(url: str, root: Path) -> str:
    """Make ``sqlite:///relative.db`` relative to the project root, not the cwd."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix:
        return prefix + str(root / url[len(prefix):])
    return url


def _require(mapping: Any, key: str, where: str, path: Path) -> Any:
    if not isinstance(mapping, dict) or key not in mapping or mapping[key] in (None, ""):
        raise ConfigError(f"{path}: {where}{key}: missing")
    return mapping[key]


def _parse_source(name: str, raw: Any, path: Path, root: Path) -> SourceConfig:
    where = f"sources.{name}."
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: sources.{name}: expected a mapping of settings")
    kind = _require(raw, "type", where, path)
    if kind not in SOURCE_TYPES:
        raise ConfigError(
            f"{path}: {where}type: unknown source type {kind!r} (known: {', '.join(SOURCE_TYPES)})"
        )
    # A zgw source maps fixed Zaken API fields (see sources/zgw.py): no mapping of its own.
    mapping = ((raw.get("mapping") or {}) if kind == "zgw"
               else _require(raw, "mapping", where, path))
    if not isinstance(mapping, dict):
        raise ConfigError(f"{path}: {where}mapping: expected 'source column: canonical field'")
    for column, canonical in mapping.items():
        if canonical not in FIELD_NAMES:
            raise ConfigError(
                f"{path}: {where}mapping.{column}: unknown field {canonical!r} "
                f"(canonical fields: {', '.join(FIELD_NAMES)})"
            )
    values = raw.get("values") or {}
    if not isinstance(values, dict):
        raise ConfigError(f"{path}: {where}values: expected 'field: {{source value: value}}'")
    for canonical, table in values.items():
        if canonical not in FIELD_NAMES:
            raise ConfigError(f"{path}: {where}values.{canonical}: unknown field {canonical!r}")
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: {where}values.{canonical}: expected "
                              "'source value: canonical value'")
        if canonical == "kind":
            for source_value, kind_value in table.items():
                if kind_value not in KINDS:
                    raise ConfigError(
                        f"{path}: {where}values.kind.{source_value}: {kind_value!r} "
                        f"is not one of {', '.join(KINDS)}"
                    )
    for flag in ("full_extract", "demo"):
        if flag in raw and not isinstance(raw[flag], bool):
            raise ConfigError(f"{path}: {where}{flag}: expected true or false")
    if kind == "sql":
        _check_keys(raw, SQL_KEYS, where, path)
        if not raw.get("url") and not raw.get("conn_id"):
            raise ConfigError(f"{path}: {where}url: a sql source needs 'url' or 'conn_id'")
        if not raw.get("query") and not raw.get("table"):
            raise ConfigError(f"{path}: {where}query: a sql source needs 'query' or 'table'")
    if kind == "file":
        _check_file_source(raw, mapping, where, path)
    if kind == "zgw":
        _check_zgw_source(raw, where, path)
    options = {
        k: v for k, v in raw.items() if k not in ("type", "mapping", "values", "full_extract")
    }
    if "url" in options:
        options["url"] = _sqlite_url(str(options["url"]), root)
    if kind == "file":
        folder = Path(str(options["folder"]))
        options["folder"] = str(folder if folder.is_absolute() else root / folder)
    # An incremental zgw source reads only changed zaken: absence is no deletion there.
    full_default = not (kind == "zgw" and raw.get("incremental", True))
    return SourceConfig(
        name=name,
        type=kind,
        mapping=dict(mapping),
        options=options,
        values={k: dict(v) for k, v in values.items()},
        full_extract=bool(raw.get("full_extract", full_default)),
    )


SQL_KEYS = ("url", "conn_id", "query", "table", "demo")
FILE_KEYS = ("folder", "patterns", "sheet", "aliases", "defaults", "header_search_rows", "demo")
ZGW_KEYS = ("conn_id", "zaaktypen", "eigenschappen", "tussenbericht_statustype", "incremental",
            "overlap_days", "timeout_seconds", "retries", "demo")


def _check_keys(raw: dict, allowed: tuple[str, ...], where: str, path: Path) -> None:
    known = {"type", "mapping", "values", "full_extract", *allowed}
    for key in raw:
        if key not in known:
            raise ConfigError(
                f"{path}: {where}{key}: unknown key (known: {', '.join(sorted(known))})")


def _check_file_source(raw: dict, mapping: dict, where: str, path: Path) -> None:
    """A drop folder of exports: header aliases per field and defaults must be sound."""
    import re

    from wijkopvolging.model import REQUIRED_FIELDS

    _check_keys(raw, FILE_KEYS, where, path)
    _require(raw, "folder", where, path)
    patterns = raw.get("patterns", ["*.xlsx"])
    if not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
        raise ConfigError(f"{path}: {where}patterns: expected a list like ['*.xlsx', '*.csv']")
    if "sheet" in raw and not isinstance(raw["sheet"], str | int):
        raise ConfigError(f"{path}: {where}sheet: expected the name of a sheet")
    rows = raw.get("header_search_rows", 20)
    if not isinstance(rows, int) or isinstance(rows, bool) or rows < 1:
        raise ConfigError(f"{path}: {where}header_search_rows: expected a whole number >= 1")
    aliases = raw.get("aliases") or {}
    if not isinstance(aliases, dict):
        raise ConfigError(f"{path}: {where}aliases: expected 'canonical field: [headers]'")
    defaults = raw.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise ConfigError(f"{path}: {where}defaults: expected 'canonical field: value'")
    seen: dict[str, str] = {}  # normalised header -> field: one header, one field

    def claim(header: Any, field_name: str, key: str) -> None:
        norm = re.sub(r"[\W_]+", "", str(header)).casefold()
        if not norm:
            raise ConfigError(f"{path}: {where}{key}: empty header {header!r}")
        if seen.setdefault(norm, field_name) != field_name:
            raise ConfigError(f"{path}: {where}{key}: header {header!r} is already used for "
                              f"{seen[norm]!r} (case, spaces and punctuation do not count)")

    for header, canonical in mapping.items():
        claim(header, canonical, f"mapping.{header}")
    for canonical, headers in aliases.items():
        if canonical not in FIELD_NAMES:
            raise ConfigError(f"{path}: {where}aliases.{canonical}: unknown field {canonical!r}")
        if not isinstance(headers, list):
            raise ConfigError(f"{path}: {where}aliases.{canonical}: expected a list of headers")
        for header in headers:
            claim(header, canonical, f"aliases.{canonical}")
    for canonical, value in defaults.items():
        if canonical not in FIELD_NAMES or canonical == "source_record_id":
            raise ConfigError(f"{path}: {where}defaults.{canonical}: not a field that can have "
                              "a default")
        table = (raw.get("values") or {}).get(canonical) or {}
        if canonical == "kind" and value not in KINDS and value not in table:
            raise ConfigError(f"{path}: {where}defaults.kind: {value!r} is not one of "
                              f"{', '.join(KINDS)}")
    covered = set(mapping.values()) | set(aliases) | set(defaults)
    for canonical in REQUIRED_FIELDS:
        if canonical != "source_record_id" and canonical not in covered:
            raise ConfigError(f"{path}: {where}mapping: no column for required field "
                              f"{canonical!r}; map a header to it, or give it in 'defaults'")


def _check_zgw_source(raw: dict, where: str, path: Path) -> None:
    """A Zaken API (ZGW 1.x): connection, zaaktypen and the eigenschappen to read."""
    _check_keys(raw, ZGW_KEYS, where, path)
    if raw.get("mapping"):
        raise ConfigError(f"{path}: {where}mapping: a zgw source has a fixed mapping; name the "
                          "zaak eigenschappen under 'eigenschappen' instead")
    _require(raw, "conn_id", where, path)
    zaaktypen = _require(raw, "zaaktypen", where, path)
    if not isinstance(zaaktypen, dict):
        raise ConfigError(f"{path}: {where}zaaktypen: expected 'zaaktype URL: vraag|advies'")
    for url, kind_value in zaaktypen.items():
        if not str(url).startswith(("http://", "https://")):
            raise ConfigError(f"{path}: {where}zaaktypen: {url!r} is not a zaaktype URL")
        if kind_value not in KINDS:
            raise ConfigError(f"{path}: {where}zaaktypen.{url}: {kind_value!r} is not one of "
                              f"{', '.join(KINDS)}")
    eigenschappen = _require(raw, "eigenschappen", where, path)
    allowed = ("wijk", "wethouder", "onderwerp")
    if not isinstance(eigenschappen, dict):
        raise ConfigError(f"{path}: {where}eigenschappen: expected 'field: eigenschap naam'")
    for canonical in eigenschappen:
        if canonical not in allowed:
            raise ConfigError(f"{path}: {where}eigenschappen.{canonical}: only "
                              f"{', '.join(allowed)} come from zaak eigenschappen")
    for canonical in ("wijk", "wethouder"):
        _require(eigenschappen, canonical, f"{where}eigenschappen.", path)
    for key, minimum in (("overlap_days", 0), ("timeout_seconds", 1), ("retries", 0)):
        value = raw.get(key, minimum)
        if not isinstance(value, int | float) or isinstance(value, bool) or value < minimum:
            raise ConfigError(f"{path}: {where}{key}: expected a number >= {minimum}")
    if not isinstance(raw.get("incremental", True), bool):
        raise ConfigError(f"{path}: {where}incremental: expected true or false")
    if raw.get("incremental", True) and raw.get("full_extract"):
        raise ConfigError(f"{path}: {where}full_extract: an incremental zgw source reads only "
                          "changed zaken; set full_extract: false or incremental: false")


SIGNALERING_KEYS = ("wijk_mt", "wethouder_staf", "wijk_mt_address", "wethouder_staf_address",
                    "send_empty")


def _parse_signalering(raw: Any, path: Path) -> SignaleringConfig:
    """Addresses for the weekly early-warning lists, per wijk and per wethouder."""
    if raw is None:
        return SignaleringConfig()
    _check_section(raw, SIGNALERING_KEYS, "signalering", path)
    tables = {}
    for key in ("wijk_mt", "wethouder_staf"):
        value = raw.get(key) or {}
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: signalering.{key}: expected 'name: [addresses]'")
        tables[key] = _frozen_addresses(
            {str(name): _addresses(addresses, f"signalering.{key}.{name}", path)
             for name, addresses in value.items()})
    patterns = {}
    for key in ("wijk_mt_address", "wethouder_staf_address"):
        value = raw.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or "@" not in value:
            raise ConfigError(f"{path}: signalering.{key}: expected an address pattern like "
                              "'wijkmt.{slug}@rotterdam.nl'")
        try:
            value.format(slug="wijk")
        except (KeyError, IndexError, ValueError):
            raise ConfigError(f"{path}: signalering.{key}: {value!r} may only use {{slug}}"
                              ) from None
        patterns[key] = value
    send_empty = raw.get("send_empty", False)
    if not isinstance(send_empty, bool):
        raise ConfigError(f"{path}: signalering.send_empty: expected true or false, "
                          f"got {send_empty!r}")
    return SignaleringConfig(**tables, **patterns, send_empty=send_empty)


TIMELINESS_KEYS = ("term_days", "holiday_rule", "extra_holidays", "max_extension_days",
                   "max_agreed_term_days")
SETTINGS_KEYS = (*TIMELINESS_KEYS, "earliest_date", "kenmerk")


def _parse_settings(raw: Any, path: Path) -> Settings:
    """Deadlines (``TimelinessSettings`` checks its own keys), earliest date, kenmerk."""
    if raw is None:
        return Settings()
    _check_section(raw, SETTINGS_KEYS, "settings", path)
    try:
        timeliness = TimelinessSettings.from_mapping(
            {key: raw[key] for key in TIMELINESS_KEYS if key in raw})
    except ValueError as exc:  # its message starts with the key
        raise ConfigError(f"{path}: settings.{exc}") from None
    values: dict[str, Any] = {"timeliness": timeliness}
    if raw.get("earliest_date") is not None:
        earliest = raw["earliest_date"]
        if not isinstance(earliest, dt.date) or isinstance(earliest, dt.datetime):
            raise ConfigError(f"{path}: settings.earliest_date: expected a date like "
                              f"2022-03-01, got {earliest!r}")
        values["earliest_date"] = earliest
    if raw.get("kenmerk") is not None:
        kenmerk = raw["kenmerk"]
        try:
            if not isinstance(kenmerk, str):
                raise ValueError
            kenmerk.format(slug="2024-01_2024-02", first_month="2024-01", year=2024)
        except (KeyError, IndexError, ValueError):
            known = ", ".join(f"{{{name}}}" for name in KENMERK_FIELDS)
            raise ConfigError(f"{path}: settings.kenmerk: {kenmerk!r} is not a kenmerk "
                              f"template; it may use {known}") from None
        values["kenmerk"] = kenmerk
    return Settings(**values)


def _check_section(raw: Any, allowed: tuple[str, ...], where: str, path: Path) -> None:
    """A section is a mapping of known keys; anything else names the key."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: {where}: expected a mapping")
    for key in raw:
        if key not in allowed:
            raise ConfigError(
                f"{path}: {where}.{key}: unknown key (known: {', '.join(allowed)})")


WIJKRADEN_KEYS = ("afschrift", "afschrift_address")


def _parse_wijkraden(raw: Any, path: Path) -> WijkradenConfig:
    """Addresses (of the gebiedsorganisatie) for each wijkraad's afschrift: per wijk, or a
    pattern with ``{slug}``."""
    if raw is None:
        return WijkradenConfig()
    _check_section(raw, WIJKRADEN_KEYS, "wijkraden", path)
    table = raw.get("afschrift") or {}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: wijkraden.afschrift: expected 'wijk: [addresses]'")
    pattern = raw.get("afschrift_address")
    if pattern is not None:
        try:
            if not isinstance(pattern, str) or "@" not in pattern:
                raise ValueError
            pattern.format(slug="wijk")
        except (KeyError, IndexError, ValueError):
            raise ConfigError(f"{path}: wijkraden.afschrift_address: expected an address "
                              "pattern like 'wijkraad.{slug}@rotterdam.nl' (only {slug})"
                              ) from None
    return WijkradenConfig(
        afschrift=_frozen_addresses(
            {str(name): _addresses(addresses, f"wijkraden.afschrift.{name}", path)
             for name, addresses in table.items()}),
        afschrift_address=pattern)


DELIVERY_KEYS = ("griffie", "from_email", "smtp_conn_id", "ops_alert_to", "alert_conn_id")


def _addresses(value: Any, key: str, path: Path) -> tuple[str, ...]:
    """One address or a list of them; each must at least look like an address."""
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list):
        raise ConfigError(f"{path}: {key}: expected an e-mail address or a list")
    for address in values:
        if not isinstance(address, str) or "@" not in address:
            raise ConfigError(f"{path}: {key}: {address!r} is not an e-mail address")
    return tuple(values)


def _parse_delivery(raw: Any, path: Path) -> DeliveryConfig:
    if raw is None:
        return DeliveryConfig()
    _check_section(raw, DELIVERY_KEYS, "delivery", path)
    for key in ("smtp_conn_id", "alert_conn_id"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise ConfigError(f"{path}: delivery.{key}: expected the id of an Airflow "
                              f"connection, got {raw[key]!r}")
    from_email = raw.get("from_email") or None
    if from_email is not None:
        (from_email,) = _addresses(from_email, "delivery.from_email", path)
    return DeliveryConfig(
        griffie=_addresses(raw.get("griffie") or [], "delivery.griffie", path),
        from_email=from_email,
        smtp_conn_id=str(raw.get("smtp_conn_id") or "smtp_griffie"),
        ops_alert_to=_addresses(raw.get("ops_alert_to") or [], "delivery.ops_alert_to", path),
        alert_conn_id=raw.get("alert_conn_id") or None,
    )


DOCUMENTS_KEYS = ("pdf", "pdf_timeout_seconds")
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _switch(raw: dict, key: str, default: bool, where: str, env: str, path: Path) -> bool:
    """A true/false setting, overridden by the environment variable ``env`` when set."""
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{path}: {where}.{key}: expected true or false, got {value!r}")
    override = os.environ.get(env)
    if override:
        if override.lower() not in _BOOLEANS:
            raise ConfigError(f"{env}: expected true or false, got {override!r}")
        value = _BOOLEANS[override.lower()]
    return value


def _parse_documents(raw: Any, path: Path) -> DocumentsConfig:
    """PDFs on or off (``WIJKOPVOLGING_PDF`` overrides the file) and LibreOffice's time."""
    raw = {} if raw is None else raw
    _check_section(raw, DOCUMENTS_KEYS, "documents", path)
    pdf = _switch(raw, "pdf", DocumentsConfig.pdf, "documents", "WIJKOPVOLGING_PDF", path)
    timeout = raw.get("pdf_timeout_seconds", DocumentsConfig.pdf_timeout_seconds)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError(f"{path}: documents.pdf_timeout_seconds: expected a positive "
                          f"number of seconds, got {timeout!r}")
    return DocumentsConfig(pdf=pdf, pdf_timeout_seconds=float(timeout))


def _parse_validation(raw: Any, path: Path) -> ValidationConfig:
    """Data Docs on or off (``WIJKOPVOLGING_DATA_DOCS`` overrides the file)."""
    raw = {} if raw is None else raw
    _check_section(raw, ("data_docs",), "validation", path)
    return ValidationConfig(data_docs=_switch(raw, "data_docs", ValidationConfig.data_docs,
                                              "validation", "WIJKOPVOLGING_DATA_DOCS", path))


PUBLICATION_KEYS = ("base_url", "informatiecategorie")


def _public_url(value: Any, key: str, path: Path) -> str:
    """An http(s) address without query or fragment, without trailing slash."""
    from urllib.parse import urlsplit

    parts = urlsplit(value) if isinstance(value, str) else None
    if (parts is None or parts.scheme not in ("http", "https") or not parts.netloc
            or parts.query or parts.fragment):
        raise ConfigError(f"{path}: {key}: expected an address like "
                          f"https://www.rotterdam.nl/woo/wijkopvolging, got {value!r}")
    return value.rstrip("/")


def _parse_publication(raw: Any, path: Path) -> PublicationConfig:
    """The public base URL (``WIJKOPVOLGING_PUBLIC_BASE_URL`` overrides the file) and
    the Woo informatiecategorie of the final sets."""
    from wijkopvolging.documents.diwoo import INFORMATIECATEGORIEEN

    raw = {} if raw is None else raw
    _check_section(raw, PUBLICATION_KEYS, "publication", path)
    env = os.environ.get("WIJKOPVOLGING_PUBLIC_BASE_URL")
    base_url = _public_url(env, "WIJKOPVOLGING_PUBLIC_BASE_URL", path) if env else \
        _public_url(raw.get("base_url", PublicationConfig.base_url), "publication.base_url",
                    path)
    category = raw.get("informatiecategorie", PublicationConfig.informatiecategorie)
    category = str(category).rsplit("/", 1)[-1]  # the concept id, or its whole URI
    if category not in INFORMATIECATEGORIEEN:
        known = "; ".join(f"{k} ({v})" for k, v in INFORMATIECATEGORIEEN.items())
        raise ConfigError(f"{path}: publication.informatiecategorie: "
                          f"{raw.get('informatiecategorie')!r} is not one of {known}")
    return PublicationConfig(base_url=base_url, informatiecategorie=category)


ARCHIVE_KEYS = ("documenten_api_url", "conn_id", "bronorganisatie", "informatieobjecttype",
                "auteur", "inline_max_bytes", "timeout_seconds", "retries")


def _rsin_valid(rsin: str) -> bool:
    """Nine digits passing the 11-proef (as the Documenten API checks bronorganisatie)."""
    if len(rsin) != 9 or not rsin.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(rsin[:8], range(9, 1, -1), strict=True))
    return (total - int(rsin[8])) % 11 == 0


def _parse_archive(raw: Any, path: Path) -> ArchiveConfig:
    """The ZGW Documenten API for archiving; off without ``documenten_api_url``
    (``WIJKOPVOLGING_DOCUMENTEN_API_URL`` overrides the file). When on, bronorganisatie
    and informatieobjecttype are required."""
    raw = {} if raw is None else raw
    _check_section(raw, ARCHIVE_KEYS, "archive", path)
    env = os.environ.get("WIJKOPVOLGING_DOCUMENTEN_API_URL")
    url = env if env is not None else raw.get("documenten_api_url")
    if not url:
        return ArchiveConfig()
    url = _public_url(url, "WIJKOPVOLGING_DOCUMENTEN_API_URL" if env
                      else "archive.documenten_api_url", path)
    rsin = str(_require(raw, "bronorganisatie", "archive.", path))
    if not _rsin_valid(rsin):
        raise ConfigError(f"{path}: archive.bronorganisatie: {rsin!r} is not an RSIN (nine "
                          "digits that pass the 11-proef), e.g. 002220647")
    iotype = _require(raw, "informatieobjecttype", "archive.", path)
    if not isinstance(iotype, str) or not iotype.startswith(("http://", "https://")):
        raise ConfigError(f"{path}: archive.informatieobjecttype: expected the URL of an "
                          f"informatieobjecttype in the Catalogi API, got {iotype!r}")
    auteur = raw.get("auteur", ArchiveConfig.auteur)
    if not isinstance(auteur, str) or not auteur.strip() or len(auteur) > 200:
        raise ConfigError(f"{path}: archive.auteur: expected a name of at most 200 "
                          f"characters, got {auteur!r}")
    conn_id = raw.get("conn_id", ArchiveConfig.conn_id)
    if not isinstance(conn_id, str) or not conn_id:
        raise ConfigError(f"{path}: archive.conn_id: expected the id of an Airflow "
                          f"connection, got {conn_id!r}")
    numbers = {}
    for key, minimum in (("inline_max_bytes", 0), ("timeout_seconds", 1), ("retries", 0)):
        value = raw.get(key, getattr(ArchiveConfig, key))
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            raise ConfigError(f"{path}: archive.{key}: expected a number >= {minimum}, "
                              f"got {value!r}")
        numbers[key] = value
    return ArchiveConfig(documenten_api_url=url, conn_id=conn_id, bronorganisatie=rsin,
                         informatieobjecttype=iotype, auteur=auteur.strip(),
                         inline_max_bytes=int(numbers["inline_max_bytes"]),
                         timeout_seconds=float(numbers["timeout_seconds"]),
                         retries=int(numbers["retries"]))


APPROVAL_KEYS = ("to", "reminder_after_days", "timeout_days", "demo_approval",
                 "approver_role")


def _parse_approval(raw: Any, path: Path) -> ApprovalConfig:
    if raw is None:
        return ApprovalConfig()
    _check_section(raw, APPROVAL_KEYS, "approval", path)
    days = {}
    for key in ("reminder_after_days", "timeout_days"):
        value = raw.get(key, getattr(ApprovalConfig, key))
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ConfigError(f"{path}: approval.{key}: expected a positive number of days")
        days[key] = float(value)
    if days["reminder_after_days"] >= days["timeout_days"]:
        raise ConfigError(f"{path}: approval.reminder_after_days: must be less than "
                          f"approval.timeout_days")
    demo = raw.get("demo_approval", False)
    if not isinstance(demo, bool):
        raise ConfigError(f"{path}: approval.demo_approval: expected true or false")
    role = raw.get("approver_role", ApprovalConfig.approver_role)
    if not isinstance(role, str) or not role.strip():
        raise ConfigError(f"{path}: approval.approver_role: expected the name of an Airflow "
                          f"role, e.g. {ApprovalConfig.approver_role}")
    return ApprovalConfig(to=_addresses(raw.get("to") or [], "approval.to", path),
                          demo_approval=demo, approver_role=role.strip(), **days)


def load_config(path: str | Path | None = None) -> Config:
    """Read and check the configuration file; ``ConfigError`` names file and key."""
    import yaml

    path = Path(path) if path else default_config_path()
    root = project_root()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration file ({exc.strerror})") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{at}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping with 'sources', 'warehouse', 'settings'")
    known = {"warehouse", "output_dir", "gx_dir", "sources", "settings", "delivery",
             "approval", "signalering", "wijkraden", "documents", "validation",
             "publication", "archive"}
    for key in raw:
        if key not in known:
            raise ConfigError(f"{path}: {key}: unknown key (known: {', '.join(sorted(known))})")

    warehouse = raw.get("warehouse") or {}
    _check_section(warehouse, ("url",), "warehouse", path)
    url = os.environ.get("WIJKOPVOLGING_WAREHOUSE_URL") or _require(
        warehouse, "url", "warehouse.", path
    )
    if not isinstance(url, str):
        raise ConfigError(f"{path}: warehouse.url: expected a database URL, got {url!r}")
    for key in ("output_dir", "gx_dir"):
        if key in raw and (not isinstance(raw[key], str) or not raw[key]):
            raise ConfigError(f"{path}: {key}: expected a folder, got {raw[key]!r}")
    output_dir = Path(os.environ.get("WIJKOPVOLGING_OUTPUT_DIR") or raw.get("output_dir", "output"))
    gx_dir = Path(os.environ.get("WIJKOPVOLGING_GX_DIR") or raw.get("gx_dir", ".gx"))

    sources_raw = _require(raw, "sources", "", path)
    if not isinstance(sources_raw, dict):
        raise ConfigError(f"{path}: sources: expected a mapping of source name to settings")
    sources = tuple(_parse_source(n, s, path, root) for n, s in sources_raw.items())

    return Config(
        path=path,
        warehouse_url=_sqlite_url(str(url), root),
        output_dir=output_dir if output_dir.is_absolute() else root / output_dir,
        gx_dir=gx_dir if gx_dir.is_absolute() else root / gx_dir,
        sources=sources,
        settings=_parse_settings(raw.get("settings"), path),
        delivery=_parse_delivery(raw.get("delivery"), path),
        approval=_parse_approval(raw.get("approval"), path),
        signalering=_parse_signalering(raw.get("signalering"), path),
        wijkraden=_parse_wijkraden(raw.get("wijkraden"), path),
        documents=_parse_documents(raw.get("documents"), path),
        validation=_parse_validation(raw.get("validation"), path),
        publication=_parse_publication(raw.get("publication"), path),
        archive=_parse_archive(raw.get("archive"), path),
    )


def ensure_sqlite_folder(url: str) -> None:
    """SQLite creates the file but not its folder: make the folder for a file URL."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != prefix + ":memory:":
        Path(url.removeprefix(prefix)).parent.mkdir(parents=True, exist_ok=True)

"""From a GX validation result back to findings: one row per record per broken rule.

Every expectation names its rule and column in ``meta``; its ``unexpected_index_list``
gives the positions of the records that broke it. The value shown to stewards comes from
the check frame (already masked where personal data was found) and is formatted per
rule; the message says in Dutch what is wrong with this record.
"""

from __future__ import annotations

import pandas as pd

from wijkopvolging.labels import format_date_short_nl
from wijkopvolging.model import FINDING_COLUMNS
from wijkopvolging.validation import privacy
from wijkopvolging.validation.checks import CheckFrame
from wijkopvolging.validation.rules import (
    ONDERWERP_MAX_CHARS,
    ONDERWERP_MIN_CHARS,
    column_label,
    rule,
)


class ValidationRunError(RuntimeError):
    """GX could not evaluate an expectation: the records were not (all) checked."""


def unexpected_rows(result) -> list[tuple[str, str, list[int]]]:
    """(rule, column, row positions) for every failed expectation in ``result``.

    An expectation that raised, or failed without saying which rows, stops the run:
    a check that silently did not happen must not let records through.
    """
    out = []
    for expectation_result in result.results:
        config = expectation_result.expectation_config
        meta = config.meta or {}
        info = expectation_result.exception_info or {}
        if info.get("raised_exception"):
            raise ValidationRunError(
                f"rule {meta.get('rule')!r}: GX could not run {config.type} on "
                f"{config.kwargs.get('column') or config.kwargs}: "
                f"{info.get('exception_message')}"
            )
        if expectation_result.success:
            continue
        rows = expectation_result.result.get("unexpected_index_list")
        count = expectation_result.result.get("unexpected_count")
        if rows is None or (count is not None and count != len(rows)):
            raise ValidationRunError(
                f"rule {meta.get('rule')!r}: GX reported a failure of {config.type} "
                f"without the rows that failed"
            )
        out.append((meta["rule"], meta["column"], [int(r) for r in rows]))
    return out


def _dates(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%d-%m-%Y").fillna("")


def _masked(values: pd.Series) -> pd.Series:
    """Values as masked text (per distinct value: texts repeat), None where missing."""
    text = values.astype("object").where(values.notna())
    distinct = {v: str(privacy.mask_text(str(v))) for v in pd.unique(text.dropna())}
    return text.map(distinct).astype("object").where(text.notna(), None)


def _values_and_messages(rule_id: str, column: str, rows: pd.DataFrame, checked: CheckFrame,
                         positions: list[int]) -> tuple[pd.Series, pd.Series]:
    """The shown value and the Dutch message of each failing row, built per column at once
    (a source where every record breaks a rule yields 100,000 findings quickly)."""
    label = column_label(column)
    index = rows.index
    if rule_id == "verplicht_veld":
        return (pd.Series(None, index=index, dtype="object"),
                pd.Series(f"{label} ontbreekt", index=index, dtype="object"))
    if rule_id == "dubbel_id":
        value = rows[column].astype("str")
        times = value.map(checked.frame[column].value_counts()).astype("str")
        return value, label + " " + value + " komt " + times + " keer voor"
    if rule_id == "persoonsgegevens":
        hits = checked.privacy_hits[column].loc[positions]
        value = hits.map(lambda found: ", ".join(hit.masked for hit in found))
        kinds = hits.map(lambda found: " en ".join(dict.fromkeys(hit.kind for hit in found)))
        return (pd.Series(value.to_numpy(), index=index),
                pd.Series((label + " bevat persoonsgegevens (" + kinds + "): "
                           + value).to_numpy(), index=index))
    if rule_id == "onderwerp_lengte":
        length = rows["onderwerp_lengte"].astype("int64").astype("str")
        return (length + " tekens",
                "onderwerp telt " + length + f" tekens; toegestaan is {ONDERWERP_MIN_CHARS} "
                f"tot en met {ONDERWERP_MAX_CHARS}")
    if rule_id in _DATE_RULES:
        value = _dates(rows[column])
        raised = _dates(rows["date_raised"])
        if rule_id == "datum_in_toekomst":
            message = ("datum indiening " + value + f" ligt na {checked.limit_label} "
                       f"({format_date_short_nl(checked.date_limit)})")
        elif rule_id == "datum_te_vroeg":
            message = ("datum indiening " + value + " ligt vóór de vroegst toegestane datum "
                       + format_date_short_nl(checked.earliest))
        elif rule_id == "datum_voor_indiening":
            message = label + " " + value + " ligt vóór de datum indiening " + raised
        elif rule_id == "antwoord_zeer_laat":
            deadline = checked.deadline.loc[positions].set_axis(index)
            days = (rows[column] - deadline).dt.days.astype("str")
            message = ("antwoord " + value + " kwam " + days + " dagen na de termijn ("
                       + _dates(deadline) + ")")
        else:  # afspraak_ver_weg
            days = (rows[column] - rows["date_raised"]).dt.days.astype("str")
            message = ("afgesproken datum " + value + " ligt " + days
                       + " dagen na indiening (" + raised + ")")
        return value, message
    value = _masked(rows[column])
    shown = value.fillna("")
    if rule_id == "onbekende_soort":
        message = "soort '" + shown + "' is geen vraag of advies"
    elif rule_id == "onbekende_wijk":
        message = "wijk '" + shown + "' staat niet in wijken.yaml (ook niet als oude naam)"
    elif rule_id == "onbekende_wethouder":
        message = "wethouder '" + shown + "' staat niet in wethouders.yaml"
    elif rule_id == "wethouder_niet_in_functie":
        message = ("wethouder " + shown + " was op " + _dates(rows["date_raised"])
                   + " niet in functie")
    else:
        message = pd.Series(f"{label}: {rule(rule_id).description}", index=index)
    return value, message


_DATE_RULES = ("datum_in_toekomst", "datum_te_vroeg", "datum_voor_indiening",
               "antwoord_zeer_laat", "afspraak_ver_weg")


def findings_from_result(result, checked: CheckFrame, record_ids: pd.Series,
                         row_numbers: pd.Series, locations: pd.DataFrame) -> pd.DataFrame:
    """The findings of one validation, ordered by record and then by rule.

    ``locations`` holds, per checked record, where it sits in its source
    (``model.LOCATION_COLUMNS``; empty cells for a database record)."""
    parts = []
    for order, (rule_id, column, positions) in enumerate(unexpected_rows(result)):
        rows = checked.frame.iloc[positions].reset_index(drop=True)
        value, message = _values_and_messages(rule_id, column, rows, checked, positions)
        records = record_ids.iloc[positions].astype("object")
        where = locations.iloc[positions]
        parts.append(pd.DataFrame({
            "row_no": row_numbers.iloc[positions].astype("int64").to_numpy(),
            "source_file": where["source_file"].astype("object").to_numpy(),
            "source_row": where["source_row"].to_numpy(),
            "source_record_id": records.where(records.notna(), None).map(
                lambda r: None if r is None else str(r)).to_numpy(),
            "rule": rule_id, "column": column,
            "value": value.astype("object").to_numpy(),
            "severity": rule(rule_id).severity,
            "message": message.astype("object").to_numpy(), "_order": order,
        }))
    if not parts:
        from wijkopvolging.model import empty_findings

        return empty_findings()
    out = pd.concat(parts, ignore_index=True).sort_values(["row_no", "_order"], kind="stable")
    return out[list(FINDING_COLUMNS)].reset_index(drop=True)

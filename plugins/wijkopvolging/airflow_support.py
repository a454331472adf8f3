"""The few things DAG files need from Airflow-side glue: settings, connections and
errors that speak to the operator. Imports nothing heavy, so DAG files parse fast."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Mapping
from contextlib import contextmanager
from datetime import timedelta

from wijkopvolging.pipeline import PIPELINES


def load_settings():
    """The configuration, read at task run time (never at DAG parse time)."""
    from wijkopvolging.config import load_config

    return load_config()


_DRIVERS = {"postgres": "postgresql+psycopg2", "postgresql": "postgresql+psycopg2",
            "mysql": "mysql+mysqldb", "mssql": "mssql+pyodbc"}


def sqlalchemy_url(conn) -> str:
    """A SQLAlchemy URL from an Airflow connection's fields.

    Airflow's own ``get_uri()`` percent-encodes a SQLite path and says ``postgres://``,
    which SQLAlchemy 2 refuses; an extra ``{"sqlalchemy_url": ...}`` wins when given.
    """
    from sqlalchemy.engine import URL

    explicit = (conn.extra_dejson or {}).get("sqlalchemy_url")
    if explicit:
        return explicit
    if conn.conn_type == "sqlite":
        # "sqlite:////abs/path.db" parses into schema; Airflow's docs put the path in host.
        path = conn.host or conn.schema or ""
        return f"sqlite:///{path}"
    url = URL.create(
        _DRIVERS.get(conn.conn_type, conn.conn_type), username=conn.login or None,
        password=conn.password or None, host=conn.host or None, port=conn.port or None,
        database=conn.schema or None)
    return url.render_as_string(hide_password=False)


def source_connection_url(source) -> str | None:
    """A SQL source's database URL from its Airflow connection, when it names one."""
    conn_id = source.options.get("conn_id")
    if source.type != "sql" or not conn_id:
        return None
    from airflow.sdk import BaseHook

    return sqlalchemy_url(BaseHook.get_connection(conn_id))


def source_zgw_connection(source):
    """A zgw source's base URL and credentials from its Airflow connection."""
    if source.type != "zgw":
        return None
    from airflow.sdk import BaseHook

    from wijkopvolging.sources.zgw import connection_from_airflow

    conn_id = source.options["conn_id"]
    return connection_from_airflow(BaseHook.get_connection(conn_id), conn_id=conn_id)


@contextmanager
def fail_clearly(what: str):
    """Turn expected trouble (any ``ExpectedError``: a wrong setting or reference file, a
    source lacking a column, lost records, personal data, a bad parameter) into a one-line
    task failure without retries, naming ``what``. Anything else (a source or mail server
    that is down, a bug) passes unchanged: traceback and the task's retries."""
    from airflow.sdk.exceptions import AirflowFailException

    from wijkopvolging.errors import ExpectedError

    try:
        yield
    except ExpectedError as exc:
        message = " ".join(str(exc).splitlines())  # one line, whatever the message holds
        # A plain log line first: the exception's header line is cut off in the UI's log view.
        task_log().error("%s: %s", what, message)
        raise AirflowFailException(f"{what}: {message}") from None


def step_task(pipeline, **task_kwargs):
    """The frame of every wijkopvolging task: ``@step_task(RAPPORTAGE, retries=3)`` over a
    function named after a step of ``pipeline`` (``wijkopvolging.pipeline``) makes it an
    Airflow task (``task_kwargs`` go to ``@task``) whose body is just the domain call.

    Around the body the frame announces the period (when the body takes ``period``),
    then, inside ``fail_clearly`` with the step's Dutch label, reads the settings (when the
    body's first parameter is ``config``) and parses the period into a ``Period``; it
    logs the body's outcome under the task's name and returns it (the XCom). The body
    takes Airflow's context values (``run_id``, ``params``, ...) and upstream values by
    name, as any task does. A per-source step's label and log name the source: the
    ``source_name`` argument, or the ``source`` its upstream value names. A function
    that is no step of ``pipeline`` is refused when the DAG file is parsed."""
    from airflow.sdk import task

    def frame(body):
        step = pipeline.step(body.__name__)
        signature = inspect.signature(body)
        takes_config = next(iter(signature.parameters), None) == "config"
        # What Airflow sees: the body's parameters without ``config``, which the frame gives.
        outer = signature.replace(parameters=[
            parameter for name, parameter in signature.parameters.items()
            if not (takes_config and name == "config")])
        per_source = "{source" in step.label

        @functools.wraps(body)
        def framed(*args, **kwargs):
            bound = outer.bind(*args, **kwargs)
            source = _source_of(bound.arguments) if per_source else None
            name = f"{step.name} {source}" if per_source else step.name
            if "period" in bound.arguments:
                announce_period(bound.arguments["period"])
            with fail_clearly(step.label_for(source)):
                if "period" in bound.arguments:
                    from wijkopvolging.periods import Period

                    bound.arguments["period"] = Period.parse(bound.arguments["period"])
                given = (load_settings(),) if takes_config else ()
                outcome = body(*given, *bound.args, **bound.kwargs)
            return log_outcome(name, outcome)

        framed.__signature__ = outer
        framed.step = step  # tests/dags: every task is framed, by the step of its own name
        return task(**task_kwargs)(framed)

    return frame


def _source_of(arguments: Mapping) -> str:
    """The source a per-source task works on: its ``source_name``, or the ``source`` its
    upstream task's outcome names (validate and load take the previous step's dict)."""
    if "source_name" in arguments:
        return arguments["source_name"]
    upstream = next(iter(arguments.values()))
    return upstream["source"]


# ------------------------------------------------------------------ task logs and parameters

# How far back the trigger form (and so any trigger: the form, the REST API, the CLI) offers
# periods: three years, longer than a re-issue is asked for.
REISSUE_PERIODS = 18
CURRENT_PERIOD_LABEL = "De periode van deze run (het data-interval)"


def task_log():
    """The logger of the wijkopvolging tasks. Airflow puts its lines in the task log; INFO
    is the level a default deployment shows."""
    import logging

    return logging.getLogger("wijkopvolging.task")


def announce_period(slug: str) -> None:
    """The first line of every report task: which period this run covers."""
    from wijkopvolging.periods import Period

    period = Period.parse(slug)
    task_log().info("Periode %s (%s, peildatum %s)", period.label, period.slug,
                    f"{period.peildatum:%d-%m-%Y}")


def log_outcome(task: str, outcome):
    """Log a task's outcome (counts, paths, what delivery did) at INFO; returns it, so a
    task ends with ``return log_outcome("snapshot", ...)``."""
    if isinstance(outcome, dict):
        text = "; ".join(f"{key}: {value}" for key, value in outcome.items()) or "niets"
    else:
        text = str(outcome)
    task_log().info("%s klaar: %s", task, text)
    return outcome


def period_param(today=None):
    """The trigger form's ``periode``: a pick list of the recent periods under their Dutch
    names, newest first, or empty for the run's own data interval. A value outside the list
    is refused by the form and the REST API before a run starts."""
    import datetime as dt

    from airflow.sdk import Param

    from wijkopvolging.periods import AMSTERDAM, Period

    today = today or dt.datetime.now(AMSTERDAM).date()
    periods = Period.recent(today, REISSUE_PERIODS)
    return Param(
        None, type=["null", "string"], enum=[None, *(p.first_month for p in periods)],
        values_display={None: CURRENT_PERIOD_LABEL,
                        **{p.first_month: f"{p.label} ({p.first_month})" for p in periods}},
        title="Periode",
        description="Kies de periode voor een heruitgave (de lijst gaat drie jaar terug). "
                    "Leeg: de periode van deze run.")


# ------------------------------------------------------------------ schedules

# The pipeline's DAGs, in the order their schedules depend on each other: the report and the
# lists read what the ingest loaded, so they run together or not at all.
PIPELINE_DAGS = tuple(declared.dag_id for declared in PIPELINES)


def pause_summary(paused: dict[str, bool]) -> list[str]:
    """Dutch lines for the operator: which DAGs are paused, what that means, how to start
    (or stop) the schedules together, and a warning when they are not in the same state.

    ``paused``: dag id -> is_paused, as the metadata database has it (a DAG not yet parsed
    is left out)."""
    known = [dag_id for dag_id in PIPELINE_DAGS if dag_id in paused]
    if not known:
        return ["De DAG's zijn nog niet ingelezen; kijk zo in de UI welke gepauzeerd zijn."]
    lines = ["Schema's: " + ", ".join(
        f"{dag_id} {'gepauzeerd' if paused[dag_id] else 'actief'}" for dag_id in known) + "."]
    states = {paused[dag_id] for dag_id in known}
    if states == {True}:
        lines += [
            "Zo is het bedoeld op een eigen machine: niets start vanzelf; make run en "
            "heruitgaven (Trigger) draaien met de hand.",
            "Schema's starten (ingest dagelijks, rapportage elke twee maanden, signalering "
            "op maandag), alle drie samen: "
            + "; ".join(f"airflow dags unpause {dag_id}" for dag_id in PIPELINE_DAGS)
            + " (of de schakelaar bij elke DAG in de UI).",
            "Let op: 'Unpause' aanvinken in het triggerformulier start het schema van die DAG "
            "ook; laat het uit bij een heruitgave.",
        ]
    elif states == {False}:
        lines.append("De schema's lopen. Stoppen, alle drie samen: "
                     + "; ".join(f"airflow dags pause {dag_id}" for dag_id in PIPELINE_DAGS)
                     + ".")
    else:
        active = [dag_id for dag_id in known if not paused[dag_id]]
        stopped = [dag_id for dag_id in known if paused[dag_id]]
        lines.append(
            f"Let op: {', '.join(active)} loopt, maar {', '.join(stopped)} is gepauzeerd: een "
            "rapportage of signalering zou dan op verouderde gegevens draaien. Zet ze gelijk: "
            + "; ".join(f"airflow dags pause {dag_id}" for dag_id in active)
            + " (of alle drie unpause).")
    return lines


# Retries for tasks that talk to another system (a source, the SMTP server): 1, 2, 4 …
# times retry_delay, at most max_retry_delay. In Airflow 3.3 retry_exponential_backoff is
# the multiplier; ``True`` would be 1.0, i.e. no backoff at all.
RETRY_WITH_BACKOFF = {"retries": 3, "retry_delay": timedelta(seconds=30),
                      "retry_exponential_backoff": 2.0,
                      "max_retry_delay": timedelta(minutes=10)}

FAILURE_SUBJECT = ("wijkopvolging: taak {{ ti.task_id }} van {{ ti.dag_id }} mislukt "
                   "({{ ti.run_id }})")
FAILURE_HTML = (
    "<p>De taak <b>{{ ti.task_id }}</b> van <b>{{ ti.dag_id }}</b> is mislukt, ook na "
    "{{ ti.try_number }} poging(en).</p>"
    "<p>Run: {{ ti.run_id }}<br>Fout: {{ exception | default('onbekend') | string | e }}</p>"
    "<p>Log: <a href=\"{{ ti.log_url }}\">{{ ti.log_url }}</a></p>"
    "<p>Opnieuw proberen: wis de taak (Clear) in de Airflow-UI zodra de oorzaak is "
    "verholpen.</p>"
)


def notify_operations(context) -> None:
    """on_failure_callback: e-mail operations (``delivery.ops_alert_to``) through the
    smtp provider's SmtpNotifier. Configuration and connection are read when a task fails,
    never while the DAG file is parsed. Without an address or a connection it only logs:
    a callback must never hide the task's own error."""
    import logging

    log = logging.getLogger(__name__)
    try:
        delivery = load_settings().delivery
    except Exception as exc:  # the task may have failed on this very configuration
        log.error("geen storingsmelding verstuurd: configuratie onleesbaar (%s)", exc)
        return
    if not delivery.ops_alert_to:
        log.warning("geen storingsmelding verstuurd: delivery.ops_alert_to is leeg")
        return
    from wijkopvolging.mail import smtp_connection_configured

    if not smtp_connection_configured(delivery.alert_connection):
        log.warning("geen storingsmelding verstuurd: Airflow-verbinding %r ontbreekt",
                    delivery.alert_connection)
        return
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    notifier = SmtpNotifier(to=list(delivery.ops_alert_to), from_email=delivery.from_email,
                            smtp_conn_id=delivery.alert_connection, subject=FAILURE_SUBJECT,
                            html_content=FAILURE_HTML)
    try:
        notifier(context)
    except Exception:
        log.exception("storingsmelding aan %s niet verstuurd", ", ".join(delivery.ops_alert_to))

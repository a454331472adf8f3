"""wijkopvolging: follow-up of Vragen uit de Wijk and ongevraagde adviezen.

The domain package. Everything here is importable and testable without a running
Airflow; the DAG files in ``dags/`` only wire these modules together.
"""

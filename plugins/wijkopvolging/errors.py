"""The one kind of expected error: trouble a person must fix, not a retry.

Every error the pipeline expects (a wrong setting, a broken reference file, a source that
lacks a column or refuses our credentials, records that do not add up, personal data in the
overview, a period that does not exist, documents that cannot be delivered) derives from
``ExpectedError``. Its message is one line for the person who must act: which file,
source, record, rule or setting, and what to do. A task turns it into a failure without
retries (``airflow_support.fail_clearly``); anything else is unexpected and keeps its
traceback and retries (a source or mail server that is down, a bug).
"""

from __future__ import annotations


class ExpectedError(Exception):
    """Trouble a retry cannot fix; the message names what to correct, in one line."""

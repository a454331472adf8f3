"""Airflow's FAB auth manager (users, roles and passwords in Airflow's metadata database),
with one addition: a human-in-the-loop task may be assigned to a *role*.

Airflow's API lets only a HITL task's assigned users answer it, and compares the caller's
user id with the assignees' ids (for FAB, the number of the user's row). The college's
approval is assigned to the secretariat's role instead (``wijkopvolging.approval.approvers``),
so adding a person to the secretariat is adding them to that role; no run and no setting
names people. Everything else (login, tokens, roles, the ``airflow users`` and ``airflow
roles`` commands) is the FAB auth manager's own.

    AIRFLOW__CORE__AUTH_MANAGER=wijkopvolging.auth_manager.WijkopvolgingAuthManager
"""

from __future__ import annotations

from airflow.providers.fab.auth_manager.fab_auth_manager import FabAuthManager

from wijkopvolging.approval import may_answer


class WijkopvolgingAuthManager(FabAuthManager):
    """The FAB auth manager; a HITL task assigned to a role may be answered by its members."""

    def is_authorized_hitl_task(self, *, assigned_users: set[str], user) -> bool:
        """Whether ``user`` may answer a HITL task assigned to ``assigned_users`` (Airflow
        calls this only for a task with assignees, after FAB's own permission check)."""
        return may_answer(assigned_users, user_id=user.get_id(),
                          roles={role.name for role in user.roles or ()})

"""Write to the audit log. `log` adds the event to the current session without committing,
so the event and the change it describes commit (or roll back) together."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from server.extensions import db
from server.models import AuditEvent


def log(
    action: str,
    *,
    actor: str,
    area_code: str | None = None,
    target: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor=actor[:64],
        action=action[:40],
        area_code=area_code,
        target=target[:120],
        details=details or {},
        ip=(request.remote_addr or "")[:45] if has_request_context() else "",
    )
    db.session.add(event)
    return event

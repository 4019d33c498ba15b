"""How a record sent back to the officer explains itself: the reason, in their language."""

from __future__ import annotations

from typing import Any

from mobile_app.i18n import tr


def reason_text(errors: list[dict[str, Any]], lang: str = "vi") -> str:
    """ "Lý do: ..." from the server's field errors, or that the board gave no reason."""
    key = "message" if lang == "vi" else "message_en"
    messages = [str(e.get(key) or e.get("message") or "") for e in errors]
    messages = [m for m in messages if m]
    if not messages:
        return tr("redo_no_reason", lang)
    return tr("redo_reason", lang, reason=" ".join(messages))

"""The script policy in a real browser: every page a board member and a sync administrator
open runs without a single Content-Security-Policy violation (no inline script left), the
indicator map still draws, and an inline script the policy forbids is really refused."""

from __future__ import annotations

import pytest

from tests.browser import chromium_page

pytestmark = pytest.mark.e2e

BOARD_PAGES = (
    "/communes/01936",
    "/communes/01936/indicators",
    "/communes/01936/indicators/clean_water_households",
    "/communes/01936/review",
    "/communes/01936/ledger",
    "/communes/01936/integrity",
)
ADMIN_PAGES = ("/admin/devices", "/admin/conflicts", "/admin/users", "/admin/audit")


def _visit(live_server, username: str, paths: tuple[str, ...]) -> list[str]:
    violations: list[str] = []
    with chromium_page() as page:
        page.on(
            "console",
            lambda m: (
                violations.append(f"{page.url}: {m.text}")
                if "Content Security Policy" in m.text
                else None
            ),
        )
        page.goto(live_server.url + "/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "chungsuc-demo")
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        for path in paths:
            answer = page.goto(live_server.url + path)
            assert answer.status == 200, path
            assert "script-src 'self'" in answer.headers["content-security-policy"]
            if path.endswith("clean_water_households"):
                page.wait_for_selector("#indicator-map .leaflet-interactive")
        # the policy is enforced: an inline script added to the page is refused
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.__ran = true'; document.body.appendChild(s); }"
        )
        assert page.evaluate("() => window.__ran === true") is False
    return violations


def test_no_page_breaks_the_script_policy(live_server):
    board = _visit(live_server, "bql_naphac", BOARD_PAGES)
    refused_probe = [v for v in board if "inline" in v]
    assert len(refused_probe) == 1  # only the probe above, reported by the browser
    admin = _visit(live_server, "qt_thainguyen", ADMIN_PAGES)
    assert len([v for v in admin if "inline" in v]) == 1
    assert len(board) == len(admin) == 1, board + admin

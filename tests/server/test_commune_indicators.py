"""Commune-level indicators: the board enters a value with a document (type checked from
the content, bounded size, stored by SHA-256); the dashboard shows met / not met and counts
it in the summary; another commune's board is refused. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent, CommuneIndicatorEntry
from server.services import commune_indicators, criteria_config, indicators
from tests.helpers import jpeg_bytes
from tests.server.test_criteria_config import user
from tests.server.test_web import add_user, login

COMMUNE = "01936"
PAGE = f"/communes/{COMMUNE}/commune-indicators"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TODAY = dt.date.today().isoformat()


def token(client, path=PAGE) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def send(client, indicator, fields, content=PDF, name="quyet-dinh.pdf", csrf=None):
    data = {"csrf_token": csrf or token(client), "as_of": TODAY, **fields}
    if content is not None:
        data["document"] = (io.BytesIO(content), name)
    return client.post(f"{PAGE}/{indicator}", data=data, content_type="multipart/form-data")


def summary(client) -> tuple[int, int, dict[str, str]]:
    html = client.get(f"/communes/{COMMUNE}/indicators").text
    met, total = map(int, re.search(r'id="indicator-summary">Đạt (\d+)/(\d+)', html).groups())
    rows = dict(re.findall(r'data-commune-indicator="([a-z_]+)" data-status="(\w+)"', html))
    return met, total, rows


def entries(app) -> int:
    with app.app_context():
        return db.session.query(CommuneIndicatorEntry).count()


def test_board_enters_values_with_documents_and_the_dashboard_counts_them(app, client, demo):
    login(client, "bql_naphac")
    met0, total0, rows = summary(client)
    assert rows["commune_roads_hardened"] == "no_data" and total0 == 5 + 6  # household + commune
    assert send(client, "commune_roads_hardened", {"part": "3,5", "whole": "10"}).status_code == 302
    met1, _, rows = summary(client)
    assert rows["commune_roads_hardened"] == "not_met" and met1 == met0  # 35% < 100% (demo)
    photo = jpeg_bytes(text="bien ban")
    assert (
        send(
            client,
            "general_planning_approved",
            {"value_bool": "yes", "note": "QĐ 12/QĐ-UBND"},
            content=photo,
            name="../../quy hoach.jpg",
        ).status_code
        == 302
    )
    met2, total2, rows = summary(client)
    assert rows["general_planning_approved"] == "met" and (met2, total2) == (met0 + 1, total0)
    page = client.get(PAGE).text
    assert "bql_naphac" in page and "QĐ 12/QĐ-UBND" in page and "quy hoach.jpg" in page
    with app.app_context():
        entry = db.session.scalar(
            select(CommuneIndicatorEntry).where(
                CommuneIndicatorEntry.indicator_id == "general_planning_approved"
            )
        )
        assert entry.document_type == "image/jpeg" and entry.entered_by == "bql_naphac"
        assert entry.document_sha256 == hashlib.sha256(photo).hexdigest()
        assert commune_indicators.document_path(entry.document_sha256).read_bytes() == photo
        audit = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "commune_indicator.enter")
        )
        assert audit.actor == "bql_naphac" and audit.area_code == COMMUNE
        pdf_id = db.session.scalar(
            select(CommuneIndicatorEntry.id).where(
                CommuneIndicatorEntry.indicator_id == "commune_roads_hardened"
            )
        )
    got = client.get(f"{PAGE}/entries/{pdf_id}/document")
    assert got.status_code == 200 and got.data == PDF and got.mimetype == "application/pdf"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    got.close()
    # a newer entry supersedes the older one; both stay in the history
    assert send(client, "commune_roads_hardened", {"part": "10", "whole": "10"}).status_code == 302
    _, _, rows = summary(client)
    assert rows["commune_roads_hardened"] == "met"
    assert len(re.findall(r'data-entry="\d+"', client.get(PAGE).text)) == 3
    with app.app_context():  # the same PDF twice is one file on disk
        files = list(commune_indicators.document_dir().rglob("*.doc"))
        assert len(files) == 2
        exported = {r["code"]: r for r in indicators.export_rows(COMMUNE)}
        assert exported["2.1"]["status"] == "met" and "bql_naphac" in exported["2.1"]["coverage"]


BAD = [
    ("commune_roads_hardened", {"part": "3", "whole": "10"}, None, "", 422, "đính kèm"),
    (
        "commune_roads_hardened",
        {"part": "3", "whole": "10"},
        b"hello %PDF",
        "a.pdf",
        415,
        "PDF",
    ),
    (
        "commune_roads_hardened",
        {"part": "3", "whole": "10"},
        b"%PDF-1.4 no end",
        "a.pdf",
        415,
        "PDF",
    ),
    (
        "commune_roads_hardened",
        {"part": "12", "whole": "10"},
        PDF,
        "a.pdf",
        422,
        "không được lớn hơn",
    ),
    ("commune_roads_hardened", {"part": "-1", "whole": "10"}, PDF, "a.pdf", 422, "số không âm"),
    ("commune_roads_hardened", {"part": "x", "whole": "0"}, PDF, "a.pdf", 422, "số không âm"),
    ("cultural_houses", {"part": "nan"}, PDF, "a.pdf", 422, "số không âm"),
    ("general_planning_approved", {"value_bool": "maybe"}, PDF, "a.pdf", 422, "Có"),
    (
        "general_planning_approved",
        {"value_bool": "yes", "as_of": "2999-01-01"},
        PDF,
        "a.pdf",
        422,
        "tương lai",
    ),
    (
        "general_planning_approved",
        {"value_bool": "yes", "as_of": "hôm qua"},
        PDF,
        "a.pdf",
        422,
        "ngày",
    ),
    (
        "general_planning_approved",
        {"value_bool": "yes", "note": "x" * 600},
        PDF,
        "a.pdf",
        422,
        "Ghi chú",
    ),
    ("not_an_indicator", {"value_bool": "yes"}, PDF, "a.pdf", 404, "Không có chỉ tiêu"),
]


def test_bad_input_is_refused_with_a_message_and_writes_nothing(app, client, demo):
    login(client, "bql_naphac")
    csrf = token(client)
    for indicator, fields, content, name, status, words in BAD:
        response = send(client, indicator, fields, content=content, name=name, csrf=csrf)
        assert response.status_code == status and words in response.text, (indicator, fields)
    assert entries(app) == 0
    with app.app_context():
        assert not commune_indicators.document_dir().exists()


def test_a_document_over_the_size_limit_is_refused(app, client, demo, monkeypatch):
    monkeypatch.setattr(commune_indicators, "MAX_DOCUMENT_BYTES", 1000)
    login(client, "bql_naphac")
    big = PDF[:-7] + b" " * 2000 + b"\n%%EOF\n"
    response = send(client, "commune_roads_hardened", {"part": "1", "whole": "2"}, content=big)
    assert response.status_code == 413 and "quá lớn" in response.text
    assert entries(app) == 0


def test_other_communes_board_and_officers_are_refused(app, client, demo):
    login(client, "bql_naphac")
    assert send(client, "general_planning_approved", {"value_bool": "yes"}).status_code == 302
    with app.app_context():
        entry_id = db.session.scalar(select(CommuneIndicatorEntry.id))
    client.post("/logout", data={"csrf_token": token(client)})
    add_user(app, "bql_other", "board", "01849")
    add_user(app, "canbo", "officer", COMMUNE)
    login(client, "bql_other", "pw-bql_other")
    other = token(client, "/communes/01849/commune-indicators")
    assert client.get(PAGE).status_code == 403
    assert (
        send(client, "general_planning_approved", {"value_bool": "no"}, csrf=other).status_code
        == 403
    )
    assert client.get(f"{PAGE}/entries/{entry_id}/document").status_code == 403
    # its own commune's page does not serve this commune's document either
    assert (
        client.get(f"/communes/01849/commune-indicators/entries/{entry_id}/document").status_code
        == 404
    )
    client.post("/logout", data={"csrf_token": other})
    login(client, "canbo", "pw-canbo")  # a field officer sees but does not enter
    assert client.get(PAGE).status_code == 200
    refused = send(client, "general_planning_approved", {"value_bool": "no"})
    assert refused.status_code == 403 and "Ban quản lý xã" in refused.text
    assert entries(app) == 1


def test_province_threshold_applies_to_commune_indicators(app, client, demo):
    add_user(app, "tinh_tn", "province_officer", "19")
    login(client, "bql_naphac")
    assert send(client, "cultural_houses", {"part": "2"}).status_code == 302
    assert summary(client)[2]["cultural_houses"] == "not_met"  # demo threshold: 3 villages
    with app.app_context():
        criteria_config.set_override(
            user("tinh_tn"),
            "ntm-2021-2025",
            "cultural_houses",
            "standard",
            "19",
            "",
            "2",
            "QĐ 77/QĐ-UBND",
        )
    assert summary(client)[2]["cultural_houses"] == "met"
    assert "QĐ 77/QĐ-UBND" in client.get(PAGE).text

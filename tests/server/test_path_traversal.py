"""Path traversal: no string from a request reaches the filesystem as a path.

1. Every GET route with a text parameter (enumerated from app.url_map, so new routes are
   covered), called as a logged-in system administrator and as an enrolled tablet with
   traversal payloads aimed at a secret file beside the photo folder: never the file's
   content, never a 5xx.
2. The functions that turn ids into paths refuse anything but their exact shape.
3. The code that builds paths is listed here, file by file, after review: a new file that
   builds paths fails this test until someone has checked where its names come from.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SECRET = "BI-MAT-KHONG-DUOC-LO"
PAYLOADS = [
    "..",
    "../secret.txt",
    "../../secret.txt",
    "../../../secret.txt",
    "../../../../secret.txt",
    "..%2fsecret.txt",
    "..%2f..%2f..%2fsecret.txt",
    "%2e%2e%2f%2e%2e%2fsecret.txt",
    "..%5c..%5csecret.txt",
    "....//....//secret.txt",
    "%252e%252e%252fsecret.txt",
    "/etc/passwd",
    "..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "C:%5cWindows%5cwin.ini",
    "a" * 64 + "%2f..%2f..%2fsecret.txt",
    "secret.txt%00.jpg",
]


@pytest.fixture
def secret_beside_photos(app):
    photo_dir = Path(app.config["PHOTO_DIR"])
    photo_dir.mkdir(parents=True, exist_ok=True)
    for folder in (photo_dir.parent, photo_dir, photo_dir / "ab", photo_dir / "ab" / "cd"):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "secret.txt").write_text(SECRET)
    return photo_dir


def text_get_rules(app):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        text_args = [
            name
            for name, conv in rule._converters.items()
            if type(conv).__name__ in ("UnicodeConverter", "PathConverter")
        ]
        if text_args:
            yield rule, text_args


def urls_with(rule, text_args, payload: str):
    """The rule's path with `payload` in one text argument at a time (raw, not re-quoted)."""
    for target in text_args:
        path = rule.rule
        for name, conv in rule._converters.items():
            if name == target:
                value = payload
            elif "Integer" in type(conv).__name__:
                value = "1"
            elif "UUID" in type(conv).__name__:
                value = "00000000-0000-4000-8000-000000000000"
            else:
                value = "01936"
            path = re.sub(r"<(?:[^:>]+:)?" + name + r">", value, path)
        yield path


def test_no_route_serves_a_file_named_by_the_request(
    app, client, device, secret_beside_photos, demo
):
    from tests.server.test_web import login

    rules = list(text_get_rules(app))
    names = {rule.rule for rule, _ in rules}
    assert "/photos/<sha256>" in names and "/api/v1/photos/<sha256>/status" in names
    login(client, "qt_thainguyen")
    problems = []
    for rule, text_args in rules:
        for payload in PAYLOADS:
            for path in urls_with(rule, text_args, payload):
                answer = client.get(path, headers=device.headers)
                body = answer.get_data()
                if SECRET.encode() in body or b"root:x:" in body or answer.status_code >= 500:
                    problems.append(f"GET {path}: {answer.status_code} {body[:120]!r}")
    assert not problems, "\n".join(problems)


def test_ids_that_become_paths_must_have_their_exact_shape(app):
    from server.services import commune_indicators, photo_thumbs, photos, uploads

    bad = ["../" * 3 + "x", "a" * 63, "A" * 64, "a" * 64 + "/..", "a" * 64 + "\x00", ""]
    with app.app_context():
        for value in bad:
            for to_path in (photos.photo_path, commune_indicators.document_path):
                with pytest.raises(ValueError):
                    to_path(value)
            with pytest.raises(ValueError):
                photo_thumbs.derived_path(value, "256")
            with pytest.raises(ValueError):
                uploads._part(value)  # upload ids are UUIDs made by the server
        good = "ab" + "c" * 62
        assert photos.photo_path(good).parent.parent.parent == Path(app.config["PHOTO_DIR"])


# Files of server/ that build filesystem paths, and where their names come from (reviewed).
REVIEWED = {
    "server/__init__.py": "migrations folder beside the package",
    "server/config.py": "instance folder and environment (operator's configuration)",
    "server/cli.py": "command-line arguments of the operator; a temporary folder",
    "server/services/photos.py": "SHA-256 checked by regex (photo_path)",
    "server/services/uploads.py": "upload id parsed as a UUID (_part)",
    "server/services/photo_thumbs.py": "SHA-256 checked by regex, kind from a fixed set",
    "server/services/photo_pipeline.py": "paths from photos.photo_path / photo_thumbs",
    "server/services/commune_indicators.py": "SHA-256 checked by regex (document_path)",
    "server/services/exports_pdf.py": "fonts folder inside the package; photos by hash",
    "server/services/units.py": "data file inside the package",
    "server/services/worker.py": "worker command line built by the server itself",
    "server/web/commune.py": "photos by hash (checked), thumbnails by a fixed size",
    "server/web/commune_indicators.py": "document by the stored hash of a checked entry",
    "server/api/photos.py": "thumbnail path from photo_thumbs (hash checked first)",
    "server/security_limits.py": "rate-limit store URI from configuration, instance folder",
    "server/security_storage.py": "rate-limit counter file from configuration",
}
BUILDS_PATHS = re.compile(
    r"\bPath\(|os\.path\.join\(|(?<![.\w])open\(|send_file\(|send_from_directory\(|"
    r"\bsubprocess\.|os\.(?:remove|unlink|rename|replace|makedirs)\("
)


def test_every_file_that_builds_paths_has_been_reviewed():
    root = Path(__file__).resolve().parents[2]
    found = {}
    for source in sorted((root / "server").rglob("*.py")):
        relative = source.relative_to(root).as_posix()
        if relative.startswith("server/migrations/"):
            continue
        text = source.read_text(encoding="utf-8")
        code = "\n".join(
            line for line in text.splitlines() if "click.Path(" not in line
        )  # click.Path only declares an argument type
        if BUILDS_PATHS.search(code):
            found[relative] = True
    unreviewed = sorted(set(found) - set(REVIEWED))
    assert not unreviewed, (
        "These files build filesystem paths and are not reviewed yet. Check that no name from "
        "a request reaches the path unchecked (ids by regex/UUID, never a client's file name), "
        f"then add them to REVIEWED in {Path(__file__).name}: {unreviewed}"
    )

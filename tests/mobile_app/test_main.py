"""The command line of `chungsuc-app` (parsed without starting Kivy)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobile_app.__main__ import parse_args


def test_defaults_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CHUNGSUC_APP_DIR", str(tmp_path))
    args = parse_args([])
    assert (args.data_dir, args.server, args.lang) == (tmp_path, "", "vi")


def test_options(monkeypatch):
    monkeypatch.delenv("CHUNGSUC_APP_DIR", raising=False)
    args = parse_args(["--server", "http://10.0.0.2:8000", "--lang", "en"])
    assert args.data_dir == Path.home() / ".chungsuc-app"
    assert (args.server, args.lang) == ("http://10.0.0.2:8000", "en")
    with pytest.raises(SystemExit):
        parse_args(["--lang", "fr"])

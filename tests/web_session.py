"""A logged-in web session over real HTTP (urllib with a cookie jar)."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request


class WebSession:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, bytes]:
        with self.opener.open(self.base_url + path, timeout=30) as response:
            return response.status, response.read()

    def login(self, username: str, password: str) -> None:
        _, page = self.get("/login")
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
        form = urllib.parse.urlencode(
            {"username": username, "password": password, "csrf_token": token}
        ).encode()
        with self.opener.open(self.base_url + "/login", data=form, timeout=30) as response:
            if "/login" in response.url:
                raise AssertionError("login failed")

"""Admin UI fixtures: the demo community with one account per role, and a signed-in test client.

    client = admin_client("liqiang")          # signed in as the demo's 网格员
    client.post("/admin/rules/1/toggle")      # the page's CSRF token is sent along
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot import create_app
from bot.clock import wall_now
from bot.db import Database
from bot.services import Services
from bot.web.admin.accounts import ensure_account, seed_demo_accounts

PASSWORD = "linli-test-pass"
_CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')


class AdminClient:
    """A test client signed in to /admin that sends the CSRF token like the pages do."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token = ""

    def login(self, username: str, password: str = PASSWORD) -> Any:
        page = self.client.get("/admin/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        response = self.client.post("/admin/login", data={"csrf_token": token, "username": username,
                                                           "password": password})
        if response.status_code == 302:
            self.token = _CSRF_META.search(self.client.get("/admin/password").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
        return response

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, csrf: bool = True, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if csrf:
            headers["X-CSRFToken"] = self.token
        return self.client.post(url, data=data or {}, headers=headers, **kwargs)


ADMIN_TEST_CONFIG = {"cookie_secure": False, "secret_key": "admin-test-secret-key"}


@pytest.fixture
def admin_services(seeded: Database, make_services: Callable[..., Services], shared_tokenizer: Any) -> Services:
    """The seeded demo community with the NLP engine, and admin, zhangzr (staff), liqiang (grid), wangprop
    (department) accounts."""
    from bot.routing.engine import NlpEngine

    services = make_services(admin=ADMIN_TEST_CONFIG)
    services.nlp = NlpEngine(seeded, tokenizer=shared_tokenizer)
    services.nlp.refresh()
    with seeded.session() as s:
        ensure_account(s, "admin", PASSWORD, "admin", wall_now())
        seed_demo_accounts(s, PASSWORD, wall_now())
    return services


@pytest.fixture
def admin_app(admin_services: Services) -> Flask:
    return create_app(services=admin_services)


@pytest.fixture
def admin_client(admin_app: Flask) -> Callable[[str], AdminClient]:
    def signed_in(username: str = "admin") -> AdminClient:
        client = AdminClient(admin_app.test_client())
        assert client.login(username).status_code == 302
        return client

    return signed_in

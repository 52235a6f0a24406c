"""`python -m bot doctor` names what is wrong with a deployment, each with its fix, against a fake WeChat API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner

from bot import create_app, texts
from bot.cli import main
from bot.db import Database
from bot.ops.doctor import Level, check_callback, client_poster, diagnose, worst
from bot.services import Services
from tests.conftest import TEST_AES_KEY, make_config
from tests.delivery.conftest import delivery_config
from tests.fakes.wechat_api import FakeWeChatAPI


def _by_check(findings: list[Any]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for finding in findings:
        grouped.setdefault(finding.check, []).append(finding)
    return grouped


def test_a_missing_database_is_an_error_with_the_fix_and_no_file_is_created(tmp_path: Path) -> None:
    path = tmp_path / "nothing-here.db"
    config = tmp_path / "config.yaml"
    config.write_text(f"database: sqlite:///{path}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["doctor", "--config", str(config)])
    assert result.exit_code == 1
    assert texts.DOCTOR_DB_MISSING.format(url=f"sqlite:///{path}") in result.output
    assert texts.DOCTOR_FIX_INIT in result.output
    assert not path.exists()


def test_a_healthy_deployment_has_no_errors(sqlite_db: Database, fake_wechat: FakeWeChatAPI) -> None:
    config = delivery_config(sqlite_db, fake_wechat)
    findings = diagnose(config)
    checks = _by_check(findings)
    assert worst(findings) is not Level.ERROR, [f for f in findings if f.level is Level.ERROR]
    assert checks["database"][0].level is Level.OK
    assert checks["callback"][0].message == texts.DOCTOR_TOKEN_OK
    assert checks["wechat_api"][0].level is Level.OK and checks["wecom_api"][0].level is Level.OK
    assert fake_wechat.token_fetches >= 2


def test_an_ip_not_on_the_whitelist_is_named_with_where_to_add_it(sqlite_db: Database, fake_wechat: FakeWeChatAPI) -> None:
    fake_wechat.queue("/cgi-bin/stable_token", errcode=40164, errmsg="invalid ip 10.0.0.7, not in whitelist")
    findings = _by_check(diagnose(delivery_config(sqlite_db, fake_wechat)))
    finding = findings["wechat_api"][0]
    assert finding.level is Level.ERROR and "40164" in finding.message
    assert finding.fix == texts.DOCTOR_FIX_IP_WHITELIST


def test_a_wrong_secret_and_an_unreachable_api_are_told_apart(sqlite_db: Database, fake_wechat: FakeWeChatAPI) -> None:
    wrong = delivery_config(sqlite_db, fake_wechat, wechat={"app_secret": "not-the-secret"})
    assert _by_check(diagnose(wrong))["wechat_api"][0].fix == texts.DOCTOR_FIX_APP_SECRET
    unreachable = delivery_config(sqlite_db, fake_wechat, wechat={"api_base": "http://127.0.0.1:9"})
    finding = _by_check(diagnose(unreachable))["wechat_api"][0]
    assert finding.level is Level.ERROR and finding.fix == texts.DOCTOR_FIX_API_UNREACHABLE


def test_a_server_with_another_token_rejects_the_signed_self_request(sqlite_db: Database) -> None:
    server = create_app(services=Services(config=make_config(sqlite_db), db=sqlite_db))
    ours = make_config(sqlite_db, wechat={"token": "not-the-servers-token"})
    findings = check_callback(ours, client_poster(server))
    assert findings[0].level is Level.ERROR and findings[0].fix == texts.DOCTOR_FIX_TOKEN
    same = check_callback(make_config(sqlite_db), client_poster(server))
    assert [f.level for f in same] == [Level.OK]


def test_safe_mode_with_a_different_aes_key_is_an_error(sqlite_db: Database) -> None:
    safe = {"aes_key": TEST_AES_KEY, "mode": "safe"}
    server = create_app(services=Services(config=make_config(sqlite_db, wechat=safe), db=sqlite_db))
    other_key = {"aes_key": "B" * 43, "mode": "safe"}
    findings = check_callback(make_config(sqlite_db, wechat=other_key), client_poster(server))
    assert findings[0].level is Level.OK  # the token still matches
    assert findings[1].level is Level.ERROR and findings[1].fix == texts.DOCTOR_FIX_AES_KEY
    matching = check_callback(make_config(sqlite_db, wechat=safe), client_poster(server))
    assert [f.level for f in matching] == [Level.OK, Level.OK]


def test_missing_templates_and_the_next_years_holidays_are_warnings(sqlite_db: Database, fake_wechat: FakeWeChatAPI) -> None:
    config = delivery_config(sqlite_db, fake_wechat, templates={"late_reply": ""})
    checks = _by_check(diagnose(config))
    assert any("late_reply" in f.message for f in checks["templates"])
    calendar = checks["calendar"][0]
    assert calendar.level in (Level.OK, Level.WARN)
    if calendar.level is Level.WARN:
        assert calendar.fix == texts.DOCTOR_FIX_CALENDAR


def test_capability_health_checks_are_reported(sqlite_db: Database, fake_wechat: FakeWeChatAPI) -> None:
    services = Services(config=delivery_config(sqlite_db, fake_wechat), db=sqlite_db)

    def always_unhappy(_services: Any) -> list[str]:
        return ["the sample capability needs attention"]

    services.registry.capabilities[0].health_checks.append(always_unhappy)
    try:
        findings = diagnose(services.config, services=services)
    finally:
        services.registry.capabilities[0].health_checks.remove(always_unhappy)
        services.executor.shutdown(wait=True)
    assert any(f.message == "the sample capability needs attention" and f.level is Level.WARN for f in findings)


def test_the_tickets_capability_names_unowned_categories_and_unstaffed_grids(seeded: Database) -> None:
    from sqlalchemy import update

    from handlers.tickets.health import ownership_problems
    from models import GridMember

    services = Services(config=make_config(seeded), db=seeded)
    try:
        problems = ownership_problems(services)
        assert len(problems) == 1 and "fire, medical" in problems[0]  # the demo leaves these to 119/120
        with seeded.session() as s:
            s.execute(update(GridMember).values(on_duty=False))
        problems = ownership_problems(services)
        assert len(problems) == 2 and "ghy-g3, xfl-g1, xfl-g2" in problems[1]
    finally:
        services.executor.shutdown(wait=True)

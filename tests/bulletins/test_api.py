"""The editorial API: series and entries, preview, test send, empty days, posts, run reports; the import section."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.importer import DATA_DIR, import_file
from handlers.bulletins.jobs import JOB_NAME
from tests.bulletins.conftest import T0, Town, fan_out, runs, wrote_at


@pytest.fixture
def api(town: Town) -> Callable[..., Any]:
    """api("get", "/bulletins/series") -> (status, json) with an admin's token."""
    from bot.web.auth import create_admin, issue_token

    with town.services.db.session() as session:
        token = issue_token(session, create_admin(session, "editor", "s3cret-pass"))
    client = town.app.test_client()

    def call(method: str, path: str, body: Any = None, **query: Any) -> tuple[int, Any]:
        response = client.open(f"/api/v1{path}", method=method.upper(), json=body, query_string=query,
                               headers={"Authorization": f"Bearer {token}"})
        return response.status_code, response.get_json(silent=True)

    return call


def test_the_shipped_series_and_its_calendar(api: Callable[..., Any]) -> None:
    status, body = api("get", "/bulletins/series")
    assert status == 200
    [party] = body["series"]
    assert party["slug"] == "party_history" and party["name"] == "今日党史" and party["entries"] == 205
    assert (party["cron"], party["schedule"], party["audience"], party["ladder"]) == \
        ("", "0 7 * * *", "subscribers", ["custom", "template"])
    status, body = api("get", "/bulletins/series/party_history/empty-days", year=2028)
    assert status == 200 and body["count"] == 366 - 174 and "2028-01-02" in body["days"]
    assert "2028-07-01" not in body["days"]


def test_series_are_validated_created_changed_and_kept_from_deletion_once_run(api: Callable[..., Any],
                                                                                 town: Town) -> None:
    new = {"slug": "health_tips", "name": "健康小贴士", "cron": "0 8 * * 1,3,5", "audience": "robots",
           "targets": ["lobby"], "format": "markdown", "notes": "每周一三五"}
    assert api("post", "/bulletins/series", {**new, "cron": "every morning"})[0] == 422
    status, body = api("post", "/bulletins/series", {**new, "ladder": ["custom"]})
    assert status == 422 and body["errors"][0]["field"] == "ladder"
    status, body = api("post", "/bulletins/series", {**new, "audience": "grid", "targets": ["nowhere"]})
    assert status == 422 and body["errors"][0]["field"] == "targets"
    status, body = api("post", "/bulletins/series", new)
    assert status == 201 and body["ladder"] == ["robot"] and body["schedule"] == "0 8 * * 1,3,5"
    assert api("post", "/bulletins/series", new)[0] == 409
    status, body = api("patch", "/bulletins/series/health_tips", {"audience": "subscribers", "targets": []})
    assert status == 200 and body["ladder"] == ["custom", "template"] and body["source"] == "admin"
    assert api("get", "/bulletins/series/nope")[0] == 404
    assert api("delete", "/bulletins/series/health_tips")[0] == 204
    town.say("oReader", "订阅今日党史")
    fan_out(town)
    status, body = api("delete", "/bulletins/series/party_history")
    assert status == 409 and "disable" in body["message"]


def test_entries_are_added_edited_and_removed_by_key(api: Callable[..., Any]) -> None:
    entry = {"day": "11-22", "year": 1990, "title": "社区测试条目", "body": "1990年11月22日，一条测试用的条目。"}
    status, body = api("post", "/bulletins/series/party_history/entries", entry)
    assert status == 201 and body["key"] == "11-22/1990" and body["source"] == "admin"
    assert api("post", "/bulletins/series/party_history/entries", entry)[0] == 409
    status, body = api("post", "/bulletins/series/party_history/entries", {**entry, "day": "02-30"})
    assert status == 422 and "02-30" in body["message"]
    status, body = api("patch", "/bulletins/series/party_history/entries/11-22/1990", {"title": "改过的标题"})
    assert status == 200 and body["title"] == "改过的标题" and body["day"] == "11-22"
    status, body = api("get", "/bulletins/series/party_history/preview", date="2026-11-22")
    assert status == 200 and body["showed"] == "today" and "改过的标题" in body["text"]
    status, body = api("post", "/bulletins/series/party_history/entries", {"title": "常备一则", "body": "常备内容。"})
    assert status == 201 and body["evergreen"] and body["key"] == "evergreen-14"
    assert api("delete", "/bulletins/series/party_history/entries/11-22/1990")[0] == 204
    assert api("get", "/bulletins/series/party_history/entries/11-22/1990")[0] == 404
    status, body = api("get", "/bulletins/series/party_history/entries", month=7)
    assert status == 200 and all(e["day"].startswith("07-") for e in body["entries"]) and body["entries"]


@pytest.mark.parametrize(("fmt", "field"), [("text", "text"), ("markdown", "text"), ("news", "news")])
def test_preview_a_day_in_each_format(api: Callable[..., Any], fmt: str, field: str) -> None:
    status, body = api("get", "/bulletins/series/party_history/preview", date="2026-07-01", format=fmt)
    assert status == 200 and body["date"] == "2026-07-01" and body["showed"] == "today" and field in body
    if fmt != "news":
        assert body["bytes"] <= (2048 if fmt == "text" else 4096)
    status, body = api("get", "/bulletins/series/party_history/preview", date="2026-13-01")
    assert status == 422


def test_a_test_send_follows_the_ladder_and_says_when_nothing_can_reach(api: Callable[..., Any], town: Town) -> None:
    config = town.services.config
    wrote_at(town.services.db, config.account_id, ["oAdmin"], T0)
    status, body = api("post", "/bulletins/series/party_history/test", {"openid": "oAdmin", "date": "2026-07-01"})
    assert status == 202 and body["rung"] == "custom"
    [row] = town.outbox("oAdmin")
    assert row.kind == "bulletin" and row.payload["text"].startswith("【测试】【今日党史】\n2026年7月1日")
    status, body = api("post", "/bulletins/series/party_history/test", {"openid": "oStranger"})
    assert status == 409 and "outside_48h_no_template_id" in body["message"]
    assert api("post", "/bulletins/series/party_history/test", {})[0] == 422
    assert runs(town.services.db) == []  # a test is not a run


def test_posts_are_scheduled_listed_and_cancelled(api: Callable[..., Any]) -> None:
    status, body = api("post", "/bulletins/series/party_history/posts",
                       {"title": "主题党日", "body": "周六上午九点，活动室。", "publish_at": "2026-11-28T09:00:00+08:00"})
    assert status == 201 and body["status"] == "scheduled"
    assert api("post", "/bulletins/series/party_history/posts",
               {"title": "x", "body": "y", "publish_at": "2026-11-28T09:00:00"})[0] == 422  # a time zone is required
    post_id = body["id"]
    assert api("get", "/bulletins/series/party_history/posts")[1]["posts"][0]["id"] == post_id
    assert api("delete", f"/bulletins/posts/{post_id}")[1]["status"] == "cancelled"
    assert api("delete", f"/bulletins/posts/{post_id}")[0] == 409


def test_each_run_has_a_delivery_report(api: Callable[..., Any], town: Town) -> None:
    town.say("oReader", "订阅今日党史")
    town.say("oSilent", "订阅今日党史")
    town.clock.advance(hours=49)
    town.say("oReader", "我的订阅")
    fan_out(town)
    status, body = api("get", "/bulletins/runs", series="party_history")
    assert status == 200 and len(body["runs"]) == 1
    run = body["runs"][0]
    assert (run["day"], run["status"], run["queued"], run["skipped"]) == ("2026-11-24", "done", 1, 1)
    status, report = api("get", f"/bulletins/runs/{run['id']}")
    assert status == 200
    assert report["totals"] == {"recipients": 2, "sent": 0, "failed": 0, "pending": 1, "skipped": 1}
    assert report["by_rung"] == {"custom": {"queued": 1, "sent": 0, "failed": 0, "pending": 1}}
    assert report["skipped_reasons"] == {"outside_48h_no_template_id": 1}
    assert api("get", "/bulletins/runs/999")[0] == 404


def test_the_api_is_documented_and_the_job_registered(town: Town) -> None:
    document = town.app.test_client().get("/api/v1/openapi.json").get_json()
    for path in ("/bulletins/series", "/bulletins/series/{slug}/entries/{key}", "/bulletins/series/{slug}/preview",
                 "/bulletins/series/{slug}/test", "/bulletins/series/{slug}/empty-days", "/bulletins/runs/{run_id}"):
        assert path in document["paths"], path
    assert "SeriesIn" in document["components"]["schemas"]
    assert JOB_NAME in {job.name for job in town.services.registry.jobs(town.services)}


def test_importing_twice_changes_nothing_and_admin_edits_are_kept(api: Callable[..., Any], town: Town,
                                                                  tmp_path: Path) -> None:
    db = town.services.db
    report = import_file(db, DATA_DIR / "bulletins.yaml")
    assert report.created == {} and report.updated == {}
    assert report.unchanged == {"bulletin_series": 1, "bulletin_entries": 205}
    assert api("patch", "/bulletins/series/party_history/entries/07-01/1997", {"title": "编辑改过"})[0] == 200
    api("patch", "/bulletins/series/party_history", {"cron": "30 6 * * *"})
    report = import_file(db, DATA_DIR / "bulletins.yaml")
    assert sorted(report.kept) == ["bulletin entry party_history/07-01/1997", "bulletin series party_history"]
    assert api("get", "/bulletins/series/party_history")[1]["cron"] == "30 6 * * *"
    report = import_file(db, DATA_DIR / "bulletins.yaml", force=True)
    assert report.updated == {"bulletin_series": 1, "bulletin_entries": 1}
    assert api("get", "/bulletins/series/party_history/entries/07-01/1997")[1]["title"] != "编辑改过"


def test_an_inline_series_for_the_party_group_robot(api: Callable[..., Any], town: Town, tmp_path: Path) -> None:
    path = tmp_path / "group.yaml"
    path.write_text(
        "bulletins:\n"
        "  - series: branch_notices\n"
        "    name: 支部通知\n"
        "    cron: '0 7 * * *'\n"
        "    audience: robots\n"
        "    targets: [party_group]\n"
        "    format: markdown\n"
        "    entries:\n"
        "      - {date: 2026-11-22, title: 本周学习安排, body: 周三晚七点在活动室集中学习。}\n"
        "    evergreen:\n"
        "      - {title: 温馨提示, body: 请按时参加组织生活。}\n", encoding="utf-8")
    report = import_file(town.services.db, path)
    assert report.created == {"bulletin_series": 1, "bulletin_entries": 2}
    status, body = api("get", "/bulletins/series/branch_notices/preview", date="2026-11-22", format="markdown")
    assert status == 200 and body["text"].startswith("### 支部通知") and "本周学习安排" in body["text"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("bulletins:\n  - series: x1\n    name: 坏\n    audience: robots\n    entries:\n"
                   "      - {day: '01-01', title: t, body: b}\n", encoding="utf-8")
    from bot.errors import ImportFormatError

    with pytest.raises(ImportFormatError, match="targets"):
        import_file(town.services.db, bad)


def test_doctor_names_a_template_rung_without_a_template_and_robots_not_configured(town: Town) -> None:
    from handlers.bulletins.health import check_series
    from tests.bulletins.conftest import add_series

    add_series(town.services.db, "group_news", "群通知", T0, audience="robots", audience_targets=["lobby"],
               ladder=["robot"])
    problems = check_series(town.services)
    assert any("party_history" in p and "templates.bulletin" in p for p in problems), problems
    assert any("group_news" in p and "lobby" in p for p in problems), problems

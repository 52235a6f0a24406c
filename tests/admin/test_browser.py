"""The admin UI in a real browser: Debian's headless Chromium driven by Playwright (no browser download).

The app runs in-process on a free 127.0.0.1 port (waitress in a thread) over a
temporary SQLite database with the demo community. Without chromium (or the
playwright package) these tests skip with the reason; under
BOT_TEST_REQUIRE_SERVICES=1 (CI) they fail instead. Screenshots of every main
page, desktop and 390 px wide, are written to var/screenshots/ (or
$BOT_TEST_SCREENSHOTS) as test artifacts.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import REPO_ROOT
from tests.admin.conftest import PASSWORD
from tests.conftest import TEST_APP_ID, TEST_TOKEN, skip_or_fail

SCREENSHOTS = Path(os.environ.get("BOT_TEST_SCREENSHOTS") or REPO_ROOT / "var" / "screenshots")
TIMEOUT_MS = 15_000
PHONE = {"width": 390, "height": 844}


def _chromium() -> str:
    found = os.environ.get("BOT_TEST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        skip_or_fail("Debian's chromium is not installed (apt-get install chromium); browser tests need it")
    return found


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, shared_tokenizer: Any) -> Iterator[dict[str, Any]]:
    """The app on a free port over a fresh demo database: {"url", "services"}."""
    from waitress import create_server

    from bot import create_app
    from bot.clock import wall_now
    from bot.config import load_config
    from bot.db import Database
    from bot.importer import DATA_DIR, import_defaults, import_file
    from bot.routing.engine import NlpEngine
    from bot.services import Services
    from bot.web.admin.accounts import ensure_account, seed_demo_accounts

    folder = tmp_path_factory.mktemp("browser")
    db = Database(f"sqlite:///{folder / 'linli.db'}")
    db.upgrade()
    import_defaults(db)
    import_file(db, DATA_DIR / "demo.yaml")
    config = load_config(None, env={}, overrides={
        "database": db.url, "var_dir": str(folder), "channels": {"mode": "console"},
        "wechat": {"token": TEST_TOKEN, "app_id": TEST_APP_ID},
        "admin": {"cookie_secure": False, "secret_key": "browser-test-secret"},
    })
    services = Services(config=config, db=db)
    services.nlp = NlpEngine(db, tokenizer=shared_tokenizer)
    services.nlp.refresh()
    with db.session() as s:
        ensure_account(s, "admin", PASSWORD, "admin", wall_now())
        seed_demo_accounts(s, PASSWORD, wall_now())
    server = create_server(create_app(services=services), host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.effective_port}", "services": services}
    server.close()
    services.executor.shutdown(wait=False)
    db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the playwright package is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def _page(browser: Any, live: dict[str, Any], username: str = "admin", phone: bool = False) -> Any:
    context = browser.new_context(viewport=PHONE if phone else {"width": 1280, "height": 900}, locale="zh-CN",
                                  base_url=live["url"])
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto("/admin/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    return page


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _say(page: Any, openid: str, text: str, expect: str | None = None) -> None:
    """Send one message in the simulator as ``openid``; wait for the answer (and ``expect``) in the window."""
    if f"as={openid}" not in page.url:
        page.goto(f"/admin/simulator?as={openid}")
    bubbles = page.get_by_test_id("sim-window").locator(".bubble")
    before = bubbles.count()
    page.get_by_label("要发送的消息").fill(text)
    with page.expect_response(lambda response: response.url.endswith("/admin/simulator/send")) as sent:
        page.get_by_role("button", name="发送").click()
    assert sent.value.ok
    page.wait_for_function("n => document.querySelectorAll('[data-testid=sim-window] .bubble').length > n", arg=before)
    if expect:
        page.get_by_test_id("sim-window").get_by_text(expect, exact=False).last.wait_for()


def _ticket_in_window(page: Any) -> str:
    found = re.findall(r"T\d{8}-\d{4}", page.get_by_test_id("sim-window").inner_text())
    assert found, "the bot did not answer with a ticket number"
    return found[-1]


def _dashboard_number(page: Any, test_id: str) -> int:
    page.goto("/admin/")
    return int(page.get_by_test_id(test_id).inner_text())


def test_login_and_every_main_page(browser: Any, live: dict[str, Any]) -> None:
    page = _page(browser, live)
    _say(page, "oDemoResident", "我住幸福里1栋1单元101", "1栋")
    _say(page, "oDemoResident", "1栋门禁坏了刷卡没反应", "工单号")
    number = _ticket_in_window(page)
    pages = {
        "dashboard": "/admin/", "tickets": "/admin/tickets", "ticket": f"/admin/tickets/{number}",
        "rules": "/admin/rules", "rule-edit": "/admin/rules/1", "rule-history": "/admin/rules/1/history",
        "words": "/admin/words", "unmatched": "/admin/unmatched", "simulator": "/admin/simulator?as=oDemoResident",
        "community": "/admin/community/", "buildings": "/admin/community/buildings",
        "places": "/admin/community/places",
        "communities-edit": "/admin/community/communities/1", "bind-codes": "/admin/community/bind-codes",
        "consultations": "/admin/consultations?status=all", "bulletins": "/admin/bulletins",
        "bulletin-series": "/admin/bulletins/party_history", "reminders": "/admin/reminders?kind=staff", "categories": "/admin/setup/categories", "category-edit": "/admin/setup/categories/1",
        "holidays": "/admin/setup/holidays?year=2027", "accounts": "/admin/accounts", "audit": "/admin/audit",
        "outbox": "/admin/outbox",
    }
    for name, url in pages.items():
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        page.locator("main h1").first.wait_for()
        if name == "dashboard":
            page.wait_for_function("document.querySelectorAll('[data-chart] canvas').length >= 3")
        _shot(page, f"desktop-{name}")
    assert page.errors == []
    page.context.close()


def test_edit_a_rule_preview_save_and_the_simulator_follows(browser: Any, live: dict[str, Any]) -> None:
    page = _page(browser, live)
    _say(page, "oDemoMember2", "快递柜在哪里取件")
    before = page.get_by_test_id("sim-window").inner_text()
    assert "快递柜在社区服务站东侧" not in before
    page.goto("/admin/rules?q=faq.office_address")
    page.get_by_role("link", name="faq.office_address").click()
    any_words = page.get_by_label(re.compile("任一关键词"))
    any_words.fill(any_words.input_value() + " 快递柜")
    page.get_by_label(re.compile("^回复")).fill("快递柜在社区服务站东侧，早八点到晚八点可取件。")
    page.get_by_label(re.compile("输入一句居民可能说的话")).fill("快递柜在哪里取件")
    page.get_by_test_id("explain-winner").get_by_text("faq.office_address").first.wait_for()
    page.get_by_role("button", name=re.compile("预览改动")).click()
    preview = page.get_by_test_id("preview")
    preview.wait_for()
    assert int(page.get_by_test_id("preview-moved").inner_text()) >= 1
    assert "快递柜在哪里取件" in preview.inner_text()
    _shot(page, "desktop-rule-preview")
    page.get_by_role("button", name="保存").click()
    page.get_by_text("已保存").wait_for()
    _say(page, "oDemoMember2", "快递柜在哪里取件", "快递柜在社区服务站东侧")
    explanation = page.locator("#sim-result").inner_text()
    assert "faq.office_address" in explanation
    _shot(page, "desktop-simulator-after-rule")
    assert page.errors == []
    page.context.close()


def test_report_accept_complete_rate_and_the_dashboard_counts(browser: Any, live: dict[str, Any]) -> None:
    from bot.delivery.outbox import Outbox
    from handlers.tickets.rating import sweep_ratings

    staff = _page(browser, live)
    rated_before = _dashboard_number(staff, "rated-count")
    new_before = _dashboard_number(staff, "today-new")
    _say(staff, "oDemoResident", "我住幸福里4栋1单元302", "4栋")
    _say(staff, "oDemoResident", "4栋楼道灯坏了，晚上一片黑", "工单号")
    number = _ticket_in_window(staff)
    assert _dashboard_number(staff, "today-new") == new_before + 1

    member = _page(browser, live, "liqiang")  # 网格员 of 第二网格 (幸福里3-5栋)
    member.goto(f"/admin/tickets/{number}")
    member.get_by_role("button", name="接单").click()
    member.get_by_text(f"已接单 {number}").wait_for()
    member.get_by_label(re.compile("完成说明")).fill("已更换灯泡")
    member.get_by_role("button", name="完成", exact=True).click()
    member.get_by_text("已标记完成").wait_for()
    _shot(member, "desktop-ticket-done-by-member")
    member.context.close()

    services = live["services"]
    with services.db.session() as s:  # the worker's rating sweep, run now
        now = services.clock.now()
        sweep_ratings(s, Outbox(s, now), services.config, now)
    staff.goto("/admin/simulator?as=oDemoResident")
    staff.get_by_test_id("sim-window").get_by_text("问题解决了吗", exact=False).last.wait_for()
    _say(staff, "oDemoResident", "满意", "满意")
    assert _dashboard_number(staff, "rated-count") == rated_before + 1
    _shot(staff, "desktop-dashboard-after-rating")
    assert staff.errors == []
    staff.context.close()


def test_answer_a_consultation(browser: Any, live: dict[str, Any]) -> None:
    resident = _page(browser, live)
    _say(resident, "oConsultResident", "人工", "咨询单")
    _say(resident, "oConsultResident", "请问社区的疫苗接种点周六开门吗", "已转给工作人员")
    staff = _page(browser, live, "zhangzr")  # 社区工作人员
    assert int(staff.get_by_test_id("consultations-waiting").inner_text()) >= 1
    staff.get_by_role("navigation", name="主菜单").get_by_role("link", name="人工咨询").click()
    staff.get_by_test_id("consultations").get_by_role("row").filter(has_text="疫苗接种点").get_by_role("link").click()
    staff.get_by_label(re.compile("回复居民")).fill("周六上午 9:00-11:30 开门，请带身份证。")
    staff.get_by_role("button", name="发送回复").click()
    staff.get_by_text("回复已通过公众号发给居民").wait_for()
    _shot(staff, "desktop-consultation")
    staff.context.close()
    resident.goto("/admin/simulator?as=oConsultResident")
    resident.get_by_test_id("sim-window").get_by_text("周六上午 9:00-11:30 开门").wait_for()
    assert resident.errors == []
    resident.context.close()


def test_a_grid_member_is_refused_on_the_rule_studio(browser: Any, live: dict[str, Any]) -> None:
    page = _page(browser, live, "liqiang")
    assert page.get_by_role("navigation", name="主菜单").get_by_text("规则工作室").count() == 0
    response = page.goto("/admin/rules")
    assert response is not None and response.status == 403
    assert "不能打开" in page.locator("main").inner_text()
    page.context.close()


def test_csrf_is_required(browser: Any, live: dict[str, Any]) -> None:
    page = _page(browser, live)
    status = page.evaluate("""async () => (await fetch('/admin/rules/1/toggle', {method: 'POST'})).status""")
    assert status == 400
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    status = page.evaluate("""async (token) => (await fetch('/admin/rules/1/toggle',
        {method: 'POST', headers: {'X-CSRFToken': token}, redirect: 'manual'})).status""", token)
    assert status in (0, 200, 302)  # a redirect after the change
    page.goto("/admin/words")
    page.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
    page.get_by_label("词语", exact=True).fill("快递驿站")
    page.get_by_role("button", name="加入词典").click()
    assert "CSRF" in page.locator("main").inner_text()
    page.context.close()


def test_a_script_message_is_shown_as_text(browser: Any, live: dict[str, Any]) -> None:
    page = _page(browser, live)
    script = "<script>window.__pwned = 1</script><img src=x onerror=window.__pwned=2>"
    _say(page, "oDemoProperty", f"5栋电梯坏了 {script}", "<script>window.__pwned")
    assert page.evaluate("window.__pwned === undefined")
    page.goto("/admin/unmatched")
    page.goto("/admin/tickets?view=all&q=pwned")
    links = page.get_by_test_id("ticket-table").get_by_role("link", name=re.compile(r"T\d{8}"))
    if links.count():
        links.first.click()
        assert "<script>window.__pwned" in page.get_by_test_id("ticket-description").inner_text()
    assert page.evaluate("window.__pwned === undefined")
    page.context.close()


def test_main_pages_at_390_px(browser: Any, live: dict[str, Any]) -> None:
    page = _page(browser, live, phone=True)
    _say(page, "oWideAddressResident7f3a9c21", "我住幸福里3栋2单元501")  # a resident with an address widens the identity select
    for name, url in {"dashboard": "/admin/", "tickets": "/admin/tickets", "rules": "/admin/rules",
                      "party-history": "/admin/bulletins/party_history",
                      "rule-edit": "/admin/rules/1", "simulator": "/admin/simulator?as=oDemoResident",
                      "community": "/admin/community/buildings", "holidays": "/admin/setup/holidays",
                      "audit": "/admin/audit", "places": "/admin/community/places?estate=xfl",
                      "words": "/admin/words", "login": "/admin/login"}.items():
        page.goto(url)
        page.locator("main").first.wait_for()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"{url} is {width}px wide at 390px"
        _shot(page, f"phone-{name}")
    page.goto("/admin/tickets?view=all")
    links = page.get_by_test_id("ticket-table").get_by_role("link", name=re.compile(r"T\d{8}-\d{4}"))
    if links.count():  # a ticket page with its actions (merge, split …), when an earlier test made one
        links.first.click()
        page.get_by_test_id("timeline").wait_for()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"{page.url} is {width}px wide at 390px"
        _shot(page, "phone-ticket")
    assert page.errors == []
    page.context.close()


def test_the_daily_chart_ends_today(browser: Any, live: dict[str, Any]) -> None:
    """The 30-day chart's last day is today, and today's label is the one the crowded axis keeps."""
    page = _page(browser, live)
    page.wait_for_function("document.querySelectorAll('[data-chart] canvas').length >= 3")
    services = live["services"]
    today = services.clock.now().astimezone(services.config.tz).strftime("%m-%d")
    labels = page.evaluate("""() => {
        const chart = echarts.getInstanceByDom(document.querySelector('[data-chart]'));
        return chart.getZr().storage.getDisplayList(true)
            .filter(el => el.type === 'tspan' && !el.ignore && !el.invisible && /^\\d\\d-\\d\\d$/.test(el.style.text))
            .map(el => el.style.text);
    }""")
    assert today in labels, f"today {today} is not among the axis labels {labels}"
    page.context.close()


def test_split_a_joined_report_and_merge_a_duplicate(browser: Any, live: dict[str, Any]) -> None:
    """A neighbour's report joined the wrong ticket: staff split it off, then merge it back as a duplicate;
    each time the resident is told through the outbox and both tickets' histories and the audit log say so."""
    page = _page(browser, live)
    _say(page, "oMergeA", "我住桂花苑2栋1单元201", "2栋")
    _say(page, "oMergeA", "2栋楼道灯不亮了，晚上看不见", "工单号")
    first = _ticket_in_window(page)
    _say(page, "oMergeB", "我住桂花苑2栋1单元202", "2栋")
    _say(page, "oMergeB", "2栋楼道灯不亮了", first)  # joined the neighbour's ticket

    page.goto(f"/admin/tickets/{first}")
    page.get_by_role("button", name=re.compile("拆为单独工单")).click()
    flash = page.get_by_role("status").filter(has_text="已拆为工单")
    flash.wait_for()
    second = re.search(r"T\d{8}-\d{4}", flash.inner_text()).group(0)  # type: ignore[union-attr]
    assert second != first
    assert "已拆为工单" in page.get_by_test_id("timeline").inner_text()
    page.goto("/admin/simulator?as=oMergeB")
    page.get_by_test_id("sim-window").get_by_text(f"单独登记为工单 {second}", exact=False).wait_for()

    page.goto(f"/admin/tickets/{second}")
    story = page.get_by_test_id("timeline").inner_text()
    assert "从工单" in story and "派单通知" in story
    shown = re.sub(r"T\d{8}-\d{4}|管理员[A-Za-z0-9_.-]+", "", page.locator("main").inner_text())  # numbers, usernames
    codes = re.findall(r"[A-Za-z_]{3,}", shown)
    assert codes == [], f"codes shown to staff on the ticket page: {codes}"
    page.get_by_label(re.compile("合并到工单")).fill(first)
    page.get_by_role("button", name="合并", exact=True).click()
    page.get_by_text(f"已合并到 {first}").wait_for()
    assert "已撤销" in page.get_by_test_id("ticket-status").inner_text()
    _shot(page, "desktop-ticket-merged")
    page.goto(f"/admin/tickets/{first}")
    assert f"合并了重复的工单 {second}" in page.get_by_test_id("timeline").inner_text()
    page.goto("/admin/simulator?as=oMergeB")
    page.get_by_test_id("sim-window").get_by_text(f"已合并到工单 {first}", exact=False).wait_for()
    page.goto("/admin/audit")
    audit_text = page.locator("main").inner_text()
    assert "ticket.split" in audit_text and "ticket.merge" in audit_text
    assert "工单 · 合并" in audit_text and "工单 · 拆分" in audit_text  # the actions in words beside their codes
    assert page.errors == []
    page.context.close()


def test_the_try_box_explains_in_chinese(browser: Any, live: dict[str, Any]) -> None:
    """Every reason the 试一试 box shows is Chinese: the winner's tie-break, each candidate, a ruled-out emergency."""
    page = _page(browser, live)
    page.goto("/admin/rules/1")
    box = page.get_by_label(re.compile("输入一句居民可能说的话"))
    for text, expect in (("电梯坏了 停电了", "优先级更高"), ("没有着火，只是烧饭的烟", "被否定")):
        box.fill(text)
        page.get_by_test_id("explain-reason").filter(has_text=expect).wait_for()
        shown = page.locator("#explain").inner_text()
        words = re.sub(r"“[a-z0-9_.]+”|\b[a-z]+\.[a-z0-9_.]+\b|\d", "", shown)  # rule names and intents are codes
        assert not re.search(r"[A-Za-z]{2,}", words), f"English in the explanation of {text!r}: {shown}"
    _shot(page, "desktop-rule-try")
    page.context.close()


def test_named_places_of_an_estate(browser: Any, live: dict[str, Any]) -> None:
    """Community setup: list one estate's named places, add one with aliases, edit it, delete it (all audited)."""
    page = _page(browser, live)
    page.goto("/admin/community/places")
    page.get_by_role("search").get_by_label(re.compile("^小区")).select_option("ghy")
    page.wait_for_url(re.compile(r"estate=ghy"))
    table = page.get_by_test_id("crud-table")
    assert "南门" in table.inner_text() and "中心广场" not in table.inner_text()  # 中心广场 is 幸福里's
    _shot(page, "desktop-places")
    page.get_by_role("button", name="新建").click()  # the link keeps the estate chosen
    assert page.get_by_label(re.compile("^小区")).input_value() == "ghy"
    page.get_by_label(re.compile("^编码")).fill("ghy-north-gate")
    page.get_by_label(re.compile("^名称")).fill("北门")
    page.get_by_label(re.compile("^类型")).select_option(label="大门/出入口")
    page.get_by_label(re.compile("^别名")).fill("北大门 北侧门")
    page.get_by_role("button", name=re.compile("保存")).click()
    page.get_by_text("小区内的地点已保存").wait_for()
    page.goto("/admin/community/places?estate=ghy&q=北门")
    row = page.get_by_test_id("crud-table").get_by_role("row").filter(has_text="ghy-north-gate")
    assert "北大门、北侧门" in row.inner_text() and "大门/出入口" in row.inner_text()
    row.get_by_role("link", name=re.compile("编辑")).click()
    page.get_by_label(re.compile("^别名")).fill("北大门 北门口")
    page.get_by_role("button", name=re.compile("保存")).click()
    page.get_by_text("小区内的地点已保存").wait_for()
    from sqlalchemy import select

    from models import EstatePlace

    with live["services"].db.session() as s:
        place = s.scalar(select(EstatePlace).where(EstatePlace.code == "ghy-north-gate"))
        assert place is not None and place.aliases == ["北大门", "北门口"] and place.kind == "gate"
    page.goto("/admin/community/places?q=ghy-north-gate")
    page.get_by_test_id("crud-table").get_by_role("link", name=re.compile("编辑")).click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile("删除")).click()
    page.get_by_text("小区内的地点已删除").wait_for()
    page.goto("/admin/audit")
    assert "places.create" in page.locator("main").inner_text()
    assert page.errors == []
    page.context.close()


def test_a_dictionary_word_is_disabled_and_enabled(browser: Any, live: dict[str, Any]) -> None:
    page = _page(browser, live)
    page.goto("/admin/words")
    page.get_by_label("词语", exact=True).fill("电瓶车棚")
    page.get_by_role("button", name="加入词典").click()
    page.get_by_text("已加入词典").wait_for()
    row = page.get_by_role("row").filter(has_text="电瓶车棚")
    row.get_by_role("button", name="停用词语 电瓶车棚").click()
    page.get_by_text("已停用，分词时不再使用").wait_for()
    assert "已停用" in page.get_by_role("row").filter(has_text="电瓶车棚").inner_text()
    page.get_by_role("row").filter(has_text="电瓶车棚").get_by_role("button", name="启用词语 电瓶车棚").click()
    page.get_by_text("词语“电瓶车棚”已启用").wait_for()
    page.goto("/admin/audit")
    assert "word.disable" in page.locator("main").inner_text()
    page.context.close()


def test_an_invalid_rule_is_explained_in_chinese(browser: Any, live: dict[str, Any]) -> None:
    page = _page(browser, live)
    page.goto("/admin/rules/1")
    page.get_by_label(re.compile("^任一关键词")).fill("")
    page.get_by_label(re.compile("^全部关键词")).fill("")
    page.get_by_role("button", name="保存").click()
    error = page.locator("#rule-errors")
    error.wait_for()
    assert "永远不会命中" in error.inner_text()
    assert not re.search(r"[A-Za-z]{3,}", error.inner_text()), error.inner_text()
    page.context.close()


def test_setup_tables_show_words_not_codes(browser: Any, live: dict[str, Any]) -> None:
    """Deadlines, merge scopes, member roles, identities and yes/no read as words in the setup tables."""
    page = _page(browser, live)
    page.goto("/admin/setup/categories?q=elevator")
    row = page.get_by_test_id("crud-table").get_by_role("row").filter(has_text="电梯").inner_text()
    assert "接单时限 120" in row and "同一单元" in row and "accept_minutes" not in row, row
    page.get_by_test_id("crud-table").get_by_role("row").filter(has_text="电梯").get_by_role("link").click()
    assert page.get_by_label(re.compile("^重复反映按")).locator("option:checked").inner_text() == "同一单元"
    page.goto("/admin/community/persons?q=liqiang")
    row = page.get_by_test_id("crud-table").get_by_role("row").filter(has_text="liqiang").inner_text()
    assert "公众号" in row and "主责（值班）" in row and not re.search(r"True|False|primary|openid", row), row
    page.context.close()


def test_rule_versions_read_as_fields(browser: Any, live: dict[str, Any]) -> None:
    page = _page(browser, live)
    page.goto("/admin/rules/1/history")
    table = page.locator("main table").inner_text()
    assert "任一关键词" in table and "意图" in table
    assert not re.search(r'"(any|intent|priority)"', table), table
    page.context.close()


def test_correct_a_tickets_place(browser: Any, live: dict[str, Any]) -> None:
    """Staff correct a ticket's building and unit on its page: a wrong building is refused in words, the right one
    is written with 位置更正 (old → new) in the history and the audit log; the holder keeps it unless asked."""
    page = _page(browser, live, "zhangzr")
    _say(page, "oPlaceA", "我住幸福里5栋1单元101", "5栋")
    _say(page, "oPlaceA", "5栋门口的垃圾桶满了没人清", "工单号")
    number = _ticket_in_window(page)

    page.goto(f"/admin/tickets/{number}")
    form = page.get_by_test_id("place-form")
    assert form.get_by_label("楼栋").input_value() == "5"
    form.get_by_label("楼栋").fill("9")
    form.get_by_role("button", name="更正位置").click()
    page.get_by_role("alert").filter(has_text="幸福里小区没有9栋").wait_for()

    form = page.get_by_test_id("place-form")
    form.get_by_label("楼栋").fill("4")
    form.get_by_label("单元").fill("2")
    form.get_by_label("门牌号").fill("")
    form.get_by_label(re.compile("具体位置")).fill("楼道口")
    form.get_by_role("button", name="更正位置").click()
    page.get_by_role("status").filter(has_text="位置已更正").wait_for()
    assert "幸福里小区4栋2单元楼道口" in page.get_by_test_id("ticket-facts").inner_text()
    story = page.get_by_test_id("timeline").inner_text()
    assert "位置更正" in story and "→ 幸福里小区4栋2单元楼道口" in story
    _shot(page, "desktop-ticket-place-corrected")
    assert page.errors == []
    page.context.close()
    admin = _page(browser, live)  # the audit log is the administrator's page, not staff's
    admin.goto("/admin/audit")
    assert "工单 · 更正位置" in admin.locator("main").inner_text()
    admin.context.close()

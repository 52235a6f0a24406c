"""A ticket staff closed in chat as a false alarm (关闭 T… 原因) reads 已关闭 on the admin pages, not 已办结,
and its history says it was closed, with the reason; a ticket 办结 on the admin page still reads 已办结."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.admin.conftest import AdminClient

Client = Callable[..., AdminClient]
RESIDENT = "oDemoResident"
STAFF = "oDemoStaff"


def _report(client: AdminClient) -> str:
    client.post("/admin/simulator/send", {"as": RESIDENT, "text": "幸福里3栋2单元楼道灯不亮"})
    found = re.search(r"T\d{8}-\d{4}", client.get("/admin/tickets").get_data(as_text=True))
    assert found, "no ticket was opened"
    return found.group(0)


def _status_cell(page: str) -> str:
    found = re.search(r'data-testid="ticket-status">(.*?)</td>', page, re.S)
    assert found, page[:500]
    return re.sub(r"<[^>]+>", "", found.group(1))


def test_a_false_alarm_closed_in_chat_reads_closed_on_the_admin_pages(admin_client: Client) -> None:
    client = admin_client("admin")
    number = _report(client)
    client.post("/admin/simulator/send", {"as": STAFF, "text": f"关闭 {number} 误报，灯是好的"})

    page = client.get(f"/admin/tickets/{number}").get_data(as_text=True)
    listing = client.get("/admin/tickets?view=all").get_data(as_text=True)

    assert "已关闭" in _status_cell(page) and "已办结" not in _status_cell(page)
    assert "工作人员关闭" in page and "误报，灯是好的" in page
    row = next(line for line in listing.split("<tr") if number in line)
    assert "已关闭" in row and "已办结" not in row


def test_a_ticket_done_on_the_admin_page_still_reads_done(admin_client: Client) -> None:
    client = admin_client("admin")
    number = _report(client)
    client.post(f"/admin/tickets/{number}", {"action": "close", "note": "已换灯泡"})

    page = client.get(f"/admin/tickets/{number}").get_data(as_text=True)

    assert "已办结" in _status_cell(page)

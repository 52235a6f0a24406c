"""The conversation steps the tickets capability asks and awaits answers to."""

from __future__ import annotations

from enum import StrEnum


class Flow(StrEnum):
    ASK_LOCATION = "tickets.create:ask_location"  # a report waits for its place
    CONFIRM_PLACE = "tickets.create:confirm_place"  # "之前说的漏水也在这里吗？" after a report with its own place
    ATTACH = "tickets.report:attach"  # images/voice/location join the last report for a few minutes
    ATTACH_CONFIRM = "tickets.report:confirm_detail"  # "是补充到工单 T… 吗？" for text nothing understood
    ASK_ADDRESS = "profile.set_address:ask"  # "我搬家了" without the new address
    RATE = "tickets.rate:answer"  # the rating question went out (rating.py)
    RATE_COMMENT = "tickets.rate:comment"  # a bare rating was given: the next words are its comment
    WITHDRAW_CONFIRM = "tickets.withdraw:confirm"  # "要撤销工单 T… 吗？" (followups.py)
    WAITING = "tickets.waiting:answer"  # a member asked the resident for details (待补充)
    URGENT_ASK_LOCATION = "tickets.urgent:ask_location"  # an urgent ticket was opened without a place
    URGENT_CONFIRM = "tickets.urgent:confirm"  # an ambiguous emergency: "现在是否正在发生危险？1 是 / 2 否"

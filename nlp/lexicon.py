"""Small fixed word lists the engine relies on, independent of admin-edited rules.

These are language facts, not business rules: words that say a problem is over,
negators, aspect particles and urgency words. Admins tune routing through rules;
changing these lists changes behaviour for every rule, so each change needs a routing case.
"""

from __future__ import annotations

RESOLVED_PHRASES: tuple[str, ...] = (
    "修好了",
    "修好啦",
    "已修好",
    "已经修好",
    "已经好了",
    "已经没事",
    "没事了",
    "没事啦",
    "没问题了",
    "已解决",
    "已经解决",
    "解决了",
    "已修复",
    "已经修复",
    "修复了",
    "恢复了",
    "已恢复",
    "已经恢复",
    "现在好了",
    "又好了",
    "终于好了",
    "不用修了",
    "不用来了",
    "不用报修",
    "不需要报修",
    "虚惊一场",
)
"""A message containing one of these says the problem is over: tickets.* rules are vetoed."""

NEGATORS: tuple[str, ...] = ("不再", "没再", "没有", "不", "没")
"""A negator right before a matched keyword, with 了/啦 right after it, negates that keyword
("不漏水了", "没有煤气味了"); the router requires it to be a token of its own (or the
head of the token holding the keyword), so 别 in 识别 or 不 in 不少 never negate."""

CHANGE_PARTICLES: tuple[str, ...] = ("了", "啦", "喽")
"""Particles marking a change of state: 不漏水**了** (no longer leaking)."""

SINGLE_CHAR_SUFFIXES: frozenset[str] = frozenset("了啦掉着过的")
"""A one-character keyword also matches a token made of it plus these (坏 in 坏掉, 坏了)."""

URGENCY_WORDS: tuple[str, ...] = (
    "十万火急",
    "救命",
    "紧急",
    "急急",
    "着急",
    "赶紧",
    "赶快",
    "尽快",
    "马上",
    "立刻",
    "立即",
    "快来",
    "快点",
    "危险",
    "急",
)
"""Words that show the resident is in a hurry; longest first (急 is found inside 紧急 too)."""

RATING_NOT_INSIDE: dict[str, str] = {"满意": "不满意"}
"""A rating word found inside a reply does not count when this longer word holds it (满意 in 不满意)."""

# Grid members' command words (handlers/members.py): the first word of each is the one quoted back in prompts.
MEMBER_ACCEPT_WORDS: tuple[str, ...] = ("接单", "确认接单")
MEMBER_PROGRESS_WORDS: tuple[str, ...] = ("处理中", "跟进中")
MEMBER_COMPLETE_WORDS: tuple[str, ...] = ("完成", "已完成", "办结", "已办结")
MEMBER_TRANSFER_WORDS: tuple[str, ...] = ("转派", "转交")
MEMBER_RETURN_WORDS: tuple[str, ...] = ("退回",)
MEMBER_TASKS_WORDS: tuple[str, ...] = ("我的任务", "我的待办", "待办")
MEMBER_DETAIL_WORDS: tuple[str, ...] = ("详情", "工单详情")
MEMBER_PHONE_WORDS: tuple[str, ...] = ("电话", "查看电话", "居民电话")
MEMBER_REPORT_IN_WORDS: tuple[str, ...] = ("报到", "部门报到")
MEMBER_WAIT_WORDS: tuple[str, ...] = ("待补充", "需补充", "请居民补充")

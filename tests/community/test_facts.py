"""Residents read the community's own facts in answers, and never a placeholder or an editor's mark."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import update

from bot.db import Database
from handlers.community import texts
from models import Community, GridMember

REPO = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{[^}]*\}|【[^】]*】")


def test_contact_answers_give_the_demo_communitys_numbers(chat: Any) -> None:
    phone, hours, address = chat(["社区电话多少", "居委会几点上班", "居委会在哪"], user="oFactsResident")
    assert "0571-8600 0000" in phone and "0571-8600 0012" in phone  # the office and an on-duty grid member
    assert phone.count("0571-8600 0012") == 1  # 李强 looks after two grids: named once
    assert "8:30—12:00" in hours and "0571-8600 0001" in hours
    assert "幸福路88号" in address
    for answer in (phone, hours, address):
        assert not PLACEHOLDER.search(answer), answer


def test_unfilled_facts_read_as_helpful_sentences(chat: Any, seeded: Database) -> None:
    with seeded.session() as s:
        s.execute(update(Community).values(office_address="", phone="", office_hours="", after_hours_phone=""))
        s.execute(update(GridMember).values(public_phone=""))
    phone, hours = chat(["社区电话多少", "居委会几点上班"], user="oFactsResident2")
    assert texts.FACT_MISSING["phone"] in phone and texts.FACT_MISSING["grid_phones"] in phone
    assert "09:00—18:00" in hours  # the configured working hours stand in
    for answer in (phone, hours):
        assert not PLACEHOLDER.search(answer), answer


def test_no_faq_answer_shows_a_placeholder_whatever_is_filled_in(chat: Any, seeded: Database) -> None:
    """Every FAQ rule's answer, sent through the bot, with the facts empty: nothing in braces or 【】."""
    with seeded.session() as s:
        s.execute(update(Community).values(office_address="", phone="", office_hours="", after_hours_phone=""))
    rules = yaml.safe_load((REPO / "data" / "rules" / "faq.yaml").read_text(encoding="utf-8"))["rules"]
    asks = [rule["any"][0] for rule in rules if rule.get("any")]
    answers = chat(asks, user="oFactsResident3")
    leaks = [(ask, answer) for ask, answer in zip(asks, answers, strict=True) if answer and PLACEHOLDER.search(answer)]
    assert not leaks, leaks[:3]


def test_doctor_lists_facts_nobody_filled_in(seeded: Database) -> None:
    from handlers.community.facts import unfilled

    with seeded.session() as s:
        assert unfilled(s) == [texts.HEALTH_MEMBERS_WITHOUT_PUBLIC_PHONE.format(count=3)]
        s.execute(update(Community).values(phone="", office_hours=""))
    with seeded.session() as s:
        problems = unfilled(s)
    assert texts.FACT_LABELS["phone"] in problems[0] and texts.FACT_LABELS["office_hours"] in problems[0]

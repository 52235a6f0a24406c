"""Urgent reports: safety text first, a ticket at once, member + staff + department notified together."""

from __future__ import annotations

from collections.abc import Callable

from handlers.tickets import texts
from tests.escalation.conftest import MEMBER, PROPERTY, RESIDENT, STAFF, STREET, Town, at, number_in, sweep, texts_to


def test_a_trapped_lift_opens_an_urgent_ticket_and_alerts_everyone_at_once(make_town: Callable[..., Town]) -> None:
    town = make_town(emergency={"gas_company_phone": "96777"})
    reply = town.say(RESIDENT, "幸福里3栋2单元电梯困人了，快来人")
    assert reply.startswith("⚠️") and texts.SAFETY_INSTRUCTIONS["elevator"] in reply
    assert "119" in reply and "120" in reply and "110" in reply
    assert "燃气抢修" not in reply  # the gas company's line is for gas, not a stuck lift
    number = number_in(reply)
    assert "网格员、社区值班人员和物业" in reply and "11月22日 09:10 前响应" in reply  # minutes, not hours
    ticket = town.ticket(number)
    assert ticket.urgent and ticket.accept_due_at == at(9, 10) and ticket.ack_due_at == at(9, 10)
    assert "（紧急）" in texts_to(town, MEMBER)[0] and f"收到 {number}" in texts_to(town, MEMBER)[0]
    for person in (STAFF, PROPERTY):
        (alert,) = texts_to(town, person)
        assert alert.startswith("【紧急工单】") and number in alert and "幸福里小区3栋2单元" in alert
        assert f"请立即回复“收到 {number}”确认收到" in alert
    # Nobody acknowledges within the minutes: the next person and the street, everyone again (test_urgent_ack.py).
    assert sweep(town, at(9, 10)) == 1
    assert town.ticket(number).ack_round == 1 and texts_to(town, STREET)[0].startswith("【紧急·无人确认】")


def test_the_gas_company_line_comes_with_gas(make_town: Callable[..., Town]) -> None:
    town = make_town(emergency={"gas_company_phone": "96777"})
    reply = town.say(RESIDENT, "幸福里3栋2单元厨房燃气味很大")
    assert texts.SAFETY_INSTRUCTIONS["gas"] in reply and "紧急电话：火警 119｜急救 120｜报警 110｜燃气抢修 96777" in reply


def test_each_situation_has_its_own_safety_text(town: Town) -> None:
    cases = {
        "有人触电了 倒在配电箱旁边": "electric_shock",
        "幸福里1栋配电箱在冒火花": "power",
        "地下室的水漫到配电箱了": "flooding",
        "我爸突然说话不清楚 一边手脚没力气 嘴也歪了": "stroke",
        "有人从三楼摔下来了": "fall_from_height",
        "楼下有个人突然倒地叫不醒": "medical",
        "我被关在地下室里出不去": "entrapment",
        "着火了 楼道全是烟": "fire",
    }
    for i, (message, key) in enumerate(cases.items()):
        reply = town.say(f"oSituation{i}", message)
        assert texts.SAFETY_INSTRUCTIONS[key] in reply, (message, reply)
        assert "紧急电话：火警 119｜急救 120｜报警 110" in reply
    electric = texts.SAFETY_INSTRUCTIONS["electric_shock"]
    assert "不要直接用手" in electric and "不导电" in electric and "120" in electric and "心肺复苏" in electric
    gas = texts.SAFETY_INSTRUCTIONS["gas"]
    assert all(w in gas for w in ("不要开关电灯", "不要在屋里打电话", "不要点火", "通风", "关闭燃气阀门", "到室外"))
    stroke = texts.SAFETY_INSTRUCTIONS["stroke"]
    assert all(w in stroke for w in ("120", "发病时间", "不要喂水"))
    elevator = texts.SAFETY_INSTRUCTIONS["elevator"]
    assert all(w in elevator for w in ("保持冷静", "警铃", "不要强行扒门", "119"))


def test_an_urgent_report_without_a_place_still_gets_safety_first_then_the_location_is_asked(town: Town) -> None:
    reply = town.say("oStranger", "燃气味很大")
    assert reply.index(texts.SAFETY_INSTRUCTIONS["gas"]) < reply.index("请马上告诉我具体位置")
    number = number_in(reply)
    assert "燃气抢修" not in reply  # no gas company line configured: not invented
    assert town.ticket(number).urgent
    answer = town.say("oStranger", "幸福里3栋2单元")
    assert answer == texts.URGENT_LOCATION_SAVED.format(location="幸福里小区3栋2单元", number=number,
                                                       handlers="网格员、社区值班人员和燃气")
    assert town.ticket(number).location == "幸福里小区3栋2单元"
    assert "位置：幸福里小区3栋2单元" in texts_to(town, STAFF)[-1]

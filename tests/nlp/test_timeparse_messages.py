"""Whole resident and staff messages: the time found, and what is left as the reminder's content.

The content is the message with the time phrase cut out (nlp.timeparse.content); removing
"提醒我" and other filler is the reminders capability's job, so it stays here.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from nlp.timeparse import Freq, Moment, Recurrence, content, parse_time

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 2, 10, 30, tzinfo=TZ)  # a Wednesday


def local(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


# (message, expected time: "YYYY-MM-DD HH:MM" for a moment or "<freq> YYYY-MM-DD HH:MM" for the
#  first occurrence of a recurrence, expected content)
MESSAGES = [
    ("明天上午9点提醒我去社区打疫苗", "2026-12-03 09:00", "提醒我去社区打疫苗"),
    ("下周三晚上7点3栋开业主大会，提前一天提醒大家", "2026-12-09 19:00", "3栋开业主大会，提前一天提醒大家"),
    ("每周二四早上7点提醒我吃药", "weekly 2026-12-03 07:00", "提醒我吃药"),
    ("一个半小时后叫我一下关火", "2026-12-02 12:00", "叫我一下关火"),
    ("提醒我下午三点去社区拿材料", "2026-12-02 15:00", "提醒我去社区拿材料"),
    ("后天下午三点半去医院复查", "2026-12-04 15:30", "去医院复查"),
    ("10分钟后提醒我关煤气", "2026-12-02 10:40", "提醒我关煤气"),
    ("记得明早8点喊我", "2026-12-03 08:00", "记得喊我"),
    ("周五下午4点去物业交电费", "2026-12-04 16:00", "去物业交电费"),
    ("12月18号上午10点社区体检，记得提醒我", "2026-12-18 10:00", "社区体检，记得提醒我"),
    ("下个月5号提醒我交物业费", "2027-01-05 09:00", "提醒我交物业费"),
    ("每天晚上9点提醒我锁门", "daily 2026-12-02 21:00", "提醒我锁门"),
    ("每个工作日早上7点半叫我起床", "workdays 2026-12-03 07:30", "叫我起床"),
    ("每月15号提醒我给5栋302交房租", "monthly 2026-12-15 09:00", "提醒我给5栋302交房租"),
    ("2027年1月5日上午9点到社区办医保", "2027-01-05 09:00", "到社区办医保"),
    ("中秋节晚上7点在3号楼下集合", "2027-09-15 19:00", "在3号楼下集合"),
    ("提醒我除夕下午去买对联", "2027-02-05 15:00", "提醒我去买对联"),
    ("三刻钟后提醒我把衣服收了", "2026-12-02 11:15", "提醒我把衣服收了"),
    ("两个钟头以后叫我去接孩子", "2026-12-02 12:30", "叫我去接孩子"),
    ("明天这个点提醒我再测一次血压", "2026-12-03 10:30", "提醒我再测一次血压"),
    ("今晚八点一刻看直播", "2026-12-02 20:15", "看直播"),
    ("差五分八点提醒我下楼", "2026-12-02 19:55", "提醒我下楼"),
    ("19:30开会，提醒我", "2026-12-02 19:30", "开会，提醒我"),
    ("提醒我月底交水电费", "2026-12-31 09:00", "提醒我交水电费"),
    ("过两天提醒我去取快递", "2026-12-04 09:00", "提醒我去取快递"),
    ("住了20年的老房子3号楼明天上午10点停电", "2026-12-03 10:00", "住了20年的老房子3号楼停电"),
    ("交了300块的2单元501明晚7点来修", "2026-12-03 19:00", "交了300块的2单元501来修"),
    ("国庆节早上9点升旗", "2027-10-01 09:00", "升旗"),
    ("每周一三五下午3点提醒我去做康复", "weekly 2026-12-02 15:00", "提醒我去做康复"),
    ("12.18晚上8点在活动室看电影", "2026-12-18 20:00", "在活动室看电影"),
    ("打13812345678这个电话，明天下午2点", "2026-12-03 14:00", "打13812345678这个电话"),
    ("明天提醒我下午3点去拿报告", "2026-12-03 15:00", "提醒我去拿报告"),
    ("一周后提醒我复诊", "2026-12-09 09:00", "提醒我复诊"),
    ("端午节提醒我给妈妈打电话", "2027-06-09 09:00", "提醒我给妈妈打电话"),
    ("晚上8点提醒我吃药", "2026-12-02 20:00", "提醒我吃药"),
    ("明年1月5号上午交暖气费", "2027-01-05 09:00", "交暖气费"),
    ("买了3斤鸡蛋，半小时后提醒我煮", "2026-12-02 11:00", "买了3斤鸡蛋，提醒我煮"),
    ("提醒我 后天 早上6点 去晨练", "2026-12-04 06:00", "提醒我 去晨练"),
    ("每天早上七点半提醒我量血压", "daily 2026-12-03 07:30", "提醒我量血压"),
    ("下下周一上午9点半，5号楼门口集合做核酸", "2026-12-14 09:30", "5号楼门口集合做核酸"),
]

NO_TIME = [
    "提醒我",
    "3栋2单元501的水管漏了",
    "我家3号楼12栋的邻居交了300块物业费",
    "电话13812345678，住了20年了",
]


@pytest.mark.parametrize(
    ("text", "when", "rest"), [pytest.param(*m, id=f"msg-{n:02d}") for n, m in enumerate(MESSAGES, 1)]
)
def test_message(text: str, when: str, rest: str) -> None:
    result = parse_time(text, NOW)
    assert result is not None, text
    freq, at = when.split(" ", 1) if when.count(" ") == 2 else ("", when)
    if freq:
        assert isinstance(result.when, Recurrence) and result.when.freq == Freq(freq), text
        assert result.when.first == local(at), text
    else:
        assert result.when == Moment(local(at)), text
    assert content(text, result) == rest


@pytest.mark.parametrize("text", [pytest.param(t, id=f"none-{n}") for n, t in enumerate(NO_TIME, 1)])
def test_message_without_a_time(text: str) -> None:
    assert parse_time(text, NOW) is None


def test_enough_messages() -> None:
    assert len(MESSAGES) >= 30

from __future__ import annotations

import pytest

from nlp.address import Address, parse_address
from nlp.entities import extract_entities, find_phones, find_ticket_numbers, find_urgency_words
from nlp.normalize import normalize

ESTATES = ("幸福里小区", "阳光花园", "金桂苑")

# text -> (estate, building, unit, room) or None
ADDRESSES: list[tuple[str, tuple[str | None, str | None, str | None, str | None] | None]] = [
    ("3栋2单元501", (None, "3", "2", "501")),
    ("三号楼二单元", (None, "3", "2", None)),
    ("5幢1501室", (None, "5", None, "1501")),
    ("9-2-301", (None, "9", "2", "301")),
    ("2号楼东单元", (None, "2", "东", None)),
    ("B座", (None, "B", None, None)),
    ("b座电梯坏了", (None, "B", None, None)),
    ("3号楼", (None, "3", None, None)),
    ("12栋", (None, "12", None, None)),
    ("幸福里小区3栋", ("幸福里小区", "3", None, None)),
    ("幸福里3栋2单元501", ("幸福里小区", "3", "2", "501")),
    ("1单元302室", (None, None, "1", "302")),
    ("十二栋", (None, "12", None, None)),
    ("二十三号楼", (None, "23", None, None)),
    ("3号2单元", (None, "3", "2", None)),
    ("3栋 2单元 501", (None, "3", "2", "501")),
    ("7号楼602", (None, "7", None, "602")),
    ("九号楼1单元302", (None, "9", "1", "302")),
    ("我住阳光花园5栋", ("阳光花园", "5", None, None)),
    ("金桂苑A栋", ("金桂苑", "A", None, None)),
    ("我家在3栋2单元501,电梯坏了", (None, "3", "2", "501")),
    ("302室漏水", (None, None, None, "302")),
    ("5栋-1-201", (None, "5", "1", "201")),
    ("12-1-1502", (None, "12", "1", "1502")),
    ("阳光花园的物业", ("阳光花园", None, None, None)),
    ("3栋2单元501室的住户", (None, "3", "2", "501")),
    # Rooms read digit by digit, as voice input writes them.
    ("三栋二单元五零一", (None, "3", "2", "501")),
    ("5栋一五零一室", (None, "5", None, "1501")),
    ("3栋2单元五零一室漏水", (None, "3", "2", "501")),
    ("二单元一五零二", (None, None, "2", "1502")),
    ("十二栋一单元三〇二", (None, "12", "1", "302")),
    ("五零一室", (None, None, None, "501")),
    ("幸福里三栋二单元七零三", ("幸福里小区", "3", "2", "703")),
    ("一二三四五", None),
    # Not addresses: floors, dates, prices, counts, words with numerals inside.
    ("我一直在等", None),
    ("我在一楼大厅", None),
    ("15楼走廊灯坏了", None),
    ("2026年11月", None),
    ("3号来修", None),
    ("价格350元", None),
    ("501", None),
    ("电话13812345678", None),
    ("T20261122-0007", None),
    ("2026-11-22", None),
    ("一会儿就到", None),
    ("十分感谢", None),
    ("单元门坏了", None),
    ("三天了还没人来", None),
    # the same building said again with its unit fills the unit in; another building does not
    ("幸福里五栋电体坏了 五栋二单元的", ("幸福里小区", "5", "2", None)),
    ("3栋电梯坏了，5栋2单元的路灯不亮", (None, "3", None, None)),
]


@pytest.mark.parametrize(("text", "expected"), ADDRESSES)
def test_addresses(text: str, expected: tuple | None) -> None:
    address = parse_address(normalize(text), ESTATES)
    got = None if address is None else (address.estate, address.building, address.unit, address.room)
    assert got == expected


@pytest.mark.parametrize(
    ("address", "label"),
    [
        (Address(None, "3", "2", "501"), "3栋2单元501室"),
        (Address("幸福里小区", "3", None, None), "幸福里小区3栋"),
        (Address(None, "B", None, None), "B座"),
        (Address(None, "2", "东", None), "2栋东单元"),
    ],
)
def test_address_label(address: Address, label: str) -> None:
    assert address.label() == label


# Voice input writes 栋 as 动 / 洞 / 懂. Read as 栋 only right after a building number and before a unit, a room
# or what is wrong there; never in 动不动, 一动不动, 打了3洞 or a bare "4动".
HOMOPHONES: list[tuple[str, tuple[str | None, str | None, str | None, str | None] | None]] = [
    ("4动2单元电梯坏了", (None, "4", "2", None)),
    ("4懂1单元502", (None, "4", "1", "502")),
    ("4洞 502室漏水", (None, "4", None, "502")),
    ("幸福里4动电梯坏了", ("幸福里小区", "4", None, None)),
    ("12动楼道灯不亮", (None, "12", None, None)),
    ("4动的电梯又坏了", (None, "4", None, None)),
    ("四动二单元", (None, "4", "2", None)),
    ("4动不动就停电", None),
    ("电梯一动不动", None),
    ("灯3动就灭", None),
    ("打了3洞", None),
    ("4动", None),
    ("墙上有2个洞漏水", None),
    ("我家4口人都懂", None),
    ("修个灯收了4动500块", None),
]


@pytest.mark.parametrize(("text", "expected"), HOMOPHONES)
def test_building_homophones_of_voice_input(text: str, expected: tuple | None) -> None:
    address = parse_address(normalize(text), ESTATES)
    got = None if address is None else (address.estate, address.building, address.unit, address.room)
    assert got == expected


def test_a_homophone_address_keeps_the_residents_words_as_its_span() -> None:
    assert parse_address("幸福里4动2单元电梯坏了", ESTATES).text == "幸福里4动2单元"


def test_address_text_is_the_span_found() -> None:
    assert parse_address("我住幸福里3栋2单元501,谢谢", ESTATES).text == "幸福里3栋2单元501"


PHONES = [
    ("我的电话13812345678", ("13812345678",)),
    ("138 1234 5678", ("13812345678",)),
    ("138-1234-5678", ("13812345678",)),
    ("+86 13812345678", ("13812345678",)),
    ("电话19912345678或者15000001111", ("19912345678", "15000001111")),
    ("010-12345678", ("010-12345678",)),
    ("(0571)88886666", ("0571-88886666",)),
    ("0755 8888 6666", ("0755-88886666",)),
    ("座机02112345678", ("021-12345678",)),
    ("12345678901", ()),  # 12x is not a mobile prefix
    ("1381234567", ()),  # ten digits
    ("138123456789", ()),  # twelve digits
    ("2026年", ()),
    ("价格3500元", ()),
    ("T20261122-0007", ()),
]


@pytest.mark.parametrize(("text", "expected"), PHONES)
def test_phones(text: str, expected: tuple[str, ...]) -> None:
    assert find_phones(normalize(text)) == expected


TICKETS = [
    ("T20261122-0007 进展", ("T20261122-0007",)),
    ("查一下工单T20261118-0012", ("T20261118-0012",)),
    ("t20261122-0007", ("T20261122-0007",)),
    ("T 20261122 - 0007", ("T20261122-0007",)),
    ("T20261122 0007", ("T20261122-0007",)),
    ("T202611220007", ("T20261122-0007",)),
    ("T20261122-12345", ("T20261122-12345",)),
    ("Ｔ２０２６１１２２－０００７", ("T20261122-0007",)),
    ("T20261122-0007和T20261123-0001", ("T20261122-0007", "T20261123-0001")),
    ("T20261122-007", ()),  # too short a sequence
    ("T20261322-0007", ()),  # month 13
    ("AT20261122-0007", ()),  # part of a longer word
    ("20261122-0007", ()),  # no T
]


@pytest.mark.parametrize(("text", "expected"), TICKETS)
def test_ticket_numbers(text: str, expected: tuple[str, ...]) -> None:
    assert find_ticket_numbers(normalize(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("紧急!电梯困人", ("紧急",)),
        ("赶紧来人救命", ("救命", "赶紧")),
        ("我很着急", ("着急",)),
        ("急", ("急",)),
        ("电梯坏了", ()),
    ],
)
def test_urgency_words(text: str, expected: tuple[str, ...]) -> None:
    assert find_urgency_words(text) == expected


def test_extract_entities_finds_everything_at_once() -> None:
    text = normalize("紧急!幸福里3栋2单元501漏水,电话138 1234 5678,工单t20261122-0007")
    entities = extract_entities(text, ESTATES)
    assert entities.address.label() == "幸福里小区3栋2单元501室"
    assert entities.phones == ("13812345678",)
    assert entities.ticket_numbers == ("T20261122-0007",)
    assert entities.urgency_words == ("紧急",)
    assert entities.to_dict()["address"]["label"] == "幸福里小区3栋2单元501室"


def test_ticket_digits_are_not_read_as_an_address() -> None:
    assert extract_entities("T20261122-1501室").address is None

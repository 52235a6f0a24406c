"""The public-phone check (the importer, the 网格员 page and the API share it): a mainland mobile starts 13–19,
a landline may carry its area code and an extension (转 / 分机), and anything else is no phone."""

from __future__ import annotations

import pytest

from handlers.community.people import is_phone


@pytest.mark.parametrize("phone", [
    "13800004444", "138 0000 4444", "138-0000-4444", "19912345678", "+86 138 0000 4444", "+8613800004444",
    "0571-8600 0013", "(0571) 86000013", "（0571）86000013", "057186000013", "010-62345678", "86000013",
    "0571-86000011转123", "0571-86000011 转 123", "0571-86000011分机123", "400-800-1234",
    "+1 415 555 0100",
])
def test_a_phone_residents_may_be_given(phone: str) -> None:
    assert is_phone(phone)


@pytest.mark.parametrize("phone", [
    "12345678901", "10012345678", "1380000444", "138000044445", "有事找物业", "", "转123", "13800004444转123",
    "0571-86000011转", "0571-86000011转一二三", "+86 123 4567 8901", "0000000", "0571-12",
])
def test_no_phone(phone: str) -> None:
    assert not is_phone(phone)

"""The importer refuses what the 网格员 page refuses: a public phone that is no phone number, and a second
primary member of one grid. The error is in Chinese and names the file, the entry and the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.importer import ImportFormatError, import_file
from models import GridMember

MEMBER = "  - {{code: {code}, name: {name}, phone: '1390000{n}', grids: [{{grid: {grid}, role: {role}{extra}}}]}}\n"


def _write(tmp_path: Path, *members: str) -> Path:
    file = tmp_path / "members.yaml"
    file.write_text("members:\n" + "".join(members), encoding="utf-8")
    return file


def _member(n: int, role: str = "backup", grid: str = "xfl-g2", extra: str = "") -> str:
    return MEMBER.format(code=f"m{n}", name=f"成员{n}", n=f"{n:04d}", grid=grid, role=role, extra=extra)


def test_a_public_phone_that_is_no_phone_is_refused(seeded, tmp_path: Path) -> None:
    file = _write(tmp_path, _member(1), _member(2, extra=", public_phone: 有事找物业"))

    with pytest.raises(ImportFormatError) as refused:
        import_file(seeded, file)

    message = str(refused.value)
    assert str(file) in message and "members[1]" in message and "public_phone" in message
    assert "有事找物业" in message and "电话" in message
    with seeded.session() as s:  # nothing of the file was kept
        assert s.scalar(select(func.count()).select_from(GridMember)) == 6


def test_a_second_primary_of_a_grid_is_refused(seeded, tmp_path: Path) -> None:
    file = _write(tmp_path, _member(1, role="primary"))  # 第二网格 has 李强 as its primary

    with pytest.raises(ImportFormatError) as refused:
        import_file(seeded, file)

    message = str(refused.value)
    assert str(file) in message and "members[0]" in message and "role" in message
    assert "主责" in message and "李强" in message


def test_two_primaries_of_a_new_grid_in_one_file_are_refused(seeded, tmp_path: Path) -> None:
    file = tmp_path / "grid.yaml"
    file.write_text("grids:\n  - {code: xfl-g9, community: xingfuli, name: 第九网格}\nmembers:\n"
                    + _member(1, role="primary", grid="xfl-g9") + _member(2, role="primary", grid="xfl-g9"),
                    encoding="utf-8")

    with pytest.raises(ImportFormatError, match=r"members\[1\].*role"):
        import_file(seeded, file)


def test_a_landline_and_the_demo_members_still_import(seeded, tmp_path: Path) -> None:
    file = _write(tmp_path, _member(1, extra=", public_phone: '0571-8600 0019'"))

    report = import_file(seeded, file)

    assert report.created.get("members") == 1


def test_an_eleven_digit_number_that_is_no_mobile_is_refused(seeded, tmp_path: Path) -> None:
    file = _write(tmp_path, _member(1, extra=", public_phone: '12345678901'"))  # mobiles start 13–19

    with pytest.raises(ImportFormatError, match=r"members\[0\].*public_phone"):
        import_file(seeded, file)


def test_an_office_phone_with_an_extension_imports(seeded, tmp_path: Path) -> None:
    file = _write(tmp_path, _member(1, extra=", public_phone: '0571-86000011转123'"))

    report = import_file(seeded, file)

    assert report.created.get("members") == 1
    with seeded.session() as s:
        assert s.scalar(select(GridMember.public_phone).where(GridMember.public_phone.like("%转123"))) is not None

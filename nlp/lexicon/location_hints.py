"""Characters and words that make free text read as a place ("楼下花园", "东门口", "3号楼后面")."""

from __future__ import annotations

PLACE_HINT_CHARS = "栋幢座楼单室号层门口路街巷院园场库站亭房厅廊梯道边旁前后侧角里外下上内对面附近楼顶地"

"""Chinese numerals (十二, 二十三, 五零一) to numbers, through cn2an, imported on first use.

Importing cn2an compiles its regular expressions: about 0.2 s, a tenth of a
server's start-up, for something only a message with Chinese numerals needs.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_module: Any = None


class _Cn2an:
    """Stands in for the ``cn2an`` module: ``cn2an.cn2an(text, mode)``."""

    @staticmethod
    def cn2an(text: str, mode: str = "strict") -> Any:
        return _load().cn2an(text, mode)


def _load() -> Any:
    global _module
    if _module is None:
        with _lock:
            if _module is None:
                import cn2an as module

                _module = module
    return _module


cn2an = _Cn2an()

"""The engine's seams: the router stays pure and nlp/ never reaches into the web or database layers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def modules_after_import(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True)
    return set(out.stdout.split())


def test_router_does_not_load_jieba() -> None:
    loaded = modules_after_import("nlp.router")
    assert "jieba" not in loaded
    assert "nlp.tokenizer" not in loaded


def test_nlp_loads_no_web_database_or_bot_code() -> None:
    loaded = modules_after_import("nlp.understand, nlp.tokenizer, nlp.timeparse")
    forbidden = {"flask", "sqlalchemy", "bot", "models", "handlers"}
    assert not {m.split(".")[0] for m in loaded} & forbidden

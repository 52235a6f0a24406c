"""Chinese stays where STYLE.md puts it: texts.py files and the nlp/lexicon package, never scattered through code.

Docstrings (including the bare string after an assignment that documents it) are
documentation and may quote Chinese examples; every other string literal with a
CJK character in bot/, handlers/, models/, nlp/ or migrations/ fails the test.
A second test keeps ``texts.NAME.format(field=...)`` calls and their templates in step.
"""

from __future__ import annotations

import ast
import importlib
import re
import string
import subprocess
from pathlib import Path
from types import ModuleType

from bot import texts

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "models", "nlp", "migrations")
def allowed(name: str) -> bool:
    """Each package's texts.py and the nlp/lexicon package may hold Chinese literals."""
    return name.endswith("/texts.py") or name.startswith("nlp/lexicon/")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def tracked_python_files(*packages: str) -> list[str]:
    """Tracked .py files under the packages (every .py file when git is not available)."""
    try:
        out = subprocess.run(["git", "ls-files", "--", *packages], cwd=ROOT, check=True, capture_output=True, text=True)
        names = out.stdout.split()
    except (OSError, subprocess.CalledProcessError):
        names = [p.relative_to(ROOT).as_posix() for pkg in packages for p in (ROOT / pkg).rglob("*.py")]
    return sorted(n for n in names if n.endswith(".py") and (ROOT / n).is_file())


def _documentation(tree: ast.AST) -> set[int]:
    """ids of string constants that are documentation: docstrings and bare string statements."""
    return {
        id(node.value) for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    }


def cjk_literals(source: str, name: str) -> list[str]:
    """``name:line: 'literal'`` for every non-documentation string constant holding CJK."""
    tree = ast.parse(source)
    docs = _documentation(tree)
    return [
        f"{name}:{node.lineno}: {node.value[:60]!r}" for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
        and CJK.search(node.value)
    ]


def test_the_scanner_flags_literals_and_spares_documentation() -> None:
    source = '''"""模块说明。"""
X = 1
"""属性说明。"""
def f(n):
    """函数说明。"""
    return f"工单 {n}" + "不存在"  # 注释
'''
    found = cjk_literals(source, "sample.py")
    assert [line.split(":")[1] for line in found] == ["6", "6"]
    assert any("'工单 '" in line for line in found) and any("'不存在'" in line for line in found)


def test_chinese_string_literals_live_only_in_texts_and_lexicon() -> None:
    files = [f for f in tracked_python_files(*PACKAGES) if not allowed(f)]
    assert files, "no source files found"
    found = [hit for f in files for hit in cjk_literals((ROOT / f).read_text(encoding="utf-8"), f)]
    assert not found, "Chinese text outside texts.py files and nlp/lexicon/:\n" + "\n".join(found)


def _fields(template: str) -> set[str]:
    return {re.split(r"[.\[]", name, maxsplit=1)[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def _texts_module(tree: ast.AST) -> ModuleType:
    """The texts module a source file imports as ``texts`` (bot.texts unless a capability's)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and any(
            alias.name == "texts" and alias.asname in (None, "texts") for alias in node.names
        ):
            return importlib.import_module(f"{node.module}.texts")
    return texts


def _templates(node: ast.expr, texts: ModuleType = texts) -> tuple[str, list[str]] | None:
    """The texts constant a ``.format`` is called on, and the template string(s) it may be."""
    key: object = None
    if isinstance(node, ast.Subscript):
        key = node.slice.value if isinstance(node.slice, ast.Constant) else ...
        node = node.value
    if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "texts"):
        return None
    value = getattr(texts, node.attr, None)
    if isinstance(value, str) and key is None:
        return node.attr, [value]
    if isinstance(value, dict):
        chosen = list(value.values()) if key is ... else [value[key]] if key in value else []
        return f"{node.attr}[{key!r}]", [v for v in chosen if isinstance(v, str)]
    return node.attr, []


def test_format_calls_on_texts_constants_match_their_placeholders() -> None:
    problems: list[str] = []
    calls = 0
    for name in tracked_python_files("bot", "handlers"):
        tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
        module = _texts_module(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"):
                continue
            found = _templates(node.func.value, module)
            if found is None or node.args or any(k.arg is None for k in node.keywords):
                continue
            constant, templates = found
            where = f"{name}:{node.lineno}: texts.{constant}"
            if not templates:
                problems.append(f"{where} is not a template in {module.__name__}")
                continue
            calls += 1
            given = {k.arg for k in node.keywords}
            used = set().union(*(_fields(t) for t in templates))
            if given - used:
                problems.append(f"{where} has no placeholder for {sorted(given - used)}")
            missing = set().union(*(_fields(t) - given for t in templates))
            if missing:
                problems.append(f"{where} is not given {sorted(missing)}")
    assert calls > 50
    assert not problems, "\n".join(problems)

"""The core stays platform- and storage-neutral: bot/ imports no platform or ORM library."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import bot

FORBIDDEN = frozenset(
    {"slack_bolt", "slack_sdk", "discord", "sqlmodel", "sqlalchemy", "apscheduler"}
)
BOT_DIR = Path(bot.__file__).parent


def _module_name(path: Path, root: Path) -> str:
    """`bot.search.engine` for root/bot/search/engine.py (and `bot.search` for its __init__)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module a `from … import` names, relative levels included."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
    return ".".join([*base, *([node.module] if node.module else [])])


def imported_modules(path: Path, root: Path) -> list[str]:
    """Every module the file imports: `import x`, `from x import y`, relative forms, and
    `importlib.import_module("x")` / `__import__("x")` with a literal name."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = _module_name(path, root)
    is_package = path.name == "__init__.py"
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node, module, is_package)
            if node.module:
                found.append(base)
            else:
                # `from . import engine` (or `from .. import x`) names the modules in the aliases.
                found.extend(f"{base}.{a.name}" if base else a.name for a in node.names)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
            if name in ("import_module", "__import__") and literal:
                found.append(first.value)
    return found


def forbidden_imports(package_dir: Path) -> list[str]:
    """`file: module` for every forbidden import in every .py file under `package_dir`."""
    root = package_dir.parent
    problems = []
    for path in sorted(package_dir.rglob("*.py")):
        for name in imported_modules(path, root):
            if name.split(".")[0] in FORBIDDEN:
                problems.append(f"{path.relative_to(root)}: {name}")
    return problems


def test_bot_imports_no_platform_or_orm_library():
    """No module under bot/ imports Slack, Discord, SQLModel/SQLAlchemy or APScheduler."""
    assert forbidden_imports(BOT_DIR) == []


def test_checker_reads_every_core_module():
    """The checker walks the real tree, nested packages included (else it proves nothing)."""
    files = {p.relative_to(BOT_DIR).as_posix() for p in BOT_DIR.rglob("*.py")}
    assert {"core.py", "kernel/actions.py", "kernel/access.py", "search/model.py"} <= files


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import sqlalchemy\n", "bot/leak.py: sqlalchemy"),
        ("import sqlalchemy.orm as orm\n", "bot/leak.py: sqlalchemy.orm"),
        ("from sqlmodel import Session\n", "bot/leak.py: sqlmodel"),
        ("from slack_sdk.web import WebClient\n", "bot/leak.py: slack_sdk.web"),
        ("if True:\n    import discord\n", "bot/leak.py: discord"),
        ("def f():\n    from apscheduler import schedulers\n", "bot/leak.py: apscheduler"),
        ("import importlib\nimportlib.import_module('slack_bolt')\n", "bot/leak.py: slack_bolt"),
        ("__import__('sqlalchemy')\n", "bot/leak.py: sqlalchemy"),
        ("from .. import sqlalchemy\n", "bot/leak.py: sqlalchemy"),
    ],
)
def test_checker_catches_a_forbidden_import(tmp_path, source, expected):
    """The same checker fails on a temporary package whose module imports a forbidden library."""
    package = tmp_path / "bot"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "leak.py").write_text(source)
    assert forbidden_imports(package) == [expected]


def test_checker_resolves_relative_imports(tmp_path):
    """A relative import is resolved to its absolute name: inside the package it is allowed."""
    package = tmp_path / "bot"
    (package / "search").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "search" / "__init__.py").write_text("from . import engine\n")
    (package / "search" / "engine.py").write_text(
        "from ..domain import Practice\nfrom . import x\n"
    )
    root = tmp_path
    assert imported_modules(package / "search" / "engine.py", root) == [
        "bot.domain",
        "bot.search.x",
    ]
    assert imported_modules(package / "search" / "__init__.py", root) == ["bot.search.engine"]
    assert forbidden_imports(package) == []


# Third-party libraries the core may use: pure algorithms with no I/O, platform or storage
# (rapidfuzz's typo matching is the heart of search). Anything else is a port's job.
CORE_ALLOWED_LIBRARIES = frozenset({"rapidfuzz"})
ROOT = BOT_DIR.parent


def outside_imports(package_dir: Path, allowed: frozenset[str]) -> list[str]:
    """`file: module` for every import under `package_dir` that is neither the standard library,
    the package's own top-level name, nor one of `allowed`."""
    root = package_dir.parent
    own = package_dir.name
    problems = []
    for path in sorted(package_dir.rglob("*.py")):
        for name in imported_modules(path, root):
            top = name.split(".")[0]
            if top in (own, "__future__") or top in sys.stdlib_module_names or top in allowed:
                continue
            problems.append(f"{path.relative_to(root)}: {name}")
    return problems


def test_bot_imports_only_itself_and_the_standard_library():
    """The core depends on nothing of ours outside bot/ and on no library but rapidfuzz."""
    assert outside_imports(BOT_DIR, CORE_ALLOWED_LIBRARIES) == []


def test_the_core_checker_catches_an_import_of_the_store(tmp_path):
    """A core module importing `store` (or any unlisted library) is reported."""
    package = tmp_path / "bot"
    package.mkdir()
    (package / "leak.py").write_text("import json\nfrom store.tables import X\nimport yaml\n")
    assert outside_imports(package, CORE_ALLOWED_LIBRARIES) == [
        "bot/leak.py: store.tables",
        "bot/leak.py: yaml",
    ]


def adapter_crossings(adapters_dir: Path) -> list[str]:
    """`file: module` for every adapter import of `practicebank` or of another adapter."""
    root = adapters_dir.parent
    problems = []
    for path in sorted(adapters_dir.rglob("*.py")):
        parts = path.relative_to(adapters_dir).parts
        home = parts[0] if len(parts) > 1 else None
        for name in imported_modules(path, root):
            pieces = name.split(".")
            other_adapter = pieces[0] == "adapters" and len(pieces) > 1 and pieces[1] != home
            if pieces[0] == "practicebank" or other_adapter:
                problems.append(f"{path.relative_to(root)}: {name}")
    return problems


def test_adapters_import_neither_the_composition_root_nor_each_other():
    """Adapters are handed a built core: none imports `practicebank` or another adapter."""
    assert adapter_crossings(ROOT / "adapters") == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "from practicebank.bootstrap import open_store\n",
            "adapters/slack/app.py: practicebank.bootstrap",
        ),
        (
            "def f():\n    import practicebank.scheduler\n",
            "adapters/slack/app.py: practicebank.scheduler",
        ),
        (
            "from adapters.discord.render import x\n",
            "adapters/slack/app.py: adapters.discord.render",
        ),
    ],
)
def test_the_adapter_checker_catches_a_crossing(tmp_path, source, expected):
    """An adapter importing the composition root or another adapter is reported."""
    slack = tmp_path / "adapters" / "slack"
    slack.mkdir(parents=True)
    (slack / "app.py").write_text(source + "from adapters.slack.render import y\n")
    assert adapter_crossings(tmp_path / "adapters") == [expected]


def test_the_core_root_holds_at_most_ten_entries():
    """bot/ keeps only its entry point and packages at its root: features live in folders."""
    entries = [p.name for p in BOT_DIR.iterdir() if p.name != "__pycache__"]
    assert len(entries) <= 10, sorted(entries)


def test_adapters_never_name_the_composition_root():
    """Not even a docstring in adapters/ names `practicebank`: they know only the core they get."""
    named = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "adapters").rglob("*.py"))
        if "practicebank" in path.read_text(encoding="utf-8")
    ]
    assert named == []

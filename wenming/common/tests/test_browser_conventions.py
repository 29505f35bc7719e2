"""Browser tests keep to what the app's Content-Security-Policy allows.

Playwright runs a ``wait_for_function`` predicate given as a bare expression through ``eval`` in the page, which
``script-src 'self'`` refuses (EvalError) — but only when the first check is false, so such a test passes on a fast
run and fails on a slow one. A predicate written as a function is sent whole and never evaluated from a string.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]


def _bare_predicates(root: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        if "browser_tests" not in path.parts and "tests" not in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "wait_for_function" and node.args):
                first = node.args[0]
                text = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
                if text is None and isinstance(first, ast.JoinedStr):
                    text = "".join(v.value for v in first.values if isinstance(v, ast.Constant))
                if text is not None and not text.lstrip().startswith(("(", "function", "async")):
                    found.append(f"{path.relative_to(root.parent)}:{node.lineno}")
    return found


def test_every_wait_for_function_predicate_is_a_function():
    assert _bare_predicates() == [], "write the predicate as '() => …' (a bare expression is eval'd, CSP refuses it)"


def test_the_check_finds_a_bare_expression(tmp_path):
    tests = tmp_path / "app" / "browser_tests"
    tests.mkdir(parents=True)
    (tests / "test_x.py").write_text('page.wait_for_function("document.title")\n'
                                     'page.wait_for_function("() => document.title")\n', encoding="utf-8")
    assert _bare_predicates(tmp_path / "app") == ["app/browser_tests/test_x.py:1"]

"""No role is written as a string literal outside ``common/roles.py``: rules name roles with the ``Role`` enum or
a named group, so a role's spelling lives in one place and "the command centre" means one thing everywhere.

The Python sources are read with ``ast`` (a role's value used as a URL namespace, a username or a scoring subject
is not a role use); templates, which ``ast`` cannot read, are matched for ``"<role>" in scope.roles``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from wenming.common.roles import Role

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "wenming"
ROLE_VALUES = frozenset(str(r.value) for r in Role)

PENDING_OTHERS: set[str] = set()  # emptied once issue 13's branches merged; nothing is added to it


def _sources() -> list[Path]:
    skipped = {"tests", "migrations", "browser_tests"}
    return sorted(
        p for p in PACKAGE.rglob("*.py")
        if not skipped & set(p.relative_to(PACKAGE).parts) and p.name != "conftest.py"
        and p != PACKAGE / "common" / "roles.py"
    )


def _is_role(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in ROLE_VALUES


def _names_roles(node: ast.AST) -> bool:
    """``scope.roles``, ``assignment.role``, ``roles``: an expression that holds roles."""
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return name in {"role", "roles"} or name.endswith(("_role", "_roles"))


def _names_enum(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Role"


class _Finder(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: list[tuple[int, str]] = []
        self._choices_class = 0

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        # A choices type's members are (value, label) tuples of its own vocabulary: the scoring subject
        # "inspector" is a ranking, not the role.
        choices = any((b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "")).endswith("Choices")
                      for b in node.bases)
        self._choices_class += choices
        self.generic_visit(node)
        self._choices_class -= choices

    def visit_Module(self, node: ast.Module) -> None:
        for statement in node.body:
            value = statement.value if isinstance(statement, ast.Assign | ast.AnnAssign) else None
            if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in {"frozenset", "set"}
                    and value.args and isinstance(value.args[0], ast.Set | ast.List | ast.Tuple)
                    and any(_is_role(e) for e in value.args[0].elts)):
                self.found.append((statement.lineno, "a module-level group of role strings: name it in common/roles.py"))
            if (isinstance(statement, ast.Assign) and _is_role(statement.value)
                    and any(isinstance(t, ast.Name) and t.id.lower() == statement.value.value for t in statement.targets)):
                self.found.append((statement.lineno, f"a module-level alias of role {statement.value.value!r}: use Role"))
        self.generic_visit(node)

    def _collection(self, node: ast.Set | ast.List | ast.Tuple) -> None:
        # A row that names its role with the enum (a demo account: username, name, Role.X…) holds other strings.
        if not self._choices_class and not any(_names_enum(e) for e in node.elts):
            self.found += [(e.lineno, f"role {e.value!r} in a literal collection") for e in node.elts if _is_role(e)]
        self.generic_visit(node)

    visit_Set = visit_List = visit_Tuple = _collection

    def visit_Compare(self, node: ast.Compare) -> None:
        operands = [node.left, *node.comparators]
        if any(_names_roles(o) for o in operands):
            self.found += [(o.lineno, f"role {o.value!r} compared with roles") for o in operands if _is_role(o)]
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        # Roles passed beside enum members (``allowed(actor, Role.INTAKE, "inspector")``).
        if any(_names_enum(a) for a in node.args):
            self.found += [(a.lineno, f"role {a.value!r} passed beside Role members") for a in node.args if _is_role(a)]
        self.generic_visit(node)

    def visit_keyword(self, node: ast.keyword) -> None:
        if node.arg and (node.arg == "role" or node.arg.endswith(("__role", "role__in"))) and _is_role(node.value):
            self.found.append((node.value.lineno, f"role {node.value.value!r} as {node.arg}="))
        self.generic_visit(node)


def _python_findings() -> list[str]:
    out = []
    for path in _sources():
        name = path.relative_to(ROOT).as_posix()
        if name in PENDING_OTHERS:
            continue
        finder = _Finder()
        finder.visit(ast.parse(path.read_text(encoding="utf-8"), filename=name))
        out += [f"{name}:{line}: {what}" for line, what in sorted(set(finder.found))]
    return out


TEMPLATE_ROLE = re.compile(r"""(["'])(""" + "|".join(sorted(ROLE_VALUES)) + r""")\1\s+(?:not\s+)?in\s+[\w.]*roles\b""")


def _template_findings() -> list[str]:
    out = []
    for path in sorted(PACKAGE.rglob("templates/**/*.html")):
        name = path.relative_to(ROOT).as_posix()
        if name in PENDING_OTHERS:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            out += [f"{name}:{number}: role {m.group(2)!r} tested in a template" for m in TEMPLATE_ROLE.finditer(line)]
    return out


def test_no_role_literals_in_python():
    found = _python_findings()
    assert not found, "write roles with common.roles (Role members, named groups):\n" + "\n".join(found)


def test_no_role_literals_in_templates():
    found = _template_findings()
    assert not found, "pass a flag from the view (or a named group) instead:\n" + "\n".join(found)


def test_the_finder_sees_each_form():
    source = '\n'.join([
        'X = frozenset({"intake", "admin"})',
        'def f(scope, q):',
        '    return "admin" in scope.roles or q.filter(role="inspector", roles__role__in=["grid_worker"])',
        'class Subject(models.TextChoices):',
        '    INSPECTOR = "inspector", "Inspectors"',
        'ACCOUNTS = [("admin", "系统管理员", Role.ADMIN)]',
        'URL = reverse("admin:index"); NAMESPACE = "admin"',
        'ADMIN = "admin"',
        'ok = allowed(actor, Role.INTAKE, "inspector")',
    ])
    finder = _Finder()
    finder.visit(ast.parse(source))
    assert sorted({line for line, _ in finder.found}) == [1, 3, 8, 9]
    kinds = " ".join(what for _, what in finder.found)
    assert "module-level group" in kinds and "module-level alias" in kinds and "beside Role" in kinds and "compared" in kinds and "role=" in kinds and "roles__role__in" not in kinds
    assert "'grid_worker' in a literal collection" in kinds
    assert TEMPLATE_ROLE.search('{% if "shift_leader" in scope.roles %}')
    assert not TEMPLATE_ROLE.search('<form class="intake">')

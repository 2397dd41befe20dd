"""Role names appear only in the access policy (loket/core/policy.py), migrations and tests.

Views and services ask the policy for a named permission; a module that spells out role names
(``("petugas_loket", "office_admin")``, ``{Role.KIOSK, Role.PETUGAS_LOKET}``) decides who may do
what on its own, and the next role added to the policy would silently miss it."""

from __future__ import annotations

import ast
from pathlib import Path

from loket.core.policy import Role

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "loket" / "core" / "policy.py"
ROLE_VALUES = frozenset(Role.values)
ROLE_MEMBERS = frozenset(Role.names)


def product_modules() -> list[Path]:
    """Every Python module of the product: not its tests, migrations or the policy itself."""
    return sorted(
        path
        for path in (ROOT / "loket").rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts and path != POLICY
    )


def _url_names(tree: ast.AST) -> set[int]:
    """The ids of string constants given as ``name=`` (a URL pattern's name, such as "kiosk")."""
    return {
        id(kw.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for kw in node.keywords
        if kw.arg == "name" and isinstance(kw.value, ast.Constant)
    }


def _is_role_member(node: ast.AST) -> bool:
    """``Role.OFFICE_ADMIN`` (or ``policy.Role.OFFICE_ADMIN``)."""
    if not (isinstance(node, ast.Attribute) and node.attr in ROLE_MEMBERS):
        return False
    owner = node.value
    return (isinstance(owner, ast.Name) and owner.id == "Role") or (
        isinstance(owner, ast.Attribute) and owner.attr == "Role"
    )


def role_names_in(source: str) -> list[str]:
    """Where ``source`` spells out role names: a role's value as a string, or a collection of
    ``Role`` members. One line per finding, ``line: what``."""
    tree = ast.parse(source)
    url_names = _url_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and node.value in ROLE_VALUES and id(node) not in url_names:
            found.append(f"{node.lineno}: the role name {node.value!r}")
        elif isinstance(node, ast.Tuple | ast.List | ast.Set) and any(_is_role_member(e) for e in node.elts):
            found.append(f"{node.lineno}: a collection of roles")
        elif isinstance(node, ast.Dict) and any(k is not None and _is_role_member(k) for k in node.keys):
            found.append(f"{node.lineno}: a mapping keyed by roles")
    return found


def test_no_product_module_outside_the_policy_names_roles():
    offenders = {
        str(path.relative_to(ROOT)): findings
        for path in product_modules()
        if (findings := role_names_in(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, "ask loket.core.policy for a permission instead of listing roles"


def test_the_walk_reads_the_product():
    modules = {str(p.relative_to(ROOT)) for p in product_modules()}
    assert "loket/accounts/models.py" in modules
    assert "loket/core/policy.py" not in modules
    assert not any("/tests/" in m or "/migrations/" in m for m in modules)


def test_the_check_finds_the_ways_roles_get_listed():
    assert role_names_in('MANAGER_ROLES = ("office_admin", "city_admin", "system_admin")')
    assert role_names_in('if r.role == "system_admin":\n    pass')
    assert role_names_in("DESK = {Role.PETUGAS_LOKET, Role.OFFICE_ADMIN}")
    assert role_names_in("DESK = [policy.Role.KIOSK]")
    assert role_names_in('LABELS = {Role.KIOSK: "Kiosk"}')
    assert role_names_in('user.roles.filter(role="penandatangan")')


def test_the_check_leaves_other_words_alone():
    assert role_names_in('path("kiosk/<slug:slug>/", views.kiosk, name="kiosk")') == []
    assert role_names_in("policy.allows(user, policy.SIGN, office)") == []
    assert role_names_in('DemoAccount("admin", "Admin", Role.SYSTEM_ADMIN)') == []

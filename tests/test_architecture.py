"""The shape of the code, checked by the machine (docs/architecture.md):

- views and ``api`` modules make no ORM queries: reads go through selectors, writes through services;
- no product module is over 600 lines, and only a handful of functions are over 60;
- every app under ``loket/`` is in the import-linter contracts (``.importlinter``).

Migrations, tests and data files are not product modules here."""

from __future__ import annotations

import ast
import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ROOT / "loket"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60
# Functions over MAX_FUNCTION_LINES allowed at most; each one there must read better whole.
MAX_LONG_FUNCTIONS = 5


def product_modules() -> list[Path]:
    return sorted(p for p in PRODUCT.rglob("*.py") if "tests" not in p.parts and "migrations" not in p.parts)


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


# --- views make no ORM queries -----------------------------------------------------------------

# Manager and queryset methods: a call to one of these in a view is a query the view makes itself.
QUERY_METHODS = frozenset(
    {
        "aggregate",
        "annotate",
        "bulk_create",
        "bulk_update",
        "defer",
        "distinct",
        "exclude",
        "exists",
        "filter",
        "get_or_create",
        "in_bulk",
        "iterator",
        "only",
        "order_by",
        "prefetch_related",
        "raw",
        "refresh_from_db",
        "select_for_update",
        "select_related",
        "update_or_create",
        "values",
        "values_list",
    }
)
# Zero-argument calls that are queries on a queryset or a related manager (``office.counters.all()``).
QUERY_METHODS_WITHOUT_ARGS = frozenset({"all", "count", "first", "last", "latest", "earliest", "none"})
QUERY_SHORTCUTS = frozenset({"get_object_or_404", "get_list_or_404"})


def is_view_module(path: Path) -> bool:
    """``views.py``, ``views_*.py``, every module of a ``views/`` package, and ``api.py``."""
    return path.stem == "api" or path.stem == "views" or path.stem.startswith("views_") or "views" in path.parts


def _is_query_method(name: str, call: ast.Call) -> bool:
    return name in QUERY_METHODS or (name in QUERY_METHODS_WITHOUT_ARGS and not call.args and not call.keywords)


def orm_queries_in(source: str) -> list[str]:
    """Where ``source`` queries the database through the ORM itself (``line: call``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            found.append(f"{node.lineno}: .objects")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in QUERY_SHORTCUTS:
                found.append(f"{node.lineno}: {func.id}()")
            elif isinstance(func, ast.Attribute) and _is_query_method(func.attr, node):
                found.append(f"{node.lineno}: .{func.attr}()")
    return found


def test_views_and_api_modules_make_no_orm_queries():
    offenders = {
        _rel(p): found for p in product_modules() if is_view_module(p) and (found := orm_queries_in(p.read_text()))
    }
    assert offenders == {}, "move these reads into the app's selectors (writes into its services)"


def test_the_view_check_sees_the_ways_views_query():
    assert orm_queries_in("Office.objects.get(slug=slug)")
    assert orm_queries_in("office = get_object_or_404(Office, slug=slug)")
    assert orm_queries_in("rows = office.counters.all()")
    assert orm_queries_in("selectors.offices_for(user).filter(pk=1)")
    assert orm_queries_in("n = qs.count()")
    assert orm_queries_in("p = qs.first()")
    assert orm_queries_in("[1, 2].count(1)") == []
    assert orm_queries_in("request.GET.get('page')") == []
    assert orm_queries_in("selectors.worklist(actor=user, office=office)") == []


def test_the_view_check_reads_every_view_module():
    views = {_rel(p) for p in product_modules() if is_view_module(p)}
    assert "loket/views.py" in views and "loket/api.py" in views
    assert any(v.startswith("loket/queueing/") for v in views)
    assert not any(v.endswith("selectors.py") or v.endswith("services.py") for v in views)


# --- sizes ---------------------------------------------------------------------------------------


def test_no_product_module_is_over_600_lines():
    sizes = {_rel(p): len(p.read_text().splitlines()) for p in product_modules()}
    big = {m: n for m, n in sizes.items() if n > MAX_MODULE_LINES}
    assert big == {}, "split these by responsibility (a module becomes a package of modules)"


def long_functions() -> dict[str, int]:
    found = {}
    for path in product_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    found[f"{_rel(path)}:{node.name}"] = lines
    return found


def test_at_most_five_product_functions_are_over_60_lines():
    found = long_functions()
    assert len(found) <= MAX_LONG_FUNCTIONS, f"split some of these by responsibility: {found}"


# --- the import contracts cover every app ----------------------------------------------------------


def apps() -> list[str]:
    """Every app (a package directly under loket/)."""
    return sorted(p.parent.name for p in PRODUCT.glob("*/__init__.py"))


def contracts() -> dict[str, dict[str, str]]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / ".importlinter")
    return {
        section.removeprefix("importlinter:contract:"): dict(parser[section])
        for section in parser.sections()
        if section.startswith("importlinter:contract:")
    }


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.strip().splitlines() if line.strip()]


def test_every_app_has_its_place_in_the_order_between_apps():
    layers = contracts()["apps"]
    assert _lines(layers["containers"]) == ["loket"]
    named = {
        part.strip().strip("()") for line in _lines(layers["layers"]) for part in line.replace(":", "|").split("|")
    }
    missing = [app for app in apps() if app not in named]
    assert missing == [], f"add these apps to the 'apps' layers contract in .importlinter: {missing}"


def test_every_app_has_the_same_inner_layers():
    inner = contracts()["app-layers"]
    assert _lines(inner["containers"]) == ["loket.*"], "the inner layers must cover every app, new ones too"
    assert inner["exhaustive"].strip() == "True", "every module of an app must have its layer"
    flat = [tail.strip().strip("()") for line in _lines(inner["layers"]) for tail in line.replace(":", "|").split("|")]
    for upper, lower in [
        ("views", "services"),
        ("api", "services"),
        ("admin", "services"),
        ("management", "services"),
        ("services", "selectors"),
        ("selectors", "models"),
    ]:
        assert flat.index(upper) < flat.index(lower), f"{upper} must sit above {lower}"


def test_no_app_imports_another_apps_entry_points():
    forbidden = contracts()["no-foreign-entry-points"]
    assert _lines(forbidden["source_modules"]) == ["loket.*"]
    assert {"loket.*.views", "loket.*.api", "loket.*.admin", "loket.*.urls"} <= set(
        _lines(forbidden["forbidden_modules"])
    )

"""The protocol peers tests and benches talk to live in ``testpeers/``, never in the product.

A peer inside ``loket/`` would ship with every installation and could be imported by production
code by mistake. ``.importlinter`` forbids ``loket`` to import ``testpeers`` directly; these tests
also catch a peer written (or moved back) under ``loket/`` itself, and a product module that
reaches ``testpeers`` through one of the apps' test modules, which the import-linter contract has
to let through."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import grimp

BASE_DIR = Path(__file__).resolve().parent.parent

# What a protocol peer is built on: a server, not a client. Product code sends requests and
# messages; it never listens for them itself (webhooks arrive through Django's views).
SERVER_FRAMEWORKS = (
    "socketserver",
    "http.server",
    "wsgiref.simple_server",
    "xmlrpc.server",
    "smtpd",
    "aiosmtpd",
    "smpp34",  # an SMPP library with a server mode
    "testpeers",
)
PEER_NAME_PARTS = ("testserver", "test_server", "testpeer", "fake_server")
PEER_DIRECTORIES = {"testing", "testpeers", "node_modules"}


def _outside_tests(root: Path) -> Iterator[Path]:
    """Every file and directory under ``root`` except the apps' ``tests`` directories."""
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if "tests" not in parts and "__pycache__" not in parts:
            yield path


def imported_modules(source: str) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of every absolute import in ``source``; ``from a import b`` gives
    ``a.b`` (``b`` may be a module: ``from http import server``)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def server_imports(root: Path) -> list[str]:
    """``path:line imports name`` for every product module under ``root`` importing a server."""
    found = []
    for path in _outside_tests(root):
        if path.suffix != ".py":
            continue
        for line, name in imported_modules(path.read_text(encoding="utf-8")):
            if any(name == framework or name.startswith(framework + ".") for framework in SERVER_FRAMEWORKS):
                found.append(f"{path.relative_to(root.parent)}:{line} imports {name}")
    return found


def peer_files(root: Path) -> list[str]:
    """Packages, modules and node packages under ``root`` (outside tests) that look like peers."""
    found = []
    for path in _outside_tests(root):
        shown = path.relative_to(root.parent)
        if path.is_dir() and path.name in PEER_DIRECTORIES:
            found.append(f"{shown}/")
        elif path.is_file() and any(part in path.stem.lower() for part in PEER_NAME_PARTS):
            found.append(str(shown))
        elif path.name == "package.json":
            found.append(f"{shown} (a node package)")
    return found


def test_no_product_module_imports_a_server_framework():
    found = server_imports(BASE_DIR / "loket")
    assert found == [], "test peers belong in testpeers/, not in loket/:\n" + "\n".join(found)


def test_no_peer_package_or_module_under_loket():
    found = peer_files(BASE_DIR / "loket")
    assert found == [], "test peers belong in testpeers/, not in loket/:\n" + "\n".join(found)


def test_no_product_module_reaches_testpeers_even_through_a_test_module():
    graph = grimp.build_graph("loket", "testpeers", cache_dir=None)
    importers = graph.find_downstream_modules("testpeers", as_package=True)
    product = sorted(name for name in importers if name.startswith("loket.") and ".tests" not in name)
    assert product == [], f"product modules that import testpeers, directly or not: {product}"


def test_the_checks_recognise_a_peer_put_back_under_loket(tmp_path):
    root = tmp_path / "loket"
    files = {
        "notifications/testing/__init__.py": "",
        "notifications/testing/smsc/package.json": "{}",
        "signing/bsre_testserver.py": "from http import server\nimport socketserver\n",
        "notifications/channels/smtp_peer.py": "from aiosmtpd.controller import Controller\n",
        "notifications/channels/http.py": "import http.client\nimport smpplib.client\n",  # clients are fine
        "notifications/tests/fixtures.py": "import http.server\nimport testpeers.smtp\n",  # tests may
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)

    assert server_imports(root) == [
        "loket/notifications/channels/smtp_peer.py:1 imports aiosmtpd.controller.Controller",
        "loket/signing/bsre_testserver.py:1 imports http.server",
        "loket/signing/bsre_testserver.py:2 imports socketserver",
    ]
    assert peer_files(root) == [
        "loket/notifications/testing/",
        "loket/notifications/testing/smsc/package.json (a node package)",
        "loket/signing/bsre_testserver.py",
    ]

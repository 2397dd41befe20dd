"""Compile every template of the project, so a broken tag fails ``make test`` before a user sees it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.template import TemplateSyntaxError, engines
from django.template.loader import get_template

TEMPLATE_SUFFIXES = {".html", ".txt", ".xml", ".json", ".typ", ".svg"}


def project_template_names() -> list[str]:
    """Names of all templates under the project's own template directories (not third-party apps')."""
    project_root = Path(settings.BASE_DIR) / "loket"
    names: set[str] = set()
    for engine in engines.all():
        for loader in engine.engine.template_loaders:
            for directory in _loader_dirs(loader):
                directory = Path(directory)
                if not directory.is_dir() or project_root not in (directory, *directory.parents):
                    continue
                for path in directory.rglob("*"):
                    if path.is_file() and path.suffix in TEMPLATE_SUFFIXES:
                        names.add(path.relative_to(directory).as_posix())
    return sorted(names)


def _loader_dirs(loader) -> Iterator[str]:
    if hasattr(loader, "loaders"):  # the cached loader wraps the real ones
        for inner in loader.loaders:
            yield from _loader_dirs(inner)
    elif hasattr(loader, "get_dirs"):
        yield from loader.get_dirs()


def compile_errors() -> list[str]:
    """One line per template that fails to load or compile."""
    errors = []
    for name in project_template_names():
        try:
            get_template(name)
        except TemplateSyntaxError as exc:
            errors.append(f"{name}: {exc}")
        except Exception as exc:  # noqa: BLE001 - report every kind of failure, keep going
            errors.append(f"{name}: {type(exc).__name__}: {exc}")
    return errors

"""Every template of the project loads and compiles."""

import pytest
from django.template import TemplateSyntaxError
from django.template.loader import get_template

from loket.demo.templatecheck import compile_errors, project_template_names

TEMPLATES = project_template_names()


def test_the_project_templates_are_found():
    assert "base.html" in TEMPLATES
    assert len(TEMPLATES) > 1, "only base.html found: the app template directories were missed"


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_compiles(name):
    get_template(name)


def test_a_broken_template_is_reported(tmp_path, settings):
    (tmp_path / "broken.html").write_text("{% if %}")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]},
    ]
    with pytest.raises(TemplateSyntaxError):
        get_template("broken.html")
    # tmp_path lies outside the project, so the project check does not list it
    assert not any(line.startswith("broken.html") for line in compile_errors())

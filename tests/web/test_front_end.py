"""The front end's files: ES modules that parse, import only files that exist, share
nothing through ``window``, and are served with a JavaScript type (browsers refuse a module
script served as anything else); every page extends ``base.html``."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from venuefinder.web import assets

from .e2e_support import skip_or_fail

STATIC = Path(assets.__file__).parent / "static"
TEMPLATES = Path(assets.__file__).parent / "templates"
MODULES = sorted([STATIC / "app.js", STATIC / "sessions.js", *(STATIC / "js").glob("*.js")])
IMPORT = re.compile(r"""^\s*(?:import|export)\b[^"';]*?\bfrom\s*["']([^"']+)["']""",
                    re.MULTILINE)


def _name(path: Path) -> str:
    return str(path.relative_to(STATIC))


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_every_module_parses_as_a_module(path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        skip_or_fail("node is not installed (it comes with npm, needed for the assets)")
    # From stdin with --input-type: `node --check file.js` would try CommonJS first, and on
    # some versions pass a module with a syntax error.
    result = subprocess.run([node, "--check", "--input-type=module"], input=path.read_text(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_imports_are_files_of_the_app_and_no_global_is_set(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for target in IMPORT.findall(text):
        assert target.startswith("./"), target  # relative: served beside it, nothing outside
        assert (path.parent / target).resolve().is_file(), target
    assert not re.search(r"\bwindow\s*(\.\s*\w+|\[[^\]]+\])\s*=[^=]", text)
    assert not re.search(r"\bglobalThis\b", text)


def test_the_pages_load_their_scripts_as_modules(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert '<script type="module" src="/static/app.js"></script>' in html
    assert '<script type="module" src="/static/sessions.js"></script>' in client.get(
        "/sessions/new").get_data(as_text=True)


@pytest.mark.parametrize("url", ["/static/app.js", "/static/js/page.js", "/static/sessions.js"])
def test_modules_are_served_as_javascript(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/javascript"


def test_every_page_extends_the_base_template() -> None:
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        if template.name in ("base.html", "session_macros.html"):
            continue
        assert re.search(r'{%\s*extends\s+"(base|sessions_base)\.html"\s*%}', text), template
        assert "<head>" not in text, template

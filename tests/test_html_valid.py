"""Every page and htmx fragment is valid HTML: no parse error in the WHATWG parser, ids unique."""
import re

import html5lib
import pytest

from .conftest import Staff
from .helpers import FRAGMENTS, PAGES

PARSER = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)


def check(body, where, fragment=False):
    try:
        if fragment:  # a table row is swapped into a table body, and parsed in that context
            PARSER.parseFragment(body, container="tbody" if body.lstrip().startswith("<tr") else "div")
        else:
            PARSER.parse(body)
    except html5lib.html5parser.ParseError as error:
        line = PARSER.errors[0][0][0] if PARSER.errors else 0
        context = body.splitlines()[max(0, line - 2):line + 1]
        pytest.fail(f"{where}: {error} near line {line}: {context}")
    ids = re.findall(r'\sid="([^"]+)"', body)
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates, f"{where}: duplicate ids {duplicates}"


@pytest.mark.parametrize("role", list(PAGES), ids=lambda role: role or "public")
def test_pages_and_fragments_are_valid_html(app, world, role):
    staff = Staff(app.test_client())
    if role:
        staff.login(role)
    for path in PAGES[role]:
        response = staff.get(path.format(**world), follow_redirects=True)
        assert response.status_code in (200, 404), (path, response.status_code)
        check(response.get_data(as_text=True), path)
    for path in FRAGMENTS[role]:
        response = staff.get(path.format(**world), htmx=True)
        assert response.status_code == 200, (path, response.status_code)
        check(response.get_data(as_text=True), path, fragment=True)

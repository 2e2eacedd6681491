"""The report's data block survives any text: ``<!--``, ``</script>``, U+2028 (issue 10 B8)."""

from __future__ import annotations

import json
import re

import pytest

from iadsim.report.html import _json_for_html

PAYLOADS = [
    "draft <!-- todo -->",
    "</script><script>alert(1)</script>",
    "<script>",
    "a\u2028b\u2029c",
    "x & y > z",
    "--> <!-- <\\!-- \\",
    "é 中 \U0001f680",
]


@pytest.mark.parametrize("text", PAYLOADS)
def test_json_for_html_round_trips_and_has_no_markup(text):
    obj = {"variants": [{"description": text, "values": [1, 2.5, None]}], text: text}
    out = _json_for_html(obj)
    assert json.loads(out) == obj  # what JSON.parse sees is the original text
    assert not re.search(r"[<>&\u2028\u2029]", out), out


def test_json_for_html_escapes_with_unicode_escapes():
    assert _json_for_html("<!--") == '"\\u003c!--"'
    assert "<\\!--" not in _json_for_html("<!--")  # the old escape, invalid JSON

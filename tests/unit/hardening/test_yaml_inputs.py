"""Hostile YAML gives one ``FILE:LINE:COL: message`` line and exit status 2, never a hang, a
MemoryError or a traceback (issue 10, B1-B4)."""

from __future__ import annotations

import codecs
import re

import pytest
from typer.testing import CliRunner

from iadsim.cli import app
from iadsim.errors import InputError
from iadsim.yamlio import MAX_DEPTH, MAX_NODES, read_yaml

EXAMPLE = "examples/iraq-2020-al-asad.yaml"


def _validate(path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, (RecursionError, MemoryError, ValueError))
    return result.exit_code, result.output


def _one_error(path, raw: bytes | str) -> tuple[int, int, str]:
    """Write ``raw`` to ``path``, validate it; return (line, col, message) of the one error."""
    if isinstance(raw, str):
        path.write_text(raw, encoding="utf-8")
    else:
        path.write_bytes(raw)
    code, output = _validate(path)
    assert code == 2, output
    lines = [ln for ln in output.splitlines() if ln.strip()]
    assert len(lines) == 1, output
    m = re.fullmatch(re.escape(str(path)) + r":(\d+):(\d+): (.+)", lines[0])
    assert m, lines[0]
    return int(m.group(1)), int(m.group(2)), m.group(3)


def billion_laughs() -> str:
    """The classic entity-expansion bomb in YAML: 10 levels of 9 aliases, 2 KB -> 10**9 nodes."""
    lines = ['lol0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"lol{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_b1_billion_laughs_is_refused_at_the_alias_that_overflows(tmp_path):
    text = billion_laughs()
    assert len(text) < 2100
    line, col, msg = _one_error(tmp_path / "laughs.yaml", text)
    # sizes of the anchored lists: 10, 91, 820, 7381, 66430, 597871; lol6's second *a5 passes
    # the bound, so the error is on line 7 at that alias
    assert line == 7
    assert col == len("lol6: &a6 [*a5, ") + 1
    assert f"more than {MAX_NODES:,} nodes" in msg and "billion laughs" in msg


def test_b1_aliases_within_the_bound_still_work(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("a: &x [1, 2, 3]\nb: *x\nc: {<<: {k: 1}, j: 2}\n", encoding="utf-8")
    data = read_yaml(path)
    assert list(data["b"]) == [1, 2, 3] and data["c"]["k"] == 1


def test_b2_deep_nesting_is_refused_without_recursion_error(tmp_path):
    line, col, msg = _one_error(tmp_path / "deep.yaml", "[" * 250 + "]" * 250 + "\n")
    assert (line, col) == (1, MAX_DEPTH + 1)
    assert f"nested more than {MAX_DEPTH} levels deep" in msg


def test_b2_deep_block_nesting_too(tmp_path):
    text = "".join(" " * i + f"k{i}:\n" for i in range(200)) + " " * 200 + "v\n"
    line, col, msg = _one_error(tmp_path / "block.yaml", text)
    assert (line, col) == (MAX_DEPTH + 1, MAX_DEPTH + 1) and "levels deep" in msg


def test_b2_nesting_at_the_bound_is_accepted(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n", encoding="utf-8")
    node, depth = read_yaml(path), 0
    while isinstance(node, list):
        node, depth = (node[0] if node else None), depth + 1
    assert depth == MAX_DEPTH


def test_b3_an_integer_of_4301_digits_is_refused(tmp_path):
    text = "schema_version: 1\nname: x\nmonte_carlo:\n  seed: " + "7" * 4301 + "\n"
    line, col, msg = _one_error(tmp_path / "digits.yaml", text)
    assert (line, col) == (4, 9)
    assert "4,301 digits is too long" in msg
    assert "Exceeds the limit" not in msg


def test_b3_a_quoted_long_number_is_text(tmp_path):
    path = tmp_path / "text.yaml"
    path.write_text('a: "' + "7" * 4301 + '"\n', encoding="utf-8")
    assert read_yaml(path)["a"] == "7" * 4301


def test_b4_invalid_utf8_reports_the_first_bad_byte(tmp_path):
    raw = b"schema_version: 1\nname: caf\xc3\xa9-ok\ndescription: bad \xff here\n"
    line, col, msg = _one_error(tmp_path / "bad8.yaml", raw)
    assert (line, col) == (3, len("description: bad ") + 1)
    assert "not valid UTF-8" in msg and "ff" in msg


def test_b4_invalid_utf16_reports_the_first_bad_unit(tmp_path):
    good = "schema_version: 1\nname: x\n".encode("utf-16-le")
    lone_surrogate = b"\x00\xd8"  # a high surrogate with no low surrogate after it
    raw = codecs.BOM_UTF16_LE + good + "ab".encode("utf-16-le") + lone_surrogate + b"c\x00"
    line, col, msg = _one_error(tmp_path / "bad16.yaml", raw)
    assert (line, col) == (3, 3)
    assert "not valid UTF-16" in msg


def test_b4_utf16_with_bom_is_read(tmp_path):
    path = tmp_path / "ok16.yaml"
    path.write_bytes("a: é\n".encode("utf-16"))
    assert read_yaml(path)["a"] == "é"


@pytest.mark.parametrize(
    ("char", "name"), [("\x00", "NUL"), ("\x07", "BEL"), ("\x1b", "ESC"), ("\x01", "control")]
)
def test_b4_control_characters_report_line_and_column(tmp_path, char, name):
    text = f"schema_version: 1\nname: x\ndescription: a{char}b\n"
    line, col, msg = _one_error(tmp_path / "ctl.yaml", text)
    assert (line, col) == (3, len("description: a") + 1)
    assert f"U+{ord(char):04X}" in msg and name in msg


def test_b4_utf16_without_bom_gets_a_hint(tmp_path):
    _, _, msg = _one_error(tmp_path / "nobom.yaml", "schema_version: 1\n".encode("utf-16-le"))
    assert "UTF-16 without a byte-order mark" in msg


def test_b4_text_given_in_memory_is_checked_too(tmp_path):
    with pytest.raises(InputError) as exc:
        read_yaml(tmp_path / "mem.yaml", "a: 1\nb: x\x00\n")
    assert (exc.value.problems[0].line, exc.value.problems[0].col) == (2, 5)


def test_b4_ruamel_messages_are_one_line(tmp_path):
    line, col, msg = _one_error(tmp_path / "flow.yaml", "a: [1, 2\nb: 3\n")
    assert "\n" not in msg and line >= 1 and col >= 1


def test_the_examples_still_read(tmp_path):
    code, output = _validate(EXAMPLE)
    assert code == 0, output


def test_b4_an_escaped_control_character_in_a_key_stays_on_one_line(tmp_path):
    example = open(EXAMPLE, encoding="utf-8").read().rstrip("\n") + "\n"
    text = example + '"bad\\nkey\\0": 1\n'
    line, col, msg = _one_error(tmp_path / "key.yaml", text)
    assert (line, col) == (example.count("\n") + 1, 1)
    assert msg.startswith("bad key\\x00: unknown field")

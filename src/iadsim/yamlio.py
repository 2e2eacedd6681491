"""YAML input with positions: every validation error points at FILE:LINE:COL.

Files are read with ruamel.yaml's round-trip loader, which keeps the line and column of every
key and item; pydantic v2 validates the plain data, and each pydantic error location is mapped
back to the node it names. Duplicate keys and YAML syntax errors are reported the same way.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from ruamel.yaml.parser import RoundTripParser

from iadsim.errors import InputError, Problem

M = TypeVar("M", bound=BaseModel)


#: Most nodes a file may expand to once its aliases are resolved. A scenario has a few
#: thousand; a "billion laughs" file of 2 KB expands to 10**9 and would hang the loader.
MAX_NODES = 1_000_000
#: Deepest nesting of mappings and sequences. A scenario nests about 6 deep; ruamel's composer
#: and the converters recurse once per level, so unbounded depth ends in a RecursionError.
MAX_DEPTH = 64
#: Most digits in a number. Python refuses to convert integers of more than 4,300 digits, and no
#: figure of a scenario needs more than a few dozen.
MAX_NUMBER_DIGITS = 100
#: Largest input file read. Scenario and catalog files are a few kilobytes.
MAX_FILE_BYTES = 16 * 1024 * 1024

# Characters YAML 1.2 allows in a stream (spec section 5.1, "c-printable").
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_INTEGER = re.compile(r"[-+]?(?:[0-9][0-9_]*|0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+)")
_CONTROL_NAMES = {0: "NUL", 7: "BEL", 8: "BS", 0x1B: "ESC", 0x7F: "DEL"}


def _line_col(text: str) -> tuple[int, int]:
    """1-based line and column of the character just after ``text``."""
    return text.count("\n") + 1, len(text) - (text.rfind("\n") + 1) + 1


def decode(raw: bytes, path: str | Path) -> str:
    """Decode a YAML file's bytes: UTF-8, or UTF-16/32 with a byte-order mark (YAML 1.2, 5.2).

    An undecodable byte or a character YAML forbids (a control character, NUL) is an
    :class:`InputError` at its line and column.
    """
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        encoding = "utf-32"
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        # everything before the first bad byte decodes, so it gives the line and column
        line, col = _line_col(raw[: exc.start].decode(encoding, errors="replace").lstrip("\ufeff"))
        bad = raw[exc.start : exc.end][:4].hex(" ")
        name = encoding.removesuffix("-sig").upper()
        raise InputError.single(
            f"not valid {name} (byte {bad} at offset {exc.start}: {exc.reason}); "
            "save the file as UTF-8",
            path,
            line,
            col,
        ) from None
    match = _NOT_PRINTABLE.search(text)
    if match is not None:
        code = ord(match.group())
        name = _CONTROL_NAMES.get(code, "a control character" if code < 0xA0 else "not printable")
        hint = "remove it or write it as an escape in a double-quoted string"
        if code == 0 and encoding == "utf-8-sig" and text.count("\x00") * 3 >= len(text):
            hint = "the file looks like UTF-16 without a byte-order mark; save it as UTF-8"
        line, col = _line_col(text[: match.start()])
        raise InputError.single(
            f"character U+{code:04X} ({name}) is not allowed in YAML; {hint}", path, line, col
        )
    return text


class _Bounds:
    """Reject, from the parser's events and before anything is built, a file that nests deeper
    than :data:`MAX_DEPTH`, whose aliases expand beyond :data:`MAX_NODES`, or with an integer
    longer than :data:`MAX_NUMBER_DIGITS` digits.

    No recursion: each open collection counts the nodes it expands to, and an alias adds the
    count of its anchor's node.
    """

    def __init__(self, path: str | Path):
        self.path = path
        self.sizes: dict[str, int] = {}
        self.stack: list[list] = []  # [expanded size, anchor] of each open collection

    def fail(self, msg: str, event) -> None:
        mark = event.start_mark
        raise InputError.single(msg, self.path, mark.line + 1, mark.column + 1)

    def add(self, n: int, event) -> None:
        if self.stack:
            self.stack[-1][0] += n
            n = self.stack[-1][0]
        if n > MAX_NODES:
            self.fail(
                f"YAML aliases expand to more than {MAX_NODES:,} nodes here (a 'billion "
                "laughs' file?); write the values out, or use fewer nested aliases",
                event,
            )

    def see(self, event) -> None:
        if isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            if len(self.stack) >= MAX_DEPTH:
                self.fail(f"nested more than {MAX_DEPTH} levels deep", event)
            self.stack.append([1, event.anchor])
        elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
            size, anchor = self.stack.pop()
            if anchor is not None:
                self.sizes[anchor] = size
            self.add(size, event)
        elif isinstance(event, ScalarEvent):
            if event.style is None and _INTEGER.fullmatch(event.value):
                digits = sum(c.isalnum() for c in event.value)
                if digits > MAX_NUMBER_DIGITS:
                    self.fail(
                        f"a number of {digits:,} digits is too long (at most "
                        f"{MAX_NUMBER_DIGITS}); quote it if it is text",
                        event,
                    )
            if event.anchor is not None:
                self.sizes[event.anchor] = 1
            self.add(1, event)
        elif isinstance(event, AliasEvent):
            self.add(self.sizes.get(event.anchor, 1), event)


class _BoundedParser(RoundTripParser):
    """ruamel's round-trip parser, with :class:`_Bounds` checking each event as the composer
    takes it: one parse, and the checks run before the composer or constructor can recurse
    or expand."""

    def get_event(self) -> Any:
        event = super().get_event()
        self.loader.iadsim_bounds.see(event)
        return event


def _yaml(path: str | Path) -> YAML:
    yaml = YAML(typ="rt")
    yaml.Parser = _BoundedParser
    yaml.iadsim_bounds = _Bounds(path)
    return yaml


def read_text(path: str | Path) -> str:
    """A file's text, decoded by :func:`decode`; a missing, unreadable or oversized file is an
    :class:`InputError`."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise InputError.single("file not found", path) from None
    except OSError as exc:
        raise InputError.single(f"cannot read file: {exc.strerror or exc}", path) from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError.single(
            f"file is larger than {MAX_FILE_BYTES // 2**20} MiB; is it a scenario?", path
        )
    return decode(raw, path)


def read_yaml(path: str | Path, text: str | None = None) -> Any:
    """Parse a YAML file into ruamel's commented (position-carrying) containers.

    Raises :class:`InputError` naming the file, line and column for syntax errors, duplicate
    keys, undecodable bytes and forbidden characters, nesting or alias expansion beyond the
    bounds above, a missing or unreadable file.
    """
    path = Path(path)
    if text is None:
        text = read_text(path)
    elif _NOT_PRINTABLE.search(text):
        decode(text.encode("utf-8", errors="surrogatepass"), path)
    try:
        data = _yaml(path).load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        msg = " ".join(s for s in (exc.context, exc.problem) if s) or "invalid YAML"
        if mark is not None:
            raise InputError.single(msg, path, mark.line + 1, mark.column + 1) from None
        raise InputError.single(msg, path) from None
    except YAMLError as exc:
        raise InputError.single(f"invalid YAML: {exc}", path) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        # a last line of defence: the checks above should have caught these first
        raise InputError.single(
            f"cannot read this YAML: {type(exc).__name__}: {exc}", path
        ) from None
    if data is None:
        raise InputError.single("the file is empty", path, 1, 1)
    return data


def to_plain(node: Any) -> Any:
    """Convert ruamel containers to plain dicts and lists (pydantic validates those)."""
    if isinstance(node, Mapping):
        return {str(k): to_plain(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)) or (
        isinstance(node, Sequence) and not isinstance(node, (str, bytes))
    ):
        return [to_plain(v) for v in node]
    return node


def locate(
    root: Any, loc: Sequence[int | str], at_key: bool = False
) -> tuple[int | None, int | None]:
    """Return the 1-based (line, col) of the node at ``loc`` inside ``root``.

    Scalars are located at their value, collections at their key; with ``at_key`` the last
    element is located at its key (an unknown field). Walks as deep as the path exists; when a
    key is missing, the position of the deepest existing mapping is returned (that is where the
    missing field belongs).
    """
    node = root
    line: int | None = None
    col: int | None = None
    if isinstance(root, (CommentedMap, CommentedSeq)):
        line, col = root.lc.line + 1, root.lc.col + 1
    for depth, part in enumerate(loc):
        last = depth == len(loc) - 1
        if isinstance(node, CommentedMap) and part in node:
            child = node[part]
            kline, kcol = node.lc.key(part)
            if (last and at_key) or isinstance(child, (CommentedMap, CommentedSeq)):
                line, col = kline + 1, kcol + 1
            else:
                try:
                    vline, vcol = node.lc.value(part)
                except (KeyError, TypeError, AttributeError):
                    vline, vcol = kline, kcol
                line, col = vline + 1, vcol + 1
            node = child
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            iline, icol = node.lc.item(part)
            line, col = iline + 1, icol + 1
            node = node[part]
        else:
            break
    return line, col


def dotted(loc: Sequence[int | str]) -> str:
    """``('fire_units', 0, 'lat')`` -> ``fire_units[0].lat``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def problems_from_validation(
    exc: ValidationError, root: Any, path: str | Path, prefix: Sequence[int | str] = ()
) -> list[Problem]:
    """Map each pydantic error to a :class:`Problem` with its file position."""
    problems = []
    for err in exc.errors(include_url=False):
        # pydantic puts the tag of a discriminated/function validator in loc; drop non-data parts
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        full = [*prefix, *loc]
        line, col = locate(root, full, at_key=err["type"] == "extra_forbidden")
        msg = err["msg"]
        if err["type"] == "missing":
            msg = "required field is missing"
        elif err["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling; see docs/scenario-format.md)"
        problems.append(Problem(msg, str(path), line, col, dotted(full)))
    return problems


def validate(model: type[M], data: Any, path: str | Path, context: Any = None) -> M:
    """Validate position-carrying YAML data against a pydantic model, or raise InputError."""
    try:
        return model.model_validate(to_plain(data), context=context)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, data, path)) from None


def load_model_cached(path: str | Path, model: type[M], context: Any = None) -> M:
    """:func:`load_model` for files read on every start (the catalog's): the parsed data is
    kept as JSON under a SHA-256 of the file's text, since ruamel's pure-Python round-trip
    parser costs tens of ms a file. A hit is validated as the same plain data; anything else
    (no cache, a miss, a validation error) takes the full, positioned path."""
    import hashlib
    import json

    from iadsim.atomic import atomic_path
    from iadsim.cachedir import cache_root

    text = read_text(path)
    root = cache_root()
    entry = None
    if root is not None:
        digest = hashlib.sha256(f"{CACHE_FORMAT}\n{text}".encode()).hexdigest()
        entry = root / "yaml" / f"{digest}.json"
        try:
            data = json.loads(entry.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if data is not None:
            try:
                return model.model_validate(data, context=context)
            except ValidationError:
                pass  # the positioned error comes from the full parse below
    node = read_yaml(path, text)
    result = validate(model, node, path, context=context)
    if entry is not None:
        try:
            payload = json.dumps(to_plain(node))
            with atomic_path(entry, ".json") as tmp:
                tmp.write_text(payload, encoding="utf-8")
        except (OSError, TypeError, ValueError):
            pass  # e.g. a timestamp JSON cannot hold, or a read-only cache: only time is lost
    return result


#: Bumped when what the YAML cache stores changes meaning.
CACHE_FORMAT = "yaml-plain-1"


def load_model(path: str | Path, model: type[M], context: Any = None) -> M:
    """Read ``path`` and validate it as ``model``; errors carry FILE:LINE:COL."""
    return validate(model, read_yaml(path), path, context=context)

"""YAML input with positions: every validation error points at FILE:LINE:COL.

Files are read with ruamel.yaml's round-trip loader, which keeps the line and column of every
key and item; pydantic v2 validates the plain data, and each pydantic error location is mapped
back to the node it names. Duplicate keys and YAML syntax errors are reported the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from iadsim.errors import InputError, Problem

M = TypeVar("M", bound=BaseModel)


def read_text(path: str | Path) -> str:
    """A file's UTF-8 text; a missing or unreadable file is an :class:`InputError`."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError.single("file not found", path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.single(f"cannot read file: {exc}", path) from None


def read_yaml(path: str | Path, text: str | None = None) -> Any:
    """Parse a YAML file into ruamel's commented (position-carrying) containers.

    Raises :class:`InputError` naming the file, line and column for syntax errors, duplicate
    keys, a missing or unreadable file.
    """
    path = Path(path)
    if text is None:
        text = read_text(path)
    yaml = YAML(typ="rt")
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        msg = " ".join(s for s in (exc.context, exc.problem) if s) or "invalid YAML"
        if mark is not None:
            raise InputError.single(msg, path, mark.line + 1, mark.column + 1) from None
        raise InputError.single(msg, path) from None
    except YAMLError as exc:
        raise InputError.single(f"invalid YAML: {exc}", path) from None
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


def load_model(path: str | Path, model: type[M], context: Any = None) -> M:
    """Read ``path`` and validate it as ``model``; errors carry FILE:LINE:COL."""
    return validate(model, read_yaml(path), path, context=context)

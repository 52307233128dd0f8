"""Scenario files: reading them safely, with every problem located by file and line.

Core objects: ``load_scenario(path) -> Scenario``, ``scenario_from_yaml_text`` (uploads),
``scenario_to_yaml``, ``Problem`` and ``ScenarioError``. The schema itself (``Scenario``
and its parts) lives in ``chainsim.schema`` and is re-exported here, so
``from chainsim.scenario import Scenario, load_scenario`` is the usual import.

Loading never executes anything: the file's size and encoding are checked first, YAML goes
through ``yaml.SafeLoader`` after the node graph is checked for alias bombs, ``extends``
merges a baseline under the file, and every problem becomes a ``Problem`` carrying the
file, the line and the dotted field path. ``ScenarioError`` holds them all.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from .errors import printable
from .schema import (
    SIZE_CLASS_EDGES_YI,
    base_output_chain,
    AmountYi,
    Calendar,
    Calibration,
    Chain,
    County,
    Ensemble,
    FreeParameter,
    Intensity,
    LeverSetting,
    Moment,
    ParameterSetting,
    Policy,
    Scenario,
    Step,
    Target,
    did_you_mean,
    month_index,
    month_label,
    semantic_problems,
)

__all__ = [
    "MAX_FILE_BYTES", "MAX_YAML_NODES", "MAX_EXTENDS_DEPTH", "Problem", "ScenarioError",
    "load_scenario", "read_bounded", "decode_text", "scenario_from_data", "scenario_from_yaml_text", "scenario_to_yaml", "parse_text",
    "locate_problems",
    # the schema, re-exported
    "SIZE_CLASS_EDGES_YI", "AmountYi", "Calendar", "Calibration", "Chain", "County", "Ensemble", "FreeParameter",
    "Intensity", "LeverSetting", "Moment", "ParameterSetting", "Policy", "Scenario", "Step", "Target",
    "did_you_mean", "month_index", "month_label", "semantic_problems",
]

MAX_FILE_BYTES = 1_000_000
"""Largest scenario file accepted, in bytes (1 MB)."""

MAX_YAML_NODES = 50_000
"""Largest number of YAML nodes after alias expansion (guards against alias bombs)."""

MAX_EXTENDS_DEPTH = 8
"""How many files deep ``extends`` may chain."""


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    """One located problem in a scenario file."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        line = 0 if self.line is None else self.line  # 0: the problem is the whole file
        return printable(f"{self.file}:{line}: {self.field or '(file)'}: {self.message}")


class ScenarioError(Exception):
    """A scenario that cannot be used; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# --------------------------------------------------------------------------- YAML with positions


class _Located:
    """Line numbers of every key and item in a YAML document, by path."""

    def __init__(self, file: str):
        self.file = file
        self.lines: dict[tuple[Any, ...], tuple[str, int]] = {}
        self.problems: list[Problem] = []  # problems that still let the schema check the data

    def line_of(self, path: tuple[Any, ...]) -> tuple[str, int | None]:
        for n in range(len(path), -1, -1):
            hit = self.lines.get(tuple(path[:n]))
            if hit is not None:
                return hit
        return self.file, None


_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq",
                                                   "timestamp", "merge")}
"""The YAML tags a scenario may hold: plain scalars, mappings and lists (and ``<<`` merge keys)."""


def _count_nodes(root: yaml.Node) -> None:
    """Refuse a document that is too big: ``_YamlProblem`` when its distinct nodes exceed
    ``MAX_YAML_NODES`` (a big plain file) or when aliases expand it beyond that (an alias bomb)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend(_children(node))
    if len(seen) > MAX_YAML_NODES:
        raise _YamlProblem(f"the file holds {len(seen)} YAML nodes (keys, values and list items); the limit is "
                           f"{MAX_YAML_NODES}: a scenario this large is not supported, split it or trim it", None)
    _expanded(root, {}, set())


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _expanded(node: yaml.Node, memo: dict[int, int], stack: set[int]) -> int:
    """Nodes in the document once every alias is expanded (memoised, so never expanded)."""
    key = id(node)
    if key in memo:
        return memo[key]
    if key in stack:
        raise _YamlProblem("recursive YAML alias", node.start_mark.line + 1)
    stack.add(key)
    total = 1 + sum(_expanded(child, memo, stack) for child in _children(node))
    stack.discard(key)
    memo[key] = total
    if total > MAX_YAML_NODES:
        raise _YamlProblem(f"YAML aliases (*name) expand the document to more than {MAX_YAML_NODES} nodes, the "
                           f"limit (an alias bomb?); write the values out or use fewer aliases",
                           node.start_mark.line + 1)
    return total


class _YamlProblem(Exception):
    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.message = message
        self.line = line


def _walk_positions(node: yaml.Node, path: tuple[Any, ...], located: _Located, problems: list[Problem]) -> None:
    located.lines.setdefault(path, (located.file, node.start_mark.line + 1))
    if node.tag not in _PLAIN_TAGS:
        shown = node.tag.replace("tag:yaml.org,2002:", "!!")
        problems.append(Problem(located.file, node.start_mark.line + 1, _dotted(path),
                                f"tag not allowed: {shown} (only plain YAML values, mappings and lists are read)"))
        return
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for k, v in node.value:
            key = k.value if isinstance(k, yaml.ScalarNode) else None
            if key in seen:
                problems.append(Problem(located.file, k.start_mark.line + 1, _dotted((*path, key)), "duplicate key"))
            seen.add(key)
            located.lines[(*path, key)] = (located.file, k.start_mark.line + 1)
            _walk_positions(v, (*path, key), located, problems)
    elif isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            _walk_positions(child, (*path, i), located, problems)


def _dotted(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def read_bounded(path: str | Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or ``ScenarioError``.

    Only regular files are read: a FIFO, a device (/dev/zero, /dev/urandom), a socket or a
    directory is refused before a byte is read (the file is opened non-blocking, so a FIFO
    without a writer cannot hang the open), and the limit is enforced while reading, so a
    file that grows or lies about its size is cut off at ``limit + 1`` bytes.
    """
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ScenarioError([Problem(name, None, "", _os_problem(exc))]) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError([Problem(name, None, "", f"is {_file_kind(info.st_mode)}, not a scenario file "
                                                           "(only regular files are read)")])
        if info.st_size > limit:
            raise ScenarioError([Problem(name, None, "", f"file is {info.st_size} bytes; the limit is {limit} bytes")])
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 16, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise ScenarioError([Problem(name, None, "", _os_problem(exc))]) from None
    finally:
        os.close(fd)
    if total > limit:
        raise ScenarioError([Problem(name, None, "", f"file is larger than the limit of {limit} bytes")])
    return b"".join(chunks)


def _os_problem(exc: OSError) -> str:
    """A plain message for an error opening or reading a scenario file."""
    if exc.errno == errno.ENOENT:
        return "no such file"
    if exc.errno == errno.ELOOP:
        return "symbolic link loop (the link points, directly or not, back to itself)"
    if exc.errno == errno.EISDIR:
        return "is a directory, not a scenario file"
    return f"cannot read: {exc.strerror or exc}"


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def decode_text(raw: bytes, name: str) -> str:
    """Scenario bytes as text (UTF-8, a BOM allowed), or ``ScenarioError`` saying what they look like."""
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise ScenarioError([Problem(name, line, "", "binary data (NUL bytes), not a YAML text file")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        if _looks_like_gb18030(raw):
            message = ("not UTF-8 text: it looks like Chinese text in the GBK/GB18030 encoding; save the file as "
                       "UTF-8 (e.g. iconv -f GB18030 -t UTF-8, or 'Save as UTF-8' in the editor)")
        else:
            message = "not UTF-8 text (binary data, or another encoding?); save the file as UTF-8"
        raise ScenarioError([Problem(name, line, "", message)]) from None


def _looks_like_gb18030(raw: bytes) -> bool:
    """Whether bytes decode as GB18030 into mostly printable text with Chinese characters."""
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        return False
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    odd = sum(1 for ch in text if not (ch.isprintable() or ch in "\n\r\t"))
    return han > 0 and odd == 0


def _read_document(path: Path) -> tuple[dict[str, Any], _Located]:
    """Read one YAML file into a dict and its positions, or raise ScenarioError."""
    name = str(path)
    return _parse(decode_text(read_bounded(path), name), name)


def parse_text(text: str, name: str) -> tuple[dict[str, Any], _Located]:
    """Parse YAML text safely into a top-level mapping plus its positions; ``ScenarioError``
    lists every problem found in the text (duplicate keys, tags, syntax)."""
    data, located = _parse(text, name)
    if located.problems:
        raise ScenarioError(located.problems)
    return data, located


_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML has it (9× faster on a calibrated posterior), else PyYAML's
own; either composes only nodes: the values are constructed by ``yaml.SafeLoader`` below."""


def _parse(text: str, name: str) -> tuple[dict[str, Any], _Located]:
    """Like ``parse_text``, but problems that leave the data usable (duplicate keys) are kept
    in ``located.problems`` so the schema's problems can be reported with them."""
    located = _Located(name)
    problems: list[Problem] = []
    try:
        root = yaml.compose(text, Loader=_COMPOSER)
        if root is None:
            raise ScenarioError([Problem(name, None, "", "empty file: expected a scenario mapping")])
        _count_nodes(root)
        if not isinstance(root, yaml.MappingNode):
            kind = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
            raise ScenarioError([Problem(name, root.start_mark.line + 1, "",
                                         f"top level is {kind}; expected a mapping of scenario fields")])
        _walk_positions(root, (), located, problems)
        if any(p.message.startswith("tag not allowed") for p in problems):
            raise ScenarioError(problems)  # never construct a tagged value
        constructor = yaml.SafeLoader("")  # SafeLoader: no code execution; built from the nodes composed above,
        data = constructor.construct_document(root)  # not by parsing the text a second time
        constructor.dispose()
    except _YamlProblem as exc:
        raise ScenarioError([Problem(name, exc.line, "", exc.message)]) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        code = ord(exc.character) if isinstance(exc.character, str) else exc.character
        raise ScenarioError([Problem(name, line, "", f"character #x{code:04x} is not allowed in YAML text "
                                                     "(a control character); remove it")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        if "maximum nesting depth" in message:  # libyaml's own bound on nesting
            raise ScenarioError([Problem(name, line, "", "YAML nested too deeply")]) from None
        raise ScenarioError([Problem(name, line, "", f"YAML error: {message}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(name, None, "", f"YAML error: {exc}")]) from None
    except RecursionError:
        raise ScenarioError([Problem(name, None, "", "YAML nested too deeply")]) from None
    if not isinstance(data, dict):
        raise ScenarioError([Problem(name, None, "", "expected a mapping of scenario fields")])
    located.problems = problems
    return data, located


def _merge(base: Any, over: Any) -> Any:
    """Deep-merge mappings (``over`` wins); lists and scalars are replaced whole."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = _merge(base[key], value) if key in base else value
        return out
    return over


def _resolve(path: Path, depth: int, chain: tuple[Path, ...]) -> tuple[dict[str, Any], _Located]:
    data, located = _read_document(path)
    parents = data.pop("extends", None)
    if parents is None:
        return data, located
    if isinstance(parents, str):
        parents = [parents]
    if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
        raise ScenarioError([Problem(str(path), located.line_of(("extends",))[1], "extends",
                                     "expected a file name or a list of file names")])
    if depth >= MAX_EXTENDS_DEPTH:
        raise ScenarioError([Problem(str(path), located.line_of(("extends",))[1], "extends",
                                     f"extends nested more than {MAX_EXTENDS_DEPTH} deep")])
    merged: dict[str, Any] = {}
    merged_loc = _Located(str(path))
    for parent in parents:
        parent_path = _resolved(path.parent / parent)
        if parent_path in chain:
            raise ScenarioError([Problem(str(path), located.line_of(("extends",))[1], "extends",
                                         f"circular extends through {parent}")])
        try:
            pdata, ploc = _resolve(parent_path, depth + 1, (*chain, parent_path))
        except ScenarioError as exc:
            # a problem with the extended file as a whole is reported on the extends line
            line = located.line_of(("extends",))[1]
            raise ScenarioError([
                (Problem(str(path), line, "extends", f"extends a missing file: {parent}") if p.message == "no such file"
                 else Problem(str(path), line, "extends", f"extends {parent}: {p.message}"))
                if p.file == str(parent_path) and p.line is None else p
                for p in exc.problems]) from None
        merged = _merge(merged, pdata)
        merged_loc.lines.update(ploc.lines)
        merged_loc.problems.extend(ploc.problems)
    merged = _merge(merged, data)
    if "posterior" not in data and ("chains" in data or "counties" in data):
        merged = _posterior_for_own_chains(merged)
    # the child's own positions win for every path it sets
    merged_loc.lines.update(located.lines)
    merged_loc.problems.extend(located.problems)
    merged_loc.file = str(path)
    return merged, merged_loc


def _posterior_for_own_chains(data: dict[str, Any]) -> dict[str, Any]:
    """A posterior inherited through ``extends`` by a file with chains of its own keeps only the
    base outputs of chains it has: another county's base outputs say nothing about these
    (the pipeline parameters, shared, keep their joint draws)."""
    post = data.get("posterior")
    if not isinstance(post, dict) or not isinstance(post.get("parameters"), list):
        return data
    ids: set[str] = set()
    for c in data.get("chains") or []:
        if isinstance(c, dict):
            ids.add(str(c.get("id")))
    for county in data.get("counties") or []:
        if isinstance(county, dict):
            for c in county.get("chains") or []:
                if isinstance(c, dict):
                    ids.add(f"{county.get('id')}__{c.get('id')}")
    names = post["parameters"]
    keep = [k for k, n in enumerate(names)
            if not (isinstance(n, str) and base_output_chain(n) not in (None, *ids))]
    if len(keep) == len(names):
        return data
    rows = post.get("draws")
    new = {**post, "parameters": [names[k] for k in keep]}
    if isinstance(rows, list):
        new["draws"] = [[row[k] for k in keep] if isinstance(row, list) and len(row) == len(names) else row
                        for row in rows]
    return {**data, "posterior": new}


def _pydantic_problems(exc: ValidationError, located: _Located) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        # pydantic adds union/tag segments such as 'float' or 'LeverSetting'; keep data keys only
        loc = _data_path(loc, located)
        file, line = located.line_of(loc)
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(Scenario, loc[:-1])
            message = f"unknown key {loc[-1]!r}{did_you_mean(loc[-1], allowed)}"
            if allowed:
                message += f" (allowed: {', '.join(sorted(allowed))})"
        elif message.startswith("Value error, "):
            message = message[len("Value error, "):]
        elif err["type"] == "missing":
            message = "required field is missing"
        elif err["type"] in ("model_type", "model_attributes_type", "dict_type"):
            message = f"expected {_EXPECTED.get(err.get('ctx', {}).get('class_name', ''), _A_MAPPING)}, " \
                      f"got {_described(err.get('input'))}"
        problems.append(Problem(file, line, _dotted(loc), message))
    return problems


_A_MAPPING = "a mapping of fields (key: value lines)"
_EXPECTED = {
    "LeverSetting": "a number (the lever's value) or a mapping such as {value: 1.5, schedule: [{from: 2024-01, "
                    "value: 2.0}], by_chain: {chain_id: 1.2}}",
    "ParameterSetting": "a number (its value) or a mapping such as {value: 12, provenance: assumed} or "
                        "{dist: uniform, low: 6, high: 18}",
}
"""What a field of a model type expects, in the words of a scenario file (by model class)."""


def _described(value: Any) -> str:
    """A short description of a YAML value for a message."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "…"
        return f"the text {shown!r}"
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    if value is None:
        return "nothing (null)"
    return type(value).__name__


def _data_path(loc: tuple[Any, ...], located: _Located) -> tuple[Any, ...]:
    out: list[Any] = []
    for part in loc:
        candidate = (*out, part)
        if isinstance(part, int) or candidate in located.lines or not out or part not in {
            "float", "int", "str", "LeverSetting", "ParameterSetting", "list[str]", "literal['all','in_park']",
        }:
            out.append(part)
    return tuple(out)


def _allowed_keys(model: Any, loc: tuple[Any, ...]) -> list[str]:
    """Field names (as written in YAML) of the model reached by following ``loc``."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = next((f for n, f in current.model_fields.items() if (f.alias or n) == part), None)
            if field is None:
                return []
            current = field.annotation
        elif get_origin(current) in (list, tuple):
            current = get_args(current)[0]
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        else:
            return []
    current = _unwrap(current)
    if get_origin(current) is dict:
        return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or n for n, f in current.model_fields.items()]
    return []


def _unwrap(tp: Any) -> Any:
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin is Union or str(origin) == "types.UnionType":
            args = [a for a in get_args(tp) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            tp = models[0] if models else args[0]
        else:
            return tp


def scenario_from_data(data: dict[str, Any], name: str = "<scenario>", located: _Located | None = None) -> Scenario:
    """Validate already-parsed data into a Scenario, raising ScenarioError with locations.

    Every problem of the data is reported at once: the schema's, those the YAML reader kept
    (``located.problems``), and the semantic checks of the parts the schema did accept.
    """
    located = located or _Located(name)
    from .province import flatten_counties  # a file's counties[].chains → the flat chains list

    data, located, as_written = flatten_counties(data, located)
    problems = list(located.problems)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems += _pydantic_problems(exc, located)
        problems += _semantic_problems_despite(exc, data, located)
        raise ScenarioError([as_written(p) for p in problems]) from None
    problems += [Problem(*located.line_of(loc), _dotted(loc), message) for loc, message in semantic_problems(scenario)]
    if problems:
        raise ScenarioError([as_written(p) for p in problems])
    return scenario


_STAND_INS: dict[str, Any] = {"id": "scenario", "county": {"name_zh": "-", "name_en": "-"},
                              "calendar": {"start": "2000-01", "horizon": "2000-12"}}
"""Valid stand-ins for the required top-level fields, used only to run the semantic checks."""

_WIDE_CALENDAR = Calendar.model_construct(start="1900-01", step="month", horizon="2200-12", warmup_months=0)
"""A calendar no date falls outside: with it, checks against the calendar find nothing."""


def _semantic_problems_despite(exc: ValidationError, data: dict[str, Any], located: _Located) -> list[Problem]:
    """The semantic problems of the parts of ``data`` that the schema accepted.

    The parts the schema refused (a lever, a parameter, a chain, a section) are taken out or
    replaced by stand-ins, the rest is validated again and checked, and problems inside the
    removed parts (or naming a removed chain) are dropped. Best effort: ``[]`` when what is
    left cannot make a scenario.
    """
    standin = dict(data)
    removed: list[tuple[Any, ...]] = []
    bad_chains: set[int] = set()
    for err in exc.errors(include_url=False):
        loc = err["loc"]
        if not loc:
            return []
        head = loc[0]
        if head == "chains" and len(loc) > 1 and isinstance(loc[1], int):
            bad_chains.add(loc[1])
        elif head in ("parameters", "policy") and len(loc) > (1 if head == "parameters" else 2) and (
                head == "parameters" or loc[1] == "levers"):
            key = loc[1] if head == "parameters" else loc[2]
            section = dict(standin.get(head) or {})
            if head == "parameters":
                section.pop(key, None)
            else:
                section["levers"] = {k: v for k, v in (section.get("levers") or {}).items() if k != key}
            standin[head] = section
            removed.append(loc[:2] if head == "parameters" else loc[:3])
        elif head in _STAND_INS:
            standin[head] = _STAND_INS[head]
            removed.append((head,))
        elif head == "chains":
            return []
        else:
            standin.pop(head, None)
            removed.append((head,))
    chains = data.get("chains")
    kept = list(range(len(chains))) if isinstance(chains, list) else []
    dropped_ids: set[Any] = set()
    if bad_chains:
        kept = [i for i in kept if i not in bad_chains]
        if not kept:
            return []
        standin["chains"] = [chains[i] for i in kept]  # type: ignore[index]
        dropped_ids = {chains[i].get("id") for i in bad_chains if isinstance(chains[i], dict)}  # type: ignore[index]
    try:
        scenario = Scenario.model_validate(standin)
        if ("calendar",) in removed:
            scenario = scenario.model_copy(update={"calendar": _WIDE_CALENDAR})
        found = semantic_problems(scenario)
    except (ValidationError, ValueError, KeyError, TypeError):
        return []  # what is left is not a scenario either: the schema's problems stand alone
    problems = []
    for loc, message in found:
        if loc[:1] == ("chains",) and len(loc) > 1:
            loc = ("chains", kept[loc[1]], *loc[2:])
        if any(loc[: len(r)] == r for r in removed) or any(f"no chain {c!r}" in message for c in dropped_ids):
            continue
        problems.append(Problem(*located.line_of(loc), _dotted(loc), message))
    return problems


def _read_located(path: str | Path) -> tuple[dict[str, Any], _Located]:
    """A scenario file merged with what it extends, and where each key stands; positions
    and whole-file problems of the top file are reported under the name the user gave."""
    p = Path(path)
    real = _resolved(p)
    resolved = str(real)

    def as_given(problems: list[Problem]) -> list[Problem]:
        return [replace(q, file=str(path)) if q.file in (resolved, str(p)) else q for q in problems]

    try:
        data, located = _resolve(real, 0, (real,))
    except ScenarioError as exc:
        raise ScenarioError(as_given(exc.problems)) from None
    located.file = str(path)
    located.lines = {k: ((str(path) if f == resolved else f), line) for k, (f, line) in located.lines.items()}
    located.problems = as_given(located.problems)
    return data, located


def _resolved(path: Path) -> Path:
    """``path`` made absolute with its symbolic links followed; a link loop (or a link that
    cannot be followed) is left as it is, for reading it to report."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def load_scenario(path: str | Path) -> Scenario:
    """Load, merge (``extends``) and validate a scenario file.

    Raises ``ScenarioError`` listing every problem with file, line and field.
    """
    data, located = _read_located(path)
    return scenario_from_data(data, str(path), located)


def locate_problems(path: str | Path, items: list[tuple[tuple[Any, ...], str]]) -> ScenarioError:
    """A ``ScenarioError`` for (field path, message) pairs found by a later check (e.g.
    calibration's), each placed on the line of the file (or extended file) that sets it."""
    _, located = _read_located(path)
    problems = []
    for loc, message in items:
        file, line = located.line_of(loc)
        problems.append(Problem(file, line, _dotted(loc), message))
    return ScenarioError(problems)


def scenario_from_yaml_text(text: str, name: str = "<upload>") -> Scenario:
    """Validate a scenario given as YAML text (uploads); ``extends`` is not allowed here."""
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise ScenarioError([Problem(name, None, "", f"larger than the limit of {MAX_FILE_BYTES} bytes")])
    if "\x00" in text:
        raise ScenarioError([Problem(name, None, "", "binary data (NUL bytes), not a YAML text file")])
    data, located = _parse(text, name)
    if "extends" in data:
        raise ScenarioError([Problem(name, located.line_of(("extends",))[1], "extends",
                                     "an uploaded scenario must be self-contained (no extends)")])
    return scenario_from_data(data, name, located)


def scenario_to_yaml(scenario: Scenario) -> str:
    """The scenario as a self-contained YAML document that ``load_scenario`` accepts."""
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    for key in ("counties", "pairs"):
        if not data.get(key):
            data.pop(key, None)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)

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

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from .schema import (
    SIZE_CLASS_EDGES_YI,
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
    "load_scenario", "scenario_from_data", "scenario_from_yaml_text", "scenario_to_yaml", "parse_text",
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
        return f"{self.file}:{line}: {self.field or '(file)'}: {self.message}"


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

    def line_of(self, path: tuple[Any, ...]) -> tuple[str, int | None]:
        for n in range(len(path), -1, -1):
            hit = self.lines.get(tuple(path[:n]))
            if hit is not None:
                return hit
        return self.file, None


def _count_nodes(node: yaml.Node, memo: dict[int, int], stack: set[int]) -> int:
    key = id(node)
    if key in memo:
        return memo[key]
    if key in stack:
        raise _YamlProblem("recursive YAML alias", node.start_mark.line + 1)
    stack.add(key)
    total = 1
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            total += _count_nodes(child, memo, stack)
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            total += _count_nodes(k, memo, stack) + _count_nodes(v, memo, stack)
    stack.discard(key)
    memo[key] = total
    if total > MAX_YAML_NODES:
        raise _YamlProblem(
            f"the document expands to more than {MAX_YAML_NODES} YAML nodes (an alias bomb?)",
            node.start_mark.line + 1,
        )
    return total


class _YamlProblem(Exception):
    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.message = message
        self.line = line


def _walk_positions(node: yaml.Node, path: tuple[Any, ...], located: _Located, problems: list[Problem]) -> None:
    located.lines.setdefault(path, (located.file, node.start_mark.line + 1))
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


def _read_document(path: Path) -> tuple[dict[str, Any], _Located]:
    """Read one YAML file into a dict and its positions, or raise ScenarioError."""
    name = str(path)
    if not path.exists():
        raise ScenarioError([Problem(name, None, "", "no such file")])
    if path.is_dir():
        raise ScenarioError([Problem(name, None, "", "is a directory, not a scenario file")])
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError([Problem(name, None, "", f"file is {size} bytes; the limit is {MAX_FILE_BYTES} bytes")])
        raw = path.read_bytes()[: MAX_FILE_BYTES + 1]
    except OSError as exc:
        raise ScenarioError([Problem(name, None, "", f"cannot read: {exc.strerror or exc}")]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError([Problem(name, None, "", f"file is larger than the limit of {MAX_FILE_BYTES} bytes")])
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise ScenarioError([Problem(name, line, "", "binary data (NUL bytes), not a YAML text file")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError([Problem(name, line, "", "not UTF-8 text (binary data?)")]) from None
    return parse_text(text, name)


def parse_text(text: str, name: str) -> tuple[dict[str, Any], _Located]:
    """Parse YAML text safely into a top-level mapping plus its positions."""
    located = _Located(name)
    problems: list[Problem] = []
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        if root is None:
            raise ScenarioError([Problem(name, None, "", "empty file: expected a scenario mapping")])
        _count_nodes(root, {}, set())
        if not isinstance(root, yaml.MappingNode):
            kind = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
            raise ScenarioError([Problem(name, root.start_mark.line + 1, "",
                                         f"top level is {kind}; expected a mapping of scenario fields")])
        _walk_positions(root, (), located, problems)
        data = yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 - SafeLoader: no code execution
    except _YamlProblem as exc:
        raise ScenarioError([Problem(name, exc.line, "", exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        if "python/" in message or "could not determine a constructor" in message:
            message = f"tag not allowed (only plain YAML is read): {message}"
        raise ScenarioError([Problem(name, line, "", f"YAML error: {message}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(name, None, "", f"YAML error: {exc}")]) from None
    except RecursionError:
        raise ScenarioError([Problem(name, None, "", "YAML nested too deeply")]) from None
    if problems:
        raise ScenarioError(problems)
    if not isinstance(data, dict):
        raise ScenarioError([Problem(name, None, "", "expected a mapping of scenario fields")])
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
        parent_path = (path.parent / parent).resolve()
        if parent_path in chain:
            raise ScenarioError([Problem(str(path), located.line_of(("extends",))[1], "extends",
                                         f"circular extends through {parent}")])
        try:
            pdata, ploc = _resolve(parent_path, depth + 1, (*chain, parent_path))
        except ScenarioError as exc:
            if any(p.file == str(parent_path) and p.message == "no such file" for p in exc.problems):
                raise ScenarioError([Problem(str(path), located.line_of(("extends",))[1], "extends",
                                             f"extends a missing file: {parent}")]) from None
            raise
        merged = _merge(merged, pdata)
        merged_loc.lines.update(ploc.lines)
    merged = _merge(merged, data)
    # the child's own positions win for every path it sets
    merged_loc.lines.update(located.lines)
    merged_loc.file = str(path)
    return merged, merged_loc


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
        problems.append(Problem(file, line, _dotted(loc), message))
    return problems


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
    """Validate already-parsed data into a Scenario, raising ScenarioError with locations."""
    located = located or _Located(name)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_pydantic_problems(exc, located)) from None
    problems = []
    for loc, message in semantic_problems(scenario):
        file, line = located.line_of(loc)
        problems.append(Problem(file, line, _dotted(loc), message))
    if problems:
        raise ScenarioError(problems)
    return scenario


def _read_located(path: str | Path) -> tuple[dict[str, Any], _Located]:
    """A scenario file merged with what it extends, and where each key stands; positions
    and whole-file problems of the top file are reported under the name the user gave."""
    p = Path(path)
    resolved = str(p.resolve())
    try:
        data, located = _resolve(p.resolve() if p.exists() else p, 0, (p.resolve(),))
    except ScenarioError as exc:
        raise ScenarioError([replace(q, file=str(path)) if q.file == resolved else q
                             for q in exc.problems]) from None
    located.file = str(path)
    located.lines = {k: ((str(path) if f == resolved else f), line) for k, (f, line) in located.lines.items()}
    return data, located


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
    data, located = parse_text(text, name)
    if "extends" in data:
        raise ScenarioError([Problem(name, located.line_of(("extends",))[1], "extends",
                                     "an uploaded scenario must be self-contained (no extends)")])
    return scenario_from_data(data, name, located)


def scenario_to_yaml(scenario: Scenario) -> str:
    """The scenario as a self-contained YAML document that ``load_scenario`` accepts."""
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)

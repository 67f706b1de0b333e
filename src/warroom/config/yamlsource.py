"""Read YAML into plain data while remembering the line of every key and list item.

PyYAML's own constructor forgets where values came from and silently keeps the last of two
equal keys, so documents are composed into nodes and turned into Python values here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import ROOT_PATH, ConfigIssue, Loc, format_path

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class Source:
    """Plain configuration data plus, for every location in it, the file and line it came from."""

    label: str
    """The path as the user gave it: a file or a folder."""
    files: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    where: dict[Loc, tuple[str, int]] = field(default_factory=dict)
    issues: list[ConfigIssue] = field(default_factory=list)
    fatal: bool = False
    """Set when a file could not be read as a YAML mapping: validating the rest would mislead."""

    def locate(self, loc: Loc) -> tuple[str, int | None]:
        """File and line of ``loc``, or of its nearest parent with a known line."""
        for size in range(len(loc), -1, -1):
            found = self.where.get(loc[:size])
            if found is not None:
                return found
        return self.label, None

    def describe(self, loc: Loc, seen_from: str) -> str:
        """``line 4`` if ``loc`` is in ``seen_from``, else ``other.yaml:4``."""
        file, line = self.locate(loc)
        if line is None:
            return file if file != seen_from else format_path(loc)
        return f"line {line}" if file == seen_from else f"{file}:{line}"

    def issue(self, loc: Loc, message: str) -> ConfigIssue:
        file, line = self.locate(loc)
        return ConfigIssue(file, line, format_path(loc), message)

    def fail(self, file: str, line: int | None, message: str) -> None:
        self.issues.append(ConfigIssue(file, line, ROOT_PATH, message))
        self.fatal = True


def read_source(path: Path, label: str | None = None) -> Source:
    """Read a YAML file, or every ``*.yaml``/``*.yml`` file of a folder (sorted, merged)."""
    source = Source(label if label is not None else str(path))
    if path.is_dir():
        files = sorted(
            child
            for child in path.iterdir()
            if child.suffix in YAML_SUFFIXES and child.is_file() and not child.name.startswith(".")
        )
        if not files:
            source.fail(source.label, None, "no .yaml or .yml files in this folder")
        for child in files:
            _merge(source, _read_file(child, str(Path(source.label) / child.name)))
    elif not path.exists():
        source.fail(source.label, None, "file not found")
    else:
        document = _read_file(path, source.label)
        _merge(source, document)
        if document.root_line is not None:
            source.where[()] = (document.file, document.root_line)
    return source


def parse_text(text: str, file: str) -> Source:
    """Read configuration from YAML text; ``file`` names it in messages."""
    source = Source(file)
    document = _parse(text, file)
    _merge(source, document)
    if document.root_line is not None:
        source.where[()] = (file, document.root_line)
    return source


@dataclass
class _Document:
    file: str
    data: dict[str, Any] = field(default_factory=dict)
    lines: dict[Loc, int] = field(default_factory=dict)
    issues: list[ConfigIssue] = field(default_factory=list)
    fatal: bool = False
    root_line: int | None = None


def _read_file(path: Path, file: str) -> _Document:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return _failed(file, None, f"cannot read the file: {exc.strerror or exc}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return _failed(file, line, "the file is not UTF-8 text")
    return _parse(text, file)


def _failed(file: str, line: int | None, message: str) -> _Document:
    return _Document(file, issues=[ConfigIssue(file, line, ROOT_PATH, message)], fatal=True)


def _parse(text: str, file: str) -> _Document:
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            return _failed(file, None if mark is None else mark.line + 1, _yaml_message(exc))
        except yaml.reader.ReaderError as exc:
            line = text.count("\n", 0, exc.position) + 1
            return _failed(file, line, f"invalid YAML: {exc.reason}")
        except yaml.YAMLError as exc:
            return _failed(file, None, f"invalid YAML: {exc}")
        document = _Document(file)
        if node is None:
            return document
        document.root_line = node.start_mark.line + 1
        data = _Builder(document, loader).build(node, ())
        if data is None:
            return document
        if not isinstance(data, dict):
            kind = "a list" if isinstance(data, list) else f"the value {data!r}"
            return _failed(
                file,
                document.root_line,
                f"the top level must be a mapping of keys (teams:, services:, ...), got {kind}",
            )
        document.data = data
        return document
    finally:
        loader.dispose()


_FRIENDLIER_YAML_PROBLEMS = {
    "but found another document": "a config file holds one YAML document; remove the '---' "
    "or split the documents into files of a folder",
    "expected <block end>": "the indentation does not line up with the lines above",
    "mapping values are not allowed here": "a ':' is not allowed here (check the indentation, "
    "or quote a value that contains ': ')",
    "found character '\\t' that cannot start any token": "tab character: indent with spaces",
}


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or "cannot parse"
    context, context_mark = exc.context, exc.context_mark
    if context_mark is not None and (context or "").startswith("while scanning a quoted"):
        return f"invalid YAML: the quoted text started at line {context_mark.line + 1} never ends"
    for prefix, friendlier in _FRIENDLIER_YAML_PROBLEMS.items():
        if problem.startswith(prefix):
            return f"invalid YAML: {friendlier}"
    message = f"invalid YAML: {problem}"
    problem_line = exc.problem_mark.line if exc.problem_mark else None
    if context and context_mark is not None and context_mark.line != problem_line:
        message += f" ({context} started at line {context_mark.line + 1})"
    return message


class _Builder:
    """Turns composed nodes into plain values, recording lines and duplicate keys."""

    def __init__(self, document: _Document, loader: yaml.SafeLoader) -> None:
        self.document = document
        self.loader = loader
        self.active: set[int] = set()

    def report(self, loc: Loc, node: Node, message: str, line: int | None = None) -> None:
        line = line or node.start_mark.line + 1
        issue = ConfigIssue(self.document.file, line, format_path(loc), message)
        self.document.issues.append(issue)

    def build(self, node: Node, loc: Loc) -> Any:
        if id(node) in self.active:
            line = self.document.lines.get(loc)
            self.report(loc, node, "an alias refers to the value that contains it", line)
            return None
        self.active.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, loc)
            if isinstance(node, SequenceNode):
                return self._sequence(node, loc)
            return self._scalar(node, loc)
        finally:
            self.active.discard(id(node))

    def _mapping(self, node: MappingNode, loc: Loc) -> dict[str, Any]:
        if node.tag != _MAP_TAG:
            self.report(loc, node, f"unsupported YAML tag {node.tag!r}")
        result: dict[str, Any] = {}
        first_lines: dict[str, int] = {}
        merged: list[tuple[Node, Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged += self._merge_pairs(value_node, loc)
                continue
            if not isinstance(key_node, ScalarNode):
                self.report(loc, key_node, "keys must be plain text, not a list or a mapping")
                continue
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in first_lines:
                message = f"duplicate key {key!r} (first defined at line {first_lines[key]})"
                self.report((*loc, key), key_node, message)
                continue
            first_lines[key] = line
            self.document.lines[(*loc, key)] = line
            result[key] = self.build(value_node, (*loc, key))
        for key_node, value_node in merged:
            if isinstance(key_node, ScalarNode) and str(key_node.value) not in result:
                key = str(key_node.value)
                self.document.lines[(*loc, key)] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, (*loc, key))
        return result

    def _merge_pairs(self, node: Node, loc: Loc) -> list[tuple[Node, Node]]:
        """Key/value pairs brought in by ``<<: *anchor`` (or a list of anchors)."""
        sources = node.value if isinstance(node, SequenceNode) else [node]
        pairs: list[tuple[Node, Node]] = []
        for source in sources:
            if not isinstance(source, MappingNode):
                self.report(loc, source, "'<<' must be followed by a mapping or a list of them")
                continue
            for key_node, value_node in source.value:
                if key_node.tag == _MERGE_TAG:
                    pairs += self._merge_pairs(value_node, loc)
                else:
                    pairs.append((key_node, value_node))
        return pairs

    def _sequence(self, node: SequenceNode, loc: Loc) -> list[Any]:
        if node.tag != _SEQ_TAG:
            self.report(loc, node, f"unsupported YAML tag {node.tag!r}")
        items: list[Any] = []
        for index, item in enumerate(node.value):
            self.document.lines[(*loc, index)] = item.start_mark.line + 1
            items.append(self.build(item, (*loc, index)))
        return items

    def _scalar(self, node: Node, loc: Loc) -> Any:
        # Plain 17:00 is a base-60 integer in YAML 1.1 and 2024-05-01 a date; in a config
        # file they are always meant as text (times of day, names).
        if node.tag == _TIMESTAMP_TAG or (
            node.tag in (_INT_TAG, _FLOAT_TAG) and ":" in str(node.value)
        ):
            return str(node.value)
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError:
            self.report(loc, node, f"unsupported YAML tag {node.tag!r}")
            return str(node.value)


def _merge(source: Source, document: _Document) -> None:
    """Add a document: new top-level keys are taken, lists are concatenated, others clash."""
    source.files.append(document.file)
    source.issues += document.issues
    if document.fatal:
        source.fatal = True
        return
    offsets: dict[str, int] = {}
    for key, value in document.data.items():
        if key not in source.data:
            source.data[key] = value
            offsets[key] = 0
        elif isinstance(source.data[key], list) and isinstance(value, list):
            offsets[key] = len(source.data[key])
            source.data[key] = source.data[key] + value
        else:
            first_file, first_line = source.where[(key,)]
            source.issues.append(
                ConfigIssue(
                    document.file,
                    document.lines[(key,)],
                    key,
                    f"{key!r} is already defined in {first_file}:{first_line}; only lists "
                    "(teams, services, integrations, alert_rules, ...) can be split across files",
                )
            )
    for loc, line in document.lines.items():
        key = str(loc[0])
        offset = offsets.get(key)
        if offset is None or (offset and len(loc) == 1):
            continue
        shifted = (key, int(loc[1]) + offset, *loc[2:]) if offset else loc
        source.where[shifted] = (document.file, line)

"""Read an OpenAPI document as people write it (YAML or JSON, one file or several) into one self-contained dict.

Every `$ref` ends up local and canonical: a named component (`#/components/schemas/Pet`) stays as it is; a
pointer into another file, or deep into this one (`#/components/schemas/Order/allOf/0`, `#/paths/~1pets/...`),
is copied into `components` under a readable name, so every later reader only ever meets `#/components/KIND/NAME`.
"""
from __future__ import annotations

import copy
import difflib
import json
import re
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote

import orjson
import yaml

from mock_server.errors import SpecIssue, SpecLoadError
from mock_server.loading.oaswalk import SECTION_OF_KIND, children, is_leaf
from mock_server.loading.parse_cache import cached_parse
from mock_server.loading.pointer import follow, fragment_of, place, tokens_of

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Visited = list[tuple[str, tuple[str | int, ...], Any]]  # (kind, path, object) of every OpenAPI object, in document order


class Checker(Protocol):
    """What checks a document while it is bundled, so the document is walked once (speclint's linter)."""

    def start(self, doc: dict[str, Any]) -> bool:
        """Check the top level; False when the objects below are not worth visiting."""

    def visit(self, kind: str, path: tuple[str | int, ...], node: Any) -> None:
        """Check (and repair) one object, before the objects below it are looked at."""

    def finish(self, visited: Visited) -> None:
        """Checks that need the whole bundled document."""


class _Yaml12Loader(_Base):
    """YAML as OpenAPI tools read it: keys stay text (`200:`), YAML 1.2 scalars (`NO` and `2020-01-01` stay strings)."""

    yaml_implicit_resolvers: dict[Any, Any] = {}

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int]] = []

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[str, Any]:
        written = sum(1 for key_node, _ in node.value if key_node.tag != "tag:yaml.org,2002:merge")
        self.flatten_mapping(node)  # anchors merged with `<<: *base` come first, then what is written here
        mapping: dict[str, Any] = {}
        own: set[str] = set()
        for index, (key_node, value_node) in enumerate(node.value):
            if isinstance(key_node, yaml.ScalarNode):
                key = key_node.value
            else:
                key = str(self.construct_object(key_node, deep=deep))
            if index >= len(node.value) - written:
                if key in own:
                    self.duplicates.append((key, key_node.start_mark.line + 1))
                own.add(key)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


def _construct_int(loader: Any, node: Any) -> int:
    text = str(loader.construct_scalar(node))
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if digits.startswith("0o"):
        return sign * int(digits[2:], 8)
    return sign * int(digits, 16 if digits.startswith("0x") else 10)


_Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
_Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789"))
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))
_Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])
_Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def read_file(path: Path) -> tuple[Any, list[SpecIssue]]:
    """Parse one YAML or JSON file (YAML from the parse cache when unchanged); SpecLoadError (file, line, problem) when it cannot be read."""
    doc, issues = _parse_file(path) if path.suffix == ".json" else cached_parse(path, _parse_file)  # orjson reads JSON as fast as the cache
    return doc, [SpecIssue(*issue) for issue in issues]


def _parse_file(path: Path) -> tuple[Any, list[tuple[str, str, str]]]:
    """Parse one file: the document and its duplicate keys as (file, place, problem)."""
    name = str(path)
    if path.is_dir():
        raise SpecLoadError(name, "", "is a directory, not a spec file")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SpecLoadError(name, "", "file not found") from None
    except OSError as exc:
        raise SpecLoadError(name, "", f"cannot be read: {exc.strerror or exc}") from None
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        try:
            return orjson.loads(data.removeprefix(b"\xef\xbb\xbf")), []  # faster than json on a 10 MB description
        except orjson.JSONDecodeError:
            pass  # orjson refuses what json reads (integers beyond 64 bits, NaN): json decides, and words the error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecLoadError(name, f"byte {exc.start}", "not UTF-8 text") from None
    if text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text), []
        except json.JSONDecodeError as exc:
            if path.suffix == ".json":
                raise SpecLoadError(name, f"line {exc.lineno}, column {exc.colno}", f"JSON syntax error: {exc.msg}") from None
    loader = _Yaml12Loader(text)
    try:
        doc = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecLoadError(name, where, f"YAML syntax error: {problem}") from None
    finally:
        loader.dispose()
    return doc, [(name, f"line {line}", f"duplicate key {key!r}: the last one is used") for key, line in loader.duplicates]


class _Bundler:
    """Rewrites every `$ref` of a document (and of the files it refers to) into a local, canonical one."""

    def __init__(self, root: Path, doc: dict[str, Any], issues: list[SpecIssue], checker: Checker | None = None) -> None:
        self.root = root.resolve()
        self.checker = checker
        self.doc = doc
        self.files: dict[Path, Any] = {self.root: doc}
        self.issues = issues
        self.copied: dict[tuple[Path, tuple[str, ...]], str] = {}
        self.done: set[int] = set()
        self.queue: list[tuple[str, tuple[str | int, ...], Any, Path]] = []

    def run(self) -> Visited:
        """Walk the whole document, then everything copied into it, once; the checker sees each object on the way."""
        visited: Visited = []
        self.queue.append(("document", (), self.doc, self.root))
        while self.queue:
            kind, path, node, file = self.queue.pop()
            if id(node) in self.done:
                continue
            self.done.add(id(node))
            visited.append((kind, path, node))
            if self.checker is not None:
                self.checker.visit(kind, path, node)  # first: its repairs (a `Get:` read as `get:`) change what lies below
            if is_leaf(kind, node):
                continue
            below = []
            for child in children(kind, node):
                target = child.node
                if isinstance(target, dict) and isinstance(target.get("$ref"), str):
                    inline = self._rebase(target, child.kind, path + child.rel, file)
                    if inline is not None:
                        child.container[child.key] = inline
                        continue
                if not (isinstance(target, dict) and "$ref" in target and child.kind != "schema"):
                    below.append((child.kind, path + child.rel, target, file))
            self.queue.extend(reversed(below))  # document order
        return visited

    def _rebase(self, holder: dict[str, Any], kind: str, at: tuple[str | int, ...], file: Path) -> dict[str, Any] | None:
        """Make `holder`'s `$ref` local; return the object to put in its place when it must be copied inline."""
        in_root = file is self.root or file == self.root  # identity first: comparing Paths is slow
        if in_root and kind != "pathItem" and self._is_plain_component(holder["$ref"], kind):
            return None
        found = self._local_ref(holder["$ref"], kind, at, file, depth=0)
        if isinstance(found, str):
            holder["$ref"] = found
            return None
        if isinstance(found, tuple):
            node, source = found
            inline = {**copy.deepcopy(node), **{k: v for k, v in holder.items() if k != "$ref"}}
            self.queue.append((kind, at, inline, source))
            return inline
        return None

    def _local_ref(self, ref: str, kind: str, at: tuple[str | int, ...], file: Path, depth: int) -> str | tuple[Any, Path] | None:
        """The local ref standing for `ref` written in `file`; (node, its file) to copy inline; None when it leads nowhere."""
        where = self._where(file, at)
        target_file, tokens = self._split(ref, file, where)
        if target_file is None:
            return None
        key = (target_file, tuple(tokens))
        if key in self.copied:
            return self.copied[key]
        source = self._document(target_file, where, ref)
        if source is None:
            return None
        try:
            node = follow(source, tokens)
        except LookupError:
            self._dangling(ref, source, tokens, where)
            return None
        section = SECTION_OF_KIND.get(kind)
        is_named = len(tokens) == 3 and tokens[0] == "components" and tokens[1] == section
        if target_file == self.root and is_named and kind != "pathItem":  # path items are always copied in place
            return fragment_of(tokens)
        if isinstance(node, dict) and isinstance(node.get("$ref"), str) and len(node) == 1 and depth < 20:
            return self._local_ref(node["$ref"], kind, at, target_file, depth + 1)
        if section is None or section == "pathItems":
            return (node, target_file) if isinstance(node, dict) else None
        name = self._free_name(section, tokens[-1] if is_named else _readable(tokens, target_file))
        local = fragment_of(["components", section, name])
        self.copied[key] = local
        self.doc.setdefault("components", {}).setdefault(section, {})[name] = node
        self.queue.append((kind, ("components", section, name), node, target_file))
        return local

    def _is_plain_component(self, ref: str, kind: str) -> bool:
        """The common case, settled fast: `#/components/schemas/Pet` written in the main file, and it exists."""
        parts = ref.split("/")
        if len(parts) != 4 or parts[0] != "#" or parts[1] != "components" or parts[2] != SECTION_OF_KIND.get(kind):
            return False
        if "~" in parts[3] or "%" in parts[3]:
            return False
        return parts[3] in ((self.doc.get("components") or {}).get(parts[2]) or {})

    def _split(self, ref: str, file: Path, where: tuple[str, str]) -> tuple[Path | None, list[str]]:
        address, _, fragment = ref.partition("#")
        if not address:
            return file, tokens_of(fragment)
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", address):
            self.issues.append(SpecIssue(where[0], where[1], f"$ref {ref!r} is remote: flowmock reads local files only "
                                         "(download it next to the spec and refer to it by a relative path)", fatal=True))
            return None, []
        return (file.parent / unquote(address)).resolve(), tokens_of(fragment)

    def _document(self, target: Path, where: tuple[str, str], ref: str) -> Any:
        if target not in self.files:
            try:
                self.files[target], found = read_file(target)
            except SpecLoadError as exc:
                detail = f"{exc.problem} ({exc.place})" if exc.place else exc.problem
                self.issues.append(SpecIssue(where[0], where[1], f"$ref {ref!r}: {_shown(target)}: {detail}", fatal=True))
                self.files[target] = None
                return None
            self.issues.extend(found)
        return self.files[target]

    def _dangling(self, ref: str, source: Any, tokens: list[str], where: tuple[str, str]) -> None:
        hint = ""
        try:
            parent = follow(source, tokens[:-1])
        except LookupError:
            parent = None
        if isinstance(parent, dict) and tokens:
            close = difflib.get_close_matches(tokens[-1], [str(k) for k in parent], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
        self.issues.append(SpecIssue(where[0], where[1], f"$ref {ref!r} points to nothing{hint}", fatal=True))

    def _free_name(self, section: str, wanted: str) -> str:
        taken = (self.doc.get("components") or {}).get(section) or {}
        name, n = wanted, 2
        while name in taken:
            name, n = f"{wanted}_{n}", n + 1
        return name

    def _where(self, file: Path, at: tuple[str | int, ...]) -> tuple[str, str]:
        return (_shown(file), place(at))


def _readable(tokens: list[str], file: Path) -> str:
    """A component name for a copied node: `Pet` for `#/definitions/Pet`, `Order_allOf_0`, the file's stem for a whole file."""
    parts = [t for t in tokens if t not in ("components", "schemas", "paths", "definitions", "$defs")] or [file.name.split(".")[0]]
    return re.sub(r"[^A-Za-z0-9._-]+", "_", "_".join(parts)).strip("_") or "node"


def _shown(file: Path) -> str:
    try:
        return str(file.relative_to(Path.cwd()))
    except ValueError:
        return str(file)


def load_document(path: Path, checker: Checker | None = None) -> tuple[dict[str, Any], list[SpecIssue]]:
    """Read a spec and every file it refers to into one dict whose `$ref`s are all local; collect what is wrong.

    A `checker` checks the document in the same walk (its findings stay its own).
    """
    doc, issues = read_file(path)
    if not isinstance(doc, dict):
        raise SpecLoadError(str(path), "", "not an OpenAPI document (the file does not hold a mapping)")
    if "swagger" in doc:
        raise SpecLoadError(str(path), "swagger", "Swagger 2.0 is not served: convert it to OpenAPI 3 first "
                            "(e.g. `npx swagger2openapi spec.yaml -o openapi.yaml`)")
    if "openapi" not in doc:
        raise SpecLoadError(str(path), "", "not an OpenAPI 3 document (no top-level `openapi` key)")
    walk_below = checker.start(doc) if checker is not None else False
    visited = _Bundler(path, doc, issues, checker if walk_below else None).run()
    if checker is not None and walk_below:
        checker.finish(visited)
    return doc, issues

"""`flake8-kraken fix`: LibCST rewrites of the findings whose repair is certain.

A finding is repaired only where one repair is right and the code around it is left as it
was (LibCST keeps every comment, blank line and quote): a hardcoded credential (KRK101,
KRK102, KRK104) becomes an environment lookup, and a call or path on the wrong side
(KRK204) goes to the endpoint's own side. Where the repair is not certain nothing is
changed and the reason is said. The secret itself is never written or printed.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Iterable

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from flake8_kraken.catalog import Catalog
from flake8_kraken.findings import Credential, FileResult, UnknownName, WrongSide
from flake8_kraken.rules import BY_CODE, RULES

FIXABLE = tuple(rule.code for rule in RULES if rule.repair)  # the codes whose rule unit names a repair

REVOKE = ("A Kraken key that has been committed is compromised, whatever this command did to the source: "
          "delete it in Kraken's API settings (Settings > API) and create a new one.")


@dataclass(frozen=True)
class Outcome:
    """What was (or was not) done at one finding; `text` never holds the secret."""

    line: int
    col: int
    code: str
    text: str
    fixed: bool


@dataclass(frozen=True)
class Fixed:
    """One file's text after its certain repairs, and what happened at each finding."""

    text: str
    outcomes: tuple[Outcome, ...]
    secrets: tuple[tuple[str, str], ...] = ()  # (value, shown) of each credential replaced: for redaction

    @property
    def credentials_seen(self) -> bool:
        return any(BY_CODE[o.code].repair == "credential" for o in self.outcomes)


def fix_source(source: str, path: str, catalog: Catalog, codes: Iterable[str]) -> Fixed | None:
    """The repaired text of one file, or None when it cannot be parsed (left untouched)."""
    from flake8_kraken.engine import analyse
    from flake8_kraken.policy import Policy, checked_file

    try:
        tree = ast.parse(source)
        module = cst.parse_module(source)
    except (SyntaxError, ValueError, cst.ParserSyntaxError):
        return None
    result = analyse(source, path, catalog, tree)
    if result.skipped is not None:
        return Fixed(source, ())
    wanted = set(codes)
    _, messages = checked_file(result, source.splitlines(keepends=True), catalog, Policy())
    targets = {(m.line, m.col): (m.code, _fact(result, m.code, m.line, m.col))
               for m in messages if m.code in wanted and m.code in FIXABLE}
    if not targets:
        return Fixed(source, ())
    sockets = [key for key, (code, _) in targets.items() if BY_CODE[code].repair == "address"]
    address = _address(tree, source, catalog, [targets[key][1] for key in sockets]) if sockets else None
    repair = _Repair(targets, catalog, os_bound=_os_taken(tree),
                     address=address if isinstance(address, tuple) else None,
                     elsewhere=_written_elsewhere(tree, source, {key for key, (_, fact) in targets.items()
                                                                 if isinstance(fact, Credential)}))
    new_module = MetadataWrapper(module, unsafe_skip_copy=True).visit(repair)
    if repair.need_os:
        new_module = _with_import_os(new_module)
    outcomes = [*repair.outcomes]
    for line, col in sockets:
        if isinstance(address, str) or not repair.address_done:
            why = address if isinstance(address, str) else "the address is not written where it can be rewritten"
            outcomes.append(Outcome(line, col, targets[(line, col)][0], why, False))
        else:
            outcomes.append(Outcome(line, col, targets[(line, col)][0], f"the socket's address on line "
                                    f"{address[0][0]} -> {address[2]}", True))
    done = {(o.line, o.col) for o in outcomes}
    outcomes += [Outcome(line, col, code, "not at a place this command can rewrite", False)
                 for (line, col), (code, _) in targets.items() if (line, col) not in done]
    return Fixed(new_module.code, tuple(sorted(outcomes, key=lambda o: (o.line, o.col))), tuple(repair.secrets))


def _fact(result: FileResult, code: str, line: int, col: int) -> Any:
    facts: Iterable[Any] = {"credential": result.credentials, "side": result.wrong_side, "rename": result.unknown,
                            "address": result.calls}[BY_CODE[code].repair or ""]
    return next((f for f in facts if (f.line, f.col) == (line, col)), None)


Address = tuple[tuple[int, int], str, str]  # where the literal starts, its text, the text it becomes


def _address(tree: ast.Module, source: str, catalog: Catalog, calls: list[Any]) -> Address | str:
    """The one public address literal of the module and its authenticated counterpart, or why there is
    no certain one: it must be the only Kraken public address written, and a constant holding it must
    be read in one place only (the socket that needs it)."""
    lines = source.splitlines(keepends=True)
    found, built = [], False
    in_fstrings = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            url = catalog.websocket.url(node.value)
            if url is not None and url.access == "public":
                built |= id(node) in in_fstrings
                found.append((node, url))
    if built or len(found) != 1:
        return "the public address is built in an f-string" if built else \
            f"the module writes {len(found)} public Kraken addresses: change the socket's by hand"
    node, url = found[0]
    channels = {call.endpoint.rsplit("/", 1)[-1] for call in calls if call is not None}
    dedicated = {c for u in catalog.websocket.urls for c in u.only}
    if url.auth is None or channels & dedicated:
        return f"{url.url} has no one authenticated counterpart for {', '.join(sorted(channels))}"
    used = _read_once(tree, node)
    if not node.value.startswith(url.url) or used is None:
        return "the address is also used elsewhere, or not written as the catalog writes it: change it by hand"
    if any(_top_level(tree, call.line) != _top_level(tree, used) for call in calls if call is not None):
        return "the address is used away from the messages (another socket's?): change it by hand"
    return (node.lineno, _column(lines, node)), url.url, url.auth


def _written_elsewhere(tree: ast.Module, source: str, found: set[tuple[int, int]]) -> dict[str, int]:
    """Each string value that is a credential finding somewhere and is also written where it is not one
    (the line it is first written there): that literal is shared with other code, so not rewritten."""
    lines = source.splitlines(keepends=True)
    places: dict[str, list[tuple[int, int]]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            places.setdefault(node.value, []).append((node.lineno, _column(lines, node)))
    return {value: min(p for p in where if p not in found)[0] for value, where in places.items()
            if any(p in found for p in where) and not all(p in found for p in where)}


def _column(lines: list[str], node: ast.expr) -> int:
    """The node's column in characters, as LibCST counts it (ast counts UTF-8 bytes)."""
    return len(lines[node.lineno - 1].encode()[:node.col_offset].decode(errors="replace"))


def _read_once(tree: ast.Module, literal: ast.Constant) -> int | None:
    """The line where the address is used: the literal's own, or the one read of the module constant
    holding it (None when it is read in more places, or held otherwise)."""
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and statement.value is literal:
            if len(statement.targets) != 1 or not isinstance(statement.targets[0], ast.Name):
                return None
            name = statement.targets[0].id
            reads = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name
                     and isinstance(n.ctx, ast.Load)]
            stores = sum(isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load)
                         for n in ast.walk(tree))
            return reads[0] if len(reads) == 1 and stores == 1 else None
    return literal.lineno


def _top_level(tree: ast.Module, line: int) -> int:
    """The index of the top-level statement that holds `line` (-1: none)."""
    return next((i for i, s in enumerate(tree.body) if s.lineno <= line <= (s.end_lineno or s.lineno)), -1)


def _os_taken(tree: ast.Module) -> bool:
    """Whether the module binds `os` to something other than the os module (then no lookup is added)."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                if bound == "os" and not (isinstance(node, ast.Import) and alias.name == "os" and not alias.asname):
                    return True
        elif isinstance(node, ast.Name) and node.id == "os" and not isinstance(node.ctx, ast.Load):
            return True
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == "os":
            return True
    return False


def _with_import_os(module: cst.Module) -> cst.Module:
    """`import os` after the module's docstring and leading imports, unless it is there; nothing
    else moves (no blank line is added or taken away)."""
    def imports(statement: cst.CSTNode) -> list[cst.CSTNode]:
        if isinstance(statement, cst.SimpleStatementLine):
            return [s for s in statement.body if isinstance(s, (cst.Import, cst.ImportFrom))]
        return []

    body = list(module.body)
    for statement in body:
        for found in imports(statement):
            if isinstance(found, cst.Import) and any(
                    isinstance(a.name, cst.Name) and a.name.value == "os" and a.asname is None for a in found.names):
                return module
    at = 1 if body and isinstance(body[0], cst.SimpleStatementLine) and isinstance(body[0].body[0], cst.Expr) \
        and isinstance(body[0].body[0].value, (cst.SimpleString, cst.ConcatenatedString)) else 0
    while at < len(body) and imports(body[at]) and len(imports(body[at])) == len(body[at].body):  # type: ignore
        at += 1
    body.insert(at, cst.parse_statement("import os\n"))
    return module.with_changes(body=body)


class _Repair(cst.CSTTransformer):
    """Rewrites the nodes at the findings' positions, and says what it did at each."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, targets: dict[tuple[int, int], tuple[str, Any]], catalog: Catalog, os_bound: bool,
                 address: Address | None = None, elsewhere: dict[str, int] | None = None) -> None:
        super().__init__()
        self.targets = targets
        self.elsewhere = elsewhere or {}
        self.address = address
        self.address_done = False
        self.catalog = catalog
        self.os_bound = os_bound
        self.need_os = False
        self.outcomes: list[Outcome] = []
        self.secrets: list[tuple[str, str]] = []
        self.names: list[tuple[cst.BaseExpression | None, str | None]] = []  # enclosing assignments: value, name

    def _position(self, node: cst.CSTNode) -> tuple[int, int] | None:
        position = self.get_metadata(PositionProvider, node, None)
        return None if position is None else (position.start.line, position.start.column)

    def _at(self, node: cst.CSTNode) -> tuple[int, int] | None:
        key = self._position(node)
        return key if key in self.targets else None

    def _socket(self, node: cst.SimpleString) -> cst.BaseExpression:
        assert self.address is not None
        _, public, private = self.address
        if node.value.count(public) != 1:
            return node
        self.address_done = True
        return node.with_changes(value=node.value.replace(public, private))

    def _say(self, key: tuple[int, int], text: str, fixed: bool) -> None:
        if all((o.line, o.col) != key for o in self.outcomes):
            self.outcomes.append(Outcome(key[0], key[1], self.targets[key][0], text, fixed))

    # --- the name a credential is bound to ------------------------------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        targets = [t.target for t in node.targets]
        name = targets[0].value if len(targets) == 1 and isinstance(targets[0], cst.Name) else None
        self.names.append((node.value, name))

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        self.names.pop()
        return updated_node

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.names.append((node.value, node.target.value if isinstance(node.target, cst.Name) else None))

    def leave_AnnAssign(self, original_node: cst.AnnAssign, updated_node: cst.AnnAssign) -> cst.AnnAssign:
        self.names.pop()
        return updated_node

    # --- the repairs ----------------------------------------------------------------------

    def leave_SimpleString(self, original_node: cst.SimpleString, updated_node: cst.SimpleString
                           ) -> cst.BaseExpression:
        if self.address is not None and self._position(original_node) == self.address[0]:
            return self._socket(original_node)
        key = self._at(original_node)
        if key is None:
            return updated_node
        code, fact = self.targets[key]
        if isinstance(fact, Credential):
            return self._credential(key, fact, original_node)
        if isinstance(fact, WrongSide):
            return self._path(key, fact, original_node)
        if isinstance(fact, UnknownName):
            return self._rename(key, fact, original_node)
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        key = self._at(original_node)
        if key is not None and isinstance(self.targets[key][1], UnknownName):
            return self._rename_argument(key, self.targets[key][1], updated_node)
        if key is None or not isinstance(self.targets[key][1], WrongSide):
            return updated_node
        func = updated_node.func
        if not isinstance(func, cst.Attribute):
            return updated_node
        other = self._counterpart(func.attr.value, self.targets[key][1].access)
        if other is None:
            return updated_node  # an outer call at the same place may be the client's
        self._say(key, f"{func.attr.value}() -> {other}()", True)
        return updated_node.with_changes(func=func.with_changes(attr=cst.Name(other)))

    def _credential(self, key: tuple[int, int], fact: Credential, node: cst.SimpleString) -> cst.BaseExpression:
        if self.os_bound:
            self._say(key, "`os` is bound to something else here: write the environment lookup by hand", False)
            return node
        value = node.evaluated_value
        if not isinstance(value, str):
            self._say(key, "a bytes literal: write the environment lookup by hand", False)
            return node
        if value in self.elsewhere:
            self._say(key, f"the same value is also written on line {self.elsewhere[value]}, where it is not a "
                      "Kraken credential: change both by hand", False)
            return node
        name = self._env_name(fact.kind, node)
        if name is None:
            self._say(key, "rules.yaml names no environment variable for this kind of credential", False)
            return node
        self.need_os = True
        self.secrets.append((value, fact.shown))
        self._say(key, f'the literal ({fact.shown}) -> os.environ["{name}"]', True)
        lookup = cst.parse_expression(f'os.environ["{name}"]')
        return lookup.with_changes(lpar=node.lpar, rpar=node.rpar)

    def _env_name(self, kind: str, node: cst.SimpleString) -> str | None:
        """The name the code gives the value (an upper-case constant it is assigned to), else the kind's
        usual one."""
        value, bound = self.names[-1] if self.names else (None, None)
        if value is node and bound is not None and bound.isupper():
            return bound
        return next((s.env for s in self.catalog.secrets.shapes if s.kind == kind and s.env), None)

    def _path(self, key: tuple[int, int], fact: WrongSide, node: cst.SimpleString) -> cst.BaseExpression:
        right = self.catalog.path_template(fact.access).format(name=fact.endpoint)
        if node.value.count(fact.used) != 1 or not node.value.endswith(node.quote):
            self._say(key, "the path is not written once, whole, in this literal", False)
            return node
        self._say(key, f"{fact.used} -> {right}", True)
        return node.with_changes(value=node.value.replace(fact.used, right))

    def _rename_argument(self, key: tuple[int, int], fact: UnknownName, call: cst.Call) -> cst.BaseExpression:
        """A client call that names the endpoint in an argument: the one string argument that is the name."""
        found = [i for i, arg in enumerate(call.args)
                 if isinstance(arg.value, cst.SimpleString) and arg.value.evaluated_value == fact.name]
        if len(found) != 1:
            return call  # an outer call at the same place may be the one
        arg = call.args[found[0]]
        renamed = self._rename(key, fact, arg.value)  # type: ignore[arg-type]
        return call.with_changes(args=[*call.args[:found[0]], arg.with_changes(value=renamed),
                                       *call.args[found[0] + 1:]])

    def _rename(self, key: tuple[int, int], fact: UnknownName, node: cst.SimpleString) -> cst.BaseExpression:
        meant = self.catalog.certain_endpoint(fact.name)
        value = node.evaluated_value
        if meant is None:
            self._say(key, f"no one catalog name is that close to '{fact.name}'", False)
            return node
        if not isinstance(value, str) or node.value.count(fact.name) != 1 or not (
                value == fact.name or value.endswith("/" + fact.name)):
            self._say(key, "the name is not written once, whole, in this literal", False)
            return node
        self._say(key, f"'{fact.name}' -> '{meant}'", True)
        return node.with_changes(value=node.value.replace(fact.name, meant))

    def _counterpart(self, method: str, access: str) -> str | None:
        """The method of the same clients that takes the endpoint on its own side, when there is one."""
        found = set()
        for client in self.catalog.clients:
            here = client.method(method)
            if here is None or here.dynamic != "name":
                continue
            found |= {m.name for m in client.methods if m.dynamic == "name" and m.access == access
                      and (m.arg, m.keyword) == (here.arg, here.keyword)}
        return found.pop() if len(found) == 1 else None

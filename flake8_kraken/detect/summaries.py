"""Helpers: a Kraken use whose endpoint is a parameter of the function it is in.

`def private(name): return api.query_private(name)` or
`def call(path): return requests.post(BASE + path)`: the endpoint is known only at
each call of the helper. Such a use becomes a Pending (its templates, with markers
for the helper's parameters). Each call site fills in its own arguments: a resolved
endpoint is reported at that call, one that still depends on the caller's own
parameters becomes a Pending of the caller, and so on up to MAX_CHAIN helpers. A
helper nobody in the module calls is unresolved ("set by callers in other modules");
a module that imports it applies it at its own call sites.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import libcst as cst

from flake8_kraken.findings import HELPER_DEPTH, HELPER_PARAM, RUNTIME_NAME, Sink
from flake8_kraken.model.evaluate import Model, argument, callee_of, fill_all
from flake8_kraken.model.scopes import Scope
from flake8_kraken.model.values import Func, Str, marker, marker_at, markers_in

MAX_CHAIN = 6  # helpers calling helpers, before an endpoint is given up as unresolved


@dataclass(frozen=True)
class Pending:
    """A use inside `func` whose endpoint depends on its parameters, waiting for call sites."""

    func: Func
    texts: tuple[str, ...]  # templates with markers of func's parameters
    kind: str  # how a resolved text is reported: see Finisher
    via: str
    origin: cst.CSTNode = field(compare=False)  # where the use is, for "unresolved"
    details: tuple[Any, ...] = ()  # what the finisher needs besides the text (access, message facts)
    depth: int = 1
    # A helper that only joins a host to whatever path it is given: its callers' paths are read
    # where they are written, so nobody calling it here is no unresolved endpoint.
    quiet: bool = False
    # The text is not the parameter's value but an entry of the dict it holds, at this key path:
    # `{"event": "subscribe", "subscription": subscription}` reads subscription["name"].
    field: tuple[str, ...] = ()

    def through(self, caller: Func, texts: tuple[str, ...], site: cst.CSTNode, field: tuple[str, ...] = ()) -> Pending:
        return Pending(caller, texts, self.kind, self.via, site, self.details, self.depth + 1, self.quiet, field)


Finisher = Callable[[Pending, cst.CSTNode, str], None]  # report a resolved text at a call site
Settled = Callable[[Pending, str], bool]  # a text its callers' arguments would not change the endpoint of


def _no_markers(pending: Pending, text: str) -> bool:
    return not markers_in(text)


def apply(model: Model, pendings: list[Pending], sink: Sink, finish: Finisher,
          settled: Settled = _no_markers) -> dict[int, list[Pending]]:
    """Apply every helper of this module, and every helper of the project modules it imports, at its call sites.

    Returns every pending use of this module's functions, its own and those it has
    through the helpers it calls, by id of the function's scope: what a module that
    imports this one applies at its own call sites (it is kept as `model.summary`).
    """
    queue = [(p, model.call_sites(p.func.scope)) for p in pendings]
    queue.extend(_imported_sites(model))
    summary: dict[int, list[Pending]] = {}
    while queue:
        pending, sites = queue.pop(0)
        if pending.func.model is model:
            summary.setdefault(id(pending.func.scope), []).append(pending)
            if not sites and not pending.quiet:
                sink.unresolved(pending.origin, _unresolved_param(pending))
        for call, caller, implicit in sites:
            for later in _at_site(model, pending, call, caller, implicit, sink, finish, settled):
                queue.append((later, model.call_sites(later.func.scope)))
    model.summary = summary
    return summary


def _imported_sites(model: Model) -> Iterator[tuple[Pending, list[Any]]]:
    if model.project is None:
        return
    for call, scope in model.collector.calls:
        for atom in model.value(call.func, scope):
            target = callee_of(atom)
            if target is not None and target[0].model is not model:
                for pending in target[0].model.summary.get(id(target[0].scope), ()):
                    yield pending, [(call, scope, target[1])]


def _at_site(model: Model, pending: Pending, call: cst.Call, caller: Scope, implicit: int, sink: Sink,
             finish: Finisher, settled: Settled = _no_markers) -> Iterator[Pending]:
    function = caller if caller.kind == "function" else None
    if pending.field:
        yield from _field_at_site(model, pending, call, caller, function, implicit, sink, finish)
        return
    args = model.arguments(pending.func, call, caller, function, implicit)
    still: list[str] = []
    for template in pending.texts:
        for atom in fill_all(Str(template), args):
            text = atom.text
            if settled(pending, text):
                finish(pending, call, atom)  # a hole left is the finisher's to judge (a query string, a name)
            elif function is not None:
                still.append(text)
            else:
                sink.unresolved(call, RUNTIME_NAME)
    if still and pending.depth >= MAX_CHAIN:
        sink.unresolved(call, HELPER_DEPTH.format(depth=MAX_CHAIN))
    elif still and function is not None:
        yield pending.through(Func(function, model), tuple(dict.fromkeys(still)), call)


def _field_at_site(model: Model, pending: Pending, call: cst.Call, caller: Scope, function: Scope | None,
                   implicit: int, sink: Sink, finish: Finisher) -> Iterator[Pending]:
    """A helper that reads an entry of a dict its caller passes: the entry, read in the caller's dict."""
    index = marker_at(pending.texts[0])
    param = next((p for p in pending.func.scope.params if p.index == index), None)
    arg = argument(call, param.index - implicit, param.name) if param is not None else None
    if arg is None:
        sink.unresolved(call, RUNTIME_NAME)
        return
    passed_on, still = [], []
    for atom in model.entry_strs(arg, caller, function, pending.field):
        if atom.text == marker(marker_at(atom.text) or 0) and function is not None:
            passed_on.append(atom.text)  # the caller's own parameter: its callers pass the dict
        elif not markers_in(atom.text):
            finish(pending, call, atom)
        elif function is not None:
            still.append(atom.text)
        else:
            sink.unresolved(call, RUNTIME_NAME)
    if (passed_on or still) and pending.depth >= MAX_CHAIN:
        sink.unresolved(call, HELPER_DEPTH.format(depth=MAX_CHAIN))
        return
    if passed_on and function is not None:
        yield pending.through(Func(function, model), tuple(dict.fromkeys(passed_on)), call, pending.field)
    if still and function is not None:
        yield pending.through(Func(function, model), tuple(dict.fromkeys(still)), call)


def _unresolved_param(pending: Pending) -> str:
    scope = pending.func.scope
    indexes = [i for text in pending.texts for i in markers_in(text)]
    names = [p.name for p in scope.params if p.index in indexes] or ["?"]
    return HELPER_PARAM.format(param=names[0], function=scope.name)

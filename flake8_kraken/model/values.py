"""What an expression may hold: a small set of abstract values (atoms).

A value is a tuple of atoms, in the order they were found and without repeats (a
tuple, not a set, so that every run reports in the same order). An empty tuple
says nothing is known to be bound there; UNKNOWN says something is, but not what.
Strings are templates: HOLE marks a part known only at run time, and a parameter
marker the value of a parameter of the function being read, so that a helper's
callers can fill it in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Union

HOLE = "\x00"  # a part of a string that is only known at run time
_OPEN, _CLOSE = "\x01", "\x02"
_MARKER = re.compile("\x01(\\d+)\x02")
MAX_ATOMS = 24  # a value holding more alternatives than this is cut (strings become a hole)


def marker(index: int) -> str:
    """Stands for the value of parameter number `index` of the function being read."""
    return f"{_OPEN}{index}{_CLOSE}"


def markers_in(text: str) -> list[int]:
    """The parameter indexes a template refers to."""
    return [int(m) for m in _MARKER.findall(text)]


def marker_at(text: str) -> int | None:
    """The parameter index when `text` starts with a parameter marker."""
    match = _MARKER.match(text)
    return int(match.group(1)) if match else None


def is_unknown(char: str) -> bool:
    """A character that stands for a run-time value (a hole or a parameter)."""
    return char in (HOLE, _OPEN)


def fill(text: str, values: dict[int, str]) -> str:
    """The template with each parameter marker replaced by its value (a hole when not given)."""
    return _MARKER.sub(lambda m: values.get(int(m.group(1)), HOLE), text)


@dataclass(frozen=True)
class Str:
    """A string template, and the string expressions of the module it was built from (by node id)."""

    text: str
    roots: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Lib:
    """A library module, class or function, by the dotted path it is imported from."""

    path: str


@dataclass(frozen=True)
class Client:
    """An instance of a client class the catalog knows (`cls` is its ClientClass)."""

    cls: Any


@dataclass(frozen=True)
class Instance:
    """An instance of a library class that is no Kraken client (requests.Session()): a known object."""

    path: str


@dataclass(frozen=True)
class AnyClient:
    """An instance of some class of a client library, not known which (getattr(ccxt, name)())."""

    library: str


@dataclass(frozen=True)
class Bound:
    """A client's method, named at `node`, not called there (or called there: `node` is the call's func)."""

    receiver: Client | AnyClient
    name: str
    node: Any = field(compare=False, repr=False)
    # getattr(client, name) with a name that is not a literal: the scope it was read in, so the
    # name can be read again as its function's parameter (the method is then named at its callers).
    named_in: Any = field(compare=False, repr=False, default=None)


@dataclass(frozen=True, eq=False)
class UserClass:
    """A class defined in the linted code (or in a module of the same project it imports)."""

    info: Any  # scopes.ClassInfo
    model: Any = field(repr=False)


@dataclass(frozen=True)
class Obj:
    """An instance of a user class."""

    cls: UserClass


@dataclass(frozen=True, eq=False)
class Func:
    """A function or method defined in the linted code (or an imported project module)."""

    scope: Any  # scopes.Scope of the function
    model: Any = field(repr=False)


@dataclass(frozen=True)
class Method:
    """A user method bound to an instance (self.helper), or a classmethod bound to its class."""

    func: Func
    receiver: Any  # Obj or UserClass


@dataclass(frozen=True)
class Socket:
    """A WebSocket, with the Kraken address it was opened with (None: not a Kraken address)."""

    url: Any  # catalog.WsUrl | None


@dataclass(frozen=True)
class Literal:
    """A dict, list, tuple or set literal, read in its scope when asked (messages, lookup tables)."""

    node: Any = field(repr=False)
    scope: Any = field(compare=False, repr=False)
    model: Any = field(compare=False, repr=False, default=None)


@dataclass(frozen=True)
class Module:
    """A module of the same project, read (never imported) to follow its helpers."""

    model: Any


class _Unknown:
    """Something is bound here, but what it is cannot be known statically."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()

Atom = Union[Str, Lib, Client, Instance, AnyClient, Bound, UserClass, Obj, Func, Method, Socket, Literal, Module,
             _Unknown]
Values = tuple  # tuple[Atom, ...]
NOTHING: Values = ()


def union(*groups: Iterable[Atom]) -> Values:
    """The atoms of every group, each once, in order; cut to MAX_ATOMS."""
    out = dict.fromkeys(atom for group in groups for atom in group)
    if len(out) <= MAX_ATOMS:
        return tuple(out)
    kept = [a for a in out if not isinstance(a, Str)][:MAX_ATOMS - 1]
    return (*kept, Str(HOLE)) if any(isinstance(a, Str) for a in out) else tuple(kept)


def strings(values: Values) -> list[str]:
    """The string templates a value may be; anything else counts as a hole."""
    return list(dict.fromkeys(a.text for a in string_atoms(values)))


def string_atoms(values: Values) -> list[Str]:
    """The strings a value may be, with a hole for anything else it may be."""
    out = [a for a in values if isinstance(a, Str)]
    if not out or len(out) < len(values):
        out.append(Str(HOLE))
    return out

"""What the detectors produce: facts about the code, never a verdict.

A Call is a use of an endpoint or channel; a Credential a literal used as one; the
other facts say what a call or a message does that the rules (rules/) may object to.
Only the rules turn facts, under the path's policy, into flake8 messages.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Union

from flake8_kraken.catalog import Requirement


@dataclass(frozen=True, order=True)
class Call:
    """One use of a Kraken endpoint or channel, with the permissions it needs."""

    line: int
    col: int
    endpoint: str
    requirement: Requirement = field(compare=False)
    kind: str = "rest"
    via: str = ""
    moves_funds: bool = False
    public_address: bool = False  # a WebSocket message sent (only) on a public address
    has_token: bool = True  # a WebSocket message that carries a token, or whose client adds one
    key: str = "spot"  # the API key it is made with (Kraken issues spot and Futures keys apart)


@dataclass(frozen=True, order=True)
class Credential:
    """A literal used as a Kraken credential: its kind (a shape in rules.yaml) and what may be shown of it."""

    line: int
    col: int
    kind: str
    shown: str


@dataclass(frozen=True, order=True)
class UnknownName:
    """An endpoint, channel or request name the catalog does not know, and the closest one it does."""

    line: int
    col: int
    name: str
    suggestion: str | None = None


@dataclass(frozen=True, order=True)
class WrongSide:
    """A call that reaches an endpoint only the other way (a private one as public, or the reverse)."""

    line: int
    col: int
    endpoint: str
    access: str  # the endpoint's own side
    used: str  # the path it was called as


@dataclass(frozen=True, order=True)
class KeySent:
    """A WebSocket message that carries the API key or secret: what it carries."""

    line: int
    col: int
    what: str


@dataclass(frozen=True, order=True)
class Unresolved:
    """A place that may reach Kraken but cannot be resolved statically."""

    line: int
    col: int
    reason: str


Fact = Union[Call, Credential, UnknownName, WrongSide, KeySent, Unresolved]


@dataclass(frozen=True)
class FileResult:
    """Everything the engine learned about one file."""

    path: str
    calls: tuple[Call, ...] = ()
    unresolved: tuple[Unresolved, ...] = ()
    credentials: tuple[Credential, ...] = ()
    unknown: tuple[UnknownName, ...] = ()
    wrong_side: tuple[WrongSide, ...] = ()
    keys_sent: tuple[KeySent, ...] = ()
    skipped: str | None = None  # why the analysis could not run (KRK000)


Position = tuple[int, int]

SYNTAX_ERROR = "not valid Python"  # why a file was skipped that flake8 reports itself (E999): never a KRK000

# Why a place is unresolved (report: files[].unresolved[].reason).
RUNTIME_NAME = "endpoint name is built at run time"
HELPER_PARAM = "endpoint name is parameter '{param}' of {function}(), set by callers in other modules"
HELPER_DEPTH = "endpoint name passes through more than {depth} helper functions"
TOO_MUCH_WORK = "the module needs more work to follow than one file is given; what was left is not reported"


class Sink:
    """Where detectors put what they find while walking one file.

    Facts are kept with their node; positions are computed once at the end, for the
    reported nodes only (see positions.py).
    """

    def __init__(self) -> None:
        self.pending: list[tuple[Any, Callable[[int, int], Fact]]] = []
        self._calls: set[tuple[int, str]] = set()

    def call(self, node: Any, endpoint: str, requirement: Requirement, **extra: Any) -> None:
        """One call of `endpoint` at `node`; the same endpoint found twice at one place is one call."""
        if (id(node), endpoint) in self._calls:
            return
        self._calls.add((id(node), endpoint))
        self.pending.append((node, lambda line, col: Call(line, col, endpoint, requirement, **extra)))

    def fact(self, node: Any, kind: Callable[..., Fact], *fields: Any) -> None:
        """A fact of `kind` (Credential, UnknownName, ...) at `node`, with its fields after the position."""
        self.pending.append((node, lambda line, col: kind(line, col, *fields)))

    def unresolved(self, node: Any, reason: str) -> None:
        self.fact(node, Unresolved, reason)

    @property
    def nodes(self) -> list[Any]:
        return [node for node, _ in self.pending]

    def result(self, path: str, starts: dict[int, Position]) -> FileResult:
        """Every fact at its node's real position; a node outside the module is a detector's bug."""
        unplaced = [node for node, _ in self.pending if id(node) not in starts]
        if unplaced:
            raise LookupError(f"{len(unplaced)} fact(s) at a node outside the module ({type(unplaced[0]).__name__})")
        built = [make(*starts[id(node)]) for node, make in self.pending]

        def of(kind: type) -> tuple[Any, ...]:
            return tuple(sorted({b for b in built if type(b) is kind}))

        return FileResult(path, of(Call), of(Unresolved), of(Credential), of(UnknownName), of(WrongSide),
                          of(KeySent))


def fingerprint(path: str, message: str, line_text: str, salt: str = "") -> str:
    """A finding's identity across runs (the baseline's and SARIF's): its path, message and the
    text of its line, hashed; no line number, so moving code keeps it, and never the text itself."""
    data = "\0".join((salt, path, message, line_text.strip()))
    return sha256_hex(data.encode("utf-8", "surrogatepass"))[:32]


def sha256_hex(data: bytes) -> str:
    """SHA-256 from Python's own module where it has one: hashlib loads OpenSSL, which costs a
    flake8 process more memory (about 3.5 MB) than the plugin's own code."""
    try:
        from _sha2 import sha256  # Python 3.12 and later
    except ImportError:
        try:
            from _sha256 import sha256  # Python 3.10 and 3.11
        except ImportError:
            from hashlib import sha256
    return sha256(data).hexdigest()

"""From what the code does to what flake8 says: which calls and problems become messages."""
from __future__ import annotations

from dataclasses import dataclass

from flake8_kraken.catalog import Catalog
from flake8_kraken.findings import Call, FileResult
from flake8_kraken.privilege import describe

WITHDRAW = "withdraw"


@dataclass(frozen=True, order=True)
class Message:
    """One flake8 message: position and text starting with its code."""

    line: int
    col: int
    text: str


def messages(result: FileResult, catalog: Catalog) -> list[Message]:
    """Every message for one file, sorted by position."""
    out: list[Message] = []
    if result.skipped:
        out.append(Message(1, 0, catalog.code("KRK000").render(reason=result.skipped)))
    for problem in result.problems:
        out.append(Message(problem.line, problem.col, catalog.code(problem.code).render(**dict(problem.fields))))
    for call in result.calls:
        out.extend(_call_messages(call, catalog))
    return sorted(set(out))


def withdraw_reason(call: Call) -> str | None:
    """Why a call belongs only where funds may move: 'withdraw', 'moves_funds' or None."""
    if WITHDRAW in call.requirement.all_of:
        return "withdraw"
    if call.moves_funds:
        return "moves_funds"
    return None


def _call_messages(call: Call, catalog: Catalog) -> list[Message]:
    out = []
    reason = withdraw_reason(call)
    if reason is not None:
        code = catalog.code("KRK202")
        out.append(Message(call.line, call.col, code.render(endpoint=call.endpoint, why=code.text(f"why.{reason}"))))
    endpoint = catalog.endpoint(call.endpoint)
    if endpoint is None or endpoint.access == "private":
        code = catalog.code("KRK901")
        needs = describe(call.requirement, catalog) or code.text("no_permission")
        out.append(Message(call.line, call.col, code.render(endpoint=call.endpoint, needs=needs)))
    return out

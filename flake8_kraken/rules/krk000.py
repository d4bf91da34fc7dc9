"""KRK000: valid Python that could not be analysed."""
from __future__ import annotations

from typing import Iterator

from flake8_kraken.rules.base import Context, Example, Message, Rule


def check(rule: Rule, context: Context) -> Iterator[Message]:
    from flake8_kraken.findings import SYNTAX_ERROR

    skipped = context.result.skipped
    if skipped and skipped != SYNTAX_ERROR:  # code Python rejects is flake8's own E999
        yield rule.say(1, 0, reason=skipped)


_DEEP = "ready = " + " and ".join(["flag"] * 500)

RULE = Rule(
    code="KRK000",
    summary="valid Python that could not be analysed",
    message="Kraken analysis skipped: {reason}",
    why="""LibCST, which reads the code for the Kraken checks, could not read a file that Python
accepts: syntax newer than LibCST knows, or an expression nested so deeply that walking it
is unsafe (LibCST's parser can crash, not just fail, on such input). The endpoint,
permission and WebSocket checks did not run on this file; the credential scan still ran,
on its string tokens. flake8 reports files that Python rejects itself (E999); this plugin
stays silent on those.""",
    fix="""Split the generated expression, or exclude the generated file (`per-file-ignores =
generated.py: KRK000`) if it never talks to Kraken.""",
    check=check,
    level="note",
    invalid=(Example(f"# a generated expression 500 operands long, beside a Kraken call\nimport krakenex\n\n{_DEEP}\n"
                     'krakenex.API().query_private("Balance")\n', at=(1, 1)),),
    valid=(Example('import krakenex\n\nready = all(flags)\nkrakenex.API().query_private("Balance")\n'),),
)

"""Least-privilege permission sets.

"The permissions needed" by a scope is not the union of its calls'
alternatives: it is the smallest set that meets every call's requirement,
then the one with the lowest total risk, then the earliest in catalog order.
"""
from __future__ import annotations

from itertools import combinations
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from flake8_kraken.catalog import Catalog, Requirement


def least_privilege(requirements: Iterable[Requirement], catalog: Catalog) -> tuple[str, ...]:
    """The best permission set (catalog order) meeting every requirement."""
    reqs = set(requirements)
    base = {p for r in reqs for p in r.all_of}
    open_reqs = [r for r in reqs if r.any_of and not base.intersection(r.any_of)]
    if open_reqs:
        base |= _best_hitting_set([set(r.any_of) for r in open_reqs], catalog)
    return _ordered(base, catalog)


def _best_hitting_set(groups: list[set[str]], catalog: Catalog) -> set[str]:
    """Fewest permissions touching every group; ties: lower risk, catalog order."""
    candidates = sorted(set().union(*groups), key=lambda p: catalog.permission(p).order)
    for size in range(1, len(candidates) + 1):
        fits = [set(c) for c in combinations(candidates, size) if all(g & set(c) for g in groups)]
        if fits:
            return min(fits, key=lambda s: _rank(s, catalog))
    return set(candidates)  # unreachable: all candidates together hit every group


def _rank(perms: set[str], catalog: Catalog) -> tuple[int, tuple[int, ...]]:
    return sum(catalog.permission(p).risk for p in perms), tuple(
        sorted(catalog.permission(p).order for p in perms)
    )


def _ordered(perms: Iterable[str], catalog: Catalog) -> tuple[str, ...]:
    return tuple(sorted(set(perms), key=lambda p: catalog.permission(p).order))


def smallest_preset(permissions: Iterable[str], catalog: Catalog) -> str | None:
    """The smallest Kraken preset that grants every permission, if any does."""
    needed = set(permissions)
    fitting = [p for p in catalog.presets if needed <= set(p.permissions)]
    if not fitting:
        return None
    best = min(fitting, key=lambda p: (len(p.permissions), _rank(set(p.permissions), catalog)))
    return best.id


def describe(requirement: Requirement, catalog: Catalog) -> str:
    """A requirement in Kraken's words: 'A and B', 'A or B', 'A and (B or C)'."""
    titles_all = [catalog.permission(p).title for p in requirement.all_of]
    titles_any = [catalog.permission(p).title for p in requirement.any_of]
    parts = list(titles_all)
    if titles_any:
        either = " or ".join(titles_any)
        parts.append(f"({either})" if titles_all and len(titles_any) > 1 else either)
    return " and ".join(parts)

"""Which of the pulse's figures may be shown: only groups of five or more, at every level of the
team tree, and never two figures whose difference is a group of one to four people.

The figures shown are nested (a team's answers include those of every team below it), so the
only groups anyone can work out from them are each shown node's *remainder*: its answers less
those of the nearest shown nodes below it (its own members, plus every hidden team below it that
has no shown team in between). Any sum or difference of shown figures is a union of remainders,
so when every remainder is 0 or at least 5, so is every figure anyone can work out. A subset of
the shown figures (what one manager sees of the organisation's) keeps that property: each of its
remainders is a union of the full set's.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

MIN_GROUP = 5

Node = TypeVar("Node", bound=Hashable)


@dataclass(frozen=True)
class NodeFigure:
    """A node's number of answers (its own and every node below it) and whether it may be shown.
    When hidden, `too_few` says why: fewer than five answers, or else a small group that could
    be worked out by subtracting the shown figures below it."""

    total: int
    shown: bool

    @property
    def too_few(self) -> bool:
        return self.total < MIN_GROUP


def pulse_results(
    tree: Mapping[Node, Node | None], counts: Mapping[Node, int]
) -> dict[Node, NodeFigure]:
    """Each node of `tree` (node → its parent, None at the top) with its total and whether it is
    shown, from `counts` (node → the answers given by its own members). Bottom-up: a node is
    shown when its total is at least 5 and its remainder (the answers not in any shown node
    below it) is 0 or at least 5."""
    children: dict[Node, list[Node]] = {node: [] for node in tree}
    for node, parent in tree.items():
        if parent is not None:
            children[parent].append(node)
    # Children before parents, without recursion: a deep tree cannot overflow the stack.
    order: list[Node] = []
    stack = [node for node, parent in tree.items() if parent is None]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(children[node])
    if len(order) != len(tree):
        raise ValueError("the teams do not form a tree: some are in a loop")

    figures: dict[Node, NodeFigure] = {}
    # The answers of a node that sit in shown nodes at or below it (nearest ones only).
    covered: dict[Node, int] = {}
    for node in reversed(order):
        total = counts.get(node, 0) + sum(figures[c].total for c in children[node])
        below = sum(covered[c] for c in children[node])
        remainder = total - below
        shown = total >= MIN_GROUP and (remainder == 0 or remainder >= MIN_GROUP)
        figures[node] = NodeFigure(total, shown)
        covered[node] = total if shown else below
    return figures

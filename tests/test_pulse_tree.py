"""The pulse's group-of-five rule (services/feedback/pulse_tree.py): a figure is shown only for
five answers or more, and no subtraction of shown figures gives a group of one to four."""

from __future__ import annotations

import random
from itertools import combinations

import pytest

from carelearn.services.feedback.pulse_tree import MIN_GROUP, pulse_results

SEED = 20261202
TREES = 600


def random_tree(rng: random.Random) -> tuple[dict[int, int | None], dict[int, int]]:
    """Up to ten nodes, one to three at the top, each below an earlier one; small counts, since
    small groups are what the rule is about."""
    size = rng.randint(1, 10)
    tops = rng.randint(1, min(3, size))
    tree: dict[int, int | None] = {}
    for node in range(size):
        tree[node] = None if node < tops else rng.randrange(node)
    counts = {node: rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9]) for node in tree}
    return tree, counts


def descendants(tree: dict[int, int | None], node: int) -> list[int]:
    found = []
    for other in tree:
        parent = tree[other]
        while parent is not None:
            if parent == node:
                found.append(other)
                break
            parent = tree[parent]
    return found


def is_below(tree: dict[int, int | None], node: int, ancestor: int) -> bool:
    return node in descendants(tree, ancestor)


def disjoint(tree: dict[int, int | None], nodes: tuple[int, ...]) -> bool:
    """No node of `nodes` is inside another: their answers do not overlap."""
    return not any(is_below(tree, a, b) or is_below(tree, b, a) for a, b in combinations(nodes, 2))


def worked_out(tree, figures, *, children_only: bool) -> list[tuple[int, tuple[int, ...], int]]:
    """Every figure anyone can work out from what is shown: a shown node's total less the totals
    of any set of shown nodes inside it that do not overlap (its children only, if asked)."""
    found = []
    for node, figure in figures.items():
        if not figure.shown:
            continue
        if children_only:
            inside = [c for c in tree if tree[c] == node and figures[c].shown]
        else:
            inside = [d for d in descendants(tree, node) if figures[d].shown]
        for size in range(1, len(inside) + 1):
            for taken in combinations(inside, size):
                if children_only or disjoint(tree, taken):
                    left = figure.total - sum(figures[t].total for t in taken)
                    found.append((node, taken, left))
    return found


def test_every_random_tree_keeps_every_shown_figure_and_difference_at_five_or_more():
    rng = random.Random(SEED)
    checked = shown_somewhere = hidden_for_subtraction = 0
    for _ in range(TREES):
        tree, counts = random_tree(rng)
        figures = pulse_results(tree, counts)
        for node, figure in figures.items():
            own_and_below = counts[node] + sum(counts[d] for d in descendants(tree, node))
            assert figure.total == own_and_below
            if figure.shown:
                assert figure.total >= MIN_GROUP
                shown_somewhere += 1
            elif figure.total >= MIN_GROUP:
                hidden_for_subtraction += 1
        for children_only in (True, False):
            for node, taken, left in worked_out(tree, figures, children_only=children_only):
                checked += 1
                assert not 1 <= left < MIN_GROUP, (tree, counts, node, taken, left)
    # The random trees really do exercise the rule, both ways.
    assert checked > 1000 and shown_somewhere > 500 and hidden_for_subtraction > 100


def test_siblings_one_shown_and_one_small_hide_their_parent():
    # Ward A has 6 answers and Ward B 2: the department's 8 less Ward A's 6 would give Ward B.
    tree = {"dept": None, "a": "dept", "b": "dept"}
    figures = pulse_results(tree, {"dept": 0, "a": 6, "b": 2})
    assert figures["a"].shown
    assert not figures["b"].shown and figures["b"].too_few
    assert not figures["dept"].shown and not figures["dept"].too_few
    assert figures["dept"].total == 8


def test_a_parent_with_a_large_enough_remainder_is_shown_with_its_shown_child():
    tree = {"dept": None, "a": "dept", "b": "dept"}
    figures = pulse_results(tree, {"dept": 3, "a": 6, "b": 2})
    # 11 less Ward A's 6 leaves 5: the department's own 3 and Ward B's 2, a group of five.
    assert figures["dept"].shown and figures["a"].shown and not figures["b"].shown


def test_a_parent_whose_answers_are_all_in_shown_children_is_shown():
    tree = {"dept": None, "a": "dept", "b": "dept"}
    figures = pulse_results(tree, {"dept": 0, "a": 5, "b": 7})
    assert all(f.shown for f in figures.values())
    assert figures["dept"].total == 12


def test_a_shown_grandchild_below_a_hidden_child_counts_as_shown_for_the_top():
    # Reading "not in any shown child" as children only would show the directorate (7 answers,
    # none in a shown child), and 7 less the shown team's 5 would give the department's own 2.
    tree = {"directorate": None, "department": "directorate", "team": "department"}
    figures = pulse_results(tree, {"directorate": 0, "department": 2, "team": 5})
    assert figures["team"].shown
    assert not figures["department"].shown
    assert not figures["directorate"].shown


def test_no_answers_at_all_shows_nothing():
    figures = pulse_results({"org": None, "a": "org"}, {})
    assert figures["org"].total == 0 and not figures["org"].shown and figures["org"].too_few


def test_a_deep_tree_does_not_overflow_and_a_loop_is_refused():
    deep = {0: None, **{n: n - 1 for n in range(1, 5000)}}
    figures = pulse_results(deep, {4999: 5})
    assert all(f.shown and f.total == 5 for f in figures.values())
    with pytest.raises(ValueError):
        pulse_results({"a": "b", "b": "a"}, {"a": 5})

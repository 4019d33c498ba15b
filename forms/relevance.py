"""Safe evaluator for the small condition language used by `relevant:` in form definitions.

A condition is a Python-like expression over the form's own field names, for example
``keeps_livestock == true`` or ``kind in ['materials', 'demolished']``. Only names,
constants, lists, comparisons and and/or/not are allowed; anything else is refused when
the definition is loaded, so a form file can never run code on the tablet or the server.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

_CONSTANTS = {
    "true": True,
    "false": False,
    "null": None,
    "True": True,
    "False": False,
    "None": None,
}
_ALLOWED = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.List,
    ast.Tuple,
)


class ConditionError(ValueError):
    """A condition uses syntax or names the language does not allow."""


def parse_condition(source: str) -> ast.Expression:
    """Parse and check a condition; raise ConditionError with a readable reason."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ConditionError(f"cannot parse condition {source!r}: {exc.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise ConditionError(
                f"condition {source!r} uses {type(node).__name__}, which is not allowed"
            )
    return tree


def condition_names(tree: ast.Expression) -> set[str]:
    """The field names a condition reads (constants such as true/false excluded)."""
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in _CONSTANTS}


def evaluate(tree: ast.Expression, values: Mapping[str, Any]) -> bool:
    """Evaluate a checked condition; unanswered fields are None, so comparisons stay false."""
    return bool(_eval(tree.body, values))


def _eval(node: ast.AST, values: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        return values.get(node.id)
    if isinstance(node, ast.List | ast.Tuple):
        return [_eval(e, values) for e in node.elts]
    if isinstance(node, ast.UnaryOp):
        return not _eval(node.operand, values)
    if isinstance(node, ast.BoolOp):
        results = (_eval(v, values) for v in node.values)
        return all(results) if isinstance(node.op, ast.And) else any(results)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, values)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _eval(comparator, values)
            if not _compare(op, left, right):
                return False
            left = right
        return True
    raise ConditionError(f"unexpected node {type(node).__name__}")  # parse_condition stops this


def _compare(op: ast.cmpop, left: Any, right: Any) -> bool:
    if isinstance(op, ast.Eq):
        return left == right
    if isinstance(op, ast.NotEq):
        return left != right
    if isinstance(op, ast.In | ast.NotIn):
        inside = isinstance(right, list) and (
            left in right or (isinstance(left, list) and any(x in right for x in left))
        )
        return inside if isinstance(op, ast.In) else not inside
    if left is None or right is None:
        return False
    try:
        if isinstance(op, ast.Lt):
            return left < right
        if isinstance(op, ast.LtE):
            return left <= right
        if isinstance(op, ast.Gt):
            return left > right
        return left >= right
    except TypeError:
        return False

"""Safe evaluator for the small condition language used by `relevant:` in form definitions.

A condition is a Python-like expression over the form's own field names, for example
``keeps_livestock == true`` or ``kind in ['materials', 'demolished']``. Only names,
constants, lists, comparisons and and/or/not are allowed; anything else is refused when
the definition is loaded, so a form file can never run code on the tablet or the server.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
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
    return compiled(tree)(values)


Condition = Callable[[Mapping[str, Any]], bool]
# id(tree) -> (tree, its compiled form). The entry holds the tree, so its id is not reused
# while the entry lives; forms are few and live as long as the process.
_COMPILED: dict[int, tuple[ast.Expression, Condition]] = {}
_COMPILED_MAX = 4096


def compiled(tree: ast.Expression) -> Condition:
    """The condition as nested closures, built once per tree: the same answers as walking
    the tree (`_eval`), several times faster on every record of a push."""
    entry = _COMPILED.get(id(tree))
    if entry is not None and entry[0] is tree:
        return entry[1]
    body = _compile(tree.body)

    def condition(values: Mapping[str, Any]) -> bool:
        return bool(body(values))

    if len(_COMPILED) >= _COMPILED_MAX:
        _COMPILED.clear()
    _COMPILED[id(tree)] = (tree, condition)
    return condition


def _compile(node: ast.AST) -> Callable[[Mapping[str, Any]], Any]:
    """`_eval` of this node as a closure (same rules, same order of evaluation)."""
    if isinstance(node, ast.Constant) or (isinstance(node, ast.Name) and node.id in _CONSTANTS):
        constant = node.value if isinstance(node, ast.Constant) else _CONSTANTS[node.id]
        return lambda values: constant
    if isinstance(node, ast.Name):
        name = node.id
        return lambda values: values.get(name)
    if isinstance(node, ast.List | ast.Tuple):
        items = [_compile(e) for e in node.elts]
        return lambda values: [item(values) for item in items]
    if isinstance(node, ast.UnaryOp):
        operand = _compile(node.operand)
        return lambda values: not operand(values)
    if isinstance(node, ast.BoolOp):
        parts = [_compile(v) for v in node.values]
        if isinstance(node.op, ast.And):
            return lambda values: all(part(values) for part in parts)
        return lambda values: any(part(values) for part in parts)
    if isinstance(node, ast.Compare):
        first = _compile(node.left)
        pairs = [(op, _compile(c)) for op, c in zip(node.ops, node.comparators, strict=True)]

        def compare(values: Mapping[str, Any]) -> bool:
            left = first(values)
            for op, comparator in pairs:
                right = comparator(values)
                if not _compare(op, left, right):
                    return False
                left = right
            return True

        return compare
    raise ConditionError(f"unexpected node {type(node).__name__}")  # parse_condition stops this


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

"""Data quality rules: outliers by modified z-score and validation rules between items.

Pure pandas and numpy: frames in, frames out; the store and the follow-up of
flagged values live in lib.services.quality.

Outliers (DHIS2's modified z-score against a value's own history,
`history_outliers`, or its peers, `peer_outliers`) live in lib.engine.outliers;
their names are re-exported here.

Validation rules (กฎตรวจสอบความสอดคล้อง): an expression over item codes with
`+`, `-` and numbers and one comparison (`=`, `<=`, `>=`, `<`, `>`), or a
range `a <= X <= b`: "POP06 + POP07 = POP01", "POP03 <= POP01",
"0 <= FOR02 <= 100". `parse_rule` reads one (InputError in Thai naming the
position and the word it cannot read); `check_rules` tests the rules per area
and period where every item of the rule has a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.core.i18n import InputError

# Re-exported: the outlier names callers import from here (_CHUNK sizes the blocks there).
from lib.engine.outliers import (  # noqa: F401
    _CHUNK,
    FLAG_HISTORY,
    FLAG_PEERS,
    MIN_HISTORY,
    MIN_PEERS,
    THRESHOLD,
    history_outliers,
    modified_z,
    need_columns,
    outlier_scores,
    peer_outliers,
)

RULE_FLAG_PREFIX = "rule:"

# What check_rule returns: left and right are the first and last sides, middle a range's.
RULE_RESULT_COLUMNS = "rule_code area_code period items left middle right broken detail".split()
_RULE_DTYPES = {"left": float, "middle": float, "right": float, "broken": bool}


# -- validation rules --------------------------------------------------------------------
@dataclass(frozen=True)
class Term:
    """One term of a side: coefficient x item (item None: a constant)."""

    coefficient: float
    item: str | None = None


@dataclass(frozen=True)
class Rule:
    """A validation rule: two sides and one comparison, or three sides of a range."""

    expression: str
    sides: tuple[tuple[Term, ...], ...]
    comparisons: tuple[str, ...]
    code: str = ""
    name_th: str = ""
    name_en: str = ""
    tolerance: float = 0.0
    items: tuple[str, ...] = ()

    @property
    def flag(self) -> str:
        """The flag of a value that breaks this rule: 'rule:CODE'."""
        return f"{RULE_FLAG_PREFIX}{self.code}"


_WORD = re.compile(r"[A-Za-z0-9_.](?:[A-Za-z0-9_.-]*[A-Za-z0-9_.])?")
_OPERATOR = re.compile(r"<=|>=|==|=|<|>|≤|≥|\+|-")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_SAME = {"==": "=", "≤": "<=", "≥": ">="}
_COMPARISONS = ("=", "<=", ">=", "<", ">")


def _tokens(expression: str, known: set[str]) -> list[tuple[str, str, int]]:
    """(kind, text, 1-based position) of each word: number, code, unknown or operator.

    An item code may hold '-' (the catalogue allows it): a word with a hyphen
    that is not a known code is read as words joined by minus signs.
    """
    out: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(expression):
        if expression[pos].isspace():
            pos += 1
            continue
        word = _WORD.match(expression, pos)
        if word is not None:
            out += _word_tokens(word.group(), pos, known)
            pos = word.end()
            continue
        op = _OPERATOR.match(expression, pos)
        if op is None:
            _bad(expression, pos + 1, expression[pos], "sign")
        out.append(("op", _SAME.get(op.group(), op.group()), pos + 1))
        pos = op.end()
    return out


def _word_tokens(word: str, start: int, known: set[str]) -> list[tuple[str, str, int]]:
    """A word as one code or number, or split at its hyphens into words and minus signs."""
    if word in known:
        return [("code", word, start + 1)]
    if _NUMBER.fullmatch(word):
        return [("number", word, start + 1)]
    if "-" not in word:
        return [("unknown", word, start + 1)]
    out: list[tuple[str, str, int]] = []
    offset = 0
    for n, part in enumerate(word.split("-")):
        if n:
            out.append(("op", "-", start + offset))
        out += _word_tokens(part, start + offset, known)
        offset += len(part) + 1
    return out


# Why a word of a rule cannot stand where it is: (Thai, English).
_WHY = {
    "sign": ("อ่านไม่ออก", "a sign it cannot read"),
    "unknown": ("ไม่ใช่รหัสรายการข้อมูลในบัญชีรายการข้อมูล", "not an item code of the catalogue"),
    "term": ("ไม่ถูกที่: ต้องเป็นรหัสรายการข้อมูลหรือตัวเลข", "unexpected: put an item code or a number"),
    "dangling": ("ต้องตามด้วยรหัสรายการข้อมูลหรือตัวเลข", "not followed by an item code or a number"),
    "comparison": ("ไม่ถูกที่: ต้องเป็นเครื่องหมาย =, <=, >=, <, >", "unexpected: put =, <=, >=, < or >"),
    "last": ("ต้องตามด้วยค่าที่ใช้เปรียบเทียบ", "not followed by a side to compare with"),
}


def _bad(expression: str, position: int, word: str, why: str):
    th, en = _WHY[why]
    raise InputError(
        f"กฎ '{expression}': ตำแหน่งที่ {position} '{word}' {th}",
        f"rule '{expression}': at position {position}, '{word}' is {en}",
    )


def _side(tokens, i: int, expression: str) -> tuple[tuple[Term, ...], int]:
    """Read one side (terms joined by + and -) from tokens[i]; (terms, next index)."""
    terms: list[Term] = []
    sign = 1.0
    expect_term = True
    while i < len(tokens):
        kind, word, pos = tokens[i]
        if expect_term and kind in ("number", "code"):
            terms.append(Term(sign * float(word)) if kind == "number" else Term(sign, word))
            expect_term = False
        elif expect_term and kind == "op" and word in ("+", "-"):
            sign = -sign if word == "-" else sign
        elif expect_term:
            _bad(expression, pos, word, "unknown" if kind == "unknown" else "term")
        elif kind == "op" and word in ("+", "-"):
            sign, expect_term = (1.0 if word == "+" else -1.0), True
        else:
            break
        i += 1
    if expect_term:
        _bad(expression, tokens[i - 1][2], tokens[i - 1][1], "dangling")
    return tuple(terms), i


def parse_rule(expression: str, item_codes: Iterable[str], **meta) -> Rule:
    """A validation rule from its expression, checked against the catalogue's item codes.

    meta: code, name_th, name_en, tolerance (kept on the Rule). InputError, in
    Thai first, naming the position and the word, for a malformed expression or
    an unknown item code.

    >>> r = parse_rule("POP06 + POP07 = POP01", ["POP01", "POP06", "POP07"], code="R1")
    >>> r.items, r.comparisons, r.flag
    (('POP06', 'POP07', 'POP01'), ('=',), 'rule:R1')
    >>> parse_rule("0 <= FOR02 <= 100", ["FOR02"]).comparisons
    ('<=', '<=')
    >>> parse_rule("POP06 + = POP01", ["POP01", "POP06"])
    Traceback (most recent call last):
    lib.core.i18n.InputError: rule 'POP06 + = POP01': at position 9, '=' is unexpected: \
put an item code or a number
    """
    text = str(expression or "").strip()
    if not text:
        raise InputError("กฎว่างเปล่า: ต้องเขียนนิพจน์ เช่น A + B = C", "empty rule: write e.g. A + B = C")
    tokens = _tokens(text, set(item_codes))
    sides, comparisons, i = [], [], 0
    while True:
        terms, i = _side(tokens, i, text)
        sides.append(terms)
        if i >= len(tokens):
            break
        kind, word, pos = tokens[i]
        if kind != "op" or word not in _COMPARISONS:
            _bad(text, pos, word, "comparison")
        comparisons.append(word)
        i += 1
        if i >= len(tokens):
            _bad(text, pos, word, "last")
    _check_comparisons(text, comparisons)
    items = tuple(dict.fromkeys(t.item for side in sides for t in side if t.item))
    if not items:
        raise InputError(
            f"กฎ '{text}': ไม่มีรหัสรายการข้อมูลเลย", f"rule '{text}': it names no item code"
        )
    return Rule(text, tuple(sides), tuple(comparisons), items=items, **_meta(meta))


def _check_comparisons(text: str, comparisons: list[str]) -> None:
    """One comparison, or a range of two in the same direction without '='."""
    if not comparisons:
        raise InputError(
            f"กฎ '{text}': ไม่มีเครื่องหมายเปรียบเทียบ (=, <=, >=, <, >)",
            f"rule '{text}': it has no comparison (=, <=, >=, <, >)",
        )
    if len(comparisons) == 1:
        return
    rising = {"<", "<="} >= set(comparisons)
    falling = {">", ">="} >= set(comparisons)
    if len(comparisons) > 2 or not (rising or falling):
        raise InputError(
            f"กฎ '{text}': เปรียบเทียบได้ครั้งเดียว หรือเป็นช่วง เช่น 0 <= A <= 100",
            f"rule '{text}': one comparison only, or a range such as 0 <= A <= 100",
        )


def _meta(meta: dict) -> dict:
    """Rule fields from a row: text fields '' when missing, tolerance 0 when missing."""
    out = {k: ("" if v is None or v != v else str(v)) for k, v in meta.items() if k != "tolerance"}
    tolerance = meta.get("tolerance")
    out["tolerance"] = 0.0 if tolerance is None or tolerance != tolerance else float(tolerance)
    return out


def parse_rules(frame: pd.DataFrame, item_codes: Iterable[str]) -> list[Rule]:
    """The active rules of a validation_rules frame (code, name_th, name_en, expression,
    tolerance, is_active); InputError naming the rule's code for a bad one."""
    known = set(item_codes)
    rules = []
    for row in frame.to_dict("records"):
        if "is_active" in row and not bool(row["is_active"]):
            continue
        meta = {k: row.get(k) for k in ("code", "name_th", "name_en", "tolerance")}
        try:
            rules.append(parse_rule(row["expression"], known, **meta))
        except InputError as exc:
            raise InputError(
                f"กฎ {row['code']}: {exc.message_th}", f"rule {row['code']}: {exc.message_en}"
            ) from exc
    return rules


def _side_values(side: tuple[Term, ...], wide: pd.DataFrame) -> np.ndarray:
    total = np.zeros(len(wide))
    for term in side:
        part = wide[term.item].to_numpy(float) if term.item else 1.0
        total = total + term.coefficient * part
    return total


def _breaks(comparison: str, left: np.ndarray, right: np.ndarray, tolerance: float):
    """True where `left comparison right` fails; '=' allows |left - right| <= tolerance
    (and a rounding margin of 1e-9 of the sides' size: 0.1 + 0.2 = 0.3 holds)."""
    eps = 1e-9 * np.maximum(1.0, np.maximum(np.abs(left), np.abs(right)))
    diff = left - right
    return {
        "=": np.abs(diff) > tolerance + eps,
        "<=": diff > eps,
        ">=": diff < -eps,
        "<": diff > -eps,
        ">": diff < eps,
    }[comparison]


def check_rule(rule: Rule, values: pd.DataFrame) -> pd.DataFrame:
    """One rule per area and period where every item of the rule has a value.

    Columns RULE_RESULT_COLUMNS: left and right are the first and the last
    side's values, middle the middle side of a range (NaN otherwise); broken
    is True where the comparison fails; detail shows the sides with their values.
    """
    need_columns(values, ["item_code", "area_code", "period", "value"])
    mine = values[values["item_code"].isin(rule.items)]
    if mine.empty:
        return _no_results()
    wide = mine.pivot_table(
        index=["area_code", "period"], columns="item_code", values="value", aggfunc="first"
    )
    wide = wide.reindex(columns=list(rule.items)).dropna().reset_index()
    sides = [_side_values(side, wide) for side in rule.sides]
    broken = np.zeros(len(wide), dtype=bool)
    for k, comparison in enumerate(rule.comparisons):
        broken |= _breaks(comparison, sides[k], sides[k + 1], rule.tolerance)
    middle = sides[1] if len(sides) == 3 else np.full(len(wide), np.nan)
    out = pd.DataFrame(
        {
            "rule_code": rule.code,
            "area_code": wide["area_code"].astype(str),
            "period": wide["period"].astype(str),
            "items": ",".join(rule.items),
            "left": sides[0],
            "middle": middle,
            "right": sides[-1],
            "broken": broken,
        }
    )
    out["detail"] = [_detail(rule, [s[j] for s in sides]) for j in range(len(wide))]
    return out[RULE_RESULT_COLUMNS]


def _detail(rule: Rule, side_values: list[float]) -> str:
    """'POP06 + POP07 (120) = POP01 (130)': each side with its value."""
    parts = []
    for k, side in enumerate(rule.sides):
        text = _side_text(side)
        named = any(t.item for t in side)
        parts.append(f"{text} ({format_number(side_values[k])})" if named else text)
        if k < len(rule.comparisons):
            parts.append(rule.comparisons[k])
    return " ".join(parts)


def _side_text(side: tuple[Term, ...]) -> str:
    words = []
    for n, term in enumerate(side):
        size = abs(term.coefficient)
        word = term.item if term.item else format_number(size)
        if term.item and size != 1:
            word = f"{format_number(size)} {term.item}"
        sign = "-" if term.coefficient < 0 else "+"
        words.append(("-" + word if sign == "-" else word) if n == 0 else f"{sign} {word}")
    return " ".join(words)


def format_number(x: float) -> str:
    """A value for a message: thousands separated, up to 4 decimals, no trailing zeros.

    >>> format_number(1234567.0), format_number(0.125), format_number(float("inf"))
    ('1,234,567', '0.125', '∞')
    """
    if x is None or x != x:
        return "-"
    if np.isinf(x):
        return "∞" if x > 0 else "-∞"
    text = f"{x:,.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def check_rules(rules: Iterable[Rule], values: pd.DataFrame) -> pd.DataFrame:
    """Every rule checked per area and period (check_rule), one frame.

    >>> v = pd.DataFrame({"item_code": ["M", "F", "T", "M", "F", "T"],
    ...     "area_code": ["10"] * 3 + ["11"] * 3, "period": "2024",
    ...     "value": [60.0, 40.0, 100.0, 60.0, 40.0, 120.0]})
    >>> r = parse_rule("M + F = T", ["M", "F", "T"], code="SEX")
    >>> check_rules([r], v)[["area_code", "left", "right", "broken"]].to_dict("records")
    [{'area_code': '10', 'left': 100.0, 'right': 100.0, 'broken': False}, \
{'area_code': '11', 'left': 100.0, 'right': 120.0, 'broken': True}]
    """
    frames = [f for f in (check_rule(rule, values) for rule in rules) if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else _no_results()


def _no_results() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype=_RULE_DTYPES.get(c, object)) for c in RULE_RESULT_COLUMNS}
    )

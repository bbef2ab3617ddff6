"""Data quality rules: outliers by modified z-score and validation rules between items.

Pure pandas and numpy: frames in, frames out; the store and the follow-up of
flagged values live in lib.services.quality.

Outliers (DHIS2's modified z-score): a value x against its reference (other
values) scores M = 0.6745 * (x - median) / MAD (MAD: median absolute deviation
from the reference's median); |M| above the threshold (default 3.5) flags it.
When the MAD is 0, M = (x - median) / (1.2533 * MeanAD) (mean absolute
deviation from the median); when that is 0 too (the reference is one value)
M is +-inf for a value different from all the others, else 0: only a value
different from all others is flagged.

- `history_outliers`: the reference of a value is its own item x area's other
  periods (the value itself left out; at least MIN_HISTORY others);
- `peer_outliers`: the reference is the same item and period in the other
  areas (of the same level when a `peer_group` column is given; at least
  MIN_PEERS others).

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

THRESHOLD = 3.5  # |modified z-score| above this flags a value
MIN_HISTORY = 4  # other periods of the item x area needed to judge a value
MIN_PEERS = 5  # other areas (same item, period) needed to judge a value
FLAG_HISTORY = "outlier_history"
FLAG_PEERS = "outlier_peers"
RULE_FLAG_PREFIX = "rule:"
_CHUNK = 4_000_000  # elements of a leave-one-out block computed at once (memory bound)

# What check_rule returns: left and right are the first and last sides, middle a range's.
RULE_RESULT_COLUMNS = "rule_code area_code period items left middle right broken detail".split()
_RULE_DTYPES = {"left": float, "middle": float, "right": float, "broken": bool}


# -- outliers -----------------------------------------------------------------------
def modified_z(value: float, reference: Iterable[float]) -> float:
    """The modified z-score of a value against a reference (see the module docstring).

    >>> modified_z(10.0, [1.0, 2.0, 3.0, 4.0, 5.0])
    4.7215
    >>> modified_z(5.0, [3.0, 3.0, 3.0, 5.0]), modified_z(4.0, [3.0, 3.0, 3.0])
    (3.1916, inf)
    """
    ref = np.asarray(list(reference), dtype=float)
    score = _scores(np.array([[value, *ref]]), with_self=True)[0][0][0]
    return round(float(score), 4)


def _others_index(n: int) -> np.ndarray:
    """(n, n-1) positions: row k lists every position of a group of n but k."""
    full = np.tile(np.arange(n), (n, 1))
    return full[~np.eye(n, dtype=bool)].reshape(n, n - 1)


def _scores(block: np.ndarray, with_self: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(scores, medians) of each value of each row of `block` against the row's other values.

    with_self: only the first value of each row is judged, against the rest of the row.
    """
    values = block[:, :1] if with_self else block
    others = block[:, None, 1:] if with_self else block[:, _others_index(block.shape[1])]
    median = np.median(others, axis=2)
    deviation = np.abs(others - median[..., None])
    mad = np.median(deviation, axis=2)
    mean_ad = deviation.mean(axis=2)
    diff = values - median
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(
            mad > 0,
            0.6745 * diff / mad,
            np.where(mean_ad > 0, diff / (1.2533 * mean_ad), np.sign(diff) * np.inf),
        )
    score = np.where((mad == 0) & (mean_ad == 0) & (diff == 0), 0.0, score)
    return score, median


def outlier_scores(values: pd.DataFrame, keys: list[str], minimum: int) -> pd.DataFrame:
    """Each value's score and reference median against the other values of its group.

    keys: the columns that make a group (the value itself is left out of its
    reference); a group with fewer than `minimum` other values scores NaN.
    Returns `values` with score, median and n_reference (the other values).
    """
    frame = values.reset_index(drop=True)
    score = np.full(len(frame), np.nan)
    median = np.full(len(frame), np.nan)
    sizes = frame.groupby(keys, dropna=False, sort=False)["value"].transform("size").to_numpy()
    vals = frame["value"].to_numpy(float)
    for n in sorted(set(sizes[sizes > minimum].tolist())):
        rows = frame.index[sizes == n]
        ordered = frame.loc[rows].sort_values(keys, kind="stable").index.to_numpy()
        groups = ordered.reshape(-1, n)
        step = max(1, _CHUNK // (n * n))
        for start in range(0, len(groups), step):
            part = groups[start : start + step]
            s, m = _scores(vals[part])
            score[part.ravel()] = s.ravel()
            median[part.ravel()] = m.ravel()
    return frame.assign(score=score, median=median, n_reference=sizes - 1)


def _flagged(scored: pd.DataFrame, flag: str, threshold: float) -> pd.DataFrame:
    """The rows whose |score| exceeds the threshold, with their flag."""
    if not (isinstance(threshold, int | float) and np.isfinite(threshold) and threshold > 0):
        raise InputError(
            f"เกณฑ์ค่าผิดปกติต้องเป็นตัวเลขมากกว่า 0 ไม่ใช่ {threshold!r}",
            f"the outlier threshold must be a number above 0, not {threshold!r}",
        )
    out = scored[scored["score"].abs() > threshold].assign(flag=flag)
    return out.reset_index(drop=True)


def _need(values: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in values]
    if missing:
        raise ValueError(f"values lack columns {missing}")


def history_outliers(values: pd.DataFrame, threshold: float = THRESHOLD) -> pd.DataFrame:
    """Values far from their own item x area's other periods (flag 'outlier_history').

    values: item_code, area_code, period, value (one row per cell; more columns
    are kept). Returns the flagged rows with flag, score, median (of the other
    periods) and n_reference; a cell with fewer than MIN_HISTORY other periods
    is never flagged.

    >>> v = pd.DataFrame({"item_code": "A", "area_code": "10",
    ...     "period": ["2020", "2021", "2022", "2023", "2024"],
    ...     "value": [100.0, 102.0, 98.0, 101.0, 500.0]})
    >>> history_outliers(v)[["period", "flag", "median"]].to_dict("records")
    [{'period': '2024', 'flag': 'outlier_history', 'median': 100.5}]
    """
    _need(values, ["item_code", "area_code", "period", "value"])
    scored = outlier_scores(values, ["item_code", "area_code"], MIN_HISTORY)
    return _flagged(scored, FLAG_HISTORY, threshold)


def peer_outliers(values: pd.DataFrame, threshold: float = THRESHOLD) -> pd.DataFrame:
    """Values far from the same item and period in the other areas (flag 'outlier_peers').

    values: item_code, area_code, period, value, and optionally peer_group (the
    area's level: provinces are compared with provinces, districts with
    districts). A value with fewer than MIN_PEERS other areas is never flagged.

    >>> v = pd.DataFrame({"item_code": "A", "period": "2024",
    ...     "area_code": ["10", "11", "12", "13", "14", "15"],
    ...     "value": [50.0, 52.0, 49.0, 51.0, 50.0, 5.0]})
    >>> peer_outliers(v)[["area_code", "flag"]].to_dict("records")
    [{'area_code': '15', 'flag': 'outlier_peers'}]
    """
    _need(values, ["item_code", "area_code", "period", "value"])
    keys = ["item_code", "period"] + (["peer_group"] if "peer_group" in values else [])
    scored = outlier_scores(values, keys, MIN_PEERS)
    return _flagged(scored, FLAG_PEERS, threshold)


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
    _need(values, ["item_code", "area_code", "period", "value"])
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

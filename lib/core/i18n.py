"""Thai first, English available: the one way to hold and choose text in two languages.

A `Text` is a (th, en) pair; `pick(text, lang)` chooses by language with one
fallback (an empty English text falls back to the Thai). Errors a user reads
derive from `LocalizedError`, which carries both messages; `message_of` reads
any exception in the user's language. Every front end (page, command line)
chooses text through this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

LANGS = ("th", "en")
DEFAULT_LANG = "th"


class Text(NamedTuple):
    """A text in Thai and English.

    >>> Text("เขียว", "green").pick("en")
    'green'
    """

    th: str
    en: str

    def pick(self, lang: str) -> str:
        """The text in `lang`; the Thai when the English is empty."""
        return pick(self, lang)


def check_lang(lang: object) -> str:
    """Return lang, or raise ValueError if it is not 'th' or 'en'."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGS}")
    return lang  # type: ignore[return-value]


def lang_or_default(lang: object) -> str:
    """A language from user input (a URL, a flag): 'th' or 'en', Thai when unknown.

    >>> lang_or_default("en"), lang_or_default("fr"), lang_or_default(None)
    ('en', 'th', 'th')
    """
    return lang if lang in LANGS else DEFAULT_LANG  # type: ignore[return-value]


def pick(text: Text | tuple[str, str] | str, lang: str) -> str:
    """The Thai or English of a (th, en) pair; a plain string is the same in both.

    >>> pick(("ไม่มีข้อมูล", "no data"), "en"), pick(("ไม่มีข้อมูล", ""), "en")
    ('no data', 'ไม่มีข้อมูล')
    >>> pick("KPI04", "th")
    'KPI04'
    """
    if isinstance(text, str):
        return text
    th, en = text
    return (en or th) if check_lang(lang) == "en" else th


def pick_column(prefix: str, lang: str) -> str:
    """Column holding a name in a language: pick_column('name', 'en') -> 'name_en'.

    >>> pick_column("group_name", "th")
    'group_name_th'
    """
    return f"{prefix}_{check_lang(lang)}"


def pick_from(row: Mapping, prefix: str, lang: str) -> str:
    """A row's name in a language, the Thai when the English is empty or missing."""
    value = row.get(f"{prefix}_{check_lang(lang)}")
    if lang == "en" and (value is None or value != value or value == ""):
        value = row.get(f"{prefix}_th")
    return "" if value is None or value != value else str(value)


class LocalizedError(Exception):
    """An error a user reads, with its message in Thai and in English.

    `str(exc)` is the English (logs, tracebacks); `exc.message(lang)` is for people.
    """

    def __init__(self, message_th: str, message_en: str):
        super().__init__(message_en)
        self.message_th = message_th
        self.message_en = message_en

    def message(self, lang: str) -> str:
        """The message in `lang`."""
        return pick((self.message_th, self.message_en), lang)


class InputError(LocalizedError, ValueError):
    """Bad input from a user or a file: clear message, nothing changed."""


def message_of(exc: BaseException, lang: str) -> str:
    """Any exception's message in `lang`: both languages for LocalizedError, else str(exc).

    >>> message_of(InputError("ผิด", "wrong"), "th"), message_of(ValueError("bad"), "th")
    ('ผิด', 'bad')
    """
    if isinstance(exc, LocalizedError):
        return exc.message(lang)
    return str(exc)

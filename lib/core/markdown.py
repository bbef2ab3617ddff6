"""User-given text (display names, file names) shown through a Markdown renderer as plain text.

Streamlit renders labels, captions and st.markdown as Markdown: a display name
``![x](http://host/p.png)`` would make every browser that shows it fetch the
URL, and ``[x](http://...)`` would be a link. Escaping every ASCII punctuation
mark with a backslash (CommonMark's escape) shows the text exactly as typed.
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def escape_markdown(text: object) -> str:
    r"""The text with every ASCII punctuation mark escaped, so Markdown shows it literally.

    >>> print(escape_markdown("![x](http://e.x/a.png)"))
    \!\[x\]\(http\:\/\/e\.x\/a\.png\)
    >>> escape_markdown("สมชาย ใจดี"), escape_markdown(None)
    ('สมชาย ใจดี', '')
    """
    return "" if text is None else _PUNCTUATION.sub(r"\\\1", str(text))

"""Clean text as it arrives: every value a browser sends and every cell of an import.

Control characters (other than tab and line feed) can break exports, logs and headers, and the
bidirectional controls (U+202E and friends) can make text read differently from what it holds:
"report" + U+202E + "fdp.exe" shows as "reportexe.pdf". Neither has a place in a name or a
comment, so both are taken out before any form, view or import sees the text. Line breaks
become plain "\n".
"""

from __future__ import annotations

import re

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.utils import cached_property

# C0 and C1 controls except tab and line feed; the bidirectional embeddings, overrides and
# isolates, and the marks; and the non-characters U+FFFE and U+FFFF.
_UNWANTED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffe\uffff]"
)


def clean_text(value: str) -> str:
    """The text with line breaks made "\n" and the unwanted characters above removed."""
    return _UNWANTED.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


class _CleanForm(ImmutableMultiDict):
    """Marks values already cleaned, so they are cleaned once."""


def _cleaned(values: MultiDict) -> _CleanForm:
    return _CleanForm(
        (key, clean_text(value) if isinstance(value, str) else value)
        for key, value in values.items(multi=True)
    )


class CleanRequest(Request):
    """The app's request: form fields and query arguments arrive cleaned (files untouched)."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        if not isinstance(self.__dict__.get("form"), _CleanForm):
            self.__dict__["form"] = _cleaned(self.__dict__["form"])

    @cached_property
    def args(self) -> ImmutableMultiDict:
        return _cleaned(super().args)

"""Field types of the request models: strict numbers, bounded text, bounded maps.

Numbers are strict (JSON `true` is not 1, `"5"` is not 5) and floats must be finite, so NaN, Infinity
and bools never reach grid arithmetic. Every text field has a maximum length and refuses whitespace
and control characters (`"1:BTCUSDT\\n"` would otherwise change variant keys), so an error message can
never echo an unbounded input.
"""

from __future__ import annotations

from typing import Annotated, TypeVar

from pydantic import AllowInfNan, Field, Strict, StringConstraints

# Whole numbers beyond int64 have no meaning anywhere in a request.
MAX_INT = 2**63 - 1
MAX_NAME_LENGTH = 64
MAX_MAP_ENTRIES = 32
# Rust-regex semantics (pydantic's default engine): `$` is the end of the text, so no trailing newline.
_TOKEN = r"^[^\s\x00-\x1f\x7f]+$"

StrictInt = Annotated[int, Strict(), Field(ge=-MAX_INT, le=MAX_INT)]
FiniteFloat = Annotated[float, Strict(), AllowInfNan(False)]
Number = StrictInt | FiniteFloat
Name = Annotated[str, Strict(), StringConstraints(min_length=1, max_length=MAX_NAME_LENGTH, pattern=_TOKEN)]
ParamValue = StrictInt | FiniteFloat | Name
# An indicator instance's name inside one request: no dots, so `fast.window` always splits in two.
Alias = Annotated[str, Strict(), StringConstraints(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")]
# `alias.param` of one instance's numeric parameter, as param constraints name it.
ParamRef = Annotated[
    str, Strict(), StringConstraints(min_length=3, max_length=100, pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
]

InstrumentIdText = Annotated[str, Strict(), StringConstraints(min_length=3, max_length=64, pattern=_TOKEN)]
TimeframeText = Annotated[str, Strict(), StringConstraints(min_length=1, max_length=8, pattern=_TOKEN)]

V = TypeVar("V")
NameMap = Annotated[dict[Name, V], Field(max_length=MAX_MAP_ENTRIES)]

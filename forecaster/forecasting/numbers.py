"""Numbers as people read them in a column: one number of decimals for every row."""

from __future__ import annotations

import math


def decimals_for(values: list[float | None], digits: int = 4) -> int | None:
    """Decimals that give the largest value `digits` significant digits, so every row of a
    column has the same number of decimals ("14.30" beside "14.29", not "14.3").
    None: the column needs scientific notation (values of 1e7 and more, or below 0.001)."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    top = max(finite, default=0.0)
    if top == 0.0:
        return digits - 1
    if top >= 1e7 or top < 1e-3:
        return None
    return max(0, digits - 1 - math.floor(math.log10(top)))


def column_cells(values: list[float | None]) -> list[str]:
    """The values of one column, each with the same decimals; 'n/a' where not computable."""
    places = decimals_for(values)
    return ["n/a" if value is None else (f"{value:.3e}" if places is None else
                                         f"{value:.{places}f}") for value in values]

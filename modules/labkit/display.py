"""Let notebook tables show answers and error messages whole.

pandas cuts every table cell at 50 characters ("The capital of France is Paris, a city kno..."),
which hides exactly what the labs ask attendees to read. Call `show_whole_text()` once at the top of
a lab; it changes only how this kernel displays tables.
"""

from __future__ import annotations

import pandas as pd


def show_whole_text() -> None:
    """From now on, table cells show their whole text instead of the first 50 characters."""
    pd.set_option("display.max_colwidth", None)

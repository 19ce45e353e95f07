"""Exchanges and spans as CSV and JSON files in a git-ignored folder (var/analytics/), secrets redacted.

    paths = export_exchanges(df)                 # {'csv': .../exchanges.csv, 'json': .../exchanges.json}
    export_spans(telemetry.spans_frame(trace_id))

Every string cell passes through `modules.analytics.redact`, so a key or token that slipped into an error
message or a span attribute is written as "[redacted]". Files are written next to their final name and then
renamed, so a failed export never leaves half a file behind.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from modules.analytics.errors import AnalyticsInputError
from modules.analytics.frame import _frame
from modules.analytics.redact import redact, secret_values
from modules.config import PROJECT_ROOT

OUTPUT_DIR = PROJECT_ROOT / "var" / "analytics"  # /var/ is in .gitignore


def _redacted(df: pd.DataFrame, secrets: set[str]) -> pd.DataFrame:
    out = df.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = [redact(value, secrets) for value in out[column]]
    return out


def _write(path: Path, text: str) -> Path:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
    return path


def export_table(
    df: pd.DataFrame, name: str, folder: Path | str = OUTPUT_DIR, *, extra_secrets: Sequence[str | None] = ()
) -> dict[str, Path]:
    """`df` as `<folder>/<name>.csv` and `<name>.json` (a list of records); returns both paths."""
    if not name or Path(name).name != name or name.startswith("."):
        raise AnalyticsInputError(f"Export name {name!r} must be a plain file stem such as 'exchanges' (no folders).")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    safe = _redacted(df, secret_values(extra_secrets))
    # Dicts and lists (span attributes) become JSON text in the CSV; timestamps become ISO 8601 in both files.
    flat = safe.apply(lambda col: col.map(_cell_text) if col.dtype == object else col)
    records = json.loads(safe.to_json(orient="records", date_format="iso", default_handler=str))
    return {
        "csv": _write(folder / f"{name}.csv", flat.to_csv(index=False)),
        "json": _write(folder / f"{name}.json", json.dumps(records, indent=2, ensure_ascii=False) + "\n"),
    }


def _cell_text(value: Any) -> Any:
    return json.dumps(value, default=str) if isinstance(value, (dict, list)) else value


def export_exchanges(
    data: Any, folder: Path | str = OUTPUT_DIR, *, name: str = "exchanges", extra_secrets: Sequence[str | None] = ()
) -> dict[str, Path]:
    """A conversation's exchanges (the `exchanges_frame` table) as CSV and JSON.

    Args:
        data: Anything `exchanges_frame` accepts (a manager, a record, their lists, or the frame).
        folder: Where the files go (git-ignored var/analytics by default).
        name: The files' stem.
        extra_secrets: More values to redact besides the configured keys and tokens.
    """
    return export_table(_frame(data), name, folder, extra_secrets=extra_secrets)


def export_spans(
    spans: pd.DataFrame,
    folder: Path | str = OUTPUT_DIR,
    *,
    name: str = "spans",
    extra_secrets: Sequence[str | None] = (),
) -> dict[str, Path]:
    """A trace's spans (`Telemetry.spans_frame`) as CSV and JSON.

    Args:
        spans: The spans table (`Telemetry.spans_frame`).
        folder: Where the files go (git-ignored var/analytics by default).
        name: The files' stem.
        extra_secrets: More values to redact besides the configured keys and tokens.
    """
    return export_table(spans, name, folder, extra_secrets=extra_secrets)

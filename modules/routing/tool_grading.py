"""The graded tool set: per tier, how often the right tool is chosen with arguments valid for its schema.

    python -m modules.router profile --tools-only                  # grade the tool set, store it in the profile
    python -m modules.router profile --tools-only --tool-sample 20 # a stratified, seeded subset (5 per kind)
    profile["tools"]["tiers"]["local"]["right_rate"]              # what the tool floor reads (tool_floor.py)

`data/tool_queries.csv` (made by data/make_tool_queries.py) holds 100 queries, 25 per kind: `multiply`,
`convert_units`, `get_weather`, and small talk, where the right answer calls no tool. Each query is asked once, with
the three tools of `GRADED_TOOLS` offered and `tool_choice` "auto", so the tier's own choice is graded. A query is
right when the tier called the expected tool with arguments that validate against its JSON schema, or, for small
talk, called none. The argument *values* are not graded (see `expected_arguments` in the file).

Every tier is graded by the same code: its Agent Framework chat client (`Tiers.client(tier)`) is asked with
declaration-only tools, so a call comes back as a `function_call` and nothing runs. Offline that is the embedded
SmolLM2 (local) and the course's Responses service (cloud); with a real endpoint in `.env` it is that endpoint, over
the same `OpenAIChatClient`. Answers are capped at `TOOL_MAX_TOKENS`: a call to the longest tool fits, and a text
answer needs only its first tokens (what is graded is whether a call was made).
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modules.config import PROJECT_ROOT
from modules.routing.profile import ProfileError, _sha256, sample_graded_queries

TOOL_CSV = PROJECT_ROOT / "data" / "tool_queries.csv"
TOOL_MAX_TOKENS = 64
NO_TOOL = "none"
# The tools every query is offered: (description, JSON schema of the arguments).
GRADED_TOOLS: dict[str, tuple[str, dict[str, Any]]] = {
    "multiply": (
        "Multiply two numbers.",
        {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}, "required": ["a", "b"]},
    ),
    "convert_units": (
        "Convert a value from one unit to another.",
        {
            "type": "object",
            "properties": {"value": {"type": "number"}, "unit_from": {"type": "string"}, "unit_to": {"type": "string"}},
            "required": ["value", "unit_from", "unit_to"],
        },
    ),
    "get_weather": (
        "The current weather in a city.",
        {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    ),
}


@dataclass(frozen=True)
class ToolQuery:
    """One graded tool query.

    Attributes:
        id: Its id in the file ("t001").
        query: The question.
        expected_tool: The tool that should answer it, or "none" (no tool is right).
    """

    id: str
    query: str
    expected_tool: str

    @property
    def category(self) -> str:
        """The stratum a sample keeps the share of: the expected tool."""
        return self.expected_tool


def load_tool_queries(path: Path | str = TOOL_CSV) -> list[ToolQuery]:
    """Read the graded tool set, checking that every expected tool is one of `GRADED_TOOLS` (or "none").

    Args:
        path: The CSV (default: data/tool_queries.csv).

    Returns:
        One `ToolQuery` per row, in file order.

    Raises:
        ProfileError: The file is missing, or a row expects a tool that is not offered (names the line).
    """
    path = Path(path)
    if not path.exists():
        raise ProfileError(f"No graded tool set at {path}. Generate it: python data/make_tool_queries.py")
    with path.open(newline="", encoding="utf-8") as file:
        rows = [ToolQuery(r["id"], r["query"], r["expected_tool"]) for r in csv.DictReader(file)]
    for line, row in enumerate(rows, start=2):
        if row.expected_tool not in (*GRADED_TOOLS, NO_TOOL):
            raise ProfileError(
                f"{path.name} line {line}: expected_tool {row.expected_tool!r} is not offered; use one of "
                f"{', '.join(GRADED_TOOLS)} or {NO_TOOL!r}"
            )
    return rows


def declared_tools() -> list[Any]:
    """The graded tools as declaration-only Agent Framework tools: a call is returned to the caller, never run."""
    from agent_framework import FunctionTool

    return [
        FunctionTool(name=name, description=description, func=None, input_model=schema)
        for name, (description, schema) in GRADED_TOOLS.items()
    ]


def schema_valid(name: str, arguments: Any) -> bool:
    """Whether `arguments` (JSON text or a dict) validate against the schema of the graded tool `name`.

    Args:
        name: The tool the call names.
        arguments: The call's arguments.

    Returns:
        True for valid JSON of the tool's schema; False for unknown tools, bad JSON or a schema violation.
    """
    import jsonschema

    if name not in GRADED_TOOLS:
        return False
    try:
        parsed = json.loads(arguments) if isinstance(arguments, str) else arguments
        jsonschema.validate(parsed, GRADED_TOOLS[name][1])
    except (json.JSONDecodeError, jsonschema.ValidationError):
        return False
    return True


async def grade_tool_queries(
    client: Any,
    rows: Sequence[ToolQuery],
    *,
    max_tokens: int = TOOL_MAX_TOKENS,
    cloud: bool = False,
    tool_choice: str = "auto",
) -> list[dict[str, Any]]:
    """Ask one tier's chat client every query with the graded tools offered; grade each answer.

    Args:
        client: An Agent Framework chat client (`tiers.client("local")` or `tiers.client("cloud")`).
        rows: The queries (`load_tool_queries`, or a sample of them).
        max_tokens: The cap on each answer.
        cloud: True for a Responses-API tier: asked with `store=False` (a graded question keeps no history).
        tool_choice: "auto" grades the tier's own choice (the profile); "required" makes it call one of the tools,
            which measures whether its calls fit their schemas (bench/bench_tools.py).

    Returns:
        One entry per query, in order: {"id", "called", "arguments", "schema_valid", "right", "seconds", "error"};
        `called` is the first call's tool or "none". A failed call is recorded and graded wrong; the run goes on.
    """
    tools = declared_tools()
    options: dict[str, Any] = {"tools": tools, "tool_choice": tool_choice, "max_tokens": max_tokens}
    if cloud:
        options["store"] = False
    results = []
    for row in rows:
        started = time.perf_counter()
        called, arguments, error = NO_TOOL, None, None
        try:
            response = await client.get_response(row.query, options=options)
            calls = [c for m in response.messages for c in m.contents if c.type == "function_call"]
            if calls:
                called, arguments = calls[0].name, calls[0].arguments
        except Exception as failure:  # noqa: BLE001 - a failed call is graded wrong and recorded, the run goes on
            error = f"{type(failure).__name__}: {failure}"[:200]
        valid = called != NO_TOOL and schema_valid(called, arguments)
        results.append(
            {
                "id": row.id,
                "called": called,
                "arguments": arguments if arguments is None or isinstance(arguments, str) else json.dumps(arguments),
                "schema_valid": valid,
                "right": error is None and called == row.expected_tool and (called == NO_TOOL or valid),
                "seconds": round(time.perf_counter() - started, 3),
                "error": error,
            }
        )
    return results


def summarise_tool_results(rows: Sequence[ToolQuery], results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Counts and rates of one tier's graded answers.

    Args:
        rows: The queries asked.
        results: `grade_tool_queries`'s entries for them, in the same order.

    Returns:
        {"n", "right", "right_rate", "calls", "schema_valid", "schema_valid_rate", "by_tool": {tool: {"n", "right"}}}.
    """
    calls = [r for r in results if r["called"] != NO_TOOL]
    by_tool: dict[str, dict[str, int]] = {}
    for row, result in zip(rows, results, strict=True):
        entry = by_tool.setdefault(row.expected_tool, {"n": 0, "right": 0})
        entry["n"] += 1
        entry["right"] += bool(result["right"])
    right = sum(bool(r["right"]) for r in results)
    valid = sum(bool(r["schema_valid"]) for r in calls)
    return {
        "n": len(results),
        "right": right,
        "right_rate": round(right / len(results), 4) if results else None,
        "calls": len(calls),
        "schema_valid": valid,
        "schema_valid_rate": round(valid / len(calls), 4) if calls else None,
        "by_tool": dict(sorted(by_tool.items())),
    }


async def tool_profile(
    tiers: Any,
    *,
    tool_csv: Path | str = TOOL_CSV,
    sample: int | None = None,
    max_tokens: int = TOOL_MAX_TOKENS,
    progress: bool = True,
) -> dict[str, Any]:
    """The capability profile's `tools` section: the graded tool set asked of each measured tier.

    The local tier is always measured; the cloud tier when it is a real endpoint (offline it runs the same small
    model, as in the rest of the profile). Both go through `grade_tool_queries`.

    Args:
        tiers: Both tiers (`start_tiers()`).
        tool_csv: The graded tool set.
        sample: Ask a stratified, seeded subset of about this many queries (every kind keeps its share); None: all.
        max_tokens: The cap on each answer.
        progress: Print a line per tier.

    Returns:
        {"file", "rows", "sha256", ["sample", "sample_seed"], "max_tokens", "tools", "tiers": {tier: summary +
        "model" + "results"}}.

    Raises:
        ProfileError: The tool set is missing or malformed, or the sample cannot cover every kind.
    """
    from modules.routing.profile import SAMPLE_SEED

    tool_csv = Path(tool_csv)
    rows = load_tool_queries(tool_csv)
    if sample is not None:
        rows = sample_graded_queries(rows, sample)
    settings = tiers.settings
    measured = ["local"] + (["cloud"] if settings.cloud.backend != "local_service" else [])
    section: dict[str, Any] = {
        "file": tool_csv.name,
        "rows": len(rows),
        "sha256": _sha256(tool_csv),
        **({"sample": sample, "sample_seed": SAMPLE_SEED} if sample is not None else {}),
        "max_tokens": max_tokens,
        "tool_choice": "auto",
        "tools": list(GRADED_TOOLS),
        "tiers": {},
    }
    for tier in measured:
        started = time.perf_counter()
        results = await grade_tool_queries(tiers.client(tier), rows, max_tokens=max_tokens, cloud=tier == "cloud")
        summary = summarise_tool_results(rows, results)
        model = str(settings.local.model if tier == "local" else settings.cloud.model)
        section["tiers"][tier] = {"model": model, **summary, "results": results}
        if progress:
            print(
                f"  tools, {tier}: {summary['right']}/{summary['n']} right tool with valid arguments, "
                f"{summary['schema_valid']}/{summary['calls']} calls schema-valid, "
                f"{time.perf_counter() - started:.0f} s"
            )
    return section


def tool_accuracy(profile: Mapping[str, Any], tier: str = "local") -> float | None:
    """A tier's measured tool accuracy in a capability profile: the share of the graded tool set it got right.

    Args:
        profile: A capability profile (`load_profile`).
        tier: "local" or "cloud".

    Returns:
        The rate between 0 and 1, or None when the profile holds no tool measurement for that tier.

    Raises:
        ProfileError: The `tools` section is there but its rate is not a number between 0 and 1.
    """
    entry = (profile.get("tools") or {}).get("tiers", {}).get(tier)
    if entry is None:
        return None
    rate = entry.get("right_rate")
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise ProfileError(
            f"the profile's tool accuracy of the {tier} tier is {rate!r}, not a number between 0 and 1; re-measure: "
            "python -m modules.router profile --tools-only"
        )
    return float(rate)

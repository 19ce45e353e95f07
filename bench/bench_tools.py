"""Function tools: schema-valid calls, right-tool rate per tier, time per tool turn, resume with a pending approval.

python bench/bench_tools.py            # writes bench/results/tools.json and docs/performance.md's "tools"
python bench/bench_tools.py --per-kind 3   # a smaller stratified sample of data/tool_queries.csv

Offline both tiers run SmolLM2-135M: the local tier in-process, the cloud tier behind the course's Responses service
(over HTTP, with the stock `openai` client). With a real endpoint in `.env` nothing here grades it yet.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import jsonschema  # noqa: E402
import openai  # noqa: E402
from _report import figure, record_figures, write_section  # noqa: E402
from agent_framework import AgentSession, FunctionTool, tool  # noqa: E402

from modules.config import PROJECT_ROOT  # noqa: E402
from modules.hybrid.approvals import pending_approvals, run_until_approval  # noqa: E402
from modules.runtime.local_service import running_local_service  # noqa: E402
from modules.storage import SqliteStore  # noqa: E402
from modules.tiers import EmbeddedChatClient  # noqa: E402

SCHEMAS = {
    "multiply": {
        "type": "object",
        "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
        "required": ["a", "b"],
    },
    "convert_units": {
        "type": "object",
        "properties": {"value": {"type": "number"}, "unit_from": {"type": "string"}, "unit_to": {"type": "string"}},
        "required": ["value", "unit_from", "unit_to"],
    },
    "get_weather": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
DESCRIPTIONS = {
    "multiply": "Multiply two numbers.",
    "convert_units": "Convert a value from one unit to another.",
    "get_weather": "The current weather in a city.",
}
DECLARED = [FunctionTool(name=n, description=DESCRIPTIONS[n], func=None, input_model=s) for n, s in SCHEMAS.items()]
RESPONSES_TOOLS = [
    {"type": "function", "name": n, "description": DESCRIPTIONS[n], "parameters": s} for n, s in SCHEMAS.items()
]


def sample(per_kind: int) -> list[dict[str, str]]:
    with (PROJECT_ROOT / "data" / "tool_queries.csv").open() as file:
        rows = list(csv.DictReader(file))
    kinds: dict[str, list] = {}
    for row in rows:
        kinds.setdefault(row["expected_tool"], []).append(row)
    # every 25/per_kind-th query of each kind: the templates and values stay spread
    return [r for group in kinds.values() for r in group[:: max(1, len(group) // per_kind)][:per_kind]]


def valid(name: str, arguments: str) -> bool:
    try:
        jsonschema.validate(json.loads(arguments), SCHEMAS[name])
    except (jsonschema.ValidationError, json.JSONDecodeError, KeyError):
        return False
    return True


async def local_tier(queries: list[dict[str, str]]) -> dict[str, object]:
    client = EmbeddedChatClient()
    right = calls = schema_valid = 0
    seconds: list[float] = []
    for row in queries:
        auto = await client.get_response(row["query"], options={"tools": DECLARED, "max_tokens": 96})
        called = [c for m in auto.messages for c in m.contents if c.type == "function_call"]
        chosen = called[0].name if called else "none"
        right += chosen == row["expected_tool"] and (not called or valid(chosen, called[0].arguments))
        if row["expected_tool"] == "none":
            continue
        started = time.perf_counter()
        required = await client.get_response(
            row["query"], options={"tools": DECLARED, "tool_choice": "required", "max_tokens": 96}
        )
        seconds.append(time.perf_counter() - started)
        for call in (c for m in required.messages for c in m.contents if c.type == "function_call"):
            calls += 1
            schema_valid += valid(call.name, call.arguments)
    turn = await full_local_turn(client)
    return {"right": right, "asked": len(queries), "calls": calls, "valid": schema_valid, "seconds": seconds, **turn}


async def full_local_turn(client: EmbeddedChatClient) -> dict[str, float]:
    """One whole tool turn through Agent Framework's loop: the call, the tool, the answer."""

    @tool
    def multiply(a: float, b: float) -> float:
        """Multiply two numbers."""
        return a * b

    agent = client.as_agent(tools=[multiply], default_options={"max_tokens": 48})
    times = []
    for _ in range(3):
        started = time.perf_counter()
        await agent.run(
            "What is 48 * 12?", options={"tool_choice": {"mode": "required", "required_function_name": "multiply"}}
        )
        times.append(time.perf_counter() - started)
    return {"turn_s": statistics.median(times)}


def cloud_tier(queries: list[dict[str, str]]) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder, running_local_service(Path(folder) / "s.sqlite3") as service:
        client = openai.OpenAI(base_url=service.base_url, api_key=service.api_key, timeout=300, max_retries=0)
        right = calls = schema_valid = 0
        seconds: list[float] = []
        for row in queries:
            auto = client.responses.create(
                model="local-service", input=row["query"], tools=RESPONSES_TOOLS, max_output_tokens=96
            )
            called = [o for o in auto.output if o.type == "function_call"]
            chosen = called[0].name if called else "none"
            right += chosen == row["expected_tool"] and (not called or valid(chosen, called[0].arguments))
            if row["expected_tool"] == "none":
                continue
            started = time.perf_counter()
            named = client.responses.create(
                model="local-service",
                input=row["query"],
                tools=RESPONSES_TOOLS,
                tool_choice={"type": "function", "name": row["expected_tool"]},
                max_output_tokens=96,
            )
            seconds.append(time.perf_counter() - started)
            for call in (o for o in named.output if o.type == "function_call"):
                calls += 1
                schema_valid += valid(call.name, call.arguments)
    return {"right": right, "asked": len(queries), "calls": calls, "valid": schema_valid, "seconds": seconds}


async def resume_with_pending_approval() -> float:
    """Milliseconds to load a stored conversation with a pending approval and list it (SQLite, mean of 50)."""

    @tool(approval_mode="always_require")
    def transfer(amount: float, to: str) -> str:
        """Transfer an amount of euros to a person."""
        return "done"

    agent = EmbeddedChatClient().as_agent(tools=[transfer])
    with tempfile.TemporaryDirectory() as folder:
        store = SqliteStore(Path(folder) / "s.sqlite3")
        await run_until_approval(
            agent,
            "Transfer 20 euros to Ana.",
            session=agent.create_session(),
            store=store,
            conversation_id="bench",
            options={"tool_choice": {"mode": "required", "required_function_name": "transfer"}, "max_tokens": 96},
        )
        started = time.perf_counter()
        for _ in range(50):
            AgentSession.from_dict(store.load("bench").session)
            assert len(pending_approvals(store, "bench")) == 1
        elapsed = (time.perf_counter() - started) / 50
        store.close()
    return elapsed * 1000


def rate(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "n/a"


async def main(per_kind: int) -> None:
    queries = sample(per_kind)
    local = await local_tier(queries)
    cloud = await asyncio.to_thread(cloud_tier, queries)
    resume_ms = await resume_with_pending_approval()
    valid_local, valid_cloud = rate(local["valid"], local["calls"]), rate(cloud["valid"], cloud["calls"])
    right_local, right_cloud = rate(local["right"], local["asked"]), rate(cloud["right"], cloud["asked"])
    call_local, call_cloud = statistics.median(local["seconds"]), statistics.median(cloud["seconds"])
    markdown = f"""## Function tools (issue 28)

{len(queries)} queries of `data/tool_queries.csv` ({per_kind} per kind: multiply, convert_units, get_weather, and
small talk where no tool is right), three tools offered. Offline, both tiers are SmolLM2-135M: the local tier
in-process, the cloud tier behind the course's Responses service over HTTP.

| | local (embedded) | cloud (offline service) |
|---|---|---|
| schema-valid calls (`tool_choice` required / named) | {valid_local} | {valid_cloud} |
| right tool, valid arguments (`tool_choice` auto) | {right_local} | {right_cloud} |
| time to a call, median | {call_local:.1f} s | {call_cloud:.1f} s |

A whole local tool turn through Agent Framework's loop (the call, the tool, the model's answer after the result):
{local["turn_s"]:.1f} s (median of 3). Loading a stored conversation with a pending approval and listing it:
{resume_ms:.1f} ms (SQLite, mean of 50). The arguments are sampled under a grammar built from each tool's schema,
so every call fits its schema; the *choice* of tool under `auto` is the small model's own.
Load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.
"""
    print(markdown)
    write_section("tools", markdown)
    record_figures(
        "tools",
        {
            "schema_valid_pct.local": figure(round(100 * local["valid"] / max(1, local["calls"])), "%", "{:.0f}"),
            "schema_valid_pct.cloud": figure(round(100 * cloud["valid"] / max(1, cloud["calls"])), "%", "{:.0f}"),
            "right_tool_pct.local": figure(round(100 * local["right"] / local["asked"]), "%", "{:.0f}"),
            "right_tool_pct.cloud": figure(round(100 * cloud["right"] / cloud["asked"]), "%", "{:.0f}"),
            "call_s.local": figure(round(statistics.median(local["seconds"]), 2), "s", "{:.1f}"),
            "call_s.cloud": figure(round(statistics.median(cloud["seconds"]), 2), "s", "{:.1f}"),
            "turn_s.local": figure(round(local["turn_s"], 2), "s", "{:.1f}"),
            "resume_pending_ms": figure(round(resume_ms, 2), "ms", "{:.1f}"),
        },
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=6, help="queries per kind (25 each in the file)")
    asyncio.run(main(parser.parse_args().per_kind))

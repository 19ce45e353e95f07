"""Function tools on the graded tool set: schema-valid calls, right-tool rate per tier, time per tool turn, and the
resume time of a conversation with a pending approval.

python bench/bench_tools.py                 # writes bench/results/tools.json and docs/performance.md's "tools"
python bench/bench_tools.py --sample 40     # a larger stratified sample of data/tool_queries.csv (default 20)

Both tiers are graded by the capability profile's own grader (`modules.routing.tool_grading`), through each tier's
Agent Framework chat client: offline the embedded SmolLM2 (local) and the course's Responses service over HTTP
(cloud, the same small model); with a real endpoint in `.env`, that endpoint is the cloud tier, graded by the same
code. The profile grades the whole set (100 queries) on the local tier: its figure is quoted beside the sample's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import figure, record_figures, write_section  # noqa: E402
from agent_framework import AgentSession, tool  # noqa: E402

from modules.config import TIERS  # noqa: E402
from modules.hybrid.approvals import pending_approvals, run_until_approval  # noqa: E402
from modules.routing import TOOL_ACCURACY_FLOORS, load_profile, tool_accuracy  # noqa: E402
from modules.routing.profile import sample_graded_queries  # noqa: E402
from modules.routing.tool_grading import (  # noqa: E402
    NO_TOOL,
    grade_tool_queries,
    load_tool_queries,
    summarise_tool_results,
)
from modules.storage import SqliteStore  # noqa: E402
from modules.tiers import EmbeddedChatClient, start_tiers  # noqa: E402

TURNS = 3  # whole tool turns timed per tier


async def grade_tier(tiers, tier: str, rows) -> dict:
    """The tier's own choice (tool_choice auto) on every row, and a required call on every tool row."""
    client, cloud = tiers.client(tier), tier == "cloud"
    auto = await grade_tool_queries(client, rows, cloud=cloud)
    tool_rows = [row for row in rows if row.expected_tool != NO_TOOL]
    required = await grade_tool_queries(client, tool_rows, cloud=cloud, tool_choice="required")
    called = [r for r in required if r["called"] != NO_TOOL]
    return {
        "auto": summarise_tool_results(rows, auto),
        "required": summarise_tool_results(tool_rows, required),
        "call_s": statistics.median(r["seconds"] for r in called) if called else None,
    }


async def whole_turn(client, *, cloud: bool) -> float:
    """Median seconds of a whole tool turn through Agent Framework's loop: the call, the tool, the answer."""

    @tool
    def multiply(a: float, b: float) -> float:
        """Multiply two numbers."""
        return a * b

    options = {"store": False} if cloud else {}
    agent = client.as_agent(tools=[multiply], default_options={"max_tokens": 48, **options})
    named = {"tool_choice": {"mode": "required", "required_function_name": "multiply"}}
    times = []
    for _ in range(TURNS):
        started = time.perf_counter()
        await agent.run("What is 48 * 12?", options=named)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


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


def pct(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


async def main(sample: int) -> None:
    rows = sample_graded_queries(load_tool_queries(), sample)
    load_before = os.getloadavg()[0]
    with start_tiers() as tiers:
        cloud_kind = "offline service" if tiers.service is not None else tiers.settings.cloud.backend
        graded = {tier: await grade_tier(tiers, tier, rows) for tier in TIERS}
        turns = {tier: await whole_turn(tiers.client(tier), cloud=tier == "cloud") for tier in TIERS}
    resume_ms = await resume_with_pending_approval()
    load_after = os.getloadavg()[0]
    profile = load_profile()
    whole_set = profile.get("tools", {}).get("tiers", {}).get("local", {})
    profile_pct = round(100 * tool_accuracy(profile)) if whole_set else None
    local, cloud = graded["local"], graded["cloud"]
    both = (local, cloud)
    valid = " | ".join(rate(g["required"]["schema_valid"], g["required"]["calls"]) for g in both)
    right = " | ".join(rate(g["auto"]["right"], g["auto"]["n"]) for g in both)
    forced = " | ".join(rate(g["required"]["right"], g["required"]["n"]) for g in both)
    small_talk = " | ".join(
        rate(g["auto"]["by_tool"][NO_TOOL]["right"], g["auto"]["by_tool"][NO_TOOL]["n"]) for g in both
    )
    floors = ", ".join(f"`{mode}` {floor:.0%}" for mode, floor in TOOL_ACCURACY_FLOORS.items())
    whole = f"{profile_pct}%" if profile_pct is not None else "not measured"
    below = [m for m, floor in TOOL_ACCURACY_FLOORS.items() if profile_pct is not None and profile_pct < 100 * floor]
    if len(below) == len(TOOL_ACCURACY_FLOORS):
        sent = "in every mode a turn with tools goes to the cloud"
    elif below:
        sent = f"in mode {', '.join(below)} a turn with tools goes to the cloud"
    else:
        sent = "no mode's floor sends a turn with tools to the cloud"
    markdown = f"""## Function tools (issue 28)

The graded tool set (`data/tool_queries.csv`: 100 queries, 25 per kind: `multiply`, `convert_units`,
`get_weather`, and small talk where no tool is right), the three tools offered, graded by the capability profile's
grader (`modules/routing/tool_grading.py`) through each tier's chat client. This run: a stratified sample of
{len(rows)} queries. Offline both tiers are SmolLM2-135M: the local tier in-process, the cloud tier behind the
course's Responses service over HTTP.

| | local (embedded) | cloud ({cloud_kind}) |
|---|---|---|
| schema-valid calls (`tool_choice` required, the {local["required"]["n"]} tool queries) | {valid} |
| right tool with valid arguments (`tool_choice` auto: the tier's own choice) | {right} |
| ... small talk only, where calling no tool is right | {small_talk} |
| right tool when a call is forced (`required`, the tier picks which) | {forced} |
| time to a call (`required`), median | {local["call_s"]:.1f} s | {cloud["call_s"]:.1f} s |
| a whole tool turn (call, tool, answer), median of {TURNS} | {turns["local"]:.1f} s | {turns["cloud"]:.1f} s |

The capability profile grades the whole set on the local tier: {whole} right, against the tool floors
({floors}): {sent} (docs/router.md). Every call fits its schema because its arguments are sampled under a grammar
built from it; the *choice* of tool is the small model's own. Loading a stored conversation with a pending approval
and listing it: {resume_ms:.2f} ms (SQLite, mean of 50). Load average while measuring: {load_before:.1f} at the
start, {load_after:.1f} at the end, on {os.cpu_count()} cores shared with other work: the times are upper bounds.
"""
    print(markdown)
    write_section("tools", markdown)
    figures = {"resume_pending_ms": figure(round(resume_ms, 2), "ms", "{:.2f}"), "sample_n": figure(len(rows), "")}
    for tier, g in graded.items():
        figures[f"schema_valid_pct.{tier}"] = figure(
            pct(g["required"]["schema_valid"], g["required"]["calls"]), "%", "{:.0f}"
        )
        figures[f"right_tool_pct.{tier}"] = figure(pct(g["auto"]["right"], g["auto"]["n"]), "%", "{:.0f}")
        figures[f"forced_right_tool_pct.{tier}"] = figure(
            pct(g["required"]["right"], g["required"]["n"]), "%", "{:.0f}"
        )
        figures[f"call_s.{tier}"] = figure(round(g["call_s"], 2), "s", "{:.1f}")
        figures[f"turn_s.{tier}"] = figure(round(turns[tier], 2), "s", "{:.1f}")
    if profile_pct is not None:
        figures["profile_right_tool_pct.local"] = figure(profile_pct, "%", "{:.0f}")
    record_figures("tools", figures)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=20, help="tool queries to grade per tier (100 in the file)")
    asyncio.run(main(parser.parse_args().sample))

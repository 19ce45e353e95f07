"""Service-managed vs in-memory sessions: serialized size and (de)serialization time by number of turns.

python bench/bench_sessions.py        # writes bench/results/sessions.json and docs/performance.md's "sessions"
                                      # (about 2 minutes)
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import figure, record_figures, write_section  # noqa: E402

from modules.config import load_settings  # noqa: E402
from modules.sessions.growth import measure_growth  # noqa: E402
from modules.tiers.clients import start_tiers  # noqa: E402


async def main() -> None:
    with start_tiers(load_settings(environ={"COURSE_OFFLINE": "1"}, env_file=None)) as tiers:
        points = {}
        for kind, store in (("service-managed", True), ("in-memory", False)):
            agent = tiers.cloud_client.as_agent(
                name="bench", instructions="Be brief.", default_options={"store": store}
            )
            points[kind] = {p.turns: p for p in await measure_growth(agent, kind, progress=True)}
    rows = "\n".join(
        f"| {turns} | {points['service-managed'][turns].serialized_bytes} B | "
        f"{points['in-memory'][turns].serialized_bytes:,} B "
        f"| {points['service-managed'][turns].serialize_us + points['service-managed'][turns].restore_us:.0f} µs "
        f"| {points['in-memory'][turns].serialize_us + points['in-memory'][turns].restore_us:.0f} µs |"
        for turns in sorted(points["in-memory"])
    )
    markdown = f"""## Sessions: service-managed vs in-memory (lab 03)

One real conversation per kind through the offline cloud tier (stock `OpenAIChatClient` against the course's
Responses service), short questions, replies capped at 6 tokens. Size is `json.dumps(session.to_dict())`;
time is `to_dict` + JSON dump, plus JSON load + `AgentSession.from_dict` (mean of 50).

| turns | service-managed size | in-memory size | service-managed serialize + restore | in-memory serialize + restore |
|---|---|---|---|---|
{rows}

The original guide says "~50 bytes (thread ID)" for service-managed and "full message history" for in-memory.
Measured: the
service-managed form stays constant (ids, a type tag and the session's own id); the in-memory form grows linearly
with the history (longer replies grow it faster — see lab 04's bytes per 100 exchanges).
Load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.
"""
    print(markdown)
    write_section("sessions", markdown)
    found = {}
    for kind, key in (("service-managed", "service_managed"), ("in-memory", "in_memory")):
        for turns, point in points[kind].items():
            found[f"bytes.{key}.{turns}"] = figure(point.serialized_bytes, "B", "{:,}")
            found[f"roundtrip_us.{key}.{turns}"] = figure(round(point.serialize_us + point.restore_us), "µs", "{:.0f}")
    record_figures("sessions", found)


if __name__ == "__main__":
    asyncio.run(main())

"""Lab 07's scripted workload: 40 short, mixed turns in four sessions through HybridConversationManagers, traced.

    managers = [HybridConversationManager(router, tiers, store) for _ in SESSIONS]
    results = await run_workload(managers)         # a progress bar; returns [(HybridTurn, trace_id), ...]

What goes where with the shipped router in its default "balanced" mode (it sends a query to the cloud when the
offline local model, SmolLM2-135M, is likely to answer it wrongly; tests/test_analytics_workload.py checks it):

- **local**: greetings and goodbyes ("Hello!", "Good morning!", "Hey there.", "Bye!"), short look-ups the small model
  mostly gets right ("What is the capital of Portugal?", "Who wrote Hamlet?", "What does API stand for?"), one-line
  definitions;
- **cloud**: arithmetic and unit conversions ("What's 15% of 80?", "Convert 30 degrees Celsius to Fahrenheit."),
  planning, code, creative writing and most requests to explain or design — the categories it gets wrong most;
- in between, the measured profile decides and it can surprise: a short comparison can stay local;
- follow-ups ("Why?", "And the second one?", "Go on.") stay with the tier that answered the turn before.

Two turns are forced onto a tier by the user, and a short cloud outage makes the cloud tier's endpoint refuse
connections, so a cloud choice fails and the local tier answers (a real failed HTTP call to a closed port on this
machine, not a simulated flag).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agent_framework.openai import OpenAIChatClient
from openai import AsyncOpenAI
from tqdm.auto import tqdm

from modules.analytics.errors import AnalyticsInputError
from modules.analytics.telemetry import traced_turn
from modules.runtime import free_port

# Lab 07's cascade conversation: (category, question). The local tier answers each first and the cascade judges the
# answer from its log-probabilities; offline, SmolLM2 is unsure of its arithmetic and sure of the others, so both
# outcomes show. Which one a turn gets is the cascade's judgement, recorded per exchange; the lab checks the
# mechanism, not the outcome.
CASCADE_TURNS: tuple[tuple[str, str], ...] = (
    ("small talk", "Hi! I'm Sam."),
    ("arithmetic", "How many minutes are in 7 hours?"),
    ("fact", "Which planet is known as the red planet?"),
    ("arithmetic", "What is 36 times 24?"),
    ("small talk", "Nice, thank you!"),
)


@dataclass(frozen=True)
class Step:
    text: str
    force_tier: str | None = None
    cloud_down: bool = False


# Four attendees' sessions of ten turns: 40 exchanges in all. Separate sessions keep each prompt short (every
# turn sends the whole conversation so far), so the run stays well under a minute on a laptop.
SESSIONS: tuple[tuple[Step, ...], ...] = (
    (
        Step("Hi! I'm Sam."),
        Step("What is the capital of Portugal?"),
        Step("Compare PostgreSQL and MongoDB for an online shop."),
        Step("Why?"),
        Step("Thanks!"),
        Step("Write a Python function that checks if a number is prime, with tests."),
        Step("And the second one?"),
        Step("What's 15% of 80?"),
        Step("What is 12 times 7?", force_tier="cloud"),
        Step("Bye!"),
    ),
    (
        Step("Hello!"),
        Step("Plan a three-day trip to Lisbon on a 600 euro budget."),
        Step("What about food?"),
        Step("Translate 'good night' into Portuguese."),
        Step("How many days are in a leap year?"),
        Step("Threat model a login page for a small web app."),
        Step("Define latency in one sentence."),
        Step("Summarise the pros and cons of remote work."),
        Step("Who wrote Hamlet?"),
        Step("Thanks, that helps."),
    ),
    (
        Step("Good morning!"),
        Step("Explain how HTTPS keeps data private."),
        Step("Convert 30 degrees Celsius to Fahrenheit."),
        Step("Compare Kafka and RabbitMQ for order events.", cloud_down=True),
        Step("Review this plan for risks: move all our servers to one region.", cloud_down=True),
        Step("What is the square root of 144?"),
        Step("Design a backup strategy for a 50-person company."),
        Step("Go on."),
        Step("Explain the CAP theorem briefly.", force_tier="local"),
        Step("See you!"),
    ),
    (
        Step("Hey there."),
        Step("What does API stand for?"),
        Step("Write a SQL query that finds the top 5 customers by revenue."),
        Step("Write a haiku about routers."),
        Step("What is the boiling point of water in Fahrenheit?"),
        Step("Which is better for a beginner, Python or JavaScript?"),
        Step("Draft a short email asking for a deadline extension."),
        Step("What time zone is Lisbon in?"),
        Step("How do you say thank you in Spanish?"),
        Step("Bye!"),
    ),
)


def unreachable_cloud_agent(model: str, instructions: str | None = None) -> Any:
    """A cloud-tier agent whose endpoint is a closed port on this machine: every call fails at once."""
    http = AsyncOpenAI(base_url=f"http://127.0.0.1:{free_port()}/v1", api_key="unused", timeout=5.0, max_retries=0)
    client = OpenAIChatClient(model=model, async_client=http)
    return client.as_agent(name="cloud", instructions=instructions, default_options={"store": False})


async def run_workload(
    managers: Sequence[Any], sessions: Sequence[Sequence[Step]] = SESSIONS, *, progress: bool = True
) -> list[tuple[Any, str]]:
    """Run session i on managers[i], every step a traced turn (see `telemetry.traced_turn`), with one progress
    bar for all turns; returns [(HybridTurn, trace_id), ...] in the order they ran.

    During `cloud_down` steps the manager's cloud agent is swapped for an unreachable one, then restored.

    Args:
        managers: One hybrid conversation manager per session.
        sessions: The steps of each session (default: the lab's four sessions).
        progress: Show one progress bar for all turns.
    """
    if len(managers) != len(sessions):
        raise AnalyticsInputError(
            f"run_workload needs one manager per session: {len(sessions)} sessions, {len(managers)} managers."
        )
    results = []
    with tqdm(total=sum(len(steps) for steps in sessions), desc="workload", unit="turn", disable=not progress) as bar:
        for manager, steps in zip(managers, sessions, strict=True):
            working_cloud = manager.agents["cloud"]
            outage = unreachable_cloud_agent(manager.models["cloud"])
            try:
                for step in steps:
                    cloud = outage if step.cloud_down else working_cloud
                    if manager.agents["cloud"] is not cloud:
                        await manager.initialize_agent_session(cloud, tier="cloud")
                    results.append(await traced_turn(manager, step.text, force_tier=step.force_tier))
                    bar.update()
            finally:
                if manager.agents["cloud"] is not working_cloud:
                    await manager.initialize_agent_session(working_cloud, tier="cloud")
    return results

"""Lab 07 exercises: the local share two ways, a chart from a stored conversation, switches from stored metadata.

Every check recomputes the number from the exchanges or reads the drawn bars, never the small model's wording. Each
challenge names a conversation of the lab's store (not the one the lab charts), so the lab's own numbers, record or
chart answer another conversation.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from modules.analytics import charts, exchanges_frame
from modules.exercises.challenge import Challenge
from modules.exercises.checker import Exercise, expect, expect_number, expect_type, step
from modules.pricing import TIERS
from modules.storage import ConversationNotFoundError, ConversationRecord

LAB_CONVERSATION = "attendee-3"  # the one the lab loads and charts itself


def _tier_counts(store: Any, conversation_id: str) -> tuple[int, ...] | None:
    try:
        metadata = store.load(conversation_id).routing_metadata
    except Exception:  # noqa: BLE001 - a conversation that does not load cannot be told apart by its counts
        return None
    return tuple(sum(entry.get("source") == tier for entry in metadata) for tier in TIERS)


def conversation_challenge(token: str, namespace: Any) -> dict[str, Any]:
    """A conversation of the lab's store other than the lab's own example (its store is in the namespace), and one
    whose tier counts no other stored conversation shares: a share, a count or a chart of bars cannot say which
    conversation it was computed from, so the answer for any other conversation then differs from the right one."""
    store = namespace.get("store")
    ids = [summary.conversation_id for summary in store.list()] if hasattr(store, "list") else []
    counts = {conversation_id: _tier_counts(store, conversation_id) for conversation_id in ids}
    told_apart = [i for i in ids if counts[i] is not None and list(counts.values()).count(counts[i]) == 1]
    candidates = sorted(i for i in told_apart if i != LAB_CONVERSATION)
    candidates = candidates or sorted(i for i in ids if i != LAB_CONVERSATION) or ["attendee-2"]
    return {"conversation_id": random.Random(token).choice(candidates)}


def _manager_of(managers: Any, conversation_id: str) -> Any:
    found = [manager for manager in managers if manager.conversation_id == conversation_id]
    expect(bool(found), f"no manager in `managers` holds {conversation_id!r}: run the lab's workload cells first.")
    return found[0]


def verify_local_share(
    local_share: Any, distribution: Any, df: pd.DataFrame, managers: Any, challenge: Challenge
) -> str:
    conversation = challenge.conversation_id
    share = expect_number(
        local_share, "local_share", f'Compute it from the frame: (rows["tier"] == "local").mean() for {conversation!r}.'
    )
    expect(
        0 <= share <= 1,
        f"`local_share` is {share}: a share is between 0 and 1 (divide by the number of exchanges, no x100).",
    )
    step(f"counting the tiers of {conversation!r} in its manager's routing metadata")
    tiers = [entry["source"] for entry in _manager_of(managers, conversation).context.routing_metadata]
    actual = Fraction(tiers.count("local"), len(tiers))
    expect(
        abs(share - float(actual)) < 1e-9,
        f"`local_share` is {share:.4f}, but {tiers.count('local')} of the {len(tiers)} exchanges of "
        f"{conversation!r} (= {float(actual):.4f}) were answered by the local tier: keep the rows of `df` whose "
        f'conversation is challenge.conversation_id, and share those whose tier is "local".',
    )
    expect_type(distribution, dict, "distribution", "Use routing_distribution(...) on that conversation's manager.")
    expected = {tier: tiers.count(tier) for tier in TIERS}
    expect(
        distribution == expected,
        f"`distribution` is {distribution}, but the exchanges of {conversation!r} give {expected}: call "
        "routing_distribution(...) on the manager whose conversation_id is challenge.conversation_id.",
    )
    return f"{share:.0%} of {conversation} local both ways: {distribution['local']} of {len(tiers)} exchanges."


def _bar_widths(chart: Figure) -> list[float]:
    axes = chart.axes[0] if chart.axes else None
    return [] if axes is None else [bar.get_width() for bar in axes.patches if isinstance(bar, Rectangle)]


def _loaded_from(record: Any, store: Any, name: str, conversation_id: str) -> ConversationRecord:
    expect_type(record, ConversationRecord, name, f"Load it back: store.load({conversation_id!r}).")
    expect(
        record.conversation_id == conversation_id,
        f"`{name}` is conversation {record.conversation_id!r}, but this run's challenge names {conversation_id!r}: "
        "load challenge.conversation_id from `store`.",
    )
    step(f"loading {conversation_id!r} from the store again")
    try:
        stored = store.load(conversation_id)
    except ConversationNotFoundError:
        expect(False, f"the store holds no conversation {conversation_id!r}: run the lab from the top first.")
    expect(
        (record.revision, record.updated_at, record.routing_metadata)
        == (stored.revision, stored.updated_at, stored.routing_metadata),
        f"`{name}` (revision {record.revision}) is not the copy the store holds (revision {stored.revision}, "
        "saved at another time or with other exchanges): it was built or changed here. Keep what "
        "store.load(challenge.conversation_id) returns.",
    )
    return stored


def verify_stored_chart(my_record: Any, my_chart: Any, store: Any, challenge: Challenge) -> str:
    stored = _loaded_from(my_record, store, "my_record", challenge.conversation_id)
    expect_type(my_chart, Figure, "my_chart", "Use charts.routing_distribution_chart(my_record): it returns a Figure.")
    step("reading the bars of your chart")
    widths = _bar_widths(my_chart)
    counts = {tier: sum(entry["source"] == tier for entry in stored.routing_metadata) for tier in TIERS}
    expect(
        len(widths) == len(TIERS),
        f"the chart has {len(widths)} bars, not one per tier: draw charts.routing_distribution_chart(my_record).",
    )
    expect(
        widths == [counts[tier] for tier in TIERS],
        f"the bars show {widths}, but {my_record.conversation_id!r} has {counts}: chart `my_record`, not `df`.",
    )
    step("drawing the stored record's chart to compare titles")
    reference = charts.routing_distribution_chart(stored)  # the lab's chart of the stored record, to compare with
    expected_title = reference.axes[0].get_title()
    plt.close(reference)
    title = my_chart.axes[0].get_title()
    expect(
        title == expected_title,
        f"the chart is titled {title!r}, not {expected_title!r}: draw it with charts.routing_distribution_chart.",
    )
    return (
        f"{my_record.conversation_id} came back from the store with {len(stored.routing_metadata)} exchanges; "
        f"the chart draws {counts['local']} local and {counts['cloud']} cloud."
    )


def verify_stored_switches(my_sources: Any, my_switches: Any, store: Any, challenge: Challenge) -> str:
    conversation = challenge.conversation_id
    step(f"loading {conversation!r} from the store again")
    stored = store.load(conversation)
    sources = [entry["source"] for entry in stored.routing_metadata]
    expect_type(my_sources, list, "my_sources", 'Build it as [entry["source"] for entry in stored.routing_metadata].')
    expect(
        my_sources == sources,
        f"`my_sources` has {len(my_sources)} entries starting {my_sources[:3]}; the stored metadata of "
        f"{conversation!r} has {len(sources)}, starting {sources[:3]}: load challenge.conversation_id from `store` "
        'and read each entry\'s "source" from its routing_metadata, in order.',
    )
    switches = expect_number(
        my_switches, "my_switches", "Count with sum(...) over consecutive pairs of `my_sources`.", whole=True
    )
    counted = sum(before != after for before, after in zip(sources, sources[1:], strict=False))
    expect(
        switches == counted,
        f"`my_switches` is {switches}, but {counted} neighbours in `my_sources` differ: count the pairs of "
        "neighbours that differ, zip(my_sources, my_sources[1:]).",
    )
    step("counting the switches in the frame of the stored record")
    from_frame = int(exchanges_frame(stored)["switched"].sum())
    expect(
        from_frame == counted,
        f"the frame counts {from_frame} switches, the metadata {counted}: run the lab from the top and load again.",
    )
    return (
        f"{counted} switches in {len(sources)} exchanges of {conversation}, the same as the frame's `switched` "
        "column: the record alone is enough to chart and count a saved conversation."
    )


EXERCISES = [
    Exercise(
        id="07.1",
        title="The local share, two ways",
        level="easy",
        task=(
            "The challenge names one conversation (`challenge.conversation_id`). From the rows of `df` whose "
            '`"conversation"` it is, compute the share the local tier answered (`local_share`, between 0 and 1). '
            "Then ask `routing_distribution(...)` for the counts per tier of that conversation's manager (the one in "
            "`managers` with that `conversation_id`: `distribution`) and check that both give the same share."
        ),
        starter=(
            "from modules.analytics import routing_distribution\n\n"
            "local_share = ...  # from df: the share of that conversation's rows whose tier is 'local'\n"
            "distribution = ...  # routing_distribution(<that conversation's manager>)"
        ),
        check_call='check("07.1", local_share=local_share, distribution=distribution, df=df, managers=managers)',
        verify=verify_local_share,
        answers=("local_share", "distribution"),
        challenge=conversation_challenge,
    ),
    Exercise(
        id="07.2",
        title="Chart a conversation loaded from the store",
        level="medium",
        task=(
            "Load the conversation the challenge names back from `store` (`my_record`, "
            "`store.load(challenge.conversation_id)`) and draw its routing distribution with "
            "`charts.routing_distribution_chart(my_record)` (`my_chart`). The check reads the bars."
        ),
        starter=(
            "my_record = ...  # challenge.conversation_id, loaded back from store\n"
            "my_chart = ...  # its routing distribution chart (end the cell with my_chart to see it)"
        ),
        check_call='check("07.2", my_record=my_record, my_chart=my_chart, store=store)',
        verify=verify_stored_chart,
        answers=("my_record", "my_chart"),
        challenge=conversation_challenge,
    ),
    Exercise(
        id="07.3",
        title="Count the switches from the stored metadata",
        level="stretch",
        task=(
            "Without the frame: load the conversation the challenge names (`store.load(challenge.conversation_id)`), "
            'list the tier of each of its exchanges from its `routing_metadata` (each entry\'s `"source"`, in order: '
            "`my_sources`) and count the exchanges whose tier differs from the one before (`my_switches`). The "
            "check reads the store again and compares your count with the frame's `switched` column."
        ),
        starter=(
            "stored = ...  # challenge.conversation_id, loaded from store\n"
            "my_sources = ...  # the tier of each stored exchange, in order\n"
            "my_switches = ..."
        ),
        check_call='check("07.3", my_sources=my_sources, my_switches=my_switches, store=store)',
        verify=verify_stored_switches,
        answers=("my_sources", "my_switches"),
        challenge=conversation_challenge,
    ),
]

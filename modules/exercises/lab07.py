"""Lab 07 exercises: the local share two ways, a chart from a stored conversation, switches from stored metadata.

Every check recomputes the number from the exchanges or reads the drawn bars, never the small model's wording.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from modules.analytics import charts, exchanges_frame
from modules.exercises.checker import Exercise, expect, expect_type
from modules.pricing import TIERS
from modules.storage import ConversationNotFoundError, ConversationRecord


def _metadata_tiers(managers: Any) -> list[str]:
    """The tier of every exchange, read from each manager's routing metadata (not from the frame)."""
    return [entry["source"] for manager in managers for entry in manager.context.routing_metadata]


def verify_local_share(local_share: Any, distribution: Any, df: pd.DataFrame, managers: Any) -> str:
    expect_type(local_share, Real, "local_share", 'Compute it from the frame: (df["tier"] == "local").mean().')
    expect(
        0 <= local_share <= 1,
        f"`local_share` is {local_share}: a share is between 0 and 1 (divide by the number of exchanges, no x100).",
    )
    tiers = _metadata_tiers(managers)
    actual = tiers.count("local") / len(tiers)
    expect(
        abs(float(local_share) - actual) < 1e-9,
        f"`local_share` is {float(local_share):.3f}, but {tiers.count('local')} of the {len(tiers)} exchanges the "
        f"managers recorded ({actual:.3f}) were answered by the local tier: share the rows of `df` whose tier is "
        "'local'.",
    )
    expect_type(distribution, dict, "distribution", "Use routing_distribution(managers): a dict per tier.")
    expected = {tier: tiers.count(tier) for tier in TIERS}
    expect(
        distribution == expected,
        f"`distribution` is {distribution}, but the managers' exchanges give {expected}: "
        "call routing_distribution(managers) instead of writing the counts.",
    )
    return f"{float(local_share):.0%} local both ways: {distribution['local']} of {len(tiers)} exchanges."


def _bar_widths(chart: Figure) -> list[float]:
    axes = chart.axes[0] if chart.axes else None
    return [] if axes is None else [bar.get_width() for bar in axes.patches if isinstance(bar, Rectangle)]


def verify_stored_chart(my_record: Any, my_chart: Any, store: Any) -> str:
    expect_type(my_record, ConversationRecord, "my_record", 'Load it back: store.load("attendee-2").')
    try:
        stored = store.load(my_record.conversation_id)
    except ConversationNotFoundError:
        expect(False, f"the store holds no conversation {my_record.conversation_id!r}: load one of store.list().")
    expect(
        my_record.routing_metadata == stored.routing_metadata,
        "`my_record` differs from what the store holds: keep what store.load(...) returned.",
    )
    expect(
        my_record.revision == stored.revision,
        f"`my_record` is at revision {my_record.revision}, the stored copy at {stored.revision}: it was built here, "
        "not loaded. Keep what store.load(...) returned.",
    )
    expect_type(my_chart, Figure, "my_chart", "Use charts.routing_distribution_chart(my_record): it returns a Figure.")
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


def verify_stored_switches(my_sources: Any, my_switches: Any, record: Any, store: Any) -> str:
    expect_type(record, ConversationRecord, "record", "Run the lab's section 7 first: it loads `record`.")
    stored = store.load(record.conversation_id).routing_metadata
    sources = [entry["source"] for entry in stored]
    expect_type(my_sources, list, "my_sources", 'Build it as [entry["source"] for entry in record.routing_metadata].')
    expect(
        my_sources == sources,
        f"`my_sources` has {len(my_sources)} entries; the stored metadata of {record.conversation_id!r} has "
        f'{len(sources)}, in order: read each entry\'s "source" from record.routing_metadata, not from `df`.',
    )
    expect_type(my_switches, int, "my_switches", "Count with sum(...) over consecutive pairs of `my_sources`.")
    counted = sum(before != after for before, after in zip(sources, sources[1:], strict=False))
    expect(
        my_switches == counted,
        f"`my_switches` is {my_switches}; count the pairs of neighbours that differ: zip(my_sources, my_sources[1:]).",
    )
    from_frame = int(exchanges_frame(record)["switched"].sum())
    expect(from_frame == counted, f"the frame counts {from_frame} switches, the metadata {counted}.")
    return (
        f"{counted} switches in {len(sources)} exchanges, the same as the frame's `switched` column: the record "
        "alone is enough to chart and count a saved conversation."
    )


EXERCISES = [
    Exercise(
        id="07.1",
        title="The local share, two ways",
        level="easy",
        task=(
            "From `df`, compute the share of exchanges the local tier answered (`local_share`, between 0 and 1). "
            "Then ask `routing_distribution(managers)` for the counts per tier (`distribution`) and check that "
            "both give the same share."
        ),
        starter=(
            "from modules.analytics import routing_distribution\n\n"
            "local_share = ...  # from df: the share of rows whose tier is 'local'\n"
            "distribution = ...  # routing_distribution(managers)"
        ),
        check_call='check("07.1", local_share=local_share, distribution=distribution, df=df, managers=managers)',
        verify=verify_local_share,
        answers=("local_share", "distribution"),
    ),
    Exercise(
        id="07.2",
        title="Chart a conversation loaded from the store",
        level="medium",
        task=(
            'Load another attendee\'s conversation back from `store` (`my_record`, e.g. `"attendee-2"`; '
            "`store.list()` names them) and draw its routing distribution with "
            "`charts.routing_distribution_chart(my_record)` (`my_chart`). The check reads the bars."
        ),
        starter=(
            "my_record = ...  # a conversation loaded back from store\n"
            "my_chart = ...  # its routing distribution chart (end the cell with my_chart to see it)"
        ),
        check_call='check("07.2", my_record=my_record, my_chart=my_chart, store=store)',
        verify=verify_stored_chart,
        answers=("my_record", "my_chart"),
    ),
    Exercise(
        id="07.3",
        title="Count the switches from the stored metadata",
        level="stretch",
        task=(
            "Without the frame: list the tier of each exchange of `record` (the conversation section 7 loaded from "
            'the store) from `record.routing_metadata` (each entry\'s `"source"`, in order: `my_sources`) and count '
            "the exchanges whose tier differs from the one before (`my_switches`). The check reads the store again "
            "and compares your count with the frame's `switched` column."
        ),
        starter="my_sources = ...  # the tier of each stored exchange, in order\nmy_switches = ...",
        check_call='check("07.3", my_sources=my_sources, my_switches=my_switches, record=record, store=store)',
        verify=verify_stored_switches,
        answers=("my_sources", "my_switches"),
    ),
]

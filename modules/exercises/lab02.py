"""Lab 02 exercises: ask the local model, stream it, and time it — checked on the mechanism, never the wording."""

from __future__ import annotations

from typing import Any

from modules.exercises.checker import Exercise, expect, expect_type
from modules.tiers import StreamTiming


def _not_awaited(value: Any, name: str) -> None:
    expect(not hasattr(value, "__await__"), f"`{name}` is a coroutine: put `await` before the call.")


def verify_reply(my_reply: Any) -> str:
    _not_awaited(my_reply, "my_reply")
    expect(hasattr(my_reply, "text"), f"`my_reply` is a {type(my_reply).__name__}; keep what agent.run(...) returns.")
    expect(bool(my_reply.text.strip()), "the reply is empty: give max_tokens room (e.g. 40) and ask a question.")
    output_tokens = (my_reply.usage_details or {}).get("output_token_count")
    expect(bool(output_tokens), "the reply reports no output tokens: keep the whole response, not just its text.")
    return f"{output_tokens} tokens came back: {my_reply.text.strip()[:80]!r}"


def verify_stream(my_pieces: Any, my_final: Any) -> str:
    expect_type(my_pieces, list, "my_pieces", "Append `update.text` of each streamed update to a list.")
    _not_awaited(my_final, "my_final")
    expect(hasattr(my_final, "text"), "`my_final` should be `await stream.get_final_response()`.")
    expect(len(my_pieces) >= 2, f"{len(my_pieces)} piece(s): did you pass stream=True and loop with `async for`?")
    expect(
        "".join(my_pieces).strip() == my_final.text.strip(),
        "the pieces do not add up to the final text: collect every update's text, in order.",
    )
    return f"{len(my_pieces)} pieces arrived one by one and add up to the final answer."


def verify_timings(short_timing: Any, long_timing: Any) -> str:
    for name, timing in (("short_timing", short_timing), ("long_timing", long_timing)):
        _not_awaited(timing, name)
        expect_type(timing, StreamTiming, name, "Use `await time_stream(local, prompt, max_tokens=20)`.")
        expect(timing.output_tokens > 0 and timing.first_token_s > 0, f"`{name}` measured no tokens.")
        expect(timing.first_token_s <= timing.total_s, f"`{name}`: the first token cannot come after the end.")
    expect(
        len(long_timing.prompt) >= 5 * len(short_timing.prompt),
        f"the long prompt is {len(long_timing.prompt)} characters, not 5x the short one ({len(short_timing.prompt)}).",
    )
    ratio = long_timing.first_token_s / short_timing.first_token_s
    return (
        f"first token {short_timing.first_token_s * 1000:.0f} ms (short) vs {long_timing.first_token_s * 1000:.0f} ms "
        f"(long, x{ratio:.1f}); decoding {short_timing.tokens_per_s:.0f} vs {long_timing.tokens_per_s:.0f} tokens/s."
    )


EXERCISES = [
    Exercise(
        id="02.1",
        title="Ask your own question",
        level="easy",
        task=(
            'Ask `agent` a question of your own with `await agent.run("…", options={"max_tokens": 40})` and keep '
            "the whole response in `my_reply`. Then look at `my_reply.usage_details`."
        ),
        starter='my_reply = ...  # await agent.run("…", options={"max_tokens": 40})',
        check_call='check("02.1", my_reply=my_reply)',
        verify=verify_reply,
        answers=("my_reply",),
    ),
    Exercise(
        id="02.2",
        title="Stream an answer yourself",
        level="medium",
        task=(
            'Stream an answer: `stream = agent.run("…", stream=True, options={"max_tokens": 40})`, loop '
            "`async for update in stream:` and append each non-empty `update.text` to `my_pieces`; then "
            "`my_final = await stream.get_final_response()`."
        ),
        starter="my_pieces = ...  # every streamed piece of text, in order\nmy_final = ...  # the final response",
        check_call='check("02.2", my_pieces=my_pieces, my_final=my_final)',
        verify=verify_stream,
        answers=("my_pieces", "my_final"),
    ),
    Exercise(
        id="02.3",
        title="Does a longer prompt delay the first token?",
        level="stretch",
        task=(
            "Time a short prompt and one at least five times longer with "
            "`await time_stream(local, prompt, max_tokens=20)`; keep them as `short_timing` and `long_timing`. "
            "Compare their time to first token and their decoding speed: which one does the prompt length move?"
        ),
        starter="short_timing = ...\nlong_timing = ...",
        check_call='check("02.3", short_timing=short_timing, long_timing=long_timing)',
        verify=verify_timings,
        answers=("short_timing", "long_timing"),
    ),
]

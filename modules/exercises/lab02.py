"""Lab 02 exercises: ask the local model, stream it, and time it — checked on the mechanism, never the wording.

02.1 re-counts the tokens the model was given for the attendee's question; 02.2 compares the updates with the ones
the stream itself recorded, object for object; 02.3 re-counts the tokens of each timed answer. Each challenge hands
out the question or prompt to use, new on every run, so the lab's own replies, streams and timings do not pass.
"""

from __future__ import annotations

import random
from numbers import Real
from typing import Any

from agent_framework import AgentResponse, AgentResponseUpdate, ResponseStream

from modules.exercises.challenge import Challenge
from modules.exercises.checker import (
    Exercise,
    expect,
    expect_awaited,
    expect_type,
    local_model,
    prompt_tokens,
    starts_like,
    step,
)
from modules.tiers import StreamTiming

MAX_TOKENS = 20  # 02.3's limit: a timing taken with another limit is not one of the exercise's


THINGS = ("rivers", "planets", "metals", "birds", "trees", "languages", "instruments", "spices", "bridges", "islands")
WORDS = ("apple", "harbour", "violet", "meadow", "copper", "lantern", "pebble", "thunder", "willow", "saffron")


def question_challenge(token: str, namespace: Any) -> dict[str, Any]:
    pick = random.Random(token)
    return {"question": f"Name {pick.randint(2, 4)} famous {pick.choice(THINGS)}."}


def prompt_challenge(token: str, namespace: Any) -> dict[str, Any]:
    return {"prompt": f"Say the word {random.Random(token).choice(WORDS)}."}


def _output_tokens(llm: Any, text: str) -> int:
    return len(llm.tokenize(text.encode(), add_bos=False))


def verify_reply(my_question: Any, my_reply: Any, challenge: Challenge, instructions: Any = None) -> str:
    expect_awaited(my_reply, "my_reply", "agent.run(...)")
    expect_type(my_question, str, "my_question", "Use the challenge's question: my_question = challenge.question.")
    expect(
        my_question == challenge.question,
        f"`my_question` is {my_question[:60]!r}, but this run's challenge asks {challenge.question!r}: set "
        "my_question = challenge.question (run your cell from its first line) and ask `agent` that.",
    )
    expect_awaited(my_reply, "my_reply", "agent.run(...)")
    expect_type(my_reply, AgentResponse, "my_reply", "Keep the whole response of `await agent.run(...)`, not its text.")
    expect(bool(my_reply.text.strip()), "the reply is empty: give max_tokens room (e.g. 40) and ask a question.")
    usage = my_reply.usage_details or {}
    given, output_tokens = usage.get("input_token_count"), usage.get("output_token_count")
    expect(bool(output_tokens), "the reply reports no output tokens: keep the response agent.run returned.")
    expect(
        not str(my_reply.response_id or "").startswith("resp_"),
        f"`my_reply` came from the cloud tier's Responses API ({my_reply.response_id}): ask `agent`, the local one.",
    )
    step("re-counting the tokens of the agent's instructions and your question with the local model")
    llm = local_model()
    if llm is None:
        return f"{output_tokens} tokens came back (the local tier is a server here, so its prompt is not re-counted)."
    expected = prompt_tokens(llm, instructions, my_question)
    expect(
        given == expected,
        f"the model was given {given} input tokens, but the agent's instructions (INSTRUCTIONS) plus `my_question` "
        f"are {expected}: `my_reply` answers another question, or came from an agent with other instructions. Ask "
        "`agent` (the lab's agent, with INSTRUCTIONS) `my_question` itself: agent.run(my_question, ...).",
    )
    same, start = starts_like(llm, instructions, my_question, min(8, output_tokens), my_reply.text)
    expect(
        same,
        f"with INSTRUCTIONS, the model answers `my_question` with {start!r}…, but `my_reply` says "
        f"{my_reply.text.strip()[:40]!r}: `my_reply` answers another question or comes from an agent with other "
        "instructions. Ask `agent` `my_question` itself and keep that reply.",
    )
    return (
        f"your question became {given} input tokens; {output_tokens} tokens came back: {my_reply.text.strip()[:80]!r}"
    )


def verify_stream(
    my_stream: Any, my_updates: Any, my_final: Any, challenge: Challenge, instructions: Any = None
) -> str:
    expect_type(
        my_stream, ResponseStream, "my_stream", 'Keep what agent.run("…", stream=True, ...) returns (no `await`).'
    )
    expect_type(my_updates, list, "my_updates", "Append each `update` of `async for update in my_stream:` to a list.")
    kinds = {type(update).__name__ for update in my_updates if not isinstance(update, AgentResponseUpdate)}
    expect(
        not kinds,
        f"`my_updates` holds {', '.join(sorted(kinds))} items: append the update objects themselves, not their text.",
    )
    expect(len(my_updates) >= 2, f"{len(my_updates)} update(s): loop over the stream with `async for`.")
    recorded = list(getattr(my_stream, "_updates", []))  # every update the stream handed out, as it handed them out
    expect(
        len(my_updates) == len(recorded) and all(a is b for a, b in zip(my_updates, recorded, strict=False)),
        f"`my_updates` holds {len(my_updates)} updates, but `my_stream` produced {len(recorded)}, and not these: "
        "collect every update of one streamed run, as `async for` hands them out.",
    )
    expect_awaited(my_final, "my_final", "my_stream.get_final_response()")
    expect_type(my_final, AgentResponse, "my_final", "Use `await my_stream.get_final_response()` after the loop.")
    expect(
        my_final is getattr(my_stream, "_final_result", my_final),  # a stream keeps the final response it built
        "`my_final` is not the final response of `my_stream` (it came from another run): ask `my_stream` itself, "
        "after the loop.",
    )
    expect(
        my_final.text.strip() == "".join(update.text for update in my_updates).strip(),
        "the updates do not add up to `my_final`: ask the same stream for its final response.",
    )
    step("re-counting the tokens the streamed run was given for the challenge's question")
    llm = local_model()
    given = (my_final.usage_details or {}).get("input_token_count")
    if llm is not None and given:
        expected = prompt_tokens(llm, instructions, challenge.question)
        expect(
            given == expected,
            f"the streamed run was given {given} input tokens, but INSTRUCTIONS plus this run's challenge question "
            f"({challenge.question!r}) are {expected}: stream agent.run(challenge.question, stream=True, ...).",
        )
        produced = (my_final.usage_details or {}).get("output_token_count") or 1
        same, start = starts_like(llm, instructions, challenge.question, min(8, produced), my_final.text)
        expect(
            same,
            f"the model answers {challenge.question!r} with {start!r}…, but the stream said "
            f"{my_final.text.strip()[:40]!r}: stream agent.run(challenge.question, stream=True, ...) itself.",
        )
    pieces = sum(bool(update.text) for update in my_updates)
    return f"{len(my_updates)} updates ({pieces} with text) arrived one by one from one run and add up to the answer."


def verify_timings(short_timing: Any, long_timing: Any, challenge: Challenge) -> str:
    llm = local_model()
    for name, timing in (("short_timing", short_timing), ("long_timing", long_timing)):
        expect_awaited(timing, name, "time_stream(...)")
        expect_type(timing, StreamTiming, name, f"Use `await time_stream(local, prompt, max_tokens={MAX_TOKENS})`.")
        expect(
            isinstance(timing.first_token_s, Real) and timing.output_tokens > 0 and timing.first_token_s > 0,
            f"`{name}` measured no tokens: time a prompt that gets an answer.",
        )
        expect(
            challenge.prompt in timing.prompt,
            f"`{name}` timed {timing.prompt[:60]!r}, which does not hold this run's prompt {challenge.prompt!r}: time "
            "challenge.prompt (short) and a long prompt that ends with it.",
        )
        expect(
            timing.first_token_s <= timing.total_s,
            f"`{name}`: its first token comes after its end: keep what time_stream measured.",
        )
        expect(
            timing.output_tokens <= MAX_TOKENS,
            f"`{name}` is {timing.output_tokens} tokens long: time it yourself with max_tokens={MAX_TOKENS}, "
            "not with the lab's timings.",
        )
        if llm is not None:
            step(f"re-counting and re-generating the answer `{name}` timed")
            counted = _output_tokens(llm, timing.text)
            expect(
                abs(counted - timing.output_tokens) <= max(2, counted // 4),  # re-tokenizing text can merge a few
                f"`{name}` says {timing.output_tokens} tokens, but its text is {counted}: keep what time_stream "
                "measured instead of writing the numbers in.",
            )
            same, start = starts_like(llm, None, timing.prompt, min(8, timing.output_tokens), timing.text)
            expect(
                same,
                f"`{name}` says the model answered {timing.prompt!r} with {timing.text.strip()[:40]!r}, but it "
                f"answers {start!r}…: keep what time_stream measured instead of writing it in.",
            )
    expect(
        short_timing.prompt == challenge.prompt,
        f"`short_timing` timed {short_timing.prompt!r}, not this run's prompt {challenge.prompt!r}: time "
        "challenge.prompt itself as the short one.",
    )
    expect(
        len(long_timing.prompt) >= 5 * len(short_timing.prompt),
        f"the long prompt is {len(long_timing.prompt)} characters, not 5x the short one ({len(short_timing.prompt)}): "
        "put more text before challenge.prompt.",
    )
    ratio = long_timing.first_token_s / short_timing.first_token_s
    return (
        f"first token {short_timing.first_token_s * 1000:.0f} ms (short) vs {long_timing.first_token_s * 1000:.0f} ms "
        f"(long, x{ratio:.1f}); decoding {short_timing.tokens_per_s:.0f} vs {long_timing.tokens_per_s:.0f} tokens/s."
    )


EXERCISES = [
    Exercise(
        id="02.1",
        title="Ask the challenge's question",
        level="easy",
        task=(
            "Take the question the challenge hands out (`my_question = challenge.question`), ask `agent` with "
            '`await agent.run(my_question, options={"max_tokens": 40})` and keep the whole response in `my_reply`. '
            "Then look at `my_reply.usage_details`: the check re-counts the tokens your question became."
        ),
        starter=(
            "my_question = ...  # challenge.question\n"
            'my_reply = ...  # await agent.run(my_question, options={"max_tokens": 40})'
        ),
        check_call='check("02.1", my_question=my_question, my_reply=my_reply, instructions=INSTRUCTIONS)',
        verify=verify_reply,
        answers=("my_question", "my_reply"),
        challenge=question_challenge,
    ),
    Exercise(
        id="02.2",
        title="Stream an answer yourself",
        level="medium",
        task=(
            'Stream an answer: `my_stream = agent.run("…", stream=True, options={"max_tokens": 40})`, loop '
            "`async for update in my_stream:` and append each `update` (the object, not its text) to `my_updates`; "
            "then `my_final = await my_stream.get_final_response()`."
        ),
        starter=(
            "my_stream = ...  # a streamed run of agent on challenge.question\n"
            "my_updates = ...  # every update the stream yields, in order\n"
            "my_final = ...  # the stream's final response"
        ),
        check_call=(
            'check("02.2", my_stream=my_stream, my_updates=my_updates, my_final=my_final, instructions=INSTRUCTIONS)'
        ),
        verify=verify_stream,
        answers=("my_stream", "my_updates", "my_final"),
        challenge=question_challenge,
    ),
    Exercise(
        id="02.3",
        title="Does a longer prompt delay the first token?",
        level="stretch",
        task=(
            "Time the short prompt the challenge hands out (`challenge.prompt`) and one at least five times longer "
            "that ends with it, with "
            f"`await time_stream(local, prompt, max_tokens={MAX_TOKENS})`; keep them as `short_timing` and "
            "`long_timing`. Compare their time to first token and their decoding speed: which one does the prompt "
            "length move?"
        ),
        starter="short_timing = ...  # challenge.prompt, timed\nlong_timing = ...  # a 5x longer prompt ending with it",
        check_call='check("02.3", short_timing=short_timing, long_timing=long_timing)',
        verify=verify_timings,
        answers=("short_timing", "long_timing"),
        challenge=prompt_challenge,
    ),
]

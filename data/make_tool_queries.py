"""Write data/tool_queries.csv: graded queries for function calling, each with the tool that should answer it.

    python data/make_tool_queries.py

Four kinds, 25 queries each, from templates and fixed values (no randomness: the file is the same on every run):
`multiply` (a, b), `convert_units` (value, unit_from, unit_to), `get_weather` (city), and none (small talk, where
the right answer calls no tool). `expected_arguments` is JSON; a call is graded right when it names the expected tool
and its arguments fit the tool's schema (the values are graded separately, as `arguments_match`).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

OUT = Path(__file__).with_name("tool_queries.csv")
PAIRS = [
    (48, 12),
    (7, 6),
    (13, 17),
    (250, 4),
    (9, 9),
    (125, 8),
    (33, 3),
    (64, 2),
    (19, 21),
    (11, 11),
    (3, 1000),
    (72, 5),
    (15, 15),
    (42, 10),
    (8, 125),
]
MULTIPLY = [
    "What is {a} * {b}?",
    "Multiply {a} by {b}.",
    "How much is {a} times {b}?",
    "Compute {a} x {b}.",
    "Calculate the product of {a} and {b}.",
]
CONVERSIONS = [
    (3, "miles", "kilometers"),
    (10, "kilograms", "pounds"),
    (100, "fahrenheit", "celsius"),
    (5, "feet", "meters"),
    (2, "liters", "gallons"),
]
CONVERT = [
    "Convert {v} {f} to {t}.",
    "How many {t} is {v} {f}?",
    "What is {v} {f} in {t}?",
    "Change {v} {f} into {t}.",
    "Express {v} {f} as {t}.",
]
CITIES = ["Paris", "Oslo", "Tokyo", "Lima", "Cairo"]
WEATHER = [
    "What is the weather in {c}?",
    "Is it raining in {c}?",
    "Weather forecast for {c}, please.",
    "How warm is it in {c} today?",
    "Tell me the weather in {c}.",
]
SMALL_TALK = [
    "Hello!",
    "Thanks a lot.",
    "Who are you?",
    "Good morning.",
    "Tell me a joke.",
    "How are you today?",
    "What is your name?",
    "Nice to meet you.",
    "Goodbye!",
    "Can you help me?",
    "Say something kind.",
    "What can you do?",
    "I am bored.",
    "Have a nice day.",
    "Do you like music?",
    "Write a haiku about rain.",
    "What is the capital of France?",
    "Who wrote Hamlet?",
    "Explain photosynthesis briefly.",
    "What colour is the sky?",
    "Recommend a book.",
    "What is love?",
    "Why do cats purr?",
    "Summarize the plot of Cinderella.",
    "Give me a motivational quote.",
]


def rows() -> list[dict[str, str]]:
    found = []
    for index in range(25):
        a, b = PAIRS[index % len(PAIRS)]
        found.append(("multiply", MULTIPLY[index % 5].format(a=a, b=b), {"a": a, "b": b}))
    for index in range(25):
        v, f, t = CONVERSIONS[index // 5]
        found.append(
            ("convert_units", CONVERT[index % 5].format(v=v, f=f, t=t), {"value": v, "unit_from": f, "unit_to": t})
        )
    for index in range(25):
        city = CITIES[index // 5]
        found.append(("get_weather", WEATHER[index % 5].format(c=city), {"city": city}))
    found += [("none", text, {}) for text in SMALL_TALK]
    return [
        {"id": f"t{n:03d}", "query": q, "expected_tool": tool, "expected_arguments": json.dumps(args)}
        for n, (tool, q, args) in enumerate(found, start=1)
    ]


if __name__ == "__main__":
    with OUT.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=["id", "query", "expected_tool", "expected_arguments"])
        writer.writeheader()
        writer.writerows(rows())
    print(f"wrote {OUT}")

"""Generate data/follow_ups.csv: turns labelled follow-up (1) or self-contained (0), to measure the detector.

Run `python data/make_follow_ups.py`; the output is the same on every run (seeded).

Columns `text,follow_up,source`. Follow-ups are generated from templates (continuations, references to a part of
the previous answer, reworks of "it", elliptical fragments), each optionally behind an acknowledgement ("thanks,",
"ok,"). Self-contained turns come from three places: every graded query and every hold-out query (written for the
router, not for the detector), and generated questions that use the words the detector must not trip on ("that",
"it", "the first", "the next", "and ...", "so ..."). tests/test_router_followups.py measures precision and recall
of `modules.routing.followups.looks_like_follow_up` on this file.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

SEED = 26
HERE = Path(__file__).parent
OUT = HERE / "follow_ups.csv"

CONTINUATIONS = [
    "why?",
    "why not?",
    "how so?",
    "how come?",
    "go on",
    "continue",
    "keep going",
    "tell me more",
    "more details please",
    "elaborate",
    "really?",
    "are you sure?",
    "examples?",
    "for example?",
    "such as?",
    "like what?",
    "then what?",
    "what else?",
    "anything else?",
    "is that true?",
    "is that right?",
    "what does that mean?",
    "what do you mean?",
    "what do you mean by that?",
    "say more",
    "in more detail",
    "tell me more about that",
    "can you explain that?",
    "could you elaborate?",
    "could you expand on that?",
    "can you give me an example?",
    "can you give another example?",
    "explain further",
    "explain again",
    "go deeper",
    "dig deeper",
    "give me more",
    "another example",
    "another one",
    "shorter",
    "simpler",
    "can you clarify?",
    "would you repeat that?",
    "sources?",
    "proof?",
]
ORDINALS = ["first", "second", "third", "last", "other", "previous", "next", "fourth"]
PARTS = ["one", "point", "option", "step", "idea", "item", "example", "suggestion", "approach", "answer", "part"]
REFERENCE_TEMPLATES = [
    "tell me more about the {o} {p}",
    "why the {o} {p}?",
    "what about the {o} {p}?",
    "can you expand on the {o} {p}",
    "I like the {o} {p}, explain it",
    "is the {o} {p} safe?",
    "how long does the {o} {p} take?",
    "and the {o} {p}?",
    "which is cheaper, the {o} {p} or the other?",
    "go with the {o} {p}",
]
POINTERS = [
    "which one is best?",
    "which one would you pick?",
    "which of them is fastest?",
    "which of those is cheapest?",
    "that one sounds good, how do I start?",
    "you said 'O(n log n)', why?",
    "you mentioned caching, how?",
    "as you said, it depends. on what?",
    "your answer was too long",
    "your code doesn't compile",
    "your last reply confused me",
    "fix your code",
    "your example fails on empty input",
    "you just said the opposite",
    "you listed four steps, why four?",
    "your explanation skipped a step",
    "now write the full implementation",
    "show me the whole script",
    "give me the complete code",
    "and now the rest of the plan",
    "show me the finished version",
]
REWORK_VERBS = [
    "make {x} shorter",
    "make {x} more formal",
    "make {x} funnier",
    "rewrite {x}",
    "rewrite {x} for a child",
    "shorten {x}",
    "simplify {x}",
    "translate {x} into German",
    "translate {x} to Spanish",
    "explain {x}",
    "explain {x} again",
    "summarize {x}",
    "fix {x}",
    "redo {x}",
    "improve {x}",
    "turn {x} into a table",
    "convert {x} to JSON",
    "format {x} as a list",
    "rephrase {x}",
    "condense {x}",
    "put {x} in bullet points",
    "change {x} to past tense",
    "clarify {x}",
    "repeat {x}",
]
PRONOUNS = ["it", "that", "this"]
ELLIPSES = [
    "what about Spain?",
    "and Italy?",
    "and in Java?",
    "what about Rust?",
    "how about tomorrow?",
    "and for 10 people?",
    "same for Python",
    "also in French",
    "now in Go",
    "and the cost?",
    "but cheaper?",
    "so?",
    "and then?",
    "what about the risks?",
    "how about a shorter one?",
    "and in metric?",
    "and for Linux?",
    "also for kids",
    "and in 2025?",
    "what about version 3?",
    "and without pandas?",
    "same for the second file",
]
LEADS = ["", "", "", "thanks, ", "ok, ", "great, ", "hmm, ", "thanks! ", "ok but ", "cool, "]

# Self-contained questions that use the words a follow-up detector looks for.
TRICKY = [
    "What is the next number in the sequence {a}, {b}, {c}, {d}?",
    "Who was the first person to {deed}?",
    "What is the first prime number after {a}?",
    "When is the next leap year after {year}?",
    "Is it true that {claim}?",
    "What does 'carpe diem' mean?",
    "Explain that {claim}",
    "Prove that the sum of two even numbers is even",
    "Show that {a} is not prime",
    "Why is it that the sky looks blue?",
    "Is it going to rain in {city} tomorrow?",
    "What is it like to live in {city}?",
    "How far is it from {city} to {city2}?",
    "Which of these is a mammal: shark, dolphin, trout?",
    "And what's the capital of {country}?",
    "So what is {a} + {b}?",
    "Also, how many days are in a leap year?",
    "Now translate 'good night' into {language}",
    "What about the {year} World Cup, who won it?",
    "What is this symbol called: &?",
    "Name the first {n} planets from the sun",
    "List the first {n} prime numbers",
    "What is the last letter of the Greek alphabet?",
    "Who wrote the first Harry Potter book?",
    "Which planet is next to Earth, moving outward?",
    "Tell me a fact about {country} that most people don't know",
    "Is it safe to eat raw {food}?",
    "Write a function that checks whether a string is a palindrome",
    "Translate 'that is my book' into {language}",
    "How do I say 'this is it' in {language}?",
    "Can you explain how photosynthesis works?",
    "Could you explain what a hash table is?",
    "Summarize the plot of {book} in one sentence",
    "What is the other name for {planet}?",
    "Spell '{word}' backwards",
    "How many letters are in the word '{word}'?",
    "What's the difference between that and which in English grammar?",
    "Is this sentence correct: 'Me and him went home'?",
]
FILL = {
    "deed": [
        "walk on the moon",
        "climb Everest",
        "fly across the Atlantic solo",
        "reach the South Pole",
        "orbit Earth",
    ],
    "claim": [
        "water boils at 100 degrees at sea level",
        "bats are blind",
        "glass is a liquid",
        "the moon has tides",
        "goldfish have a three-second memory",
    ],
    "city": ["Paris", "Tokyo", "Lima", "Oslo", "Nairobi", "Toronto", "Madrid"],
    "city2": ["Berlin", "Osaka", "Quito", "Bergen", "Mombasa"],
    "country": ["Peru", "Norway", "Kenya", "Japan", "Chile", "Portugal"],
    "language": ["French", "German", "Italian", "Spanish", "Portuguese", "Dutch"],
    "food": ["eggs", "salmon", "flour", "cookie dough"],
    "book": ["Hamlet", "Moby Dick", "Pride and Prejudice", "The Odyssey"],
    "planet": ["Venus", "Mars", "Jupiter"],
    "word": ["necessary", "rhythm", "banana", "Mississippi", "strength"],
}


def _fill(template: str, rng: random.Random) -> str:
    a = rng.randint(2, 40)
    values = {
        "a": a,
        "b": a * 2,
        "c": a * 4,
        "d": a * 8,
        "year": rng.choice([1999, 2013, 2021, 2026]),
        "n": rng.choice([3, 4, 5, 6]),
        **{k: rng.choice(v) for k, v in FILL.items()},
    }
    return template.format(**values)


def follow_ups(rng: random.Random) -> list[str]:
    """Turns that only make sense with the previous answer."""
    turns = list(CONTINUATIONS) + list(POINTERS) + list(ELLIPSES)
    turns += [t.format(o=o, p=p) for t in REFERENCE_TEMPLATES for o in ORDINALS for p in rng.sample(PARTS, 2)][::3]
    turns += [v.format(x=x) for v in REWORK_VERBS for x in rng.sample(PRONOUNS, 2)]
    turns += [("can you " + v.format(x=rng.choice(PRONOUNS)) + "?") for v in rng.sample(REWORK_VERBS, 10)]
    return [rng.choice(LEADS) + t for t in turns]


def self_contained(rng: random.Random) -> list[tuple[str, str]]:
    """Questions that bring everything they need: the graded and hold-out queries, and generated tricky ones."""
    rows = []
    for name in ("graded_queries.csv", "routing_holdout.csv"):
        with (HERE / name).open(newline="", encoding="utf-8") as f:
            rows += [(r["query"], name.removesuffix(".csv")) for r in csv.DictReader(f)]
    rows += [(_fill(t, rng), "generated") for t in TRICKY for _ in range(3)]
    return rows


def main() -> None:
    rng = random.Random(SEED)
    rows = [(t, 1, "generated") for t in follow_ups(rng)] + [(t, 0, s) for t, s in self_contained(rng)]
    seen: set[str] = set()
    unique = [r for r in rows if not (r[0] in seen or seen.add(r[0]))]
    with OUT.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["text", "follow_up", "source"])
        writer.writerows(unique)
    print(f"wrote {OUT}: {sum(r[1] for r in unique)} follow-ups, {sum(1 - r[1] for r in unique)} self-contained")


if __name__ == "__main__":
    main()

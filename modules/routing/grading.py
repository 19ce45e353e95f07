"""Automatic graders for data/graded_queries.csv: is this answer correct, by its reference?

    grade("number", "391", "17 * 23 = 391")           # True
    grade("keywords", "central;processing;unit", ...)  # every keyword, `|` for alternatives
    grade("regex", r"def add\\(", ...)                  # case-sensitive unless the pattern starts with (?i)
    grade("check", "lines:3", ...)                     # lines:N, items:N, words:N, sentences:N
    grade("summary", "certificate", answer, query)     # keywords, and shorter than the text after ':'
    grade("tests", "assert add(2, 3) == 5", answer)    # runs the answer's code, then the tests (code_grading.py)

Graders look at what a user would check: the number given, the words that must be there, the shape of
the answer. They never look at style, so a correct answer from any model passes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from modules.routing.code_grading import grade_code_tests, validate_tests
from modules.routing.errors import RoutingError

GRADERS = ("number", "keywords", "regex", "check", "summary", "tests")
SUMMARY_MAX_SHARE = 0.6  # a summary keeps at most 60% of the words of the text it summarises

_NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?")
_WORD = re.compile(r"[A-Za-z']+")
_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+\S", re.MULTILINE)


class GradingError(RoutingError, ValueError):
    """A graded query's grader or reference is malformed; the message names the row's problem."""


def numbers_in(text: str) -> list[float]:
    """Every number in the text, '1,500' read as 1500."""
    found = []
    for token in _NUMBER.findall(text):
        try:
            found.append(float(token.replace(",", "")))
        except ValueError:
            continue
    return found


def _parse_number_reference(reference: str) -> tuple[float, float]:
    """'391' -> (391, 1e-6); '10.5~0.01' -> absolute tolerance; '8.05~2%' -> relative tolerance."""
    value_text, _, tolerance_text = reference.partition("~")
    try:
        value = float(value_text)
        if not tolerance_text:
            return value, 1e-6
        if tolerance_text.endswith("%"):
            return value, abs(value) * float(tolerance_text[:-1]) / 100
        return value, float(tolerance_text)
    except ValueError as error:
        raise GradingError(f"number reference {reference!r} must look like '391', '10.5~0.01' or '8.05~2%'") from error


def grade_number(reference: str, answer: str, query: str = "") -> bool:
    """The first number of the answer that the question did not already contain must match."""
    value, tolerance = _parse_number_reference(reference)
    given = set(numbers_in(query))
    for number in numbers_in(answer):
        if number not in given:
            return abs(number - value) <= tolerance
    return False


def grade_keywords(reference: str, answer: str, query: str = "") -> bool:
    """Every `;`-separated keyword appears as whole words (any of its `|` alternatives), case-insensitive."""
    text = answer.lower()
    keywords = [[o.strip() for o in k.split("|") if o.strip()] for k in reference.lower().split(";")]
    if not all(keywords):
        raise GradingError(f"keywords reference {reference!r} has an empty keyword")
    return all(any(re.search(rf"(?<!\w){re.escape(o)}(?!\w)", text) for o in options) for options in keywords)


def grade_regex(reference: str, answer: str, query: str = "") -> bool:
    try:
        return re.search(reference, answer.strip(), re.MULTILINE) is not None
    except re.error as error:
        raise GradingError(f"regex reference {reference!r} does not compile: {error}") from error


def _lines(answer: str) -> int:
    return len([line for line in answer.strip().splitlines() if line.strip()])


def _items(answer: str) -> int:
    return len(_ITEM.findall(answer))


def _words(answer: str) -> int:
    return len(_WORD.findall(answer))


def _sentences(answer: str) -> int:
    return len([s for s in re.split(r"(?<=[.!?])\s+", answer.strip()) if s.strip()])


_CHECKS: dict[str, Callable[[str], int]] = {"lines": _lines, "items": _items, "words": _words, "sentences": _sentences}


def grade_check(reference: str, answer: str, query: str = "") -> bool:
    """A named shape check: 'lines:3' = exactly three non-empty lines, 'items:3' = exactly three list items..."""
    name, _, count = reference.partition(":")
    if name not in _CHECKS or not count.isdigit():
        raise GradingError(f"check reference {reference!r} must be one of {sorted(_CHECKS)} with ':N', e.g. 'lines:3'")
    return _CHECKS[name](answer) == int(count)


def grade_summary(reference: str, answer: str, query: str = "") -> bool:
    """The keywords of `reference` are there, and the answer is shorter than the text: repeating the text
    (everything after the query's first ':') is not a summary."""
    text = query.partition(":")[2]
    return grade_keywords(reference, answer) and _words(answer) <= SUMMARY_MAX_SHARE * max(_words(text), 1)


_GRADE: dict[str, Callable[[str, str, str], bool]] = {
    "number": grade_number,
    "keywords": grade_keywords,
    "regex": grade_regex,
    "check": grade_check,
    "summary": grade_summary,
    "tests": grade_code_tests,
}


def grade(grader: str, reference: str, answer: str, query: str = "") -> bool:
    """True when `answer` (to `query`) satisfies `reference` under `grader`.

    Args:
        grader: The grader's name (data/graded_queries.csv's `grader` column).
        reference: What a right answer holds.
        answer: The answer to grade.
        query: The question, for graders that need it.
    """
    if grader not in _GRADE:
        raise GradingError(f"unknown grader {grader!r}; use one of {GRADERS}")
    return _GRADE[grader](reference, answer, query)


def validate_reference(grader: str, reference: str) -> None:
    """Raise GradingError when a reference cannot be graded (run on every row when the set is loaded)."""
    if grader == "tests":
        try:
            validate_tests(reference)
        except SyntaxError as error:
            raise GradingError(f"tests reference does not compile: {error}") from error
        return
    grade(grader, reference, "", "")

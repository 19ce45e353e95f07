"""What attendees type around the tasks: reactions that name a task, politeness around a request, typos, and tasks
asked by naming a tool, a statistic, a cipher or a riddle instead of the usual verbs.

Every class is generated from parts, none of which is a training row (checked below), and runs through the shipped
router in balanced mode.
"""

from __future__ import annotations

import itertools

import pytest
from router_support import training_queries

from modules.routing import analyze_query
from modules.routing.stated import normal

# A reaction to an answer names the thing it is about; it asks for nothing.
REACTIONS = [
    f"{lead}{thing} {verdict}{tail}"
    for lead, thing, verdict, tail in itertools.product(
        ["", "ok, ", "wow, "],
        ["the haiku", "your outline", "that regex", "the itinerary", "the sql", "the derivation"],
        ["was great", "works", "looks perfect", "checks out", "makes sense"],
        ["", ", thanks", " 🙏"],
    )
] + [
    f"{thanks} for the {thing}{tail}"
    for thanks, thing, tail in itertools.product(
        ["thanks", "thank you", "many thanks", "thx"],
        ["translation", "code review", "study plan", "proof", "summary", "bash script"],
        ["", "!", " :)"],
    )
]
# ... unless it goes on to ask for something.
REACTION_THEN_REQUEST = [
    f"{reaction}! {request}"
    for reaction, request in itertools.product(
        ["great summary", "the plan looks good", "thanks for the regex"],
        [
            "now translate it into Greek",
            "can you turn it into a table?",
            "also write unit tests for it",
            "please make it shorter",
        ],
    )
]
# Code asked for by naming the tool, the language or the error.
TOOL_REQUESTS = (
    [
        f"{tool} {ask}"
        for tool, ask in itertools.product(
            ["sql", "regex", "bash", "powershell", "pandas"],
            ["to pull the domain out of every email address", "for removing trailing spaces from each line"],
        )
    ]
    + [
        f"how do i {task} in {language}"
        for task, language in itertools.product(
            ["flatten a nested list", "sort a map by its values", "retry a failed http call"],
            ["go", "kotlin", "typescript", "c#"],
        )
    ]
    + [
        f"{error} when I {action}, what's going on"
        for error, action in itertools.product(
            ["ValueError: too many values to unpack", "ZeroDivisionError", "IndexOutOfBoundsException"],
            ["run my script", "call the parser on an empty file"],
        )
    ]
)
# A reaction to the last answer, then a new request in the same message.
TURNS = [
    f"{reaction}{turn}{task}"
    for reaction, turn, task in itertools.product(
        ["lol ok", "that was easy haha.", "the museum was lovely btw!", "ok thanks, that worked."],
        [" now ", " anyway ", " next issue: "],
        [
            "draft a newsletter about our summer opening hours",
            "what is 23% of 4,800",
            "translate 'two coffees please' to Portuguese",
            "AttributeError: 'list' object has no attribute 'keys'",
        ],
    )
]
# Reactions that report what happened with the answer.
OUTCOMES = [
    f"{ack}, {thing} {outcome}"
    for ack, thing, outcome in itertools.product(
        ["thanks", "perfect", "sweet", "great"],
        ["the deploy script", "the pivot table", "my cover letter"],
        ["worked first time", "helped a lot", "went through"],
    )
]
# Word problems with money or time, language learning, and writing asked for without a verb.
WORD_PROBLEMS = [
    "if I sell 120 scarves at $25 and each costs $9 to make, what's my profit",
    "if the bus takes 95 minutes and leaves at 14:50, what time does it arrive",
    "a 15% tip on a $72 dinner",
]
LANGUAGE_LEARNING = [
    "how do you pronounce 'croissant' properly",
    "conjugate 'avoir' in the future tense",
    "correct my italian: io sono andato al mercato ieri con mio amici",
]
TERSE_WRITING = [
    "slogans for a bicycle repair shop",
    "5 tweets about our spring clearance",
    "birthday card message for my aunt who loves gardening",
]
DROPPED_LETTERS = [
    "expain how vaccines train the immune system",
    "inegrate sin(x) from 0 to pi",
    "smmarize the plot of Jane Eyre",
]
# What a workshop's chat asks about its notebooks, in English and in the attendees' languages.
WORKSHOP_TASKS = [
    "how do I drop duplicate rows in my dataframe",
    "how to change the column types of a parquet file",
    "the kernel died when I opened the notebook, what should i do",
    "what does `df.iloc[::2]` select",
    "fix: print('score: ' + 10)",
    "sorry noob question, how do I undo my last commit",
    "cómo cambio el nombre de una columna en pandas",
    "comment afficher toutes les colonnes d'un dataframe ?",
    "wie kann ich in jupyter die ausgabe einer zelle löschen",
    "escribe un correo corto para pedir más tiempo",
    "combien font 37 fois 43",
    "lol ok now plot a scatter of price against size",
]
# Other scripts and terse forms: Chinese, Japanese and Russian requests, conversions written with an arrow, a letter
# asked for by its addressee.
SCRIPTS_AND_TERSE = [
    "写一封感谢信给我的老师",
    "この文章を英語に翻訳して：明日は雨です",
    "напиши письмо соседу о шуме",
    "переведи на французский: спасибо за помощь",
    "300 gbp -> usd",
    "12 stone in kg",
    "letter to my bank disputing a double charge",
    "a weekly routine for learning the guitar",
]
# A laugh or a remark about a tool is not a request.
BANTER = ["pandas is great", "I love sql", "that gif in the slides 😂", "haha the riddle got me"]
# Politeness around a task is not small talk.
WRAPPED = [
    f"{before}{task}{after}"
    for before, task, after in itertools.product(
        ["hey quick question, ", "hi! ", "pls ", "hello bot, "],
        [
            "write a limerick about a lazy cat",
            "what is 38% of 1250",
            "translate 'where is the bakery' to Dutch",
            "spell 'rhythm' backwards",
        ],
        ["", " thanks", " thx!", " :)"],
    )
]
# A swapped pair of letters, or a doubled letter, in the word that names the task.
TYPOS = [
    "wirte a sonnet about autumn rain",
    "trasnlate 'the shop opens at nine' into Italian",
    "sovle 7x - 4 = 24",
    "waht is 17 tiems 23",
    "summraise the plot of Macbeth in two lines",
    "revrese the word 'lantern'",
    "impelment a trie in java",
    "how many vowles are in 'mountaineer'",
    "summmarise the plot of Dune in one line",
    "transllate 'see you soon' into Greek",
]
# Named kinds: a statistic, a cipher or a rhyme, another language's word for "translate", a riddle or a syllogism.
NAMED_TASKS = (
    [f"derivative of x^{n} * cos(x)" for n in (2, 5)]
    + [f"gcd of {a} and {b}" for a, b in ((36, 84), (121, 33))]
    + [f"what are the odds of rolling {n} sixes in a row" for n in ("three", "four")]
    + [f"how many {c}'s are in '{w}'" for c, w in (("p", "hippopotamus"), ("l", "parallel"))]
    + [f"how many syllables in '{w}'" for w in ("onomatopoeia", "vocabulary")]
    + [f"what rhymes with '{w}'" for w in ("window", "season")]
    + [f"'{p}' in {n} languages" for p, n in (("good night", 3), ("welcome", 6))]
    + ["riddle: what has hands but cannot clap", "if all glorps are zims and no zims are fleps, can a glorp be a flep"]
)
# Goodbyes and thanks in the languages attendees write in.
SMALL_TALK_ABROAD = [
    f"{word}{ending}"
    for word, ending in itertools.product(
        ["görüşürüz", "kwaheri", "buona notte", "dziękuję", "asante sana", "arigatou", "spasibo", "zai jian"],
        ["", "!", " 👋", " :)"],
    )
]


def test_generated_queries_are_not_training_rows():
    training = training_queries()
    generated = REACTIONS + REACTION_THEN_REQUEST + TOOL_REQUESTS + WRAPPED + TYPOS + NAMED_TASKS + SMALL_TALK_ABROAD
    generated += TURNS + OUTCOMES + WORD_PROBLEMS + LANGUAGE_LEARNING + TERSE_WRITING + DROPPED_LETTERS
    generated += WORKSHOP_TASKS + BANTER + SCRIPTS_AND_TERSE
    assert not [q for q in generated if normal(q) in training]


def test_a_reaction_that_names_a_task_stays_local_and_says_why(balanced):
    for query in REACTIONS:
        analysis = analyze_query(query)
        assert analysis.feedback and not analysis.long_form and not analysis.intents, query
    decisions = {q: balanced.route(q) for q in REACTIONS}
    assert [q for q, d in decisions.items() if d.target != "local"] == []
    assert all("thanks or a reaction to an answer, not a request" in d.reasons for d in decisions.values())


def test_a_reaction_that_reports_what_happened_stays_local(balanced):
    assert all(analyze_query(q).feedback for q in OUTCOMES)
    assert [q for q in OUTCOMES if balanced.route(q).target != "local"] == []
    # trouble is a question, not a reaction
    assert not analyze_query("thanks, my script ran out of memory").feedback
    assert not analyze_query("the code works but is slow").feedback


def test_a_reaction_followed_by_a_request_is_a_request(balanced):
    assert not any(analyze_query(q).feedback for q in REACTION_THEN_REQUEST)
    assert [q for q in REACTION_THEN_REQUEST if balanced.route(q).target != "cloud"] == []


@pytest.mark.parametrize(
    ("name", "queries"),
    [
        ("tools", TOOL_REQUESTS),
        ("typos", TYPOS + DROPPED_LETTERS),
        ("named", NAMED_TASKS),
        ("wrapped", WRAPPED),
        ("after a reaction", TURNS),
        ("word problems", WORD_PROBLEMS),
        ("language learning", LANGUAGE_LEARNING),
        ("terse writing", TERSE_WRITING),
        ("workshop", WORKSHOP_TASKS),
        ("scripts and terse forms", SCRIPTS_AND_TERSE),
    ],
)
def test_generated_tasks_go_to_the_cloud(balanced, name, queries):
    assert [q for q in queries if balanced.route(q).target != "cloud"] == []


def test_politeness_around_a_task_is_not_small_talk():
    assert not any(analyze_query(q).greeting for q in WRAPPED)
    assert all(analyze_query(q).greeting for q in ["hey there!", "thanks!", "hi, how are you?", "ok thanks"])


def test_a_swapped_or_doubled_letter_does_not_hide_the_task():
    for query in TYPOS:
        spelled = analyze_query(query)
        assert spelled.long_form or spelled.calculation or spelled.letters or spelled.translation, query
    # a real word is left alone: "form" is not read as "from", "plane" is not a plan
    assert not analyze_query("fill in the form please").intents
    assert not analyze_query("the plane lands at six").planning


def test_goodbyes_and_thanks_abroad_stay_local(balanced):
    assert all(analyze_query(q).greeting for q in SMALL_TALK_ABROAD)
    assert [q for q in SMALL_TALK_ABROAD if balanced.route(q).target != "local"] == []


def test_banter_about_a_tool_stays_local(balanced):
    assert [q for q in BANTER if balanced.route(q).target != "local"] == []

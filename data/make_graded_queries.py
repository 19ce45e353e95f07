"""Generate data/graded_queries.csv: queries with references, to measure what a model actually answers.

Run `python data/make_graded_queries.py`; the output is the same on every run (seeded).

Every row names a grader and a reference (graders live in modules/routing/grading.py):
  number    the first number in the answer that is not in the question; reference "value" or "value~tolerance"
            (absolute) or "value~2%" (relative)
  keywords  every `;`-separated keyword must appear as a whole word; `|` separates accepted alternatives
  regex     a Python regular expression searched in the answer (case-sensitive unless it starts with (?i))
  check     a named check with an argument: lines:N, items:N, words:N, sentences:N
  summary   keywords as above, and the answer keeps at most 60% of the words of the text after the query's ':'

Each category of the routing policy (data/README.md) is probed by short tasks whose answer can be checked
automatically, so that one profile run stays within a few minutes on a laptop. Long-form quality (a whole
essay, a whole program) is not graded here; the router's evaluation uses labels for it. None of these
queries is a row of routing_queries.csv (a test checks it), so they also serve as router evaluation data.
"""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

SEED = 11
OUT = Path(__file__).with_name("graded_queries.csv")

# A polite reply to a greeting greets back or offers help.
GREETING_REPLY = (
    r"(?i)\b(hi|hello|hey|greetings|welcome|(good )?(morning|afternoon|evening|day)"
    r"|how (can|may) i (help|assist)|what can i do for you|assist you|nice to meet you)\b"
)
THANKS_REPLY = r"(?i)\b(welcome|glad|pleasure|happy to|anytime|no problem|you're welcome)\b"
CONGRATULATIONS = r"(?i)\b(congratulations|congrats|great news|well done|amazing|glad to hear|happy for you)\b"
BYE_REPLY = r"(?i)\b(bye|goodbye|see you|take care|farewell|good night|have a (great|nice|good))\b"

ROWS: list[tuple[str, str, str, str]] = [
    # ------------------------------------------------------------------ greeting
    *(
        (q, "greeting", "regex", GREETING_REPLY)
        for q in [
            "hello!",
            "Hi there",
            "hey :)",
            "Good morning!",
            "good evening",
            "hiya, anyone home?",
            "Hello, nice to meet you.",
            "hey hey, how's it going?",
            "Morning :)",
            "hi, first time using this",
            "Greetings!",
            "Hello again!",
            "hey you",
            "Good afternoon.",
            "Hi! I'm Noor.",
            "yo, hello",
        ]
    ),
    # ------------------------------------------------------------------ smalltalk
    ("thank you!", "smalltalk", "regex", THANKS_REPLY),
    ("thanks a lot, that was helpful", "smalltalk", "regex", THANKS_REPLY),
    ("Many thanks!", "smalltalk", "regex", THANKS_REPLY),
    ("Thank you so much for your help today.", "smalltalk", "regex", THANKS_REPLY),
    ("cheers, much appreciated", "smalltalk", "regex", THANKS_REPLY),
    ("bye!", "smalltalk", "regex", BYE_REPLY),
    ("goodbye, see you tomorrow", "smalltalk", "regex", BYE_REPLY),
    ("Good night!", "smalltalk", "regex", BYE_REPLY),
    ("I'm off now, talk later", "smalltalk", "regex", BYE_REPLY),
    ("what should I call you?", "smalltalk", "regex", r"(?i)\b(i am|i'm|my name|call me|assistant|ai)\b"),
    ("are you a human?", "smalltalk", "regex", r"(?i)\b(ai|assistant|language model|computer|program|not a human)\b"),
    ("Are you an AI?", "smalltalk", "regex", r"(?i)\b(yes|ai|assistant|language model)\b"),
    ("I got the job!", "smalltalk", "regex", CONGRATULATIONS),
    ("I passed my exam today!", "smalltalk", "regex", CONGRATULATIONS),
    ("It's my birthday today", "smalltalk", "regex", r"(?i)\bhappy birthday\b"),
    (
        "sorry, my mistake",
        "smalltalk",
        "regex",
        r"(?i)\b(no problem|no worries|don't worry|it's okay|that's ok|fine)\b",
    ),
    # ------------------------------------------------------------------ factual
    ("What is the capital of Germany?", "factual", "keywords", "berlin"),
    ("capital of Spain?", "factual", "keywords", "madrid"),
    ("Which city is the capital of Greece?", "factual", "keywords", "athens"),
    ("What's the capital of Sweden?", "factual", "keywords", "stockholm"),
    ("What is the capital city of Austria?", "factual", "keywords", "vienna"),
    ("capital of Hungary", "factual", "keywords", "budapest"),
    ("What is the capital of Denmark?", "factual", "keywords", "copenhagen"),
    ("Which city is the capital of South Korea?", "factual", "keywords", "seoul"),
    ("What's the capital of Indonesia?", "factual", "keywords", "jakarta|nusantara"),
    ("What is the capital of Belgium?", "factual", "keywords", "brussels"),
    ("What is the chemical symbol for gold?", "factual", "regex", r"\bAu\b"),
    ("Which is the largest planet in our solar system?", "factual", "keywords", "jupiter"),
    ("Who painted The Night Watch?", "factual", "keywords", "rembrandt"),
    ("Who wrote Hamlet?", "factual", "keywords", "shakespeare"),
    ("How many days are there in a leap year?", "factual", "number", "366"),
    ("How many legs does a spider have?", "factual", "number", "8"),
    ("Who developed the theory of general relativity?", "factual", "keywords", "einstein"),
    ("What is the largest mammal on Earth?", "factual", "keywords", "blue whale"),
    ("Which river is the longest in Africa?", "factual", "keywords", "nile"),
    ("What language is mainly spoken in Brazil?", "factual", "keywords", "portuguese"),
    ("What is the currency of Japan?", "factual", "keywords", "yen"),
    ("Who was the first person to walk on the Moon?", "factual", "keywords", "armstrong"),
    ("Which planet is known as the Red Planet?", "factual", "keywords", "mars"),
    ("How many sides does a hexagon have?", "factual", "number", "6"),
    ("Which organ pumps blood around the body?", "factual", "keywords", "heart"),
    ("Who wrote the Harry Potter books?", "factual", "keywords", "rowling"),
    ("What is the hardest natural substance?", "factual", "keywords", "diamond|diamonds"),
    ("In which country are the pyramids of Giza?", "factual", "keywords", "egypt"),
    ("What is the freezing point of water in Fahrenheit?", "factual", "number", "32"),
    ("How many minutes are in an hour?", "factual", "number", "60"),
    ("Which ocean lies between Africa and Australia?", "factual", "keywords", "indian"),
    ("Who composed the Moonlight Sonata?", "factual", "keywords", "beethoven"),
    # ------------------------------------------------------------------ definition
    ("What does CPU stand for?", "definition", "keywords", "central;processing;unit"),
    ("What does GPS stand for?", "definition", "keywords", "global;positioning;system"),
    ("What does USB stand for?", "definition", "keywords", "universal;serial;bus"),
    ("What does FAQ stand for?", "definition", "keywords", "frequently;asked;questions"),
    ("What does DIY mean?", "definition", "keywords", "do;yourself"),
    ("What does ATM stand for?", "definition", "keywords", "automated|automatic;teller;machine"),
    ("What does UFO stand for?", "definition", "keywords", "unidentified;flying;object"),
    ("What does LED stand for?", "definition", "keywords", "light;emitting;diode"),
    ("What does the abbreviation 'etc.' mean?", "definition", "keywords", "et cetera|and so on|and other"),
    ("What does 'arid' mean?", "definition", "keywords", "dry|little rain|no rain|lack of water"),
    ("What does 'nocturnal' mean?", "definition", "keywords", "night|nighttime|night-time"),
    ("What is a herbivore?", "definition", "keywords", "plant|plants|vegetation"),
    ("What is a carnivore?", "definition", "keywords", "meat|animals|flesh"),
    ("What does 'bilingual' mean?", "definition", "keywords", "two languages|both languages"),
    ("What does 'obsolete' mean?", "definition", "keywords", "outdated|no longer|out of date|old-fashioned"),
    ("What does 'punctual' mean?", "definition", "keywords", "on time|time"),
    ("What does 'fragile' mean?", "definition", "keywords", "break|broken|delicate|easily damaged"),
    ("Give me a synonym for 'happy'.", "definition", "keywords", "joyful|glad|cheerful|content|pleased|delighted"),
    ("What is a synonym for 'big'?", "definition", "keywords", "large|huge|enormous|giant|massive|great"),
    ("What's the opposite of 'hot'?", "definition", "keywords", "cold"),
    ("What's the antonym of 'generous'?", "definition", "keywords", "stingy|selfish|mean|greedy|miserly"),
    ("What is a triangle?", "definition", "keywords", "three|3"),
    ("What is a volcano? One sentence.", "definition", "keywords", "lava|magma|erupt|eruption|erupts"),
    ("What is photosynthesis, briefly?", "definition", "keywords", "light|sunlight;plants|plant"),
    # ------------------------------------------------------------------ rewrite
    ("Translate 'thank you' into Spanish.", "rewrite", "keywords", "gracias"),
    ("How do you say 'good morning' in French?", "rewrite", "keywords", "bonjour"),
    ("Translate 'cat' into German.", "rewrite", "keywords", "katze"),
    ("What is 'water' in Spanish?", "rewrite", "keywords", "agua"),
    ("How do you say 'house' in Spanish?", "rewrite", "keywords", "casa"),
    ("Translate 'please' into German.", "rewrite", "keywords", "bitte"),
    ("How do you say 'thank you' in French?", "rewrite", "keywords", "merci"),
    ("Translate 'friend' into Spanish.", "rewrite", "keywords", "amigo|amiga"),
    ("What's 'dog' in French?", "rewrite", "keywords", "chien"),
    ("Translate 'book' into French.", "rewrite", "keywords", "livre"),
    ("How do you say 'love' in Italian?", "rewrite", "keywords", "amore"),
    ("Translate 'red' into Spanish.", "rewrite", "keywords", "rojo|roja"),
    ("Make this all capitals: hello world", "rewrite", "regex", r"HELLO WORLD"),
    ("Capitalise the names: paris is in france", "rewrite", "regex", r"Paris is in France"),
    ("Fix the spelling: 'I recieved teh package'", "rewrite", "keywords", "received;the package"),
    ("Correct the grammar: 'he don't know the answer'", "rewrite", "keywords", "doesn't|does not"),
    ("Correct this: 'They was late again.'", "rewrite", "keywords", "were"),
    ("What is the plural of 'child'?", "rewrite", "keywords", "children"),
    ("What is the past tense of 'go'?", "rewrite", "keywords", "went"),
    ("What's the past tense of 'eat'?", "rewrite", "keywords", "ate"),
    ("What is the plural of 'tooth'?", "rewrite", "keywords", "teeth"),
    ("Put this in the past tense: 'I walk to school.'", "rewrite", "keywords", "walked"),
    ("Make this lowercase: GOOD LUCK", "rewrite", "regex", r"good luck"),
    ("Reverse the word 'stressed'.", "rewrite", "keywords", "desserts"),
    # ------------------------------------------------------------------ quick_code
    ("How do I get the length of a list in Python?", "quick_code", "regex", r"len\("),
    ("How do I reverse a string in Python?", "quick_code", "regex", r"\[::-1\]|reversed\("),
    ("How do I convert a string to an integer in Python?", "quick_code", "regex", r"\bint\("),
    ("How do I make a string lowercase in JavaScript?", "quick_code", "regex", r"toLowerCase\("),
    ("How do I print hello world in Python?", "quick_code", "regex", r"(?i)print\(\s*[\"']hello,? world"),
    ("How do I round a number to 2 decimals in Python?", "quick_code", "regex", r"round\(|:\.2f"),
    ("How do I sort a list in Python?", "quick_code", "regex", r"sorted\(|\.sort\("),
    ("How do I open a file for reading in Python?", "quick_code", "regex", r"open\("),
    ("How do I get the absolute value of a number in Python?", "quick_code", "regex", r"abs\("),
    ("How do I find the largest number in a Python list?", "quick_code", "regex", r"max\("),
    ("How do I get the length of a string in JavaScript?", "quick_code", "regex", r"\.length\b"),
    ("Which bash command lists the files in a directory?", "quick_code", "regex", r"\bls\b"),
    ("Which bash command counts the lines of a file?", "quick_code", "regex", r"wc -l"),
    ("How do I create a folder from the command line?", "quick_code", "regex", r"\bmkdir\b"),
    ("SQL to select every row of the table users?", "quick_code", "regex", r"(?i)select \* from users"),
    ("Which git command creates a new branch?", "quick_code", "regex", r"git (branch|checkout -b|switch -c)"),
    ("How do I add an item to a list in Python?", "quick_code", "regex", r"\.append\(|\.insert\(|\.extend\("),
    ("How do I join a list of strings with commas in Python?", "quick_code", "regex", r"[\"'],\s?[\"']\.join\("),
    (
        "How do I check the installed Python version from a terminal?",
        "quick_code",
        "regex",
        r"(?i)python3? (--version|-V)",
    ),
    ("How do I square root a number in Python?", "quick_code", "regex", r"sqrt\(|\*\*\s*0?\.5|\*\*\s*\(1\s*/\s*2\)"),
    # ------------------------------------------------------------------ analysis (multi-step reasoning)
    (
        "A shirt costs 40 euros and is discounted by 25%. Then 10 euros are taken off. What is the final price?",
        "analysis",
        "number",
        "20",
    ),
    (
        "Tom is twice as old as Ann. In 5 years their ages will add up to 40. How old is Ann now?",
        "analysis",
        "number",
        "10",
    ),
    ("A train leaves at 14:00 and travels 180 km at 60 km/h. At what hour does it arrive?", "analysis", "number", "17"),
    ("If 3 pens cost 4.50, how much do 7 pens cost?", "analysis", "number", "10.5~0.01"),
    (
        "All bloops are razzies and all razzies are lazzies. Are all bloops lazzies? Answer yes or no.",
        "analysis",
        "regex",
        r"(?i)^\W*yes\b",
    ),
    (
        "I have 3 apples, eat one, then buy twice as many as I have left. How many apples do I have now?",
        "analysis",
        "number",
        "6",
    ),
    ("A rectangle is 8 m long and its area is 56 square metres. What is its perimeter?", "analysis", "number", "30"),
    ("Sara reads 12 pages a day. How many days does she need for a 300-page book?", "analysis", "number", "25"),
    ("If it is Wednesday today, what day will it be in 10 days?", "analysis", "keywords", "saturday"),
    (
        "A tank holds 200 litres and leaks 8 litres an hour. How many hours until it is empty?",
        "analysis",
        "number",
        "25",
    ),
    ("What is the next number in the sequence 2, 6, 18, 54?", "analysis", "number", "162"),
    (
        "Three friends split a 96 euro bill, but one pays 12 euros more than each of the others. What does he pay?",
        "analysis",
        "number",
        "40",
    ),
    ("A car uses 6 litres per 100 km. How many litres does it need for 350 km?", "analysis", "number", "21"),
    (
        "If 5 machines make 5 widgets in 5 minutes, how many minutes do 100 machines need for 100 widgets?",
        "analysis",
        "number",
        "5",
    ),
    (
        "A price rises by 10% and then falls by 10%. By what percent is it lower than the start?",
        "analysis",
        "number",
        "1",
    ),
    ("Ben has 5 more marbles than Cara; together they have 27. How many does Cara have?", "analysis", "number", "11"),
    # ------------------------------------------------------------------ comparison
    ("Which is larger, 9.11 or 9.9?", "comparison", "number", "9.9"),
    ("Which is heavier, a litre of water or a litre of olive oil?", "comparison", "regex", r"(?i)\bwater\b"),
    ("Which is faster on large lists, bubble sort or merge sort?", "comparison", "keywords", "merge sort"),
    ("Which has more calories per gram, fat or sugar?", "comparison", "regex", r"(?i)^\W*(fat\b|.{0,40}\bfat\b)"),
    ("Which is bigger, the Sun or the Earth?", "comparison", "keywords", "sun"),
    ("Which is older, the Roman Empire or the Ottoman Empire?", "comparison", "keywords", "roman"),
    (
        "For storing money for 30 years, is a savings account or an index fund usually better? One word.",
        "comparison",
        "keywords",
        "index",
    ),
    ("Which is more secure for passwords, MD5 or bcrypt?", "comparison", "keywords", "bcrypt"),
    ("Which lasts longer, an LED bulb or an incandescent bulb?", "comparison", "regex", r"(?i)^\W*(an )?led\b"),
    ("Which is closer to the Sun, Venus or Mars?", "comparison", "keywords", "venus"),
    ("Which is more, 3/4 or 2/3?", "comparison", "regex", r"3/4|0\.75|three[- ]quarters"),
    (
        "Which is colder, -5 degrees Celsius or 20 degrees Fahrenheit?",
        "comparison",
        "regex",
        r"20\s*(°|degrees)?\s*F|fahrenheit",
    ),
    (
        "Which uses less memory for a million booleans in Python, a list or a bytearray?",
        "comparison",
        "keywords",
        "bytearray",
    ),
    (
        "Which is a better first language for a 10-year-old, Scratch or C++? One word.",
        "comparison",
        "keywords",
        "scratch",
    ),
    # ------------------------------------------------------------------ planning
    ("List three numbered steps to make a cup of tea.", "planning", "check", "items:3"),
    ("Give me four numbered steps to change a flat bicycle tyre.", "planning", "check", "items:4"),
    (
        "Put these in the right order: bake, mix, preheat the oven, serve. Answer with the four steps only.",
        "planning",
        "regex",
        r"(?is)preheat.*mix.*bake.*serve",
    ),
    ("Give three numbered steps to start running as a beginner.", "planning", "check", "items:3"),
    ("List three numbered steps to prepare for a job interview.", "planning", "check", "items:3"),
    (
        "Order these tasks for moving house: pack, book a van, unpack, move. Steps only.",
        "planning",
        "regex",
        r"(?is)(book a van|van).*pack.*move.*unpack",
    ),
    (
        "A meeting must end by 12:00 and needs 3 talks of 40 minutes with no breaks. When must it start at the latest?",
        "planning",
        "regex",
        r"10[:.]00|10 ?am|ten",
    ),
    ("Give me five numbered steps to plan a small birthday party.", "planning", "check", "items:5"),
    ("List three numbered milestones for writing a short novel.", "planning", "check", "items:3"),
    (
        "I need to be at work at 9:00; the commute is 45 minutes and I need an hour to get ready. When do I get up?",
        "planning",
        "regex",
        r"7[:.]15|7\.15|quarter past seven",
    ),
    ("List four numbered steps to back up a laptop.", "planning", "check", "items:4"),
    ("Give three numbered steps to learn a new language.", "planning", "check", "items:3"),
    # ------------------------------------------------------------------ creative
    ("Write a haiku about rain.", "creative", "check", "lines:3"),
    ("Write a haiku about the sea.", "creative", "check", "lines:3"),
    ("Write a haiku about autumn leaves.", "creative", "check", "lines:3"),
    ("Write a two-line rhyming couplet about a cat.", "creative", "check", "lines:2"),
    ("Write a two-line poem about coffee.", "creative", "check", "lines:2"),
    ("Give me three numbered name ideas for a bakery.", "creative", "check", "items:3"),
    ("Suggest three numbered titles for a mystery novel.", "creative", "check", "items:3"),
    ("Give me four numbered slogan ideas for a bike shop.", "creative", "check", "items:4"),
    ("Write one sentence that uses the word 'lantern'.", "creative", "keywords", "lantern"),
    ("Write a one-sentence story that mentions a dragon and a teacup.", "creative", "keywords", "dragon;teacup"),
    ("Write a four-line poem about winter.", "creative", "check", "lines:4"),
    ("Invent three numbered names for a friendly robot.", "creative", "check", "items:3"),
    ("Write exactly five words about the moon.", "creative", "check", "words:5"),
    ("Write a limerick about a frog (five lines).", "creative", "check", "lines:5"),
    # ------------------------------------------------------------------ code
    (
        "Write a Python function is_even(n) that returns True for even numbers.",
        "code",
        "regex",
        r"def is_even\(\s*n\s*\)[\s\S]*%\s*2",
    ),
    (
        "Write a Python function add(a, b) that returns their sum.",
        "code",
        "regex",
        r"def add\(\s*a,\s*b\s*\)[\s\S]*return",
    ),
    (
        "Write a Python function factorial(n) using recursion.",
        "code",
        "regex",
        r"def factorial\(\s*n\s*\)[\s\S]*factorial\(\s*n\s*-\s*1\s*\)",
    ),
    (
        "Write a Python function square(x) that returns x squared.",
        "code",
        "regex",
        r"def square\(\s*x\s*\)[\s\S]*return\s+x\s*(\*\*\s*2|\*\s*x)",
    ),
    (
        "Write a JavaScript function max2(a, b) that returns the larger number.",
        "code",
        "regex",
        r"function max2\(\s*a,\s*b\s*\)|max2\s*=\s*\(\s*a,\s*b\s*\)\s*=>",
    ),
    (
        "Write a Python function count_vowels(s) that counts the vowels in a string.",
        "code",
        "regex",
        r"def count_vowels\(\s*s\s*\)[\s\S]*(aeiou|'a'|\"a\")",
    ),
    (
        "Write a Python function that returns the first n Fibonacci numbers, called fib(n).",
        "code",
        "regex",
        r"def fib\(\s*n\s*\)",
    ),
    (
        "Write a Python function is_palindrome(s) that checks whether s reads the same backwards.",
        "code",
        "regex",
        r"def is_palindrome\(\s*s\s*\)[\s\S]*(\[::-1\]|reversed)",
    ),
    (
        "Write a Python list comprehension that squares the numbers 1 to 10.",
        "code",
        "regex",
        r"\[\s*\w+\s*\*\*\s*2\s+for\s+\w+\s+in\s+range\(\s*1\s*,\s*11\s*\)\s*\]",
    ),
    (
        "Write a SQL query that counts the rows of the orders table.",
        "code",
        "regex",
        r"(?i)select count\(\*\) from orders",
    ),
    (
        "Write a Python function celsius_to_f(c) that converts Celsius to Fahrenheit.",
        "code",
        "regex",
        r"def celsius_to_f\(\s*c\s*\)[\s\S]*(9\s*/\s*5|1\.8)[\s\S]*32",
    ),
    (
        "Write a Python function that sums a list of numbers without using sum(), called total(xs).",
        "code",
        "regex",
        r"def total\(\s*xs\s*\)[\s\S]*for\s+\w+\s+in\s+xs",
    ),
    (
        "Write a bash loop that prints the numbers 1 to 5.",
        "code",
        "regex",
        r"for \w+ in (\{1\.\.5\}|1 2 3 4 5|\$\(seq)",
    ),
    (
        "Write a Python function that returns the maximum of a list without using max(), called biggest(xs).",
        "code",
        "regex",
        r"def biggest\(\s*xs\s*\)[\s\S]*for\s+\w+\s+in\s+xs",
    ),
    # ------------------------------------------------------------------ security_compliance
    (
        "What is the main defence against SQL injection?",
        "security_compliance",
        "keywords",
        "parameterized|parameterised|prepared statements|prepared statement|parameterized queries",
    ),
    (
        "Should passwords be stored encrypted, hashed, or in plain text? One word.",
        "security_compliance",
        "keywords",
        "hashed|hash|hashing",
    ),
    (
        "What does MFA add to a login?",
        "security_compliance",
        "keywords",
        "second factor|another factor|additional factor|two factors|second form|extra layer|additional layer",
    ),
    ("Which port does HTTPS use by default?", "security_compliance", "number", "443"),
    ("What does the 'S' in HTTPS stand for?", "security_compliance", "keywords", "secure"),
    (
        "Under GDPR, how many hours does a company have to report a personal data breach?",
        "security_compliance",
        "number",
        "72",
    ),
    (
        "What kind of attack tricks people into revealing passwords by email?",
        "security_compliance",
        "keywords",
        "phishing",
    ),
    (
        "What does the principle of least privilege mean?",
        "security_compliance",
        "keywords",
        "minimum|minimal|only the|least|necessary|need",
    ),
    ("What does a firewall filter?", "security_compliance", "keywords", "traffic|packets|connections"),
    ("Which US law protects health information?", "security_compliance", "keywords", "hipaa"),
    (
        "What is ransomware, in one sentence?",
        "security_compliance",
        "keywords",
        "encrypt|encrypts|lock|locks;ransom|pay|payment",
    ),
    (
        "Is it safe to reuse the same password on many sites? Yes or no.",
        "security_compliance",
        "regex",
        r"(?i)^\W*no\b",
    ),
    ("What does XSS stand for?", "security_compliance", "keywords", "cross;site;scripting"),
    ("What does a VPN encrypt?", "security_compliance", "keywords", "traffic|connection|data"),
    # ------------------------------------------------------------------ architecture
    ("What does a load balancer do?", "architecture", "keywords", "distribute|distributes|spread|spreads"),
    (
        "What do the letters of the CAP theorem stand for?",
        "architecture",
        "keywords",
        "consistency;availability;partition",
    ),
    ("Which is a better fit for a cache, Redis or a relational database?", "architecture", "keywords", "redis"),
    ("What does CDN stand for?", "architecture", "keywords", "content;delivery|distribution;network"),
    (
        "What does horizontal scaling mean?",
        "architecture",
        "keywords",
        "more machines|more servers|adding servers|adding machines|more instances|adding more|more nodes",
    ),
    (
        "What is a message queue used for?",
        "architecture",
        "keywords",
        "asynchronous|async|decouple|decoupling|messages|buffer",
    ),
    (
        "What does a database index speed up?",
        "architecture",
        "keywords",
        "queries|lookups|search|searches|reads|retrieval",
    ),
    ("What does REST stand for?", "architecture", "keywords", "representational;state;transfer"),
    ("Which HTTP method is used to read a resource in a REST API?", "architecture", "regex", r"\bGET\b"),
    ("What is a single point of failure?", "architecture", "keywords", "fail|fails|failure;whole|entire|system"),
    ("What does SLA stand for?", "architecture", "keywords", "service;level;agreement"),
    ("Which HTTP status code means 'not found'?", "architecture", "number", "404"),
    # ------------------------------------------------------------------ multi_constraint
    (
        "Answer with one word only: what colour is a clear daytime sky?",
        "multi_constraint",
        "regex",
        r"(?i)^\W*blue\W*$",
    ),
    (
        "List exactly three fruits, comma-separated, lowercase, nothing else.",
        "multi_constraint",
        "regex",
        r"^\s*[a-z]+\s*,\s*[a-z]+\s*,\s*[a-z]+\s*\.?\s*$",
    ),
    ("Write a sentence of exactly five words about dogs.", "multi_constraint", "check", "words:5"),
    ("Reply with only the number: how many wheels does a tricycle have?", "multi_constraint", "regex", r"^\W*3\W*$"),
    (
        "Name two primary colours, separated by 'and', nothing else.",
        "multi_constraint",
        "regex",
        r"(?i)^\W*(red|blue|yellow) and (red|blue|yellow)\W*$",
    ),
    ("Give three numbered words that rhyme with 'cat', no explanations.", "multi_constraint", "check", "items:3"),
    ("Answer yes or no only: is the Earth round?", "multi_constraint", "regex", r"(?i)^\W*yes\W*$"),
    ("Write the word 'done' in capital letters and nothing else.", "multi_constraint", "regex", r"^\W*DONE\W*$"),
    ("Reply with only the number: 12 times 12?", "multi_constraint", "regex", r"^\W*144\W*$"),
    (
        "List the first three days of the week, comma-separated, nothing else.",
        "multi_constraint",
        "regex",
        r"(?i)^\W*monday\s*,\s*tuesday\s*,\s*wednesday\W*$",
    ),
    ("Write exactly two sentences about the sun, each under ten words.", "multi_constraint", "check", "sentences:2"),
    ("Answer in one word: the opposite of 'up'?", "multi_constraint", "regex", r"(?i)^\W*down\W*$"),
    ("Give four numbered animals that live in the sea, nothing else.", "multi_constraint", "check", "items:4"),
    ("Say hello in French, one word only.", "multi_constraint", "regex", r"(?i)^\W*bonjour\W*$"),
]

# ------------------------------------------------------------------ summarise (short texts, keyword references)
SUMMARIES = [
    (
        "The bakery on Main Street will close for two weeks in August for renovations. It will reopen on 1 September "
        "with a larger seating area and a new coffee machine.",
        "closed|close|closes|closing|renovation|renovations",
    ),
    (
        "Our server outage on Monday lasted three hours. It was caused by an expired TLS certificate. We have now "
        "added automatic renewal and an alert 30 days before expiry.",
        "certificate",
    ),
    (
        "The school trip to the science museum is moved from Friday to next Tuesday because of the rail strike. "
        "Parents do not need to sign a new form.",
        "tuesday|moved|postponed|rescheduled",
    ),
    (
        "Sales of the blue backpack doubled after we lowered its price by 15 percent, while sales of the other "
        "colours stayed flat. Stock of the blue model will run out in March.",
        "blue",
    ),
    (
        "The city library now lends laptops for up to one week. Members need to show an ID card and return the "
        "laptop to the same branch.",
        "laptop|laptops",
    ),
    (
        "Mia will lead the design team from June. Omar, who led it for five years, is moving to the research group "
        "to work on the new battery project.",
        "mia",
    ),
    (
        "Heavy snow is expected tonight. The council asks drivers to avoid the mountain road, and all schools in the "
        "valley will open two hours late tomorrow.",
        "snow",
    ),
    (
        "The new phone has a bigger battery and a better camera than last year's model, but it costs 100 euros more "
        "and no longer comes with a charger.",
        "battery|camera|phone",
    ),
    (
        "After the survey, the team decided to move the weekly meeting from Monday morning to Thursday afternoon, "
        "because most people found Mondays too busy.",
        "thursday|meeting",
    ),
    (
        "Researchers found that people who slept less than six hours a night caught colds four times more often "
        "than those who slept seven hours or more.",
        "sleep|slept|sleeping",
    ),
    (
        "Our website's checkout page took eight seconds to load. After compressing the images and removing two "
        "tracking scripts, it now loads in under two seconds.",
        "faster|seconds|load|loads|speed",
    ),
    (
        "The museum will be free for everyone on the first Sunday of every month, starting in October, thanks to "
        "a grant from a local foundation.",
        "free",
    ),
]
SUMMARY_PROMPTS = ["Summarise in one sentence: {t}", "tl;dr: {t}", "Give me the gist of this in one line: {t}"]

# ------------------------------------------------------------------ arithmetic and conversion (generated)
CONVERSIONS = [  # (from, to, factor or function, phrasing index)
    ("km", "miles", lambda x: x * 0.621371),
    ("miles", "km", lambda x: x * 1.609344),
    ("kg", "pounds", lambda x: x * 2.204623),
    ("pounds", "kg", lambda x: x * 0.453592),
    ("degrees Celsius", "Fahrenheit", lambda x: x * 9 / 5 + 32),
    ("degrees Fahrenheit", "Celsius", lambda x: (x - 32) * 5 / 9),
    ("inches", "centimetres", lambda x: x * 2.54),
    ("feet", "metres", lambda x: x * 0.3048),
    ("hours", "minutes", lambda x: x * 60),
    ("days", "hours", lambda x: x * 24),
    ("metres", "centimetres", lambda x: x * 100),
    ("litres", "millilitres", lambda x: x * 1000),
]
CONVERSION_PHRASINGS = ["Convert {n} {a} to {b}.", "How many {b} is {n} {a}?", "{n} {a} in {b}?"]
ARITHMETIC_PHRASINGS = {
    "+": ["What is {a} + {b}?", "{a} plus {b}?", "Add {a} and {b}."],
    "-": ["What is {a} - {b}?", "{a} minus {b}?", "Subtract {b} from {a}."],
    "*": ["What is {a} * {b}?", "{a} times {b}?", "Multiply {a} by {b}."],
    "/": ["What is {a} / {b}?", "{a} divided by {b}?", "Divide {a} by {b}."],
    "%": ["What is {a}% of {b}?", "{a} percent of {b}?", "Calculate {a}% of {b}."],
}


def _arithmetic(rng: random.Random, count: int) -> list[tuple[str, str, str, str]]:
    rows = []
    ops = list(ARITHMETIC_PHRASINGS)
    for i in range(count):
        op = ops[i % len(ops)]
        if op == "+":
            a, b = rng.randint(12, 899), rng.randint(12, 899)
            value = a + b
        elif op == "-":
            a, b = rng.randint(100, 999), rng.randint(11, 99)
            value = a - b
        elif op == "*":
            a, b = rng.randint(11, 49), rng.randint(3, 29)
            value = a * b
        elif op == "/":
            b, value = rng.randint(3, 19), rng.randint(4, 40)
            a = b * value
        else:
            a, b = rng.choice([5, 10, 15, 20, 25, 30, 40, 75]), rng.choice([40, 60, 80, 120, 200, 360, 480])
            value = a * b / 100
        phrasing = rng.choice(ARITHMETIC_PHRASINGS[op])
        rows.append((phrasing.format(a=a, b=b), "arithmetic", "number", _number(value)))
    return rows


def _conversions(rng: random.Random, per_pair: int) -> list[tuple[str, str, str, str]]:
    rows = []
    for a, b, convert in CONVERSIONS:
        for _ in range(per_pair):
            n = rng.choice([2, 3, 5, 8, 10, 12, 20, 25, 40, 100])
            phrasing = rng.choice(CONVERSION_PHRASINGS)
            rows.append((phrasing.format(n=n, a=a, b=b), "conversion", "number", f"{_number(convert(n))}~2%"))
    return rows


def _number(value: float) -> str:
    return f"{value:.4g}" if value != int(value) else str(int(value))


# ====================================================================== generated sub-types (issue 26)
# What attendees type, generated from templates: small talk in ten languages and short acknowledgements, code
# tasks graded by running the answer against unit tests, checkable rewrites and translations, short-looking hard
# tasks (spell backwards, count letters, next in a sequence) and capitals. Every row carries its sub-type, and a
# seeded 20% of every sub-type is the hold-out split that nothing is tuned on.

POLITE_REPLY = (  # a friendly reply in kind: English, or a greeting, thanks or goodbye in any of the languages
    r"(?i)\b(welcome|glad|pleasure|happy|anytime|no problem|hello|hi|hey|help|assist|great|nice|bye|goodbye"
    r"|see you|take care|thank|thanks|you too|awesome|good (morning|night|day|evening)|how are you|how can i"
    r"|hola|buen[oa]s?|noches|tardes|d[ií]as|de nada|gracias|adi[oó]s|bonjour|bonsoir|bonne|merci|de rien"
    r"|au revoir|salut|danke|bitte|guten?|tsch[uü]ss|nacht|hallo|grazie|prego|buon\w*|arrivederci|ciao"
    r"|obrigad[oa]|bom dia|boa noite|ol[aá]|tchau|dank|graag gedaan|hoi|goedemorgen|tot ziens|tack|varsågod|hej"
    r"|god (morgon|natt)|dzi[eę]k\w*|prosz[eę]|cze[sś][cć]|dzie[nń] dobry|dobranoc|do widzenia|arigat\w*"
    r"|d[oō]itashimashite|konnichiwa|ohay[oō]\w*|sayonara|oyasumi|te[sş]ekk[uü]r\w*|rica ederim|merhaba"
    r"|g[uü]nayd[iı]n|iyi geceler|ho[sş][cç]a kal)\b"
)
SMALL_TALK_PHRASES = {  # (language, phrases): none of them is a line of docs/router.md's sanity list
    "es": ["muchas gracias", "hola, ¿qué tal?", "buenas noches", "adiós", "buenas tardes", "gracias amigo"],
    "fr": ["merci", "bonsoir", "au revoir", "bonne nuit", "salut, ça va ?", "merci bien"],
    "de": ["danke", "vielen dank", "guten morgen", "tschüss", "gute nacht", "hallo zusammen"],
    "it": ["grazie", "buongiorno", "buonanotte", "arrivederci", "ciao a tutti", "grazie tante"],
    "pt": ["obrigada", "bom dia", "olá", "tchau", "muito obrigado", "boa noite"],
    "nl": ["dank je", "bedankt", "hoi", "goedemorgen", "tot ziens", "dank je wel"],
    "sv": ["tack så mycket", "hej", "god morgon", "hej då", "tack ska du ha", "god natt"],
    "pl": ["dzięki", "cześć", "dzień dobry", "do widzenia", "dziękuję bardzo", "dobranoc"],
    "ja": ["arigatou gozaimasu", "konnichiwa", "ohayou", "sayonara", "domo arigato", "oyasumi"],
    "tr": ["teşekkürler", "merhaba", "günaydın", "hoşça kal", "çok teşekkür ederim", "iyi geceler"],
}
SMALL_TALK_STYLES = ["{p}", "{P}!", "{p} :)", "{P}", "{p}!!", "{P} 🙂"]
SHORT_ACKS = [
    "cool",
    "k",
    "kk",
    "okay!",
    "okie",
    "alright",
    "got it",
    "noted",
    "sure",
    "sounds good",
    "perfect",
    "awesome",
    "nice one",
    "great stuff",
    "yep",
    "yup",
    "np",
    "ty",
    "tysm",
    "thanks man",
    "cheers mate",
    "haha",
    "😂",
    "❤️",
    "👌",
    "🙂",
    "brb",
    "gtg",
    "ttyl",
    "cya",
    "nvm",
    "ok ok",
    "cool cool",
    "roger that",
    "will do",
    "fair enough",
    "makes sense",
    "understood",
    "wow",
    "neat",
    "nice!",
    "ok thank you",
    "great, thanks",
    "thanks!!",
    "ok 👍",
    "all good",
    "no worries",
    "thank u",
    "much appreciated",
    "lovely, thanks",
    "super",
    "yay",
    "🎉",
    "😊",
    "ok, got it",
    "right",
    "okay cool",
    "ta",
    "good to know",
    "that helps",
]
TRANSLATIONS = {  # English: {language: accepted words}
    "thank you": {
        "French": "merci",
        "Spanish": "gracias",
        "German": "danke",
        "Italian": "grazie",
        "Portuguese": "obrigad",
    },
    "cat": {"French": "chat", "Spanish": "gato", "German": "katze", "Italian": "gatto", "Portuguese": "gato"},
    "dog": {"French": "chien", "Spanish": "perro", "German": "hund", "Italian": "cane", "Portuguese": "cachorro|cão"},
    "water": {"French": "eau", "Spanish": "agua", "German": "wasser", "Italian": "acqua", "Portuguese": "água|agua"},
    "house": {"French": "maison", "Spanish": "casa", "German": "haus", "Italian": "casa", "Portuguese": "casa"},
    "book": {"French": "livre", "Spanish": "libro", "German": "buch", "Italian": "libro", "Portuguese": "livro"},
    "good night": {
        "French": "bonne nuit",
        "Spanish": "buenas noches",
        "German": "gute nacht",
        "Italian": "buona notte|buonanotte",
        "Portuguese": "boa noite",
    },
    "apple": {"French": "pomme", "Spanish": "manzana", "German": "apfel", "Italian": "mela", "Portuguese": "maçã|maca"},
    "bread": {"French": "pain", "Spanish": "pan", "German": "brot", "Italian": "pane", "Portuguese": "pão|pao"},
    "red": {
        "French": "rouge",
        "Spanish": "rojo|roja",
        "German": "rot",
        "Italian": "rosso|rossa",
        "Portuguese": "vermelho",
    },
    "cheese": {
        "French": "fromage",
        "Spanish": "queso",
        "German": "käse|kase",
        "Italian": "formaggio",
        "Portuguese": "queijo",
    },
    "sun": {"French": "soleil", "Spanish": "sol", "German": "sonne", "Italian": "sole", "Portuguese": "sol"},
    "friend": {
        "French": "ami|amie",
        "Spanish": "amigo|amiga",
        "German": "freund|freundin",
        "Italian": "amico|amica",
        "Portuguese": "amigo|amiga",
    },
    "school": {
        "French": "école|ecole",
        "Spanish": "escuela",
        "German": "schule",
        "Italian": "scuola",
        "Portuguese": "escola",
    },
    "milk": {"French": "lait", "Spanish": "leche", "German": "milch", "Italian": "latte", "Portuguese": "leite"},
    "goodbye": {
        "French": "au revoir",
        "Spanish": "adiós|adios",
        "German": "auf wiedersehen|tschüss",
        "Italian": "arrivederci",
        "Portuguese": "adeus|tchau",
    },
}
TRANSLATION_PHRASINGS = [
    "Translate '{w}' to {l}",
    "How do you say '{w}' in {l}?",
    "What is '{w}' in {l}?",
    "'{w}' in {l}, please",
]
REWRITE_SENTENCES = [
    "the meeting moved to friday",
    "please send the report today",
    "our office opens at nine",
    "the train was late again",
    "bring snacks for the team",
    "the server restarts at midnight",
    "we shipped the new release",
    "lunch is on the third floor",
    "the invoice is overdue",
    "call me after five",
    "the garden needs water",
    "my laptop battery died",
    "the museum is closed on monday",
    "pack a warm jacket",
    "the bakery sells fresh bread",
    "read the manual first",
    "the budget was approved",
]
SORT_WORDS = [
    ["pear", "apple", "fig"],
    ["zebra", "otter", "lion", "bear"],
    ["tokyo", "berlin", "cairo"],
    ["violet", "amber", "cyan", "teal"],
    ["rust", "go", "java", "python"],
    ["mango", "kiwi", "banana"],
    ["oak", "birch", "maple", "ash"],
    ["delta", "alpha", "charlie", "bravo"],
    ["piano", "drum", "flute"],
    ["march", "june", "april", "may"],
    ["salt", "pepper", "basil", "cumin"],
    ["north", "east", "south", "west"],
    ["red", "blue", "green"],
    ["cello", "harp", "oboe"],
    ["moon", "comet", "star", "asteroid"],
    ["wolf", "deer", "fox"],
    ["gold", "iron", "copper", "tin"],
]
SPELL_WORDS = [
    "rhythm",
    "banana",
    "strength",
    "giraffe",
    "library",
    "elephant",
    "pyramid",
    "whisper",
    "calendar",
    "mountain",
    "keyboard",
    "umbrella",
    "harmony",
    "lantern",
    "orchestra",
    "penguin",
    "quantum",
    "sandwich",
    "thunder",
    "volcano",
    "window",
    "yellow",
    "zeppelin",
    "avocado",
    "blanket",
    "cactus",
    "dolphin",
    "eclipse",
    "festival",
    "galaxy",
    "horizon",
    "igloo",
    "jasmine",
    "kangaroo",
    "lemonade",
    "magnet",
    "notebook",
    "octopus",
    "parrot",
    "question",
    "rocket",
    "skeleton",
    "tornado",
    "unicorn",
    "velvet",
    "walrus",
    "xylophone",
    "yogurt",
    "zipper",
    "algorithm",
    "broccoli",
    "chocolate",
    "dinosaur",
    "encyclopedia",
    "February",
    "Wednesday",
    "Mississippi",
    "embarrass",
    "accommodate",
    "rhinoceros",
    "beautiful",
    "restaurant",
    "definitely",
    "separate",
    "tomorrow",
    "privilege",
    "occurrence",
    "conscience",
    "parliament",
    "license",
    "weird",
]
SPELL_PHRASINGS = ["Spell '{w}' backwards", "Write the word '{w}' in reverse", "What is '{w}' spelled backwards?"]
COUNT_PHRASINGS = [
    "How many letters are in the word '{w}'?",
    "Count the letters in '{w}'",
    "How many times does the letter '{c}' appear in '{w}'?",
    "How many '{c}'s are in '{w}'?",
]
CAPITALS = [
    ("France", "paris"),
    ("Italy", "rome"),
    ("Portugal", "lisbon"),
    ("Norway", "oslo"),
    ("Finland", "helsinki"),
    ("Poland", "warsaw"),
    ("Ireland", "dublin"),
    ("Netherlands", "amsterdam"),
    ("Switzerland", "bern"),
    ("Czechia", "prague"),
    ("Romania", "bucharest"),
    ("Bulgaria", "sofia"),
    ("Croatia", "zagreb"),
    ("Serbia", "belgrade"),
    ("Ukraine", "kyiv|kiev"),
    ("Turkey", "ankara"),
    ("Egypt", "cairo"),
    ("Kenya", "nairobi"),
    ("Nigeria", "abuja"),
    ("Ghana", "accra"),
    ("Morocco", "rabat"),
    ("Ethiopia", "addis ababa"),
    ("Japan", "tokyo"),
    ("China", "beijing"),
    ("India", "new delhi|delhi"),
    ("Thailand", "bangkok"),
    ("Vietnam", "hanoi"),
    ("Philippines", "manila"),
    ("Malaysia", "kuala lumpur"),
    ("Pakistan", "islamabad"),
    ("Iran", "tehran"),
    ("Iraq", "baghdad"),
    ("Saudi Arabia", "riyadh"),
    ("Israel", "jerusalem"),
    ("Canada", "ottawa"),
    ("Mexico", "mexico city"),
    ("Brazil", "brasília|brasilia"),
    ("Argentina", "buenos aires"),
    ("Chile", "santiago"),
    ("Peru", "lima"),
    ("Colombia", "bogotá|bogota"),
    ("Venezuela", "caracas"),
    ("Cuba", "havana"),
    ("Australia", "canberra"),
    ("New Zealand", "wellington"),
    ("Iceland", "reykjavik|reykjavík"),
    ("Estonia", "tallinn"),
    ("Latvia", "riga"),
    ("Lithuania", "vilnius"),
    ("Slovakia", "bratislava"),
    ("Slovenia", "ljubljana"),
    ("Russia", "moscow"),
    ("Mongolia", "ulaanbaatar|ulan bator"),
    ("Nepal", "kathmandu"),
    ("Bangladesh", "dhaka"),
    ("Sri Lanka", "colombo|sri jayawardenepura kotte"),
    ("Jordan", "amman"),
    ("Lebanon", "beirut"),
    ("Tunisia", "tunis"),
    ("Senegal", "dakar"),
]
CAPITAL_PHRASINGS = ["What is the capital of {c}?", "capital of {c}?", "Which city is the capital of {c}?"]
# Code tasks: (function, what it does, unit tests). The query names the function so the tests can call it.
CODE_TASKS = [
    (
        "reverse_list",
        "reverses a singly linked list whose nodes have .val and .next, and returns the new head",
        "class Node:\n    def __init__(self, val, next=None):\n        self.val, self.next = val, next\n"
        "def to_list(h):\n    out = []\n    while h:\n        out.append(h.val)\n        h = h.next\n    return out\n"
        "assert to_list(reverse_list(Node(1, Node(2, Node(3))))) == [3, 2, 1]\nassert reverse_list(None) is None\n"
        "assert to_list(reverse_list(Node(7))) == [7]",
    ),
    (
        "is_palindrome",
        "returns True if a string reads the same forwards and backwards",
        "assert is_palindrome('racecar')\nassert is_palindrome('')\nassert not is_palindrome('python')",
    ),
    (
        "factorial",
        "returns n! for a non-negative integer n",
        "assert factorial(0) == 1\nassert factorial(5) == 120\nassert factorial(10) == 3628800",
    ),
    (
        "fibonacci",
        "returns the n-th Fibonacci number, with fibonacci(0) == 0 and fibonacci(1) == 1",
        "assert fibonacci(0) == 0\nassert fibonacci(1) == 1\nassert fibonacci(10) == 55\nassert fibonacci(20) == 6765",
    ),
    (
        "reverse_string",
        "returns the string reversed",
        "assert reverse_string('abc') == 'cba'\nassert reverse_string('') == ''\n"
        "assert reverse_string('ab c') == 'c ba'",
    ),
    (
        "count_vowels",
        "returns how many vowels (a, e, i, o, u, either case) a string contains",
        "assert count_vowels('hello') == 2\nassert count_vowels('xyz') == 0\nassert count_vowels('AEIOU') == 5",
    ),
    (
        "is_prime",
        "returns True if an integer is a prime number",
        "assert is_prime(2) and is_prime(13) and is_prime(97)\nassert not is_prime(1) and not is_prime(0)\n"
        "assert not is_prime(91) and not is_prime(100)",
    ),
    (
        "gcd",
        "returns the greatest common divisor of two positive integers",
        "assert gcd(12, 18) == 6\nassert gcd(17, 5) == 1\nassert gcd(100, 75) == 25",
    ),
    (
        "fizzbuzz",
        "returns 'Fizz' for multiples of 3, 'Buzz' for multiples of 5, 'FizzBuzz' for both, else the "
        "number as a string",
        "assert fizzbuzz(3) == 'Fizz'\nassert fizzbuzz(10) == 'Buzz'\nassert fizzbuzz(30) == 'FizzBuzz'\n"
        "assert fizzbuzz(7) == '7'",
    ),
    (
        "flatten",
        "flattens a list of lists one level deep into a single list",
        "assert flatten([[1, 2], [3], []]) == [1, 2, 3]\nassert flatten([]) == []",
    ),
    (
        "dedupe",
        "removes duplicates from a list and keeps the first occurrence's order",
        "assert dedupe([3, 1, 3, 2, 1]) == [3, 1, 2]\nassert dedupe([]) == []",
    ),
    (
        "second_largest",
        "returns the second largest distinct number in a list",
        "assert second_largest([4, 1, 9, 7]) == 7\nassert second_largest([5, 5, 3]) == 3",
    ),
    (
        "binary_search",
        "returns the index of a target in a sorted list, or -1 if it is absent",
        "assert binary_search([1, 3, 5, 7, 9], 7) == 3\nassert binary_search([1, 3, 5], 4) == -1\n"
        "assert binary_search([], 1) == -1",
    ),
    (
        "merge_sorted",
        "merges two sorted lists into one sorted list",
        "assert merge_sorted([1, 4, 6], [2, 3, 7]) == [1, 2, 3, 4, 6, 7]\nassert merge_sorted([], [1]) == [1]",
    ),
    (
        "is_anagram",
        "returns True if two strings are anagrams of each other (ignoring case)",
        "assert is_anagram('listen', 'silent')\nassert is_anagram('Night', 'thing')\n"
        "assert not is_anagram('abc', 'abd')",
    ),
    (
        "digit_sum",
        "returns the sum of the decimal digits of a non-negative integer",
        "assert digit_sum(0) == 0\nassert digit_sum(1234) == 10\nassert digit_sum(999) == 27",
    ),
    (
        "char_frequency",
        "returns a dict mapping each character of a string to how often it occurs",
        "assert char_frequency('abca') == {'a': 2, 'b': 1, 'c': 1}\nassert char_frequency('') == {}",
    ),
    (
        "running_sum",
        "returns the list of running totals of a list of numbers",
        "assert running_sum([1, 2, 3, 4]) == [1, 3, 6, 10]\nassert running_sum([]) == []",
    ),
    (
        "chunk",
        "splits a list into consecutive chunks of size n (the last may be shorter)",
        "assert chunk([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]\nassert chunk([], 3) == []",
    ),
    (
        "transpose",
        "transposes a matrix given as a list of equal-length lists",
        "assert transpose([[1, 2, 3], [4, 5, 6]]) == [[1, 4], [2, 5], [3, 6]]",
    ),
    (
        "celsius_to_fahrenheit",
        "converts a temperature from Celsius to Fahrenheit",
        "assert celsius_to_fahrenheit(0) == 32\nassert celsius_to_fahrenheit(100) == 212\n"
        "assert abs(celsius_to_fahrenheit(37) - 98.6) < 1e-6",
    ),
    (
        "word_count",
        "returns how many words (separated by whitespace) a string has",
        "assert word_count('the quick brown fox') == 4\nassert word_count('') == 0\nassert word_count('  a  b ') == 2",
    ),
    (
        "capitalize_words",
        "capitalizes the first letter of every word in a sentence",
        "assert capitalize_words('hello big world') == 'Hello Big World'",
    ),
    (
        "rotate_left",
        "rotates a list left by k positions",
        "assert rotate_left([1, 2, 3, 4, 5], 2) == [3, 4, 5, 1, 2]\nassert rotate_left([1, 2, 3], 0) == [1, 2, 3]",
    ),
    (
        "max_subarray_sum",
        "returns the largest sum of a contiguous non-empty sub-list",
        "assert max_subarray_sum([-2, 1, -3, 4, -1, 2, 1, -5, 4]) == 6\nassert max_subarray_sum([-3, -1]) == -1",
    ),
    (
        "is_balanced",
        "returns True if the brackets ()[]{} in a string are balanced",
        "assert is_balanced('([]{})')\nassert not is_balanced('(]')\nassert not is_balanced('((')\n"
        "assert is_balanced('')",
    ),
    (
        "to_binary",
        "returns the binary representation of a non-negative integer as a string without a prefix",
        "assert to_binary(0) == '0'\nassert to_binary(5) == '101'\nassert to_binary(255) == '11111111'",
    ),
    (
        "count_words",
        "returns a dict of how often each lower-cased word occurs in a text",
        "assert count_words('a b a') == {'a': 2, 'b': 1}\nassert count_words('Hi hi') == {'hi': 2}",
    ),
    (
        "median",
        "returns the median of a non-empty list of numbers",
        "assert median([3, 1, 2]) == 2\nassert median([4, 1, 3, 2]) == 2.5",
    ),
    (
        "remove_vowels",
        "returns a string with all vowels (a, e, i, o, u, either case) removed",
        "assert remove_vowels('education') == 'dctn'\nassert remove_vowels('AEIxyz') == 'xyz'",
    ),
    (
        "sum_of_squares",
        "returns the sum of the squares of a list of numbers",
        "assert sum_of_squares([1, 2, 3]) == 14\nassert sum_of_squares([]) == 0",
    ),
    (
        "lcm",
        "returns the least common multiple of two positive integers",
        "assert lcm(4, 6) == 12\nassert lcm(7, 3) == 21\nassert lcm(5, 5) == 5",
    ),
    (
        "pairs_with_sum",
        "returns True if any two different elements of a list add up to a target",
        "assert pairs_with_sum([1, 4, 6, 9], 10)\nassert not pairs_with_sum([1, 2, 3], 7)\n"
        "assert not pairs_with_sum([5], 10)",
    ),
    (
        "caesar",
        "shifts every lower-case letter of a string forward by k places in the alphabet, wrapping around, "
        "and leaves other characters unchanged",
        "assert caesar('abc', 1) == 'bcd'\nassert caesar('xyz', 3) == 'abc'\nassert caesar('a b!', 1) == 'b c!'",
    ),
    (
        "matrix_sum",
        "returns the sum of all numbers in a list of lists",
        "assert matrix_sum([[1, 2], [3, 4]]) == 10\nassert matrix_sum([]) == 0",
    ),
]
CODE_PHRASINGS = [
    "Write a Python function {f} that {d}.",
    "Implement {f}(...) in Python: it {d}.",
]
SEQUENCE_PHRASINGS = [
    "What is the next number in the sequence {s}?",
    "Continue the sequence: {s}, ...",
    "{s}, what comes next?",
    "Next number: {s}?",
]
HOLDOUT_SHARE = 0.2


def _styled(phrase: str, style: str) -> str:
    return style.format(p=phrase, P=phrase[:1].upper() + phrase[1:])


def _small_talk(rng: random.Random) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for phrases in SMALL_TALK_PHRASES.values():
        for phrase in phrases:
            for style in rng.sample(SMALL_TALK_STYLES, 2):
                rows.append((_styled(phrase, style), "smalltalk", "regex", POLITE_REPLY, "small_talk"))
    return rows


def _acks() -> list[tuple[str, str, str, str, str]]:
    return [(a, "smalltalk", "regex", POLITE_REPLY, "short_ack") for a in SHORT_ACKS]


def _translations(rng: random.Random) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for word, languages in TRANSLATIONS.items():
        for language, accepted in languages.items():
            phrasing = rng.choice(TRANSLATION_PHRASINGS)
            rows.append((phrasing.format(w=word, l=language), "rewrite", "keywords", accepted, "translation"))
    return rows


def _flexible(words: list[str]) -> str:
    return r"(?i)" + r"\W+".join(re.escape(w) for w in words)


def _rewrites(rng: random.Random) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for sentence in REWRITE_SENTENCES:
        rows.append(
            (f"Write this in capital letters: {sentence}", "rewrite", "regex", re.escape(sentence.upper()), "rewrite")
        )
        words = sentence.split()
        rows.append(
            (f"Reverse the order of the words in: {sentence}", "rewrite", "regex", _flexible(words[::-1]), "rewrite")
        )
    for words in SORT_WORDS:
        rows.append(
            (
                f"Sort these words alphabetically: {', '.join(words)}",
                "rewrite",
                "regex",
                _flexible(sorted(words)),
                "rewrite",
            )
        )
    rng.shuffle(rows)
    return rows


def _spellings(rng: random.Random) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for word in SPELL_WORDS:
        backwards = word[::-1].lower()
        pattern = r"(?i)(?<![a-z])" + r"[\s-]*".join(re.escape(c) for c in backwards) + r"(?![a-z])"
        rows.append((rng.choice(SPELL_PHRASINGS).format(w=word), "rewrite", "regex", pattern, "spell_backwards"))
    return rows


def _letter_counts(rng: random.Random) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for word in SPELL_WORDS:
        phrasing = rng.choice(COUNT_PHRASINGS)
        letter = rng.choice(sorted(set(word.lower())))
        value = word.lower().count(letter) if "{c}" in phrasing else len(word)
        rows.append((phrasing.format(w=word, c=letter), "rewrite", "number", str(value), "count_letters"))
    return rows


def _sequences(rng: random.Random, count: int) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for i in range(count):
        kind = i % 4
        if kind == 0:
            a, d = rng.randint(1, 30), rng.randint(2, 15)
            terms = [a + d * k for k in range(5)]
        elif kind == 1:
            a, r = rng.randint(1, 6), rng.choice([2, 3, 4, 5])
            terms = [a * r**k for k in range(5)]
        elif kind == 2:
            s = rng.randint(1, 9)
            terms = [(s + k) ** 2 for k in range(5)]
        else:
            a, b = rng.randint(1, 5), rng.randint(2, 8)
            terms = [a, b]
            while len(terms) < 6:
                terms.append(terms[-1] + terms[-2])
        shown = ", ".join(str(t) for t in terms[:-1])
        query = rng.choice(SEQUENCE_PHRASINGS).format(s=shown)
        rows.append((query, "arithmetic", "number", str(terms[-1]), "next_in_sequence"))
    return rows


def _capitals(rng: random.Random) -> list[tuple[str, str, str, str, str]]:
    return [
        (rng.choice(CAPITAL_PHRASINGS).format(c=country), "factual", "keywords", capital, "capital")
        for country, capital in CAPITALS
    ]


def _code_tasks() -> list[tuple[str, str, str, str, str]]:
    rows = []
    for function, does, tests in CODE_TASKS:
        for phrasing in CODE_PHRASINGS:
            rows.append((phrasing.format(f=function, d=does), "code", "tests", tests, "code_task"))
    return rows


QUICK_CODE_EXTRA = [
    ("How do I get the last element of a list in Python?", r"\[-1\]"),
    ("How do I sort a list in Python?", r"sorted\(|\.sort\("),
    ("How do I join a list of strings with commas in Python?", r"\.join\("),
    ("How do I read a file line by line in Python?", r"open\("),
    ("How do I get the current date in Python?", r"datetime|date\.today"),
    ("How do I remove whitespace from both ends of a string in Python?", r"\.strip\("),
    ("How do I check the type of a variable in Python?", r"type\(|isinstance\("),
    ("How do I get the keys of a dictionary in Python?", r"\.keys\("),
    ("How do I round a number to two decimals in Python?", r"round\(|:\.2f"),
    ("How do I turn a list into a set in Python?", r"set\("),
    ("How do I get the maximum of a list in Python?", r"max\("),
]
LEGACY_SUBTYPES = {  # the hand-written rows, grouped into sub-types of at least 40
    "greeting": "small_talk",
    "smalltalk": "small_talk",
    "definition": "fact",
    "factual": "fact",
    "arithmetic": "calculation",
    "conversion": "calculation",
    "quick_code": "code_probe",
    "code": "code_probe",
    "rewrite": "rewrite",
    "summarise": "rewrite",
    "comparison": "long_form_probe",
    "security_compliance": "long_form_probe",
    "architecture": "long_form_probe",
    "creative": "long_form_probe",
    "planning": "long_form_probe",
    "analysis": "long_form_probe",
    "multi_constraint": "long_form_probe",
}


def generated_rows(rng: random.Random) -> list[tuple[str, str, str, str, str]]:
    """Every generated row (query, category, grader, reference, sub-type)."""
    rows = _small_talk(rng) + _acks() + _translations(rng) + _rewrites(rng) + _spellings(rng)
    rows += _letter_counts(rng) + _sequences(rng, 100) + _capitals(rng) + _code_tasks()
    rows += [(q, "quick_code", "regex", r, "code_probe") for q, r in QUICK_CODE_EXTRA]
    rows += [(*row, "calculation") for row in _arithmetic(rng, 30)]
    return rows


def build_rows(seed: int = SEED) -> list[dict]:
    """Every graded query: the hand-written rows, then the generated sub-types, each with its sub-type and split."""
    rng = random.Random(seed)
    rows = list(ROWS)
    rows += _arithmetic(rng, 30)
    rows += _conversions(rng, 2)
    for i, (text, keywords) in enumerate(SUMMARIES):
        rows.append((SUMMARY_PROMPTS[i % len(SUMMARY_PROMPTS)].format(t=text), "summarise", "summary", keywords))
    tagged = [(*row, LEGACY_SUBTYPES[row[1]]) for row in rows] + generated_rows(random.Random(seed + 26))
    seen, unique = set(), []
    for query, category, grader, reference, subtype in tagged:
        key = query.strip().lower()
        if key not in seen:
            seen.add(key)
            unique.append(
                {"query": query, "category": category, "grader": grader, "reference": reference, "subtype": subtype}
            )
    _split(unique, random.Random(seed + 1))
    return unique


def _split(rows: list[dict], rng: random.Random) -> None:
    """A seeded HOLDOUT_SHARE of every sub-type goes to the hold-out split, and so does every query that a lab, test,
    demo script or chat page example states a tier for (modules/routing/stated.py): nothing is tuned on those."""
    from modules.routing.stated import normal, stated_queries

    stated = stated_queries()
    by_subtype: dict[str, list[dict]] = {}
    for row in rows:
        by_subtype.setdefault(row["subtype"], []).append(row)
    for _, members in sorted(by_subtype.items()):
        order = list(range(len(members)))
        rng.shuffle(order)
        held = set(order[: round(HOLDOUT_SHARE * len(members))])
        for i, row in enumerate(members):
            row["split"] = "holdout" if i in held or normal(row["query"]) in stated else "train"


FIELDS = ["query", "category", "grader", "reference", "subtype", "split"]


def main() -> None:
    rows = build_rows()
    with OUT.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} graded queries to {OUT}")


if __name__ == "__main__":
    main()

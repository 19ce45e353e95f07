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


def build_rows(seed: int = SEED) -> list[dict]:
    rng = random.Random(seed)
    rows = list(ROWS)
    rows += _arithmetic(rng, 30)
    rows += _conversions(rng, 2)
    for i, (text, keywords) in enumerate(SUMMARIES):
        rows.append((SUMMARY_PROMPTS[i % len(SUMMARY_PROMPTS)].format(t=text), "summarise", "summary", keywords))
    seen, unique = set(), []
    for query, category, grader, reference in rows:
        key = query.strip().lower()
        if key not in seen:
            seen.add(key)
            unique.append({"query": query, "category": category, "grader": grader, "reference": reference})
    return unique


def main() -> None:
    rows = build_rows()
    with OUT.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["query", "category", "grader", "reference"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} graded queries to {OUT}")


if __name__ == "__main__":
    main()

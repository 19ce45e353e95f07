"""Generate data/routing_queries.csv, the labelled queries lab 05 trains and tests routers on.

Run `python data/make_routing_queries.py`; the output is the same on every run (seeded).

Rows come from two sources:
  * hand-written one-off queries (most of the data set), one per line below;
  * templates x slot fillers x several phrasings per template, for volume.
Every row then gets seeded surface noise (casing, dropped punctuation, chatty prefixes,
typos) so that a keyword list alone does not solve the task.

Each row is written with its category; its label follows from the category and the policy
derived from the shipped capability profile (data/capability_profile.json, data/README.md).

Rows are grouped for cross-validation: each one-off is its own group; rows of one template,
and rows sharing a slot filling (a country, a book, a pair of products) are one group
(union-find); summaries built from one pool of sentences are one group. `fold` (0-4) holds
whole groups, so no template, filling or summary sentence is on both sides of a split.
"""

# ruff: noqa: E501 - one hand-written query per line, whatever its length

from __future__ import annotations

import csv
import io
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

SEED = 5
FOLDS = 5
OUT = Path(__file__).with_name("routing_queries.csv")

# --------------------------------------------------------------------------- one-offs: short requests

SHORT_ONE_OFFS = {
    "greeting": [
        "hi",
        "Hello, bot!",
        "hey there",
        "good morning to you",
        "Good evening, all :)",
        "hiya",
        "yo!",
        "Hi, how are you?",
        "hello, anyone there?",
        "Morning! Hope you slept well.",
        "hey hey",
        "greetings",
        "Good afternoon, nice to meet you.",
        "hi again",
        "Howdy!",
        "hello bot",
        "Hey, what's up?",
        "sup",
        "Hi! I'm new here.",
        "hallo :)",
        "Hey friend, long time no see",
        "Good day to you",
        "hello hello",
        "hey, you there?",
        "Hi there! Just saying hello before my meeting starts.",
        "evening!",
        "Bonjour!",
        "Hey, happy Friday!",
        "hi, it's me again, Sam",
        "Well hello there",
        "Hello, hope you're having a lovely week so far and that the weather is nicer where you are than here.",
    ],
    "smalltalk": [
        "thanks!",
        "thank you so much, that helped",
        "ok cool",
        "great, thanks a lot",
        "bye bye",
        "see you later",
        "you're the best",
        "how are you doing today?",
        "how's it going over there",
        "are you still there?",
        "are you a bot or a human",
        "lol",
        "haha nice one",
        "how's your day going?",
        "what's your name?",
        "are you a robot?",
        "do you like music?",
        "what's your favourite colour?",
        "I'm bored",
        "I'm feeling a bit tired today",
        "that's awesome",
        "never mind",
        "no worries",
        "Sounds good to me.",
        "perfect, that's all I needed",
        "have a nice weekend!",
        "Can you hear me?",
        "are you still there?",
        "I just got a new puppy!",
        "It's raining again here, ugh.",
        "How old are you?",
        "Who made you?",
        "ok",
        "cool cool",
        "Thanks, you saved my afternoon!",
        "good night",
        "sorry, wrong chat",
        "I passed my driving test today!",
        "do you ever sleep?",
        "Merci beaucoup!",
        "you rock",
        "nice, thx",
        "Hi! Just wanted to drop a quick note to say thank you for helping me with the spreadsheet formula yesterday, it worked perfectly and my boss was happy.",
        "Honestly I don't need anything right now, I'm just killing time on the train home and thought I'd say hi.",
        "Thanks again for earlier. Have a great evening, talk tomorrow!",
    ],
    "factual": [
        "What is the capital of Australia?",
        "who wrote Pride and Prejudice",
        "When did the Berlin Wall fall?",
        "How many planets are in the solar system?",
        "What's the tallest mountain in the world?",
        "Which planet is closest to the sun?",
        "What year did the first iPhone come out?",
        "who is the author of 1984?",
        "how many continents are there",
        "What is the largest ocean?",
        "What's the boiling point of water at sea level?",
        "how many bones are in the human body",
        "What's the speed of light?",
        "Who painted the Mona Lisa?",
        "Which country has the largest population?",
        "what language do they speak in Brazil",
        "What currency is used in Japan?",
        "How many days are in a leap year?",
        "When is Christmas?",
        "what is the chemical symbol for gold",
        "How long is a marathon?",
        "Who discovered penicillin?",
        "How many players are on a football team?",
        "what's the longest river in africa",
        "What port does HTTPS use by default?",
        "What does CPU stand for?",
        "Which HTTP status code means forbidden?",
        "What is the default port for PostgreSQL?",
        "who founded Microsoft?",
        "When was Python first released?",
        "How many minutes are in a day?",
        "What is the smallest prime number?",
        "Which element has atomic number 1?",
        "Is a tomato a fruit?",
        "How far is the moon from Earth?",
        "What's the population of Canada, roughly?",
        "who was the first person on the moon?",
        "What colour do you get when you mix blue and yellow?",
        "how many strings does a violin have",
        "In which city is the Eiffel Tower?",
        "what's the largest desert",
        "Who is known as the father of computers?",
        "What's the national animal of Scotland?",
        "Which ocean lies between Africa and Australia?",
        "What year did World War II end?",
        "What's the capital of canada?? i always forget",
        "Who sang Bohemian Rhapsody?",
        "What is the hottest planet?",
        "Which keyboard shortcut copies text on a Mac?",
        "What's the shortcut for undo in Windows?",
        "What time zone is Tokyo in?",
        "How many time zones does Russia have?",
        "whats the max length of a tweet",
        "Is Git the same thing as GitHub?",
        "Who is the CEO of Tesla?",
        "how tall is the statue of liberty",
        "Hey, quick one, I have a pub quiz tonight and I can never remember this: how many hearts does an octopus have?",
        "My kid just asked me and I honestly don't know - why is the sky blue? Short answer is fine.",
        "What's the main ingredient in guacamole?",
        "Which blood type is the universal donor?",
    ],
    "arithmetic": [
        "What is 17 * 23?",
        "what's 15% of 80",
        "2+2",
        "how much is 144 divided by 12",
        "Square root of 81?",
        "what is 3 to the power of 4",
        "Is 97 a prime number?",
        "calculate 1250 minus 387",
        "What's half of 3/4?",
        "add 12, 48 and 150",
        "what's 7 factorial",
        "If I split an $84 bill between 4 people, how much does each pay?",
        "round 3.14159 to two decimals",
        "what is a 20 percent tip on $45",
        "How many seconds are in 3 hours?",
        "what's the average of 4, 8 and 15",
        "999 + 1 = ?",
        "12 x 12",
        "what is 0.25 as a fraction",
        "Is 1001 divisible by 7?",
        "Double 256 please",
        "what's 18 squared",
        "1/3 + 1/6?",
        "How much is 5% VAT on 200 euros?",
        "what is 10 minus negative 4",
        "I earn 3,200 a month, what's that per year?",
        "If a shirt costs 40 and is 25% off, what's the price now?",
        "How many days until the end of the year if today is December 3rd?",
    ],
    "conversion": [
        "convert 5 miles to km",
        "How many ounces in a pound?",
        "What's 30 degrees Celsius in Fahrenheit?",
        "100 fahrenheit to celsius",
        "how many cups is 500 ml",
        "Convert 2.5 hours to minutes",
        "What's 6 feet in centimetres?",
        "How many bytes in a kilobyte?",
        "1 GB is how many MB",
        "convert 72 inches to feet",
        "How many liters in a gallon?",
        "What is 50 kg in pounds?",
        "10 km in miles pls",
        "how many hours is 3 days",
        "What's 1500 metres in miles?",
        "convert 0x1F to decimal",
        "Convert 101101 from binary to decimal",
        "How many grams is 3 ounces?",
        "what is 5 stone in kg",
        "how many square feet in a square meter",
        "how many teaspoons in a tablespoon",
        "What's 250 euros in dollars, roughly?",
        "How many milliseconds in a minute?",
    ],
    "definition": [
        "What is photosynthesis?",
        "define entropy",
        "What does 'ubiquitous' mean?",
        "meaning of serendipity",
        "What is an API? one sentence please",
        "What's a noun?",
        "What does GDPR stand for?",
        "define latency in one line",
        "What is a firewall?",
        "what is machine learning, briefly",
        "What does RSVP mean?",
        "What's a haiku?",
        "Define inflation in simple words.",
        "what is a prime number",
        "what's an SSL certificate in a nutshell",
        "What is a VPN? short answer",
        "what does idempotent mean",
        "What is a microservice, in one line?",
        "What's the meaning of 'carpe diem'?",
        "what is a synonym for happy",
        "What's the opposite of 'generous'?",
        "What is a JSON file?",
        "What does LLM stand for?",
        "what is a mortgage",
        "What is a compiler?",
        "what does FYI mean",
        "Define 'opportunity cost'.",
        "What's a palindrome?",
        "What is the cloud? keep it short",
        "what does ETA mean",
        "What is Kubernetes, in one sentence?",
        "What is encryption?",
        "what is two-factor authentication",
        "What does SOC 2 mean? just the one-liner",
    ],
    "rewrite": [
        "Fix the grammar: 'me and him goes to school'",
        "Make this more polite: 'send me the file now'",
        "Rephrase 'I can't come tomorrow' more formally",
        "Correct the spelling: 'recieve, definately, seperate'",
        "Translate 'good morning' into Spanish",
        "How do you say 'thank you' in Japanese?",
        "Capitalize this title: the lord of the rings",
        "Shorten this sentence: 'At this point in time we are not able to proceed.'",
        "Turn 'the meeting was cancelled by the manager' into active voice",
        "make this sound friendlier: 'Your request is denied.'",
        "Rewrite in plain English: 'Please utilize the aforementioned form.'",
        "translate 'where is the train station' to german",
        "fix: 'their going to the park tomorow'",
        "Give me a better word than 'big' in: 'a big improvement'",
        "Put this in past tense: 'She walks to work.'",
        "Make 'pls send asap' sound professional",
        "Change 'gonna' and 'wanna' to proper English in: 'I'm gonna call, wanna join?'",
        "How do I say 'cheers' in Italian?",
        "uppercase this: hello world",
        "Remove the jargon: 'Let's circle back and leverage synergies.'",
        "Spell 'necessary' correctly please",
        "Make this a question: 'You finished the report.'",
        "Translate 'I love you' into French",
        "Reword 'We regret to inform you' so it sounds warmer",
        "Is it 'affect' or 'effect' in: 'The rain will ___ the game'?",
        "Can you make this subject line punchier: 'Update regarding the status of the quarterly report'",
    ],
    "quick_code": [
        "How do I reverse a list in python?",
        "What's the git command to see the current branch?",
        "how do i get the length of an array in javascript",
        "Python one-liner to sum a list?",
        "what's the shell command to list hidden files",
        "How do I check my Python version?",
        "What SQL keyword removes duplicate rows?",
        "How do I print hello world in Java?",
        "how to make a variable constant in JS",
        "What's the syntax for a comment in Python?",
        "which command shows disk usage in linux",
        "How do I undo the last git commit but keep the changes?",
        "convert a string to int in python",
        "What does `ls -la` do?",
        "How do I exit vim?",
        "what's the keyboard shortcut to comment a line in VS Code",
        "How do I lowercase a string in Python?",
    ],
}

# --------------------------------------------------------------------------- one-offs: longer tasks

LONG_ONE_OFFS = {
    "analysis": [
        "Why did the 2008 financial crisis happen, and could it happen again?",
        "Analyze why our churn went up after we raised prices by 10% while usage stayed flat.",
        "What are the underlying causes of the housing shortage in big cities, and which policies actually help?",
        "Look at these numbers: Q1 revenue 1.2M, Q2 1.1M, Q3 1.4M, Q4 0.9M. What's going on and what should we investigate?",
        "Why did the Roman Empire fall?",
        "Explain step by step how inflation affects savings, loans and wages differently.",
        "Walk me through the reasoning behind the Monty Hall problem and why intuition fails.",
        "What factors explain why some open source projects thrive while others die?",
        "Our website conversions dropped 30% after the redesign. Help me figure out possible reasons and how to test each one.",
        "Interpret this A/B test: variant B had 4.1% conversion on 12,000 visitors vs 3.8% on 11,500 for A. Is it significant and what would you recommend?",
        "How would rising interest rates affect a small software company that relies on venture funding?",
        "Break down the causes and consequences of the French Revolution.",
        "Why do large IT projects so often run over budget? Give the main mechanisms and how to counter them.",
        "Examine the trade-offs of a four-day work week for a 50-person agency.",
        "What would happen to the economy if remote work became permanent for half of office workers?",
        "Diagnose why my sourdough keeps coming out dense - I feed the starter daily, proof 4 hours at 20C, and bake at 230C.",
        "Explain the root causes of technical debt in a team that ships weekly and how it compounds over time.",
        "Assess the risks of relying on a single supplier for 70% of our components.",
        "Why is it so hard to predict the weather more than ten days ahead? Explain the science in depth.",
        "what drives the gender pay gap? go through the evidence",
        "Analyse the themes of power and guilt in Macbeth.",
        "Explain how a transformer neural network works, layer by layer, with the intuition behind attention.",
        "Our support tickets doubled in March; top categories: login 40%, billing 25%, bugs 35%. What do you make of it?",
        "Given my spending last month (rent 1200, food 600, eating out 450, subscriptions 120, transport 200) and income 3000, where is the problem and what would you change?",
        "Why did Blockbuster fail while Netflix succeeded?",
        "analyze brexit",
        "What's really behind the decline of bee populations, and how worried should we be?",
        "Explain why my Python service's memory keeps growing over a week even though traffic is flat, and how I'd track it down.",
    ],
    "comparison": [
        "Compare PostgreSQL and MongoDB for an inventory system with lots of relational data.",
        "React vs Vue vs Svelte for a small team building a dashboard - which and why?",
        "Should I lease or buy a car if I drive 25,000 km a year? Lay out the costs.",
        "What are the pros and cons of microservices compared with a modular monolith for a 6-person startup?",
        "Evaluate AWS, Azure and GCP for a healthcare startup that needs HIPAA compliance.",
        "Kafka or RabbitMQ for order events at 5k messages per second? Compare reliability, ops cost and ordering.",
        "Is it better to pay off my student loan early or invest the money? I'm 28 with a 4% loan.",
        "Compare the leadership styles of Lincoln and Churchill.",
        "Which is better for a beginner photographer: a used full-frame camera or a new APS-C one? Weigh it up.",
        "Rust vs Go for a high-throughput network proxy: performance, safety, hiring, ecosystem.",
        "Compare three approaches to caching in a web app and when each one breaks down.",
        "renting vs buying a house in a city where prices are 30x annual rent - what makes more sense?",
        "Contrast the economic policies of Keynes and Hayek and how they'd respond to today's inflation.",
        "evaluate whether we should build our own auth or use Auth0/Entra ID, considering cost, risk and time to market",
        "Compare SQLite, Redis and a JSON file for storing chat history in a desktop app.",
        "What are the trade-offs between REST and GraphQL for a mobile app with flaky connectivity?",
        "Which is the better investment for a retiree: bonds, dividend stocks or an annuity? Discuss.",
        "Compare electric, hybrid and petrol cars on total cost of ownership over 8 years.",
        "Kubernetes or plain VMs for a team of three running five services? Argue both sides.",
        "Weigh the benefits of homeschooling against traditional school for a shy 10-year-old.",
        "Compare LoRA fine-tuning and RAG for adding company knowledge to a chatbot.",
        "Which project management method fits a hardware startup better, Scrum or Kanban, and why?",
        "Monolith or serverless for our MVP? We have 2 devs and unpredictable traffic.",
        "Evaluate these three job offers for me: A pays more but long commute, B remote but less growth, C startup equity. I'm 32, one kid.",
        "Compare Java and C#.",
        "is an MBA worth it for a 35 year old engineer who wants to move into product? think it through",
    ],
    "planning": [
        "Plan a two-week trip through Japan for a family of four on a 6,000 euro budget.",
        "Create a 12-week training plan to run my first half marathon.",
        "Draft a go-to-market strategy for a B2B invoicing app aimed at freelancers.",
        "Help me plan the migration of 40 on-prem servers to Azure with zero downtime for the payroll system.",
        "Build a study schedule for the AWS Solutions Architect exam in 6 weeks while working full time.",
        "Lay out a content strategy for a new cooking YouTube channel for the first six months.",
        "How should we roll out single sign-on across 12 internal apps? Phases, risks, owners.",
        "Make me a meal plan for a week: vegetarian, high protein, under 60 dollars.",
        "Outline a product roadmap for the next three quarters for a note-taking app competing with Notion.",
        "I want to switch careers from teaching to UX design within a year. Give me a step-by-step plan.",
        "plan my wedding for 120 guests, budget 20k, in september",
        "Design an onboarding programme for new engineers, week by week for their first month.",
        "Create a disaster recovery plan for a small e-commerce business hosted on one VPS.",
        "What should our hiring plan look like to grow the data team from 3 to 10 people next year?",
        "Develop a strategy to reduce our cloud bill by 30% without hurting performance.",
        "Put together an agenda for a two-day offsite for 25 people focused on strategy and team building.",
        "Help me plan a vegetable garden for a 5x3 m plot in a cold climate, with a planting calendar.",
        "We're launching in Germany next spring. What's the plan for localisation, legal, payments and support?",
        "Give me a 30-60-90 day plan for my new role as engineering manager.",
        "Plan a fundraising campaign for a local animal shelter that needs 50k by December.",
        "devise a plan to pay off 18k of credit card debt across 3 cards with different rates",
        "How do I prepare for a system design interview at a big tech company over the next month?",
        "Plan a kids' birthday party for 15 eight-year-olds, indoors, two hours, with activities and food.",
        "Outline a business plan for a mobile coffee cart.",
        "Plan my wedding.",
        "how can i grow my bakery's revenue next year",
    ],
    "creative": [
        "Write a short story about a lighthouse keeper who finds a message in a bottle.",
        "Compose a poem about autumn in the style of Emily Dickinson.",
        "Write a 1000-word blog post about the benefits of walking meetings.",
        "Write a wedding toast for my sister and her husband, funny but heartfelt.",
        "Draft the opening chapter of a sci-fi novel set on a generation ship.",
        "write me a song about missing the last train home",
        "Create a bedtime story for a 5 year old about a brave little snail.",
        "Write a persuasive essay arguing that cities should ban cars from their centres.",
        "Write a cover letter for a junior data analyst position at a logistics company.",
        "Give me a limerick about a cat who learns to code.",
        "Write a eulogy for my grandfather, who was a carpenter and loved fishing.",
        "Draft a newsletter for our community garden's spring season.",
        "Write a product description and three ad variants for a reusable water bottle.",
        "Write a dialogue between Socrates and a modern software engineer about truth.",
        "Create a fantasy world with its own history, religions and political factions.",
        "Write a screenplay scene where two old friends meet after 20 years.",
        "Write a LinkedIn post announcing our Series A, inspiring but not cringe.",
        "Compose a sonnet about the sea.",
        "write a horror story set in an IKEA",
        "Write a speech for a school graduation about failure and resilience.",
        "Write the text of a 12-page children's picture book about recycling.",
        "Invent a backstory for my D&D character, a half-elf bard with a secret.",
        "Write a rap verse about climate change.",
        "Write the 'About us' page for a family-run Italian restaurant.",
        "Write a novel.",
        "essay on climate change pls",
        "tell me a story about a dragon who is scared of fire",
    ],
    "code": [
        "Write a Python function that parses a CSV of transactions and returns monthly totals per category, with unit tests.",
        "Implement an LRU cache in Java with O(1) get and put.",
        "Debug this: my React component re-renders forever when I call setState inside useEffect.",
        "Build a FastAPI endpoint that uploads images, resizes them, and stores them in S3.",
        "Write a SQL query that finds customers who ordered in every month of 2023, then explain it.",
        "Refactor this class to use dependency injection and make it testable: class Mailer: def __init__(self): self.smtp = smtplib.SMTP('localhost') ...",
        "Create a bash script that backs up a Postgres database nightly and keeps the last 7 dumps.",
        "Write a Dockerfile and docker-compose setup for a Django app with Postgres and Redis.",
        "Implement Dijkstra's algorithm in C++ and explain the complexity.",
        "Why does this Python code raise 'RuntimeError: dictionary changed size during iteration' and how do I fix it properly?\nfor k in d:\n    if d[k] is None:\n        del d[k]",
        "Write a web scraper in Python that collects product prices from a paginated site and saves them to SQLite.",
        "Convert this jQuery code to vanilla JavaScript and modern ES modules: $('.btn').on('click', function(){ $(this).toggleClass('on'); $.get('/api/state', render); });",
        "write a github actions workflow that runs tests on 3 python versions and publishes to pypi on tag",
        "Implement a rate limiter middleware for Express using a token bucket.",
        "Write a Rust CLI that counts word frequencies in a file and prints the top 20.",
        "Write unit tests for a function that validates IBAN numbers.",
        "Design and code a simple event sourcing system in TypeScript.",
        "Port this MATLAB signal-filtering script to NumPy/SciPy.",
        "Optimize this slow pandas loop that iterates over 2 million rows to compute running balances.",
        "Create a Terraform module for a VPC with public and private subnets across 3 AZs.",
        "I'm getting a segfault in my C program when freeing a linked list. Here's the code: while (p) { free(p); p = p->next; } what's wrong and how should it look?",
        "Write a Python async crawler with a concurrency limit and retries.",
        "make a tic tac toe game in javascript with a simple AI opponent",
        "Implement a binary search tree with insert, delete and in-order traversal in Python.",
        "Write a Kotlin Android screen that shows a list from an API with pull to refresh.",
        "Write a tokenizer and a recursive descent parser that evaluates arithmetic expressions.",
        "Migrate this callback-based Node.js code to async/await and add error handling.",
        "Write a Go HTTP server with graceful shutdown, structured logging and health checks.",
        "Explain and fix the race condition in this multithreaded counter code.",
        "Set up pytest fixtures for testing a Flask app against a temporary database.",
        "build me a website backend",
    ],
    "summarise": [
        "Summarize the attached 40-page contract and flag any unusual clauses.",
        "Give me the key takeaways from the annual report I pasted earlier, section by section.",
        "tl;dr this whole email thread for me, who agreed to what and what's still open",
        "Summarise the last three chapters of my thesis draft into an abstract.",
    ],
    "security_compliance": [
        "Review our password storage: we hash with MD5 and a global salt. What are the risks and what should we migrate to?",
        "Threat model a mobile banking app that uses biometric login and push notifications.",
        "What do we need to do to make our SaaS product GDPR compliant if we store EU customer emails and usage data in the US?",
        "How should we handle secrets for 30 microservices running on Kubernetes?",
        "Assess the security implications of letting employees use personal laptops for work (BYOD).",
        "Our pen test found SQL injection in a legacy PHP app. Prioritise remediation and explain how to prevent it long term.",
        "Explain what SOC 2 Type II requires and how a 20-person startup should prepare for the audit.",
        "Design an access control model for a hospital records system with doctors, nurses, admins and patients.",
        "Is it safe to put JWTs in localStorage? Discuss XSS, CSRF and alternatives for our SPA.",
        "We got a phishing attack that compromised two accounts. Walk me through incident response step by step.",
        "How do we comply with PCI DSS if we take card payments through our website?",
        "Evaluate the risks of using an LLM with customer data under the EU AI Act.",
        "Write a security policy for remote employees covering devices, networks and data handling.",
        "what are the ISO 27001 controls most relevant to a small dev shop and how would we implement them?",
        "Review this firewall rule set and tell me what's too permissive: allow any any 22, allow 10.0.0.0/8 any, allow any 443",
        "How should we structure data retention and deletion to satisfy both GDPR and tax law?",
        "Do a risk assessment for storing backups in a single cloud region.",
        "Our vendor wants admin access to our production database. What controls should we require?",
        "Analyse the supply chain risk of depending on 1,200 npm packages.",
        "Threat model our VPN.",
    ],
    "architecture": [
        "Design a URL shortener that handles 10,000 requests per second with analytics.",
        "How should I architect a multi-tenant SaaS database: shared schema, schema per tenant, or database per tenant?",
        "Propose an architecture for real-time chat with 1 million concurrent users.",
        "We need to process 50 GB of logs a day and query them ad hoc. What architecture do you suggest?",
        "Design the backend for a food delivery app: services, data stores, and how orders flow.",
        "how would you design a hybrid router that sends prompts to a local model or a cloud LLM, with fallbacks and logging?",
        "Sketch an event-driven architecture for an insurance claims process.",
        "Our monolith takes 40 minutes to deploy. How do we split it up safely and in what order?",
        "Design a recommendation system for an online bookstore with 2M users.",
        "Propose a data platform: ingestion, lakehouse, BI and ML, for a mid-size retailer.",
        "How do we make our API highly available across two regions with an active-active setup?",
        "Design a notification service that supports email, SMS and push with user preferences and retries.",
        "What's a good architecture for an IoT system with 50k sensors reporting every 10 seconds?",
        "design a caching strategy for a news site with breaking-news spikes",
        "Lay out the architecture of a RAG system over 100k internal documents with access control.",
        "Design a booking system for a chain of 30 clinics that prevents double-booking.",
        "How should we version and evolve our public API without breaking 300 integrators?",
        "Design an audit logging system that's tamper-evident.",
        "design twitter",
        "Explain zero trust and how we'd move a traditional VPN-based company to it.",
    ],
    "multi_constraint": [
        "Write an email to my landlord asking to fix the heating, polite but firm, under 120 words, and mention it's the third request.",
        "Suggest a dinner menu for 8 people: two vegetarians, one nut allergy, budget 100 dollars, can be prepped the day before.",
        "Find a time for a weekly meeting across London, New York and Singapore inside everyone's working hours, or explain the least bad option.",
        "Pick a laptop for me: under $1200, good for Python and light gaming, at least 16 GB RAM, under 1.8 kg, long battery life.",
        "Give me 10 product names that are short, easy to spell in English and German, not common words, and hint at speed, with reasoning.",
        "Create a seating chart for 24 guests at 3 tables where couples sit together, exes are apart, and kids sit near parents.",
        "Schedule 6 interviews across 3 interviewers this week, nobody does more than 2 per day, and no interviews on Friday afternoon.",
        "Write a job ad for a senior backend engineer: remote in EU, salary band 80-95k, inclusive language, under 300 words, mention our 4-day week.",
        "I need a workout routine: 3 days a week, 40 minutes max, no equipment, bad knees, goal is strength.",
        "Rewrite our refund policy so it is legally clear, friendly, under 200 words, and treats digital and physical goods differently.",
        "Plan a road trip from Lisbon to Berlin in 5 days, max 6 hours driving per day, in an EV that needs charging every 350 km.",
        "Choose a gift for my dad: he's 65, likes history and gardening, hates gadgets, budget 50 euros, must arrive by Friday.",
        "Write a tweet thread (5 tweets) explaining our outage: honest, no blame, includes the timeline and what we'll change.",
        "Build a weekly chore rota for 4 flatmates with different schedules, fair on hours, nobody cleans the bathroom two weeks running.",
        "Give me a reading list of 10 books on leadership: half by women, at least 3 non-American authors, none older than 2000.",
        "Draft a response to a negative review that apologises, doesn't admit legal liability, offers a discount, and stays under 80 words.",
        "Create a timetable for 5 teachers, 8 classes and 3 labs where no teacher teaches more than 4 periods in a row.",
        "Suggest baby names for a girl: Irish origin, easy to pronounce in Spanish, 2 syllables, not in the top 100.",
    ],
}

# --------------------------------------------------------------------------- both: natural one-offs
# Hand-written in a conversational style, plus boundary cases for the labelling policy.

NATURAL = [
    ("Hey! How's it going?", "greeting"),
    ("good evening, hope you're well", "greeting"),
    ("Thanks so much, really appreciate it.", "smalltalk"),
    ("What's the weather usually like in Lisbon in May?", "factual"),
    ("Who invented the telephone?", "factual"),
    ("What's the capital of New Zealand?", "factual"),
    ("How many ounces are in a cup?", "conversion"),
    ("What's 48 divided by 6?", "arithmetic"),
    ("Calculate 12% of 350.", "arithmetic"),
    ("Convert 90 minutes into hours.", "conversion"),
    ("What does 'procrastinate' mean?", "definition"),
    ("Define the word 'algorithm' in one sentence.", "definition"),
    ("What is a CSV file?", "definition"),
    ("Fix the spelling in this sentence: 'I beleive we shoud meet tommorow.'", "rewrite"),
    ("Can you make 'we need this done now' sound a bit nicer?", "rewrite"),
    ("How do you say 'good evening' in Portuguese?", "rewrite"),
    ("What year did the Titanic sink?", "factual"),
    ("Who was the first president of the United States?", "factual"),
    ("What's the square root of 144?", "arithmetic"),
    ("Is 51 a prime number?", "arithmetic"),
    ("How many centimeters are in an inch?", "conversion"),
    ("What is the freezing point of water in Celsius?", "factual"),
    ("What does HTTP stand for?", "definition"),
    ("Which planet has the most moons?", "factual"),
    ("What's the plural of 'cactus'?", "definition"),
    ("Rewrite this in passive voice: 'The dog chased the cat.'", "rewrite"),
    ("hey, you awake?", "greeting"),
    ("Good morning! Ready for another day?", "greeting"),
    ("lol that's funny", "smalltalk"),
    ("What's the chemical formula for water?", "factual"),
    ("How many weeks are in a year?", "factual"),
    ("What does a CFO do? One line.", "definition"),
    ("Translate 'see you soon' into German.", "rewrite"),
    ("What's 7 times 8?", "arithmetic"),
    ("Convert 3 kilograms to pounds.", "conversion"),
    ("What's the currency of Switzerland?", "factual"),
    ("How many sides does an octagon have?", "factual"),
    ("What is the largest mammal?", "factual"),
    ("Give me a synonym for 'quickly'.", "rewrite"),
    ("In Python, how do I get the last element of a list?", "quick_code"),
    ("What's the git command to create a new branch?", "quick_code"),
    ("What time is it in London when it's noon in New York?", "factual"),
    ("Who directed Jurassic Park?", "factual"),
    ("Thanks, that's all for today. Bye!", "smalltalk"),
    ("How many grams of sugar are in a teaspoon?", "conversion"),
    ("How many hours ahead of UTC is Central European Time?", "factual"),
    ("What is an IP address, in simple terms?", "definition"),
    ("Shorten this: 'I am writing to let you know that I will be unable to attend.'", "rewrite"),
    ("What's 1000 divided by 8?", "arithmetic"),
    ("Which language has the most native speakers?", "factual"),
    ("what is the boiling point of milk", "factual"),
    ("How long does it take light from the sun to reach Earth?", "factual"),
    ("Nice to meet you! I'm Dana.", "greeting"),
    ("What does ROI stand for?", "definition"),
    ("Is Pluto a planet?", "factual"),
    ("What's the area of a circle with radius 3?", "arithmetic"),
    ("Correct this: 'Its a nice day, isnt it'", "rewrite"),
    ("How much is 15 euros plus 20% tax?", "arithmetic"),
    ("Quick one - what's the atomic number of carbon?", "factual"),
    ("What's a good word for 'very tired'?", "rewrite"),
    ("What does 'encryption at rest' mean, in one line?", "definition"),
    ("Hi there, hope your week is going well! Just checking in, nothing urgent.", "smalltalk"),
    (
        "Can you help me figure out why my team keeps missing deadlines even though everyone works overtime?",
        "analysis",
    ),
    (
        "I'm deciding between a job in Amsterdam and one in Toronto. Help me weigh up salary, cost of living, and career growth.",
        "comparison",
    ),
    ("Write me a short story about a cat that becomes mayor of a small town.", "creative"),
    ("Put together a 4-week content calendar for our bakery's Instagram.", "planning"),
    ("Write a Python script that watches a folder and uploads new files to Google Drive.", "code"),
    ("What should I consider when designing the database for a multi-vendor marketplace?", "architecture"),
    (
        "How do we make sure our chatbot doesn't leak customer personal data? We're in the EU.",
        "security_compliance",
    ),
    ("Explain the pros and cons of nuclear energy compared to wind and solar.", "comparison"),
    ("Draft a business proposal for a coworking space in a small town.", "creative"),
    (
        "Here's our sales data by region: North 120k (+5%), South 80k (-12%), East 140k (+20%), West 60k (-3%). What story does it tell and what should we do next quarter?",
        "analysis",
    ),
    ("Write a poem for my mom's 60th birthday.", "creative"),
    ("Create a marketing strategy for launching an eco-friendly sneaker brand in Europe.", "planning"),
    (
        "Review my approach: we store API keys in environment variables on shared build servers. Is that good enough for SOC 2?",
        "security_compliance",
    ),
    ("Help me write a grant application for a youth music program, about 2 pages.", "creative"),
    ("Design a scalable architecture for a video streaming service.", "architecture"),
    (
        "My Node app crashes under load with 'too many open files'. How do I diagnose and fix it for good?",
        "code",
    ),
    ("Compare the main cloud data warehouses and recommend one for a startup with 2TB of data.", "comparison"),
    (
        "Summarize the following customer feedback and group it into themes: 'Delivery was late twice.' 'Love the packaging but the sizes run small.' 'Support took 5 days to reply.' 'Great quality, will buy again.' 'Returns process is confusing and the website crashed at checkout.' 'Sizes are inconsistent between colours.'",
        "summarise",
    ),
    ("Write a SQL query to find the top 5 products by revenue per month, and explain how it works.", "code"),
    ("What are the ethical implications of using AI in hiring decisions?", "analysis"),
    (
        "Plan a 3-day itinerary for Rome for a couple who love food and history, on a mid-range budget.",
        "planning",
    ),
    ("Write a cover letter for a nurse applying to a pediatric unit.", "creative"),
    ("Explain how HTTPS works end to end, from the DNS lookup to the encrypted session.", "analysis"),
    ("How should a small nonprofit protect donor data and respond to a breach?", "security_compliance"),
    ("Create a lesson plan for teaching fractions to 9-year-olds over a week.", "planning"),
    (
        "Refactor this function to be more readable and add type hints: def f(a,b): r=[]; for i in a: if i in b: r.append(i*2); return r",
        "code",
    ),
    (
        "Should our startup raise a seed round now or bootstrap for another year? We have 8 months of runway.",
        "comparison",
    ),
    ("Write a 500-word article about the history of coffee.", "creative"),
    (
        "Our app's retention drops sharply after day 3. What could be causing it and what experiments should we run?",
        "analysis",
    ),
    (
        "Design a REST API for a library management system, including endpoints and data models.",
        "architecture",
    ),
    ("Write a motivational speech for a football team before the final.", "creative"),
    (
        "Give me a detailed comparison of index funds, ETFs and mutual funds for long-term saving.",
        "comparison",
    ),
    ("Develop a risk management plan for a construction project.", "planning"),
    ("Write a function in JavaScript that debounces another function, with tests and an explanation.", "code"),
    ("Analyze the strengths and weaknesses of our pricing: free tier, $9 pro, $49 team.", "analysis"),
    ("How do I migrate a 500 GB MySQL database to PostgreSQL with minimal downtime?", "planning"),
    (
        "Write an email to a client explaining the project delay, apologetic but confident, under 150 words, with a new timeline.",
        "multi_constraint",
    ),
    (
        "Create a weekly workout plan for someone training for a triathlon with only 6 hours a week.",
        "planning",
    ),
    (
        "What are the GDPR implications of recording customer calls for training AI models?",
        "security_compliance",
    ),
    ("Explain the causes of World War I and how they connect.", "analysis"),
    ("Write a haiku sequence about the four seasons, one for each, and explain the imagery.", "creative"),
    (
        "Design an authentication system with MFA, password reset, and session management for a web app.",
        "security_compliance",
    ),
    (
        "Help me plan my finances: I earn 4,500 a month, have 10k in debt, and want to buy a house in 3 years.",
        "planning",
    ),
    ("Compare Agile and Waterfall for a government IT project with fixed requirements.", "comparison"),
    (
        "Critique this essay introduction and suggest how to strengthen the argument: 'Technology is good. Many people use it. In this essay I will talk about technology.'",
        "analysis",
    ),
    ("Write a children's story about a turtle who wants to fly, around 800 words.", "creative"),
    ("Set up a CI pipeline for a Python monorepo with linting, tests and Docker image builds.", "code"),
    ("How would you scale a Postgres database that's hitting 90% CPU at peak?", "architecture"),
    (
        "Draft a privacy policy for a mobile fitness app that collects location and heart rate.",
        "security_compliance",
    ),
    (
        "Give me a strategy for negotiating a 15% raise, including what to say and how to handle pushback.",
        "planning",
    ),
    ("Tell me a bedtime story about a sleepy owl.", "creative"),
    ("Is our plan to store passwords with SHA-256 secure? What would you change?", "security_compliance"),
    ("What would be the best way to structure a data science team in a 200-person company?", "planning"),
    (
        "Write a Bash script that rotates logs, compresses old ones and deletes those older than 30 days.",
        "code",
    ),
    ("Explain the differences between TCP and UDP and when to pick each in game networking.", "comparison"),
    ("Make a project plan for building a mobile app in 4 months with 3 developers.", "planning"),
    (
        "TL;DR this: The quarterly review highlighted three issues. First, customer acquisition costs rose 22% as ad prices increased. Second, the new onboarding flow lowered activation by 5 points, likely because the tutorial is too long. Third, enterprise deals are taking 40 days longer to close due to security reviews. The leadership team proposed cutting paid ads, A/B testing a shorter tutorial, and preparing a standard security questionnaire pack.",
        "summarise",
    ),
    (
        "Brainstorm 10 names for a podcast about personal finance for students, with a short reason for each.",
        "creative",
    ),
    ("Write a design doc for adding offline mode to our note-taking app.", "architecture"),
    ("Why are electric car sales slowing in some markets and what could reverse it?", "analysis"),
    # boundary cases: cloud-sounding words in easy requests, and short or keyword-free hard ones
    ("explain what a vaccine is in one sentence", "definition"),
    ("what's the difference between 'its' and 'it's'?", "definition"),
    ("Paraphrase: the meeting has been postponed until further notice.", "rewrite"),
    ("Can you spell 'rhythm' for me?", "rewrite"),
    ("Who won the World Cup in 2018?", "factual"),
    ("Name the three primary colours.", "factual"),
    ("List the days of the week in French.", "rewrite"),
    ("What rhymes with 'orange'?", "definition"),
    ("how do you pronounce quinoa", "definition"),
    ("How many calories are in a banana?", "factual"),
    ("What is the formula for the area of a triangle?", "factual"),
    ("Is it 'who' or 'whom' here: '___ did you call?'", "rewrite"),
    ("Sort these numbers: 42, 7, 19, 3", "arithmetic"),
    ("What's 2 to the 16th?", "arithmetic"),
    ("Which is bigger, 0.5 or 0.45?", "arithmetic"),
    ("Is a whale a fish?", "factual"),
    ("What does error code 403 mean?", "definition"),
    ("What does NaN stand for in programming?", "definition"),
    ("What's the Python function that gives the length of a list?", "quick_code"),
    ("Give me a one-line bash command to count the lines in a file", "quick_code"),
    ("Good morning team! Coffee's ready in the kitchen.", "greeting"),
    ("OK, great, that's exactly what I needed, thanks a million!", "smalltalk"),
    (
        "Hey, hope you had a good weekend. Mine was relaxing, mostly gardening and reading in the sun.",
        "smalltalk",
    ),
    ("just testing if this works", "smalltalk"),
    ("What's the capital of the US state of Texas?", "factual"),
    ("Convert this date to ISO format: 3 March 2024", "conversion"),
    ("what's 3pm in 24-hour time", "conversion"),
    ("Make this title case: a tale of two cities", "rewrite"),
    ("What is the plural of 'mouse'?", "definition"),
    ("what's a word that means happy and excited at the same time?", "definition"),
    ("In one sentence, what is blockchain?", "definition"),
    ("Briefly, what does a product manager do?", "definition"),
    ("What's the maximum GDPR fine?", "factual"),
    ("Which port does SSH use?", "factual"),
    ("Is HTTPS encrypted?", "factual"),
    ("What does a firewall do, in a sentence?", "definition"),
    ("What does 'floor plan' mean?", "definition"),
    ("Who designed the Eiffel Tower?", "factual"),
    ("Who wrote the code for the first web browser?", "factual"),
    ("Which is heavier, a kilo of feathers or a kilo of steel?", "factual"),
    ("What's the security code on a credit card called?", "factual"),
    ("What year did GDPR come into force?", "factual"),
    ("Who was the architect of the Sydney Opera House?", "factual"),
    ("What is a business plan, in one sentence?", "definition"),
    ("How do you spell 'strategy'?", "rewrite"),
    ("What's a story point in Scrum? one line", "definition"),
    ("Who composed The Four Seasons?", "factual"),
    ("Is Python compiled or interpreted?", "factual"),
    ("What does 'analysis paralysis' mean?", "definition"),
    ("Translate 'security guard' into Spanish", "rewrite"),
    ("what's today's date", "factual"),
    ("Explain how vaccines train the immune system, and why some need boosters.", "analysis"),
    ("Explain quantum entanglement like I'm a smart high schooler, with a couple of examples.", "analysis"),
    (
        "Help me understand why my laptop gets slower every month and what I can do about each cause.",
        "analysis",
    ),
    ("Help me prepare for a tough conversation with my manager about burnout.", "planning"),
    (
        "Go through this contract clause and tell me what risks it creates for us: 'The supplier may terminate at any time without notice and retains all deposits.'",
        "security_compliance",
    ),
    ("Come up with five original business ideas for a rural town, with a rough budget for each.", "creative"),
    (
        "Turn these notes into a polished two-page report for the board: revenue up 8%, two key hires, office move delayed, new pricing in test, churn flat.",
        "creative",
    ),
    (
        "Rewrite this blog post so it's more engaging for teenagers, keep all the facts, and cut it to half the length: Saving money is important. Many people do not save enough. Banks offer accounts with interest. You should compare the rates. Budgeting apps can help you track spending. Setting goals makes saving easier. Start small and increase over time. Emergencies happen, so keep a cushion.",
        "multi_constraint",
    ),
    (
        "Translate this paragraph into French and keep the legal meaning exact: The tenant shall keep the premises in good repair, shall not sublet without written consent, and shall return the keys within seven days of termination.",
        "multi_constraint",
    ),
    (
        "What would a fair equity split look like for three cofounders who joined at different times and put in different amounts of money?",
        "analysis",
    ),
    ("Think through the second-order effects of banning plastic bags.", "analysis"),
    (
        "Which of these taglines is strongest and why? 1) Fresh every morning 2) Baked with love 3) The neighbourhood's oven",
        "comparison",
    ),
    ("Estimate how many piano tuners there are in Chicago and show your reasoning.", "analysis"),
    (
        "Solve this logic puzzle: five houses in a row, each a different colour, owners of five nationalities, the Brit lives in the red house... who owns the fish?",
        "analysis",
    ),
    ("Prove that the square root of 2 is irrational.", "analysis"),
    (
        "A train leaves at 3pm at 80 km/h and another leaves the same station at 4pm at 100 km/h. When does the second catch up? Show each step.",
        "analysis",
    ),
    (
        "Calculate the monthly payment, total interest and an amortization schedule for a 300k mortgage at 4.5% over 25 years.",
        "analysis",
    ),
    (
        "Build a financial model for a subscription business with churn, CAC and LTV, and explain the assumptions.",
        "planning",
    ),
    ("Create a class hierarchy for a zoo management system in C#.", "code"),
    (
        "What's wrong with my SQL? SELECT name, COUNT(*) FROM orders JOIN customers ON id = customer_id GROUP BY city",
        "code",
    ),
    ("How can we lower latency for users in Asia when our servers are in Frankfurt?", "architecture"),
    (
        "Draft a data processing agreement clause for a subcontractor handling patient data.",
        "security_compliance",
    ),
    ("Set up role-based access for our analytics team so interns can't see salaries.", "security_compliance"),
    (
        "Is it legal for us to scrape competitor prices in the EU? Consider GDPR, database rights and terms of service.",
        "security_compliance",
    ),
    (
        "What are the biggest risks in our plan to let customers log in with just a magic link?",
        "security_compliance",
    ),
    ("Outline a 10-lesson course on personal finance for teenagers.", "planning"),
    (
        "Write a thank-you note to my team after a hard quarter, about 200 words, mentioning three specific wins.",
        "multi_constraint",
    ),
    ("Design a weekly schedule for a family with two working parents and three kids' activities.", "planning"),
    ("Give me honest feedback on my startup idea: a subscription service for repairing clothes.", "analysis"),
    (
        "Which European cities are best for a remote worker who wants good weather, low cost and fast internet? Rank five with reasons.",
        "comparison",
    ),
    ("Describe the water cycle in detail for a school report, with each stage explained.", "creative"),
    (
        "Convert this Java class to idiomatic Python with dataclasses: public class Point { private int x; private int y; public Point(int x, int y) { this.x = x; this.y = y; } }",
        "code",
    ),
    (
        "I have a CSV with 50 columns; suggest an approach to find which ones predict churn, then write the code.",
        "code",
    ),
    (
        "Turn my notes into meeting minutes with decisions and owners: budget approved; Jo to hire designer; launch slips to May; Sam owns the vendor review; next sync Tuesday.",
        "summarise",
    ),
    ("Teach me calculus from scratch.", "planning"),
    ("Make me a website for my bakery.", "code"),
    ("Build me a chatbot.", "code"),
    ("Invent a new board game and write its rules.", "creative"),
    ("Debate both sides of universal basic income.", "comparison"),
    ("help me decide whether to take the job offer in another city", "comparison"),
    ("Name the longest river in Europe.", "factual"),
    ("Name three noble gases.", "factual"),
    ("List the planets in order from the sun.", "factual"),
    ("Tell me the chemical symbol for iron.", "factual"),
    ("Give me the capital of Kenya.", "factual"),
    ("Paraphrase: 'we will get back to you soon'", "rewrite"),
    ("paraphrase this sentence: the results were better than expected", "rewrite"),
    (
        "Develop a three-year revenue forecast for a small dental clinic, with the assumptions spelled out.",
        "planning",
    ),
    ("Build next year's budget for a 10-person nonprofit, broken down by quarter.", "planning"),
    ("Project our cash flow for the next 12 months given that most sales happen in December.", "analysis"),
    ("Forecast demand for our ice cream shop next summer and explain the method.", "analysis"),
    ("Create a pricing model for a B2B API product with usage tiers.", "planning"),
]

# --------------------------------------------------------------------------- templates
# Each template: (category, phrasings, slot fillers, rows to draw).

COUNTRIES = [
    "France",
    "Kenya",
    "Peru",
    "Norway",
    "Vietnam",
    "Egypt",
    "Chile",
    "Poland",
    "Japan",
    "Ghana",
    "Portugal",
    "Thailand",
    "Mexico",
    "Ireland",
    "Morocco",
    "Canada",
    "Turkey",
    "Nepal",
    "Italy",
    "Cuba",
]
BOOKS = [
    "Moby Dick",
    "War and Peace",
    "The Hobbit",
    "Don Quixote",
    "Frankenstein",
    "The Great Gatsby",
    "Jane Eyre",
    "Dracula",
    "Brave New World",
    "The Little Prince",
    "Crime and Punishment",
    "Dune",
]
UNIT_PAIRS = [
    ("miles", "km"),
    ("kg", "lbs"),
    ("litres", "gallons"),
    ("inches", "cm"),
    ("feet", "metres"),
    ("celsius", "fahrenheit"),
    ("minutes", "seconds"),
    ("MB", "GB"),
    ("cups", "ml"),
    ("yards", "metres"),
    ("ounces", "grams"),
    ("hours", "days"),
    ("km/h", "mph"),
    ("acres", "hectares"),
]
WORDS = [
    "ephemeral",
    "benevolent",
    "pragmatic",
    "nostalgia",
    "meticulous",
    "resilient",
    "ambiguous",
    "candid",
    "frugal",
    "verbose",
    "latency",
    "bandwidth",
    "phishing",
    "ransomware",
    "recursion",
    "a hashtag",
    "a podcast",
    "a blockchain",
    "an index fund",
    "a cookie (on websites)",
    "a sonnet",
    "a metaphor",
]
ACRONYMS = ["NASA", "DNS", "HTML", "ASAP", "IPO", "KPI", "SaaS", "VAT", "HIPAA", "CEO", "URL", "RAM", "PDF", "ISO"]
PHRASES = [
    "good night",
    "how much does this cost",
    "see you tomorrow",
    "I am hungry",
    "happy birthday",
    "where is the bathroom",
    "nice to meet you",
    "excuse me",
    "the bill, please",
    "good luck",
]
LANGS = ["French", "Spanish", "German", "Italian", "Portuguese", "Dutch", "Japanese", "Swedish"]
CASUAL = [
    "gimme the report by friday",
    "cant make it, sorry",
    "u there?",
    "that idea is bad",
    "hurry up with the invoice",
    "who broke the build",
    "meeting moved to 3",
    "not my problem",
]
NAMES = ["Alex", "Priya", "Tom", "Mei", "Jonas", "Fatima", "Lucas", "Aisha"]

COMPARE_PAIRS = [
    ("Python", "Java", "a data engineering team"),
    ("MySQL", "PostgreSQL", "a multi-tenant SaaS"),
    ("Azure Functions", "AWS Lambda", "event-driven image processing"),
    ("Flutter", "React Native", "a banking app"),
    ("Terraform", "Pulumi", "a platform team of four"),
    ("Snowflake", "BigQuery", "a marketing analytics stack"),
    ("a Roth IRA", "a traditional IRA", "someone in their 20s"),
    ("index funds", "individual stocks", "a first-time investor"),
    ("Spain", "Portugal", "retiring on a modest pension"),
    ("an e-bike", "a used car", "a 15 km commute"),
    ("Airbnb", "hotels", "a three-week family trip"),
    ("gRPC", "REST", "internal service-to-service calls"),
    ("Next.js", "Django", "a content-heavy marketplace"),
    ("Jira", "Linear", "a 40-person engineering org"),
    ("a heat pump", "a gas boiler", "an old brick house"),
    ("Scrum", "Shape Up", "a remote product team"),
    ("Elasticsearch", "Postgres full-text search", "a product catalogue of 2M items"),
    ("a master's degree", "a bootcamp", "changing into data science at 30"),
]
PLAN_GOALS = [
    "learn Spanish to B1 level",
    "launch an online shop for handmade candles",
    "prepare our team for a SOC 2 audit",
    "lose 8 kg without giving up bread",
    "write and self-publish a cookbook",
    "move our CI from Jenkins to GitHub Actions",
    "save for a house deposit of 40k",
    "get my first 1,000 newsletter subscribers",
    "renovate a small kitchen",
    "train for a 100 km cycling event",
    "migrate our CRM data to HubSpot",
    "open a second restaurant location",
    "become a senior engineer",
    "reduce our customer support backlog by half",
    "learn to play jazz piano",
]
CREATIVE_FORMS = [
    "short story",
    "poem",
    "song",
    "blog post",
    "persuasive essay",
    "speech",
    "fairy tale",
    "monologue",
    "bedtime story",
    "op-ed",
    "scene for a play",
    "travel diary entry",
]
CREATIVE_TOPICS = [
    "a robot learning to paint",
    "the last bookshop in town",
    "a summer storm",
    "moving to a new country",
    "a grandmother's recipe box",
    "time travel gone wrong",
    "a city without cars",
    "friendship between rivals",
    "the first day of school",
    "an astronaut's homesickness",
    "a lost umbrella",
    "the ocean at night",
    "a village that forgot how to laugh",
    "our company's 10th anniversary",
]
CODE_LANGS = ["Python", "TypeScript", "Go", "Java", "C#", "Rust", "Kotlin", "JavaScript"]
CODE_TASKS = [
    "reads a large log file and reports the 10 slowest endpoints",
    "syncs two folders and keeps a change log",
    "validates and normalises phone numbers from a CSV",
    "implements a priority job queue with retries",
    "exposes a REST API for a todo list with authentication",
    "detects duplicate images in a directory",
    "converts markdown files to a static HTML site",
    "pulls weather data from an API and caches it",
    "merges overlapping calendar events and reports conflicts",
    "streams a large JSON file and aggregates totals",
    "implements a trie with autocomplete",
    "rate-limits outgoing API calls per customer",
]
ANALYSIS_TOPICS = [
    "why inflation hit food prices harder than electronics",
    "why our mobile app ratings fell after the last release",
    "the causes of the 1929 stock market crash",
    "how social media changed political campaigns",
    "why so many startups fail in their second year",
    "the impact of AI on entry-level jobs",
    "why our sprint velocity keeps dropping",
    "the long-term effects of the printing press",
    "why housing is cheaper in Berlin than in Munich",
    "what is driving teacher shortages",
    "how microplastics enter the food chain",
    "why customers abandon their carts at checkout",
]
SECURITY_SYSTEMS = [
    "our customer portal",
    "a payroll system",
    "an internal wiki",
    "our CI/CD pipeline",
    "a telehealth app",
    "our public REST API",
    "a smart home hub",
    "our employee laptops",
]
REGULATIONS = ["GDPR", "HIPAA", "PCI DSS", "SOC 2", "ISO 27001", "the EU AI Act", "CCPA", "NIS2"]
ARCH_SYSTEMS = [
    ("a ride-sharing backend", "200k rides a day"),
    ("a stock trading platform", "sub-millisecond order matching"),
    ("a document collaboration tool", "real-time editing by 50 people"),
    ("a ticketing site", "concert sales spikes"),
    ("a fleet tracking system", "30k trucks"),
    ("a photo sharing app", "10 million uploads a day"),
    ("a loyalty points platform", "12 retail brands"),
    ("a search engine for legal documents", "5 million PDFs"),
    ("an online exam platform", "100k students taking tests at once"),
    ("a payments ledger", "strict consistency"),
]

SUMMARY_POOLS = {
    "meeting": [
        "Maria opened the meeting by reviewing last quarter's numbers, which came in 4% under target.",
        "The team agreed that the onboarding flow is the biggest source of drop-off.",
        "Ken raised concerns that the mobile release is blocked on the payment provider's API changes.",
        "Design will deliver new mockups for the settings page by the end of next week.",
        "There was a long discussion about whether to hire a contractor or wait for the new headcount.",
        "Finance asked everyone to submit travel budgets before the 15th.",
        "The customer advisory board meeting has been moved to the second week of June.",
        "Support reported that password reset tickets rose sharply after the email template change.",
        "Leo will investigate the analytics discrepancy between the dashboard and the warehouse.",
        "Everyone agreed to pause the referral programme experiment until the fraud checks are in place.",
    ],
    "incident": [
        "At 02:14 UTC the primary database began rejecting connections after its disk filled up.",
        "The on-call engineer was paged at 02:20 but the alert was routed to an outdated phone number.",
        "Failover to the replica was attempted at 02:41, but replication lag meant about six minutes of orders were missing.",
        "Customers saw error pages on checkout for roughly 55 minutes in total.",
        "The root cause was a log table that had grown unbounded since a configuration change in March.",
        "Disk usage alerts existed but their threshold was set at 99%, leaving no time to react.",
        "Missing orders were reconstructed from the payment provider's records the next morning.",
        "Follow-up actions include a retention policy on the log table and testing the failover runbook monthly.",
        "Three enterprise customers have asked for a written incident report by Friday.",
    ],
    "reviews": [
        "The headphones sound great for the price, but the left earcup started creaking after two weeks.",
        "Battery life is excellent; I charge them maybe once a week with daily commuting.",
        "The app is confusing and keeps asking me to log in again.",
        "Noise cancelling works well on trains but barely helps with wind noise outdoors.",
        "Customer service replaced my pair quickly when the Bluetooth stopped connecting.",
        "They feel heavy after an hour and my ears get warm.",
        "Calls sound muffled to the other person, which is a dealbreaker for work.",
        "For travel they are the best I've owned; the case is compact and sturdy.",
        "The touch controls trigger by accident whenever I adjust my hair.",
    ],
    "article": [
        "The city council voted on Tuesday to convert three central streets into pedestrian zones starting next year.",
        "Supporters argue the change will reduce pollution and bring more foot traffic to local shops.",
        "Several shop owners fear that losing parking will drive customers to out-of-town malls.",
        "A pilot on one street last summer saw footfall rise 18%, although sales data was mixed.",
        "Delivery vehicles will be allowed in the zones before 10 a.m. under the new rules.",
        "The plan also includes two new bus lines and expanded bike parking near the train station.",
        "Opposition councillors called for a public consultation before any permanent changes.",
        "The total cost is estimated at 4.2 million euros, partly funded by a regional climate grant.",
        "Residents of neighbouring streets worry that traffic will simply be displaced onto their roads.",
    ],
    "research": [
        "We study whether short daily retrieval practice improves long-term retention in secondary school mathematics.",
        "Four hundred students in twelve schools were randomly assigned to a retrieval group or a re-reading group.",
        "The intervention lasted ten weeks, with five-minute quizzes at the start of each lesson.",
        "Retention was measured with a delayed test three months after the intervention ended.",
        "The retrieval group scored on average 0.3 standard deviations higher on the delayed test.",
        "Effects were larger for students with lower prior attainment.",
        "Teachers reported that the quizzes took longer to prepare than expected in the first weeks.",
        "Limitations include the absence of blinding and differences in how consistently teachers ran the quizzes.",
        "We discuss implications for curriculum design and teacher workload.",
    ],
}
SUMMARY_PHRASINGS = [
    "Summarize this in 3 bullet points:\n\n{text}",
    "tl;dr please: {text}",
    "Can you give me the key points of the following?\n{text}",
    "Condense this for my boss, max 3 sentences: {text}",
    "What are the main takeaways here? {text}",
    "Summarise the following and list any action items.\n{text}",
    "{text}\n\nPlease summarise the above.",
    "Boil this down to one paragraph: {text}",
]


def _arith(rng: random.Random) -> dict:
    return {
        "a": rng.randint(2, 999),
        "b": rng.randint(2, 99),
        "p": rng.choice([5, 10, 12, 15, 20, 25, 30, 40]),
        "n": rng.choice([40, 60, 80, 120, 250, 360, 1500]),
    }


def _units(rng: random.Random) -> dict:
    u1, u2 = rng.choice(UNIT_PAIRS)
    return {"n": rng.choice([1, 2, 3, 5, 7, 10, 12, 20, 25, 42, 100]), "u1": u1, "u2": u2}


TEMPLATES = [
    (
        "factual",
        [
            "What is the capital of {c}?",
            "capital of {c}?",
            "whats the capital city of {c}",
            "{c} capital?",
            "Which city is the capital of {c}?",
            "Tell me the capital of {c}.",
        ],
        lambda r: {"c": r.choice(COUNTRIES)},
        26,
    ),
    (
        "factual",
        [
            "Who wrote {b}?",
            "author of {b}?",
            "who's the writer of {b}",
            "{b} - who wrote it?",
            "Which author wrote {b}?",
        ],
        lambda r: {"b": r.choice(BOOKS)},
        16,
    ),
    (
        "factual",
        [
            "What currency do they use in {c}?",
            "what language is spoken in {c}",
            "what's the population of {c} roughly?",
            "what continent is {c} in?",
        ],
        lambda r: {"c": r.choice(COUNTRIES)},
        16,
    ),
    (
        "arithmetic",
        [
            "What is {a} + {b}?",
            "{a} times {b}",
            "calculate {a} * {b}",
            "{a} divided by {b}?",
            "what's {p}% of {n}?",
            "how much is {a} minus {b}",
            "sum of {a} and {b}",
            "what is {b} squared",
            "{a}+{b}=?",
            "Quick maths: {a} - {b}",
        ],
        _arith,
        34,
    ),
    (
        "conversion",
        [
            "convert {n} {u1} to {u2}",
            "how many {u2} is {n} {u1}?",
            "{n} {u1} in {u2}",
            "what's {n} {u1} in {u2} roughly",
            "{n} {u1} to {u2} please",
        ],
        _units,
        26,
    ),
    (
        "definition",
        [
            "what does {w} mean?",
            "define {w}",
            "{w} meaning",
            "what is {w}? one line",
            "quick definition of {w} please",
            "explain {w} in one sentence",
        ],
        lambda r: {"w": r.choice(WORDS)},
        30,
    ),
    (
        "definition",
        ["what does {a} stand for?", "{a} stands for what?", "what's {a} short for", "expand the acronym {a}"],
        lambda r: {"a": r.choice(ACRONYMS)},
        16,
    ),
    (
        "rewrite",
        ["translate '{p}' to {l}", "how do you say '{p}' in {l}?", "'{p}' in {l}?", "What's the {l} for '{p}'?"],
        lambda r: {"p": r.choice(PHRASES), "l": r.choice(LANGS)},
        22,
    ),
    (
        "rewrite",
        [
            "make this more formal: '{s}'",
            "rephrase politely: {s}",
            'fix this message: "{s}"',
            "how can I say '{s}' more professionally?",
        ],
        lambda r: {"s": r.choice(CASUAL)},
        18,
    ),
    (
        "greeting",
        ["hey {n}!", "hi, I'm {n}", "good morning, this is {n}", "hello! {n} here :)", "{n} says hi"],
        lambda r: {"n": r.choice(NAMES)},
        10,
    ),
    (
        "comparison",
        [
            "Compare {a} and {b} for {u}.",
            "{a} vs {b} for {u}? Give me the pros and cons.",
            "Should we use {a} or {b} for {u}? Explain the trade-offs.",
            "Which is better for {u}, {a} or {b}, and why?",
            "help me decide between {a} and {b} for {u}",
        ],
        lambda r: dict(zip("abu", r.choice(COMPARE_PAIRS), strict=True)),
        34,
    ),
    (
        "planning",
        [
            "Create a step-by-step plan to {g} in {n} months.",
            "Help me plan how to {g} within {n} months.",
            "Give me a roadmap to {g}, with milestones.",
            "i want to {g}. where do i start and what's the plan?",
            "Draft a {n}-month strategy to {g}, including risks.",
        ],
        lambda r: {"g": r.choice(PLAN_GOALS), "n": r.choice([2, 3, 4, 6, 9, 12])},
        30,
    ),
    (
        "creative",
        [
            "Write a {f} about {t}.",
            "Compose a {f} about {t}",
            "can you write me a {f} on {t}?",
            "I need a {f} about {t} for tomorrow",
            "Write a funny {f} about {t}",
        ],
        lambda r: {"f": r.choice(CREATIVE_FORMS), "t": r.choice(CREATIVE_TOPICS)},
        34,
    ),
    (
        "code",
        [
            "Write a {l} program that {t}.",
            "Implement something in {l} that {t}, with tests.",
            "Can you code a {l} script that {t}?",
            "I need {l} code that {t}; keep it production quality.",
            "Show me how to build a {l} tool that {t}.",
        ],
        lambda r: {"l": r.choice(CODE_LANGS), "t": r.choice(CODE_TASKS)},
        34,
    ),
    (
        "analysis",
        [
            "Analyze {t}.",
            "Explain in depth {t}.",
            "Give me a thorough analysis of {t}.",
            "Walk me through {t}, step by step.",
            "dig into {t} - what are the main factors?",
        ],
        lambda r: {"t": r.choice(ANALYSIS_TOPICS)},
        26,
    ),
    (
        "security_compliance",
        [
            "What are the security risks of {s} and how do we mitigate them?",
            "How do we make {s} compliant with {g}?",
            "Threat model {s}.",
            "Audit {s} against {g} and list the gaps.",
            "what controls does {s} need for {g}, and in what order should we add them?",
        ],
        lambda r: {"s": r.choice(SECURITY_SYSTEMS), "g": r.choice(REGULATIONS)},
        28,
    ),
    (
        "architecture",
        [
            "Design {s} that handles {q}.",
            "How would you architect {s} for {q}?",
            "Propose a system design for {s} with {q}.",
            "what architecture would you pick for {s}, given {q}?",
        ],
        lambda r: dict(zip("sq", r.choice(ARCH_SYSTEMS), strict=True)),
        24,
    ),
]

# --------------------------------------------------------------------------- surface noise

_PREFIXES = ["hey, ", "quick question: ", "ok so ", "Hi! ", "hello, ", "Question - ", "pls ", "hey bot, "]
_SUFFIXES = [" thanks", " pls", " thx!", " :)", " asap", " cheers", " ??"]


def _typo(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    w, j = words[i], rng.randrange(1, len(words[i]) - 2)
    kind = rng.choice(["swap", "drop", "double"])
    words[i] = {
        "swap": w[:j] + w[j + 1] + w[j] + w[j + 2 :],
        "drop": w[:j] + w[j + 1 :],
        "double": w[:j] + w[j] + w[j:],
    }[kind]
    return " ".join(words)


def vary(text: str, rng: random.Random) -> str:
    """Seeded surface noise: typos, casing, chatty prefixes and suffixes, dropped punctuation."""
    if rng.random() < 0.15:
        text = _typo(text, rng)
    if rng.random() < 0.15 and text[-1:] in "?.!":
        text = text[:-1]
    if rng.random() < 0.12:
        text = rng.choice(_PREFIXES) + text[0].lower() + text[1:]
    if rng.random() < 0.08:
        text = text + rng.choice(_SUFFIXES)
    r = rng.random()
    if r < 0.12:
        text = text.lower()
    elif r < 0.14:
        text = text.upper()
    return text


# --------------------------------------------------------------------------- assembly


def _summaries(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """Summaries of sentences drawn from one pool share that pool's group: rows built from the same
    sentences must never sit on both sides of a split."""
    rows = []
    for i in range(count):
        pool_name = list(SUMMARY_POOLS)[i % len(SUMMARY_POOLS)]
        pool = SUMMARY_POOLS[pool_name]
        text = " ".join(rng.sample(pool, rng.randint(5, len(pool))))
        rows.append((rng.choice(SUMMARY_PHRASINGS).format(text=text), f"summary-{pool_name}"))
    return rows


class _Groups:
    """Union-find over group keys: rows that share a template or a slot filling end up in one group."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, keys: list[str]) -> str:
        roots = sorted({self.find(k) for k in keys})
        for root in roots[1:]:
            self.parent[root] = roots[0]
        return roots[0]


# Plans asked for as steps or milestones: a plan all the same, however short the request looks.
STEP_PLANS = [
    "List the steps to set up a home office that is good for my back, in order of cost.",
    "Give me the steps to apply for a mortgage in Ireland, from first viewing to getting the keys.",
    "What are the steps to open a small online shop, and how long does each take?",
    "Give me a checklist of milestones for renovating a bathroom in six weeks.",
    "Break my thesis into milestones for the next five months, with what to hand in at each one.",
    "list numbered steps to move a wordpress site to a new host without losing emails",
    "Give me seven steps to train a puppy to walk on a lead, one week each.",
    "Set milestones for learning to play the guitar well enough to join a band in a year.",
]

# Proofs and derivations: short to ask, a chain of reasoning to answer (SmolLM2 writes a confident non-proof).
PROOFS = [
    "Prove that the square root of 2 is irrational.",
    "Prove that there are infinitely many primes.",
    "prove that the product of two odd numbers is odd",
    "Show that the sum of the first n odd numbers is n squared.",
    "Show that every integer greater than 1 has a prime factor.",
    "Derive the quadratic formula.",
    "Derive the formula for the area of a circle from the circumference.",
    "Give a proof that 0.999... equals 1.",
    "Write a proof by induction that 1 + 2 + ... + n = n(n+1)/2.",
    "Prove the Pythagorean theorem.",
    "Can you prove that log2(3) is irrational?",
    "Show that a graph with n vertices and more than n-1 edges has a cycle.",
    "Prove that the angles in a triangle add up to 180 degrees.",
    "derive the derivative of x^2 from first principles",
    "Is there a short proof that e is irrational? Give it.",
    "Prove that if n^2 is even then n is even.",
    "Show that the halting problem is undecidable.",
    "Prove that any two consecutive integers are coprime.",
    "Derive Bayes' theorem from the definition of conditional probability.",
    "Prove that a binary tree with n nodes has n-1 edges.",
]

# Proofs, letter games and arithmetic asked in words the graded templates do not use, and bare acknowledgements.
PLAIN_KINDS = {
    "analysis": PROOFS,
    "rewrite": [
        "Spell 'strength' backwards, letter by letter.",
        "What is 'pineapple' written backwards?",
        "How many vowels are in the word 'queue'?",
        "Count the vowels in 'encyclopedia'.",
        "what is 'racecar' spelled in reverse",
        "Is 'stressed' spelled backwards a real word?",
        "Reverse the letters of 'planet'.",
        "Which vowels appear in 'rhythm'?",
        "Find an anagram of 'night'.",
        "Is 'dusty' an anagram of 'study'?",
        "Unscramble 'tnecil' into an English word.",
        "unscramble these letters: o-l-w-e-r",
    ],
    "planning": [
        "Make me an itinerary for two days in Vienna.",
        "Draft a travel itinerary for a family trip to Scotland, with a rest day.",
        "Put together an agenda for a two-hour design review.",
    ],
    "arithmetic": [
        "Solve 3x + 4 = 19 for x.",
        "solve: 12 - 2y = 4",
        "What comes next: 5, 10, 20, 40?",
        "What comes next in 1, 4, 9, 16?",
        "What is the remainder when 100 is divided by 7?",
        "remainder of 53 divided by 6?",
        "What is 15 percent of 240?",
        "Increase 80 by 25 percent.",
        "Find the next term of the sequence 3, 6, 12, 24.",
        "Is the sequence 2, 5, 8, 11 arithmetic? What is its 10th term?",
        "What is the sum of 14, 27 and 38?",
        "Find the product of 12 and 15.",
    ],
    "smalltalk": [
        "yeah",
        "yup",
        "k",
        "kk thanks",
        "awesome",
        "perfect thanks",
        "noted",
        "got it thanks",
        "nope",
        "great",
        "no problem",
        "all good!",
        "my bad",
        "nevermind",
        "oh ok",
        "no worries at all, thanks",
        "fair enough, cheers",
        # reactions to an answer that name the task they thank for
        "thanks for the quick answer",
        "that's hilarious",
        "it's so cool",
        "this error message is hilarious 😂",
        "my cat just walked across the keyboard 🤣",
        "great, the migration script worked on staging",
        "thanks, the backup job ran overnight",
        "it was a long read but ok thanks",
        "the talk ran long, but fine",
        "that's exactly what I needed",
        "yes, that is what I meant",
        "thank you for explaining the recursion part",
        "many thanks for the outline",
        "good explanation, I understand it now",
        "excellent breakdown of the options",
        "nice work on the poem",
        "the itinerary looks great",
        "your summary is spot on",
        "the new version looks perfect",
        "the regex works now",
        "that fix did the trick",
        "the script runs fine on my laptop",
        "sounds good, let's go with option B",
        "sounds about right to me",
        "I'll test it tomorrow",
        "ok I'll read them later",
        "let me try it now",
        # greetings, thanks and goodbyes in other languages
        "gracias, muy amable",
        "merci beaucoup pour ton aide",
        "danke schön und tschüss",
        "grazie mille!",
        "obrigada pela paciência",
        "tot ziens en bedankt",
        "iyi geceler herkese",
        "hoşça kal, görüşürüz",
        "dziękuję bardzo",
        "asante sana rafiki",
        "spasibo bolshoe",
        "arigatou gozaimasu",
        "xie xie ni",
        "shukriya dost",
        "ciao a tutti",
        "bonsoir tout le monde",
        "brb, coffee",
        "gtg, talk later",
        "will do",
        "roger that",
    ],
    "code": [
        "I need a script in Python that merges two Excel sheets by customer id.",
        "looking for a function using Go that retries HTTP calls with exponential backoff",
        # code asked for by naming the tool, an error or a language, without "write a function"
        "regex that matches a US zip code with an optional +4",
        "sql: top 3 customers by revenue per country",
        "bash loop that renames every .jpeg file to .jpg",
        "git: how do I move my last commit to a new branch",
        "css for a sticky footer",
        "cron schedule for the first day of every month at noon",
        "pandas: drop rows where any column is empty",
        "numpy way to normalise each row of a matrix",
        "javascript function that debounces another function",
        "rust struct with a builder method for an http client config",
        "how can I parse a date string in java",
        "how do I merge two dictionaries in python",
        "best way to read environment variables in node.js",
        "KeyError: 'user_id' when I load my json, what is wrong",
        "my flask app shows a traceback about a missing template",
        "segfault when my c program frees a pointer twice",
        "getting a NullPointerException in my android app on rotation",
        "haskell function that zips three lists",
        "html form with email and password fields and client-side validation",
        "unit tests for a function that validates passwords",
        "implementation of an LRU cache in c++",
        "postgres query for the monthly active users of the last year",
        "what's slow here: for row in rows: for col in range(len(row)): total += row[col]",
        "is this loop ok? for k in sorted(d.keys()): print(k)",
        "=VLOOKUP(B2, Sheet2!A:C, 3, FALSE) returns #N/A, why",
        'simplify this formula: =SUMIF(C:C, ">0") / COUNT(C:C)',
        "what's wrong with: select id, name from customers where age > ;",
        "explain select * from orders join users on orders.user_id = users.id",
        "git stash pop gave me a merge conflict, now what",
        "what does git cherry-pick do exactly",
        "npm ERR! peer dependency conflict when installing react-router",
        "fatal: not a git repository (or any of the parent directories)",
        "ModuleNotFoundError: No module named 'requests' even after pip install",
    ],
}

# Tasks named without the words the templates use: a tool or an error instead of "write a function", a statistic
# instead of an operator, a cipher or a rhyme instead of "spell", a riddle or a syllogism.
NAMED_KINDS = {
    "summarise": [
        "кратко перескажи этот текст: компания открыла новый офис и наняла двадцать человек",
        "总结一下这篇文章的要点：今年销售增长了百分之十",
        "what's the gist of this: the council voted to close the library on sundays",
        "main idea of this paragraph: bees pollinate most of the crops we eat",
        "resume este texto en dos frases: el equipo terminó el proyecto antes de la fecha y con menos presupuesto",
        "fasse diesen absatz zusammen: der bericht zeigt höhere kosten und weniger kunden im zweiten quartal",
    ],
    "planning": [
        "составь план тренировок на неделю",
        "帮我做一个学习计划",
        "organize my week around three deadlines",
        "a workout routine for beginners with no equipment",
        "ayúdame a planear una semana de estudio para el examen de estadística",
        "planifier un week-end à lyon avec deux enfants",
    ],
    "creative": [
        "напиши короткое поздравление с днём рождения",
        "写一个关于大海的小故事",
        "email to my manager asking for a day off",
        "a note for the team about the new office hours",
        "escribe un mensaje de bienvenida para nuevos clientes",
        "écris une lettre de motivation pour un stage en marketing",
        "schreib einen kurzen text für unsere webseite über das team",
        "corrige mi inglés: yesterday I have went to the cinema",
        "slogans for a dog grooming van",
        "catchy names for a vegan food truck",
        "3 funny captions for a photo of our office cat",
        "a haiku about morning coffee",
    ],
    "code": [
        "regex phone number",
        "pandas merge",
        "bash loop",
        "sql pivot",
        "cómo leo un archivo json en python",
        "comment installer pandas dans un environnement virtuel",
        "what does `df.dropna(how='all')` do",
        "is `git pull --rebase` safe on a shared branch",
        "inner join vs left join in postgres, with an example",
        "how to order by two columns in sql, one descending",
        "plot a bar chart of revenue per region with matplotlib",
        "plot the loss curve from my training log",
        "ruby array sort by two keys",
        "js dedupe an array of objects by id",
        "why am I getting a 403 from my flask api behind nginx",
        "why is my react app getting a blank page after deploy",
        "why do I keep hitting a rate limit with my scraper",
        "numpy: stack two arrays side by side",
        "bash: count the files in a folder, recursively",
        "typescript: a type for an object whose values are all numbers",
    ],
    "arithmetic": [
        "what percentage of 640 is 96",
        "my rent is 900 and I earn 2,700: what percentage goes to rent",
        "growth rate from 1.2m users to 1.5m in a year",
        "compound interest on 5,000 at 4% for 10 years",
        "250 usd to eur at today's rate",
        "40 psi in bar",
        "5 km -> miles",
        "72 inches → cm",
        "cuánto es 18 por 37",
        "combien font 4500 divisé par 12",
        "wie viel ist 15 mal 16",
        "the flight leaves at 7:15 and takes 3h40, when does it land",
        "my shift starts at 22:00 and lasts 9 hours, what time does it end",
        "I buy mugs at $4 and sell them at $11, what is my profit on 250 mugs",
        "a 20% discount on a $85 jacket, then 8% tax: final price",
        "what's the tip on a $64 bill at 18 percent",
        "sqrt(2) to four decimal places",
        "what is log(1000) in base 10",
        "What is the derivative of ln(x) times x?",
        "integrate 2x from 1 to 3",
        "probability of drawing two red cards in a row",
        "the odds of flipping five heads in a row",
        "standard deviation of these: 10, 12, 23, 23, 16",
        "median of 3 9 1 7 5",
        "what is 10 choose 3",
        "how many ways to choose 2 from 6, i.e. 6 choose 2",
        "gcd of 48 and 180",
        "lcm of 4, 6 and 10",
        "factorial of 8",
        "cube root of 729",
        "3 to the power of 7",
        "percentage change from 80 to 92",
        "which day of the week was 1 January 2000",
        "limit of (1+1/n)^n as n goes to infinity",
        "a cyclist rides at 15 mph for 2.5 hours, how far does she go",
        "a car goes 90 km/h for 40 minutes: distance?",
        "what is the next number in the sequence 1 4 9 16 25",
        "find the missing number: 3, 9, ?, 81",
        "next term in this pattern: 2, 4, 8, 16",
        "mean of 4 8 15 16 23 42",
        "solve 2x - 7 = 11",
        "find x: 5x + 3 = 28",
        "a + b = 12 and a - b = 4, what are a and b",
        "if p + q = 9 and p = 2q, find q",
        "multiply this matrix by 2: [[1, 0], [2, 3]]",
        "what is the determinant of the matrix [[4, 3], [6, 3]]",
        "convert 72 f to c",
        "what is 30 c in fahrenheit",
        "what's the next number in this series: 7, 14, 28",
        "what is the missing number in 5, 10, 20, ?, 80",
        "spot the missing number: 1, 1, 2, 3, 5, ?, 13",
    ],
    "rewrite": [
        "переведи на немецкий: доброе утро",
        "把这句话翻译成日语：谢谢你的帮助",
        "a vocabulary quiz for beginners in Italian",
        "make a vocab list of kitchen words in Spanish",
        "cuántas letras tiene 'murciélago'",
        "combien de lettres dans 'anticonstitutionnellement'",
        "wie viele buchstaben hat 'donaudampfschiff'",
        "correct my french: je suis allé à la magasin hier",
        "check my spanish: yo tengo veinte años y vivo en madrid",
        "what does 'c'est la vie' mean in english",
        "how to say 'where is the station' in japanese",
        "how to say thank you in vietnamese",
        "spanish for 'I am hungry'",
        "german word for 'cosy'",
        "say 'happy birthday' in 5 different languages",
        "'thank you' in 4 languages, with pronunciation",
        "traduire 'bonne chance' en anglais",
        "traducir 'see you soon' al portugués",
        "what does 'schadenfreude' mean, in english",
        "how do you write 'good night' in 3 languages",
        "what does the word 'hygge' mean in english",
        "traduce 'good luck' al español",
        "übersetze 'I love books' ins Deutsche",
        "how many consonants are in 'strengths'",
        "count the consonants in 'bookkeeper'",
        "list the consonants of 'queue'",
        "how many e in 'excellence'",
        "how many r are in 'carrier'",
        "find the hidden word in 'scarecrow'",
        "what hidden words are inside 'heartbeat'",
        "spell 'accomodate' correctly",
        "how do you spell 'neccessary' correctly",
        "is there a hidden word in 'caterpillar'",
        "hidden words in 'fantastic', please",
        "how many t's in 'attitude'",
        "how many s's are there in 'mississippi'",
        "how many syllables does 'encyclopedia' have",
        "split 'banana' into syllables",
        "is 'level' a palindrome",
        "give me a palindrome sentence",
        "what rhymes with 'purple'",
        "a word that rhymes with 'table'",
        "write my name in morse code: Ana",
        "apply rot13 to 'hello world'",
        "encode 'attack at dawn' with a caesar cipher, shift 3",
        "say 'banana' in pig latin",
        "what is the second letter of 'xylophone'",
        "the last word of 'to be or not to be'",
        "how many words are in 'the cat sat on the mat'",
        "how many characters are in 'supercalifragilistic'",
        "how many words can be formed from 'stone'",
        "words made from the letters of 'garden'",
        "list words that can be made from 'planet'",
        "the third letter of 'marmalade'",
        "what's the first character of each word in 'all good things'",
        "which words can be formed from 'orange'",
        "fix the grammar: she dont like apples",
        "correct the spelling in 'recieve the adress'",
        "make this sound more friendly: Send the report now.",
        "turn this into passive voice: the dog chased the cat",
        "paraphrase this: the meeting has been moved to Thursday",
        "rewrite this sentence to be shorter: in the event that it rains we will stay inside",
        "turn this into a bulleted list: eggs, flour, sugar, butter",
        "make these notes into a short email: meeting moved, bring laptop, lunch provided",
        "put the following into a table: Anna 34 Berlin, Tom 29 Oslo",
    ],
    "analysis": [
        "сравни python и go для веб-сервисов",
        "比较一下苹果和安卓手机的优缺点",
        "a detailed comparison of two note-taking apps",
        "one guard always lies and one always tells the truth: which question do I ask",
        "Tom always lies and Ann always tells the truth; Tom says Ann is lying. Who is right?",
        "analiza estas ventas por mes: enero 10, febrero 14, marzo 9",
        "analysiere diese umfrage: 40% ja, 35% nein, 25% weiß nicht",
        "adivinanza: blanco por dentro, verde por fuera",
        "énigme : je commence la nuit et je termine le matin, qui suis-je",
        "critique my plan to learn Spanish in three months",
        "monthly signups: 40, 55, 38, 70, 90. what trends stand out",
        "here are our support tickets by weekday: mon 30, tue 22, wed 25, thu 41. what patterns do you notice",
        "critique this opening line: It was a dark and stormy night.",
        "riddle: what has a neck but no head",
        "solve this riddle: the more you take, the more you leave behind",
        "a logic puzzle: three boxes are all labelled wrong, how many do I open",
        "help with this puzzle: a farmer has to cross a river with a wolf, a goat and a cabbage",
        "I have cities but no houses, forests but no trees. What am I?",
        "you can hold me without touching me. what am i",
        "what has a face but never smiles",
        "what has legs but cannot walk",
        "if all roses are flowers and some flowers fade quickly, do some roses fade quickly",
        "if no fish are birds and all sparrows are birds, are any sparrows fish",
        "name the fallacy: you can't trust his argument because he's rich",
        "solve tower of hanoi for 3 disks",
        "Ann is taller than Ben, and Ben is taller than Cal. Who is the tallest?",
        "Dee is older than Eve, Eve is older than Fay: who is the youngest?",
        "all squares are rectangles, this is a square, therefore?",
        "it rained, therefore the game was cancelled: is that reasoning sound",
        "the day before yesterday was Friday; what day is tomorrow",
        "if today is Monday, what day is it in 100 days",
        "if yesterday was the 30th of April, what is the date today",
        "find the heavy ball among 8 balls in two weighings",
        "9 coins, one counterfeit: how many weighings do I need",
        "12 identical-looking pearls, one lighter: find it in 3 weighings",
        "if the day before yesterday was the 3rd, what is the date the day after tomorrow",
        "no cats are dogs and Rex is a dog, therefore is Rex a cat",
        "my birthday was the day before yesterday and I turn 30 next year: how old am I today",
    ],
}


def build_rows(seed: int = SEED) -> list[dict]:
    """Every row with its category and group; labels and folds are added by `label_and_fold`."""
    rng = random.Random(seed)
    rows: list[dict] = []
    for table in (SHORT_ONE_OFFS, LONG_ONE_OFFS):
        for category, queries in table.items():
            for i, q in enumerate(queries):
                rows.append({"query": q, "category": category, "keys": [f"{category}-{i}"]})
    for i, (q, category) in enumerate(NATURAL):
        rows.append({"query": q, "category": category, "keys": [f"natural-{i}"]})
    for t, (category, phrasings, fill, count) in enumerate(TEMPLATES):
        for _ in range(count):
            k = rng.randrange(len(phrasings))
            slots = fill(rng)
            # numbers (amounts, months) are not content; named fillings (a country, a product) are
            keys = [f"tpl{t}"] + [f"fill:{value}".lower() for value in slots.values() if isinstance(value, str)]
            rows.append({"query": phrasings[k].format(**slots), "category": category, "keys": keys})
    for q, group in _summaries(rng, 24):
        rows.append({"query": q, "category": "summarise", "keys": [group]})
    for i, q in enumerate(STEP_PLANS):  # last, so the rows above keep the variations they always had
        rows.append({"query": q, "category": "planning", "keys": [f"steps-{i}"]})
    rows += _kind_rows(PLAIN_KINDS, "plain", as_written=False)
    rows += _kind_rows(NAMED_KINDS, "named", as_written=True)

    for row in rows:
        if not row.pop("as_written", False):  # the named kinds are natural phrasings already
            row["query"] = vary(row["query"], rng)
    unique = [row for row in _unique_queries(rows) if not _stated(row["query"]) and not _graded(row["query"])]
    _name_groups(unique)
    _assign_folds(unique, rng)
    return unique


def _kind_rows(table: dict[str, list[str]], prefix: str, as_written: bool) -> list[dict]:
    """One row per query of a {category: queries} table, each its own group; `as_written` rows are not varied."""
    return [
        {"query": q, "category": category, "keys": [f"{prefix}-{category}-{i}"], "as_written": as_written}
        for category, queries in table.items()
        for i, q in enumerate(queries)
    ]


def _stated(query: str) -> bool:
    """A lab, test, demo script or chat page example states a tier for it (modules/routing/stated.py): not trained on."""
    from modules.routing.stated import normal, stated_queries

    global _STATED
    if _STATED is None:
        _STATED = stated_queries()
    return normal(query) in _STATED


_STATED: set[str] | None = None


def _graded(query: str) -> bool:
    """A graded query: it is scored cross-fitted, so a routing row with its text would leak its own outcome."""
    global _GRADED
    if _GRADED is None:
        with Path(__file__).with_name("graded_queries.csv").open(newline="", encoding="utf-8") as f:
            _GRADED = {_words(row["query"]) for row in csv.DictReader(f)}
    return _words(query) in _GRADED


def _words(query: str) -> str:
    return re.sub(r"\W+", " ", query.lower()).strip()


_GRADED: set[str] | None = None


def _unique_queries(rows: list[dict]) -> list[dict]:
    """The rows in order, without a later row whose query repeats an earlier one (ignoring case and spaces)."""
    seen, unique = set(), []
    for row in rows:
        key = row["query"].strip().lower()
        if key not in seen:
            seen.add(key)
            unique.append(row)
    return unique


def _name_groups(rows: list[dict]) -> None:
    """Replace each row's keys with its group name: rows that share any key are in one group."""
    groups = _Groups()
    for row in rows:
        groups.union(row["keys"])
    names: dict[str, str] = {}
    for row in rows:
        root = groups.find(row.pop("keys")[0])
        row["group"] = names.setdefault(root, f"g{len(names):04d}")


def _assign_folds(rows: list[dict], rng: random.Random) -> None:
    """Whole groups go to folds, largest first, each to the fold that has the fewest rows of the group's
    categories so far, so every fold has about the same mix of categories (and of labels)."""
    mix: dict[str, dict[str, int]] = {}
    for r in rows:
        counts = mix.setdefault(r["group"], {})
        counts[r["category"]] = counts.get(r["category"], 0) + 1
    order = sorted(mix)
    rng.shuffle(order)
    order.sort(key=lambda g: -sum(mix[g].values()))
    load: dict[str, list[int]] = {c: [0] * FOLDS for c in {r["category"] for r in rows}}
    totals = [0] * FOLDS
    fold_of = {}
    for g in order:
        cost = [(sum(load[c][f] * n for c, n in mix[g].items()), totals[f], f) for f in range(FOLDS)]
        fold = min(cost)[2]
        fold_of[g] = fold
        for c, n in mix[g].items():
            load[c][fold] += n
            totals[fold] += n
    for r in rows:
        r["fold"] = fold_of[r["group"]]


def render_csv(rows: list[dict], policy) -> str:
    """The CSV text: each label follows from the policy (the capability profile) and the row's category."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["query", "label", "category", "group", "fold"], lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow(
            {
                "query": r["query"],
                "label": policy.tier(r["category"]),
                **{k: r[k] for k in ("category", "group", "fold")},
            }
        )
    return out.getvalue()


def main() -> None:
    from modules.routing.policy import derive_policy
    from modules.routing.profile import load_profile

    rows = build_rows()
    policy = derive_policy(load_profile())
    OUT.write_text(render_csv(rows, policy), encoding="utf-8")
    n_cloud = sum(policy.tier(r["category"]) == "cloud" for r in rows)
    n_groups = len({r["group"] for r in rows})
    print(f"wrote {len(rows)} rows to {OUT} ({n_cloud} cloud, {len(rows) - n_cloud} local; {n_groups} groups)")


if __name__ == "__main__":
    main()

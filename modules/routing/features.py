"""Query features: what a quick look at the text finds (regular expressions, word count, constraints).

Every flag is a list of alternatives, each one a regular expression for a *class* of queries. A rule
earns its place by covering training rows from at least two different groups (`rule_coverage`, checked
by the tests): a rule that exists to catch one data row would only memorise it, and since the flags are
features of the learned model, it would leak that row's label into the model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

_LANGS = (
    r"(python|javascript|typescript|java|c\+\+|c#|golang|go|rust|kotlin|swift|ruby|php|sql|bash|haskell|scala|perl"
    r"|react|node(\.js)?|django|flask|fastapi|pandas|docker)(?!\w)"
)
# What a how-to question about code names besides a tool: data, notebooks, containers, version control.
_TECH = (
    r"(rows?|columns?|dataframes?|df|csv|parquet|dict(ionary|s)?|tuples?|list of dicts|cells?|kernel|notebooks?|"
    r"containers?|docker image|ports?|commits?|branch(es)?|repo(sitory)?|merge conflict|histogram|bar chart|line plot|"
    r"plots?|matplotlib|seaborn|plotly|nan|null values|api key|env(ironment)? var\w*|virtual ?env\w*|"
    r"requirements\.txt|pip install|localhost|docker-compose|readme|window function|running total|progress bar|"
    r"loops?|python\w*)(?!\w)"
)
# What people name when they want code without saying "write a function": a language, a query language, a shell,
# a tool. "c" and "r" are left out: "100 f in c" is a temperature.
_TOOLS = (
    r"(python|javascript|js|typescript|java|c\+\+|c#|golang|go|rust|kotlin|swift|ruby|php|haskell|scala|perl|sql|"
    r"postgres(ql)?|mysql|sqlite|bash|shell|powershell|zsh|git|regex|regexp|css|html|linq|numpy|pandas|react|"
    r"node(\.js)?|django|flask|docker|dockerfile|yaml|awk|sed|jq|cron|excel formula|vba|flexbox|virtualenv|venv|pip|"
    r"conda|npm|yarn|eslint|prettier|webpack|kubectl|kubernetes|helm|terraform|ansible|airflow|spark|pytorch|"
    r"tensorflow|keras|scikit-learn|sklearn|streamlit|jupyter|github actions|gitlab ci|jenkins|power bi|tableau|excel|"
    r"google sheets|dax|nginx|redis|mongodb|graphql|oauth|jwt|aws|azure|gcp|s3|docker compose|systemd|vim|vscode|"
    r"csv|json|xml|dataframe)"
    r"(?!\w)"
)

# Alternatives per flag; patterns are lower case and match lower-cased text (faster than re.IGNORECASE).
ALTERNATIVES: dict[str, list[str]] = {
    "greeting": [
        r"^\W*hi+\b",
        r"^\W*hello\b",
        r"^\W*hey\b",
        r"^\W*good (morning|afternoon|evening|day|night)\b",
        r"\bthanks?\b",
        r"\bthank you\b",
        r"\bthx\b",
        r"\bcheers\b",
        r"\bbye\b",
        r"\bsee you\b",
        r"\blol\b",
        r"\bnice to meet you\b",
        r"^\W*(how are you|how's it going|what's up|how have you been)\b",
        r"\b(no worries|fair enough|no problem)\b",
        r"\bare you (a )?(robot|bot|human|there|still there)\b",
        r"^\W*(ok(ay)?|k+|yes|yep|yup|yeah|nope|sure|cool|wow|nice|great|awesome|perfect|got it|noted|ty|np|"
        r"no (worries|problem)|fair enough|all good|my bad|never ?mind|nvm|oh (wow|ok|nice)|will do|roger( that)?|"
        r"word|brb|gtg|g2g|ttyl|cya|cya later|cya l8r|l8r|see ya|later|exactly|indeed|true|right|à plus|a plus|"
        r"à bientôt)"
        r"( please| thanks| cool| then)?( (buddy|folks|everyone|all|guys|mate|man|dude|bro|friend|team|bot|pal))?\W*$",
        # greetings, thanks and goodbyes in the languages attendees write in
        r"^\W*(hola|buen[oa]s (días|dias|tardes|noches)|gracias|adiós|adios|bonjour|bonsoir|salut|merci|au revoir|"
        r"bonne nuit|hallo|guten (morgen|tag|abend)|gute nacht|danke|tschüss|tschuss|ciao|buongiorno|buonasera|"
        r"buona notte|grazie|arrivederci|olá|ola|bom dia|boa (tarde|noite)|obrigad[oa]|tchau|até logo|hoi|"
        r"goedemorgen|dank je|bedankt|tot ziens|merhaba|selam|günaydın|iyi geceler|teşekkür|teşekkürler|sağ ol|"
        r"hoşça kal|görüşürüz|cześć|dzień dobry|dziękuję|do widzenia|hej|tack|namaste|namaskar|shukriya|"
        r"dhanyavaad|marhaba|salaam|shukran|ma'?a ?salama|jambo|habari|asante|kwaheri|privet|spasibo|poka|"
        r"annyeong|konnichiwa|arigatou?|sayonara|ni ?hao|xie ?xie|zai ?jian|привет|спасибо|пока|"
        r"здравствуйте|こんにちは|ありがとう|さようなら|你好|谢谢|再见|안녕|감사합니다|مرحبا|شكرا)",
    ],
    # A reaction to an answer ("great summary, thanks", "sounds like a plan", "the proof checks out") names the
    # task it is about but asks for nothing; `analyze_query` drops the task flags it would otherwise raise.
    "feedback": [
        r"^\W*(many |big )?(thanks|thank (you|u)|thx|ty|tysm|cheers)( (so|very) much| a lot| again)?,? for\b",
        r"^\W*(great|nice|good|awesome|perfect|cool|excellent|brilliant|lovely|amazing|neat|solid|clear|fantastic|"
        r"super|wonderful)( \w+){0,2} (summary|plan|proof|analysis|review|answer|job|work|explanation|translation|"
        r"code|idea|outline|breakdown|list|poem|story|essay|point|suggestion|strategy|stuff|one|tips?)\b",
        r"(^|[,.!;:] ?)\W*((ok|cool|great|nice|yes|yep|awesome|perfect|wow|and|ah+|oh+|ah+ ok|oh+ ok) )?"
        r"(that|this|the|your|it|its|it's)( [\w-]+){0,3} (was|is|looks|seems|sounds|reads)( (really|very|so|super|"
        r"pretty|quite|totally|just|absolutely))? (great|good|helpful|useful|neat|nice|perfect|clear|brilliant|amazing|"
        r"awesome|spot on|fine|correct|right|clever|elegant|fantastic|excellent|lovely|fun|cool|exactly|fast|quick|"
        r"easy|funny|hilarious|interesting|impressive|smart|simple|wild|crazy|beautiful|cute|handy|gold)\b",
        r"(^|[,.!;:] ?)\W*((ok|cool|great|nice|yes|yep|awesome|perfect|wow|and|ah+|oh+|ah+ ok|oh+ ok) )?"
        r"((that|this|the|your|it|my) )?([\w-]+ ){0,3}(works|worked|checks out|checked out|clicked|makes sense|"
        r"made sense|helped|did the trick|compiles|passes|passed|is working|matches (mine|my \w+|what)|adds up|"
        r"made my day|saved my day|saved me|"
        r"(runs|ran) (fine|great|perfectly|ok|smoothly|now))\b"
        r"(?! (on|with|for|in|without|when|if|offline|like|by|as)\b)",
        r"\bsounds (like a plan|good|great|fine|perfect|about right)\b",
        r"^\W*(that's|thats|it's|this is) (so |really |super |pretty )?(funny|hilarious|cool|great|awesome|amazing|"
        r"neat|wild|crazy|brilliant|perfect|clever|nice|wonderful)\b",
        r"^\W*(haha\w*|hah|lol|lmao|rofl|hehe)\b",
        r"(😂|🤣|😆|😅)\W*$",
        r"\b(that's|thats|that is|exactly|is|was) (exactly )?what i (needed|wanted|meant)\b",
        r"^\W*(thanks|thank you|thx|ty|perfect|lovely|sweet|cool|ok|okay|got it|great|nice|awesome|yay|brilliant|"
        r"excellent)\b[^?]*\b(the|that|this|it|i|my|your|we|our)( [\w'-]+){0,3} (fixed|fires|fired|applied|ran|"
        r"worked|helped|ordered|went|passed|compiled|deployed|installed|arrived|landed)\b",
        r"\bbut (ok|okay|fine)( thanks| thx| ty)?\W*$",
        r"\b(i'll|i will|ill|gonna|going to|i'm going to|let me) (\w+ ){0,2}(it|them|that|this|those)( \w+)? "
        r"(later|tomorrow|tonight|next week|soon|myself|from here|now)\b",
    ],
    # What makes a message a request, whatever it praises first: a question, a please, an imperative sentence.
    "request": [
        r"\?",
        r"\b(please|pls|plz)\b",
        r"\b(can|could|would|will) you\b",
        r"\bi('d| would)? (need|want|like)\b",
        r"\bhelp me\b",
        r"^\W*(how (do|can|should|would) (i|we|you)|how to|best way to|what's the best way)\b",
        r"(^|[.!,;:]\s+)(now |also |next |then |and )?(write|make|give|create|show|tell|explain|summari[sz]e|"
        r"translate|compare|prove|plan|implement|fix|list|draft|generate|build|add|turn|convert|rewrite|do|try|"
        r"check|solve|calculate|find|spell|count|reverse|say|put|format)\b",
    ],
    "calculation": [
        r"\d\s*[-+*/x×^]\s*\d",
        r"\d\s*%",
        r"\bsquare root\b",
        r"\bsquared\b",
        r"\bsolve\b",
        r"\bsequence\b",
        r"\d+\s*,\s*\d+\s*,\s*\d+",
        r"\bwhat comes next\b",
        r"\b(add|subtract|multiply|divide)\b.{0,30}\d",
        r"\bpercent\b",
        r"\bremainder\b",
        r"\b(sum|product|difference) of\b.{0,20}\d",
        r"\d.*\bhow (many|much|long|far)\b",
        r"\bhow (many|much|long|far)\b.*\d",
        r"\b(perimeter|average of|area of|volume of)\b",
        r"\btimes\b",
        r"\bminus\b",
        r"\bdivided by\b",
        r"\bprime( number)?\b",
        r"\bdecimals?\b",
        r"\bconvert\b",
        r"\bhow many \w+( \w+)? (are |is )?(in|per) (a|an|one|\d)",
        r"\bhow many \w+( \w+)? (is|are) \d",
        r"\b(derivative|differentiate|integral|integrate|limit of|standard deviation|variance|median|probability|"
        r"odds of|factorial|logarithm|eigen\w*|gcd|lcm|greatest common|least common multiple|cube root|"
        r"power of|percentage (change|increase|decrease)|day of the week|equation|p-value|regression|expected value|"
        r"confidence interval|t-test|chi-square|correlation|dice|coin flips?|residuals|distribution|régression|"
        r"regresión)\b",
        r"\b\d+ choose \d+\b",
        r"\b(what percentage|percentage of|growth rate|cagr|compound interest)\b",
        r"\b(cuánto es|cuanto es|combien font|combien fait|quanto é|quanto e|ile to jest|wie viel ist|wieviel ist|"
        r"kitna hai|converta|convierte|convertis|umrechnen)\b",
        r"\d\s*(usd|eur|gbp|cad|inr|jpy|aud|chf|cny|btc|bitcoin|dollars?|euros?|pounds|yen|rupees?|kpa|psi|stone|st|"
        r"knots|hp|kwh)\b\s*(to|in|into|→|->)",
        r"→|->",
        r"\b(silnia|factorielle|fakultät|z-score|log base|sqrt|square root)\b",
        r"\b\d{1,2}:\d{2}\b.*\b(when|what time|arrive|land)\b",
        r"\b(profit|margin|markup|break[- ]?even|discount|interest|tip|exchange rate)\b.*\d",
        r"\d.*\b(profit|margin|markup|break[- ]?even|discount|interest|tip)\b",
        r"\bif\b[^?]*\d[^?]*\b(what|how)('s| is| are| much| many| long| far| time)?\b",
        r"\b(sqrt|ln|log|sin|cos|tan|exp)\s*\(",
        r"\d\s*[a-z]\s*[-+]\s*\d+\s*=",
        r"\b[a-z]\s*[-+]\s*[a-z]\s*=\s*\d",
        r"\bmatri(x|ces)\b",
        r"\b\d+\s*°?\s*(f|c) (in|to) (c|f|celsius|fahrenheit)\b",
        r"(\d+\s+){3,}\d+",
        r"\d\s*(mph|km/h|kmh|m/s)\b",
        r"\bnext (number|term|one|letter)? ?in (the |this )?(series|sequence|pattern)\b",
        r"\bmissing number\b",
        r"\d\s*(°\s*)?(km|mi|miles|kg|lbs?|pounds|ounces|oz|grams|g|ml|litres?|liters?|gallons?|cups|inches|feet|"
        r"ft|cm|metres?|meters?|mb|gb|kb|degrees|celsius|fahrenheit|hours?|minutes?|seconds?|days?|usd|eur|euros?|"
        r"dollars?)( (celsius|fahrenheit))? (to|in|into)\b",
    ],
    "short_task": [
        r"\bdefine\b",
        r"\bmeaning\b",
        r"\bmean\b(?! of\b)",
        r"\bstand for\b",
        r"\btranslate\b",
        r"\bhow do (you|i) say\b",
        r"\brephrase\b",
        r"\bfix (the |this )?(grammar|spelling|typo|message)\b",
        r"\bcorrect (this|the)\b",
        r"\bspell\b",
        r"\bshorten\b",
        r"\bparaphrase\b",
        r"\bmore (polite|formal|professional)(ly)?\b",
        r"\bin one (line|sentence)\b",
        r"\bone-?liner\b",
        r"\bin simple (words|terms)\b",
    ],
    "translation": [
        r"\btranslat\w*\b",
        r"\bhow do (you|i) say\b",
        r"\b(in|into|to) (french|spanish|german|italian|portuguese|japanese|dutch|korean|chinese|mandarin|russian|"
        r"arabic|swedish|polish|turkish|hindi|greek|vietnamese|thai|norwegian|danish|finnish|czech|hebrew|indonesian|"
        r"swahili|latin|ukrainian|bengali|urdu|persian|farsi|tagalog|malay)\b",
        r"\b(mean|say|write) .{0,40}\bin english\b",
        r"\b(english|french|spanish|german|italian|portuguese|japanese|dutch|korean|chinese|russian|arabic|"
        r"vietnamese|thai|hindi|greek|turkish|polish|swedish) (word )?for\b",
        r"\bin \d+ (different )?languages\b",
        r"\bhow to say\b",
        r"\b(pronounc\w*|pronunciation|conjugat\w*)\b",
        r"\bwhat does ['\"]\S+( \S+){2,}['\"] mean\b",
        r"\b(correct|check|fix) my (english|french|spanish|german|italian|portuguese|dutch|japanese|chinese|korean|"
        r"russian|turkish|polish|swedish|greek)\b",
        r"\b(tradu\w*|übersetze\w*|vertaal\w*|przetłumacz\w*|çevir\w*)\b",
        r"(переведи|翻译|翻訳|訳して)",
        r"\bis it ['\"][^'\"]+['\"] or ['\"]",
        r"\b(vocabulary|vocab) (quiz|list|test)\b",
    ],
    "letters": [
        r"(?<!cover )(?<!love )(?<!news)\bletters?\b(?! (to|for|of (recommendation|complaint|resignation))\b)",
        r"\banagrams?\b",
        r"\bunscramble\b",
        r"\bbackwards?\b",
        r"\brevers(e|ed|al)\b",
        r"\bspelled\b",
        r"\bvowels?\b",
        r"\bconsonants?\b",
        r"\bhow many [a-z]'?s\b",
        r"\bhow many [a-z] (are )?in\b",
        r"\bsyllables?\b",
        r"\bpalindrom\w*\b",
        r"\brhym(e|es|ing)\b",
        r"\b(morse|rot ?13|caesar|cipher|pig latin|acrostic|acronym|wordle)\b",
        r"\b(\d+(st|nd|rd|th)|first|second|third|fourth|fifth|last) (letter|word|character)\b",
        r"\bhow many (words|characters)\b",
        r"\b(letras|lettres|buchstaben|liter)\b",
        r"\b(cuántas|combien de|wie viele|ile)\b.{0,20}['\"]",
        r"\bwords? (can be )?(made|formed) from\b",
        r"\bhidden words?\b",
        r"\bspell\b.{0,30}\bcorrectly\b",
    ],
    "programming": [
        r"\b(python|javascript|typescript|java|c\+\+|c#|golang|rust|kotlin|ruby|php|sql|bash|node\.js|pandas)\b",
    ],
    "simple_question": [
        r"^\W*(what|what's|whats|who|who's|when|where|which|how (many|much|long|far|tall|old|big)|is|"
        r"are|does|do|can|in which)\b",
    ],
    "analysis": [
        r"\banaly[sz]e\b",
        r"\banalysis\b",
        r"\banalyse\b",
        r"\broot causes?\b",
        r"\bcauses?\b",
        r"\bimplications\b",
        r"\bwhy (did|do|does|is|are|am|has|have|was|were|my|our)\b",
        r"\b(pros and cons|strengths and weaknesses|swot)\b",
        r"\b(best|better|worse|worst)\b.{0,60}\band why\b",
        r"\bwhat (trends|patterns|insights)\b",
        r"\btrade-?offs?\b",
        r"\b(compare|contrast)\b",
        r"\bcompared\b",
        r"\bvs\.?\b",
        r"\bevaluate\b",
        r"\bassess\b",
        r"\bweigh\b",
        r"\breview\b",
        r"\bwhich is better\b",
        r"\bbetter (for|to)\b",
        r"\bshould (i|we|our)\b",
        r"\bfigure out\b",
        r"\bexplain\b",
        r"\bwalk me through\b",
        r"\bin depth\b",
        r"\bthink (it )?through\b",
        r"\bargue\b",
        r"\brecommend\b",
        r"\breasoning\b",
        r"\bhelp me decide\b",
        r"\bcritique\b",
        r"\b(analiza|analisa|analysiere|przeanalizuj|compara|confronta|vergleiche|porównaj)\b",
        r"(сравни|проанализируй|比较|分析|比較)",
        r"\bcomparison\b",
        r"\bhow (would|will|does|do|did|could|might) .{3,60}\b(affect|change|influence)",
    ],
    "proof": [
        r"\bprove\b",
        r"\bproofs?\b",
        r"\bshow that\b",
        r"\bderive\b",
    ],
    "puzzle": [
        r"\briddles?\b",
        r"\bpuzzles?\b",
        r"\bwhat am i\b",
        r"\bif (all|some|no) \w+ are\b",
        r"\b(syllogism|fallacy|knights and knaves|tower of hanoi|sudoku|monty hall)\b",
        r"\bwho is (the )?(youngest|oldest|tallest|shortest|fastest)\b",
        r"\btherefore\b",
        r"\bdays? (before|after) (yesterday|tomorrow)\b",
        r"\bif (today|tomorrow|yesterday) (is|was)\b",
        r"\bweighings?\b",
        r"\balways (tells? the truth|lies?)\b",
        r"\b(adivinanza|énigme|enigme|rätsel|zagadka|charada|qui suis-je|qué soy)\b",
        r"\bwhat has (a |an )?\w+ but (can't|cannot|can not|doesn't|never)\b",
    ],
    "planning": [
        r"\bplan\b",
        r"\bstrategy\b",
        r"\broadmap\b",
        r"\bitinerar(y|ies)\b",
        r"\b(packing|shopping|to-?do|reading) list\b",
        r"\b(planear|planifica\w*|planifier|planen|zaplanuj|planejar|pianifica|faça um plano|haz un plan)\b",
        r"(составь план|спланируй|计划|プラン|予定を)",
        r"\b(organi[sz]e my|routine for|workout plan|meal plan|training plan)\b",
        r"\bagenda\b",
        r"\bschedule\b",
        r"\bstep[- ]by[- ]step\b",
        r"\b(steps|milestones)\b",
        r"\bprepare for\b",
        r"\boutline\b",
        r"\bbudget\b",
        r"\bhow (should|can|do) (we|i) (grow|reduce|launch|prepare|structure|scale|roll)\b",
    ],
    "creative": [
        r"\b(write|rewrite|rephrase|reword|paraphrase|proofread|compose|draft|create|tell me|give me|invent|brainstorm|"
        r"make|make up|come up with|suggest)\b.{0,40}\b(story|stories|poem|"
        r"poems|poetry|song|lyrics|limerick|haiku|sonnet|essay|blog|post|article|speech|toast|letter|newsletter|"
        r"screenplay|scene|dialogue|novel|chapter|fairy tale|monologue|rap|verse|press release|description|"
        r"slogans?|names|backstory|page|thread|bio|ad|ads|copy|doc|document|email|lesson|ideas|notes|report|proposal|"
        r"announcement|message|summary|complaint|sentence|paragraph|text|slogan|name|eulogy|obituary|vows|policy|"
        r"contract|cover letter|tweet|checklist|captions?|taglines?|headlines?|template|faq|quiz|note|card|readme|"
        r"invitation|reply|apology|wishes)\b",
        r"\b(rewrite|rephrase|reword|paraphrase|proofread|make|turn|change)\b.{0,30}"
        r"\b(this|that|it|the following)\b.{0,40}"
        r"\b(sound|more|less|formal|friendl|professional|polite|funn|shorter|longer|simpler|clearer|casual|passive|"
        r"active|slang)\w*",
        r"\b(fix|correct|check|proofread)( the| my| this| these)? (grammar|spelling|punctuation|sentences?|text|"
        r"paragraph|typos?|mistakes)\b",
        r"\b(turn|convert|make|put|format|rewrite)\b.{0,30}\b(this|that|it|these|the following)\b.{0,20}\b(into|as) "
        r"(a |an )?(bullet|list|table|email|tweet|summary|paragraph|poem|story|haiku)",
        r"\b(write|say|rewrite|put) (this|that|it)( sentence| message| text)? (in|as|like) \w+",
        r"^\W*(\w+ ){0,2}(paraphrase|rephrase|reword|rewrite|proofread)\b",
        r"\b(paraphrase|rephrase|reword|proofread)\b",
        r"\b(make|rewrite|edit|rework|turn) (this|that|it|the following)( \w+){0,2} (\w+ier|more \w+|less \w+|"
        r"shorter|better|clearer|simpler|longer)\b",
        r"\bshort story\b",
        r"(^|[.!?:;,]\s*)\W*([\w'-]+ ){0,4}(emails?|letters?|messages?|notes?) (to|for) (my|a|an|the|our)\b",
        r"\b(shorten|simplify|condense|tighten) (this|that|it|the following)\b",
        r"\b(escribe|escreve|escreva|écris|ecris|schreib\w*|napisz|likh do|reescrib\w*|reescrev\w*|umformulier\w*|"
        r"corrige\w*|corrija|korrigier\w*|popraw\w*|scrivi|riscrivi|correggi)\b",
        r"(напиши|перепиши|исправь|写|書いて|作文)",
        r"^\W*([\w'-]+ ){0,4}(slogans?|names|name ideas|tweets?|captions?|"
        r"taglines?|headlines?|subject lines?|poems?|haikus?|limericks?|jokes?|bios?|card messages?|toasts?|sonnets?|"
        r"short stor(y|ies)|essays?|speech(es)?)\b.{0,20}"
        r"\b(for|about|on)\b",
        r"\bbedtime story\b",
        r"\b\d+[- ]words?\b",
    ],
    "code": [
        r"\b(write|implement|build|code|create|make|refactor|debug|fix|optimi[sz]e|port|migrate|set up|"
        r"generate)\b.{0,60}\b(function|method|script|program|class|module|api|endpoint|server|cli|app|query|parser|"
        r"crawler|scraper|algorithm|tests?|workflow|pipeline|dockerfile|game|component|middleware|code|regex|bot|"
        r"tool|backend|website|schema|hook|heap|cache|stack|queue|linked list|hash ?map|trie|binary tree|"
        r"data structure|implementation|decorator|snippet|fizzbuzz)\b",
        r"\b(implement|code up)\b",
        rf"\b{_LANGS} (code|script|program|function|class)\b",
        rf"\b(code|script|program|function|class|method) (in|using) {_LANGS}",
        rf"\b(write|implement|build|code|refactor|debug|fix|optimi[sz]e|port|convert|translate)\b.{{0,40}}\b{_LANGS}",
        r"\bdef \w+\(",
        r"\bclass \w+",
        r"\berror\b",
        r"\bcrash(es|ing)?\b",
        r"\w(error|exception|warning)\b",
        r"\b(segmentation fault|segfault|traceback|stack ?trace|null pointer)\b",
        rf"(?<!\w){_TOOLS}.{{0,40}}\b(function|method|class|script|program|query|command|expression|decorator|type|"
        r"layout|one-?liner|snippet|join|groupby|loop|implementation|returns?|throws?|formula|kansuu|funkcj\w*|"
        r"función|fonction|função|funktion)\b",
        r"(^|[,:;-])\W*(\w+ ){0,2}(regex|regexp|sql|cron|css|html|bash|shell|git|powershell|linq|awk|sed|jq|numpy|"
        r"pandas)( (to|for|that|which|query|command|script|one-?liner)\b|\s*:)"
        r"(?!\w)",
        rf"\b(how (do i|to|can i|do you|would i|should i|do we)|best way to|what's the (best|right) way to)\b.{{0,80}}"
        rf"(?<!\w)({_TOOLS}|{_TECH})",
        rf"(?<!\w)({_TOOLS}|{_TECH})[^.!]{{0,80}}(\?|\b(how|help|why|what (can|should|do) i do|do i need|ayuda|aide|"
        r"hilfe|pomocy|kya karu)\b)",
        rf"\b(cómo|como|comment|wie|jak|kaise)\b.{{0,60}}(?<!\w)({_TOOLS}|{_TECH})",
        r"`[^`]+`",
        r"\b\w+\(['\"]",
        r"\b(left|inner|outer|right|full) join\b|\bgroup by\b|\border by\b",
        r"\b[a-z]+_[a-z_]+\b",
        r"(^|\s)[\w-]*\.(py|ipynb|csv|json|env|ya?ml|sql|js|ts|txt|parquet|xlsx?|gitignore|dockerignore|bashrc)\b",
        r"\bplot (a|an|the|my)\b",
        rf"^\W*{_TOOLS}\s*:",
        r"\b(center a div|media query|unit tests?)\b",
        r"\b(binary search|quicksort|quick sort|merge ?sort|bubble sort|heap ?sort|dijkstra|bfs|dfs|fizzbuzz|"
        r"makefile|gitignore|dockerignore)\b",
        rf"^\W*{_TOOLS}\s+[\w-]+\W*$",
        r"\b(need|want|looking for|give me|show me)\b.{0,20}\b(function|script|program|class|method|regex|sql query|"
        r"snippet|algorithm|one-?liner|command|formula|makefile|gitignore|dockerfile|config)\b",
        rf"\b(set up|setup|configure|install|deploy)\b.{{0,40}}(?<!\w){_TOOLS}",
        rf"(?<!\w){_TOOLS}.{{0,30}}\b(dedupe|deduplicate|sort|parse|merge|flatten|pivot|reshape|concat\w*)\b",
        r"\bwhy (am i|is my|does my|do i|are my|do we|are we)( [\w.-]+){0,3} (getting|seeing|hitting)\b",
        # pasted code: braces around an assignment or a call, a statement ending in a semicolon
        r"\{[^}]*[=;(][^}]*\}",
        r"\w\([^)]*\)\s*;",
        r"\b\w+\.\w+\([^)]*\)",
        r"\bfor \w+ in \w+\(",
        r"=\s*[a-z]+\(",
        r"\bselect\b[^;?]{1,80}\bfrom \w+",
        r"\bgit (rebase|push|pull|merge|stash|commit|checkout|reset|cherry-pick|branch|clone|diff|log)\b",
        r"\b(npm err|fatal:|command not found|permission denied|modulenotfounderror|no module named)",
    ],
    "enterprise": [
        r"\bsecurity\b",
        r"\bthreats?\b",
        r"\bthreat model\b",
        r"\bincident\b",
        r"\bphishing\b",
        r"\bencrypt\w*\b",
        r"\bcomplian\w*\b",
        r"\bgdpr\b",
        r"\bhipaa\b",
        r"\bpci( dss)?\b",
        r"\bsoc ?2\b",
        r"\biso ?27001\b",
        r"\bai act\b",
        r"\baudit\w*\b",
        r"\baccess control\b",
        r"\bauthentication\b",
        r"\barchitecture\b",
        r"\barchitect\b",
        r"\bmicroservices?\b",
        r"\bkubernetes\b",
        r"\bmigrat\w*\b",
        r"\bdowntime\b",
        r"\bsystem design\b",
        r"\brisks?\b",
        r"\bdesign (a|an|the|our|my)\b",
        r"\bmulti-tenant\b",
        r"\bbackend\b",
        r"\bdatabase\b",
    ],
    "summarise": [
        r"\bsummar\w*\b",
        r"\btl;?dr\b",
        r"\bkey points\b",
        r"\btakeaways\b",
        r"\bcondense\b",
        r"\b(resume|résume|resumir|resumen|fass\w* .{0,60}zusammen|podsumuj|riassumi|resuma)\b",
        r"(кратко|перескажи|总结|概括|要約|まとめて)",
        r"\b(main idea|gist)\b",
        r"\bboil (this|it) down\b",
    ],
    "constraint": [
        r"\b(under \$?\d+|max(imum)?|at least|no more than|less than|fewer than|within|budget|must|only|without|"
        r"exactly|\d+ (words|minutes|hours|days|weeks|people|guests))\b",
    ],
}
# The graded probes are short answers; a long-form request (a threat model, a plan, a program with tests) is not
# what they measure. From this many words, a request with a cloud-leaning intent counts as long-form ...
LONG_FORM_MIN_WORDS = 8
# ... and a request to produce work (code, a proof, a plan, a summary, a piece of writing) does from this many:
# "Implement quicksort in Python" is four words and a whole program.
TASK_MIN_WORDS = 3
INTENTS = ("analysis", "proof", "puzzle", "planning", "creative", "code", "enterprise", "summarise")
TASK_INTENTS = ("proof", "puzzle", "planning", "creative", "code", "summarise")
FLAGS = (
    "greeting",
    "feedback",
    "calculation",
    "short_task",
    "translation",
    "letters",
    "programming",
    "simple_question",
    *INTENTS,
)
_PLAIN_FLAGS = tuple(n for n in FLAGS if n not in INTENTS and n != "programming")  # what a query without an intent is
# What a reaction to an answer cannot be: it names a task ("thanks for the translation") without asking for one.
_TASK_FLAGS = ("calculation", "short_task", "translation", "letters", "programming", *INTENTS)


def _compile(alternatives: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.MULTILINE)


_COMPILED = {name: _compile(alternatives) for name, alternatives in ALTERNATIVES.items()}

# A typo in a keyword ("trnaslate", "wriet a poem", "sqaure root", "jupyteer", "expain") should not hide the task: a
# word that is a keyword with two neighbouring letters swapped, one letter doubled or (from six letters) one dropped
# is read as the keyword. "from" is left out, so "form" stays "form".
_COMMON_WORDS = {"from"}
_KEYWORDS = {
    word
    for alternatives in ALTERNATIVES.values()
    for alternative in alternatives
    for word in re.findall(r"[a-z]{4,}", re.sub(r"\\[a-z]", " ", alternative))
} | {
    "translate",
    "summarise",
    "summarize",
    "analyse",
    "calculate",
    "function",
    "implement",
    "python",
    "explain",
    "reverse",
    "pronounce",
    "conjugate",
}
_KEYWORDS |= {word[:-1] for word in _KEYWORDS if word.endswith("s")}  # "anagrams?" names "anagram" too
_KEYWORDS -= _COMMON_WORDS
_LONG_WORD = re.compile(r"[a-z]{4,}")


def _with_a_letter_dropped(keywords: set[str]) -> dict[str, str]:
    """Each keyword of six letters or more with one letter dropped ("expain", "inegrate") -> the keyword; "" where
    two keywords fit, so the word is left alone."""
    dropped: dict[str, str] = {}
    for word in sorted(keywords):
        if len(word) >= 6:
            for short in {word[:at] + word[at + 1 :] for at in range(len(word))}:
                dropped[short] = word if dropped.get(short, word) == word else ""
    return dropped


_DROPPED = _with_a_letter_dropped(_KEYWORDS)


def _as_keyword(word: str) -> str:
    """The keyword a typed word is a typo of, or the word itself."""
    if word in _KEYWORDS:
        return word
    for i in range(len(word) - 1):
        swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # "tmies" -> "times"
        undoubled = word[:i] + word[i + 1 :] if word[i] == word[i + 1] else ""  # "jupyteer" -> "jupyter"
        for candidate in (swapped, undoubled):
            if candidate in _KEYWORDS:
                return candidate
    if len(word) >= 5 and _DROPPED.get(word) and not _DROPPED[word].startswith(word):  # "plane" is not "planen"
        return _DROPPED[word]
    return word


def _fix_typos(text: str) -> str:
    return _LONG_WORD.sub(lambda m: _as_keyword(m.group()), text)


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")

# Politeness around a request ("hey quick question, ...", "pls ...", "... thanks") is not what it asks for.
_POLITE_START = re.compile(
    r"^\W*((hey|hi|hello|yo)( there| bot| all| everyone)?|ok so|so|quick (question|q)|question|pls( help)?|please|plz|"
    r"can you|could you|would you|can u|can someone help|sorry( noob question| if already asked)?( but)?|help|"
    r"@\w+|lol|lol ok|ok|okay|haha\w*)\b[\s,:!.?😭-]*"
)
_QUESTION_START = re.compile(r"\W*(why|how|what|when|where|which|who|does|do|is|are|can|could|should|would|will)\b")
_POLITE_END = re.compile(
    r"[\s,.!]*\b(thanks( in advance)?|thank you|thx|ty|pls|please|cheers|asap|lol|sorry for my english|"
    r"\(notebook \d+\))\W*$"
)


# A message can react to the last answer and then ask for something: "lol ok now write a newsletter", "the hotel is
# great btw! anyway translate this sign". Its sentences and turns are read apart: the reactions ask for nothing, and
# the rest is read for tasks. A reaction that reports trouble ("the code works but is slow") is a question.
_TURNS = re.compile(
    r"[.!?;]+\s+|\s*\b(?:anyway|next(?: issue| one| question| thing)?\s*:|now|btw|by the way|also)\b[\s,:]*"
)
_TROUBLE = re.compile(
    r"\b(not|\w+n't|error|fail\w*|broke\w*|crash\w*|wrong|issue|problem|bug|slow|stuck|out of|memory|timed? ?out|"
    r"exception|refused|denied)\b"
)


def _is_reaction(segment: str) -> bool:
    core = _without_politeness(segment)  # "lol ok translate this" asks for a translation
    return bool(
        _COMPILED["feedback"].search(segment)
        and not _COMPILED["request"].search(segment)
        and not _COMPILED["request"].search(core)
        and not _QUESTION_START.match(core)
        and not _TROUBLE.search(segment)
    )


def _is_aside(segment: str) -> bool:
    """A short acknowledgement between turns: "lol ok", "ok thanks", "cool"."""
    return len(segment.split()) <= 4 and bool(_COMPILED["greeting"].search(segment)) and not _is_request(segment)


def _is_request(segment: str) -> bool:
    return bool(_COMPILED["request"].search(segment.replace("?", "")))


def _without_politeness(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _POLITE_END.sub("", _POLITE_START.sub("", text, count=1), count=1)
    return text


_REASON_TEXT = {
    "greeting": "greeting or small talk",
    "feedback": "thanks or a reaction to an answer, not a request",
    "calculation": "a calculation or unit conversion",
    "short_task": "a one-line definition, translation or short rewrite",
    "translation": "a translation",
    "letters": "works on letters, which the model sees only as tokens",
    "programming": "about a programming language",
    "simple_question": "a short direct question",
    "analysis": "asks for analysis, comparison or evaluation",
    "proof": "asks for a proof or derivation",
    "puzzle": "a riddle or logic puzzle",
    "planning": "asks for planning or strategy",
    "creative": "asks for creative or long-form writing",
    "code": "asks for code or debugging beyond a one-liner",
    "enterprise": "security, compliance or architecture topic",
    "summarise": "asks to summarise text",
}


@dataclass(frozen=True)
class QueryAnalysis:
    """What a quick look at the query text finds; every flag comes from the rules above."""

    words: int
    chars: int
    greeting: bool
    feedback: bool
    calculation: bool
    short_task: bool
    translation: bool
    letters: bool
    programming: bool
    simple_question: bool
    analysis: bool
    proof: bool
    puzzle: bool
    planning: bool
    creative: bool
    code: bool
    enterprise: bool
    summarise: bool
    follow_up: bool
    constraints: int
    complexity: float  # 0 = trivially local, 1 = clearly needs the cloud (the rule-based score)

    @property
    def intents(self) -> list[str]:
        """The cloud-leaning intents found, e.g. ['analysis', 'code']."""
        return [name for name in INTENTS if getattr(self, name)]

    @property
    def long_form(self) -> bool:
        """A request for long-form work, from TASK_MIN_WORDS words: a request to produce a proof, a plan, a piece of
        writing, code or a summary, however short ("Implement quicksort in Python"); a request for analysis,
        architecture or security that is not a short direct question ("Compare Kafka and SQS for event
        processing"); or any cloud-leaning intent in a query of LONG_FORM_MIN_WORDS words that is not a one-line
        task."""
        if self.words < TASK_MIN_WORDS:
            return False
        if any(getattr(self, name) for name in TASK_INTENTS):
            return True
        if (self.analysis or self.enterprise) and not self.simple_question:
            return True
        return bool(self.intents) and not self.short_task and self.words >= LONG_FORM_MIN_WORDS

    def reasons(self) -> list[str]:
        """Readable findings, cloud-leaning ones first."""
        found = [_REASON_TEXT[name] for name in self.intents]
        if self.words >= 40:
            found.append(f"long query ({self.words} words)")
        if self.constraints >= 2:
            found.append(f"{self.constraints} constraints to satisfy")
        if not self.intents:
            found += [_REASON_TEXT[n] for n in _PLAIN_FLAGS if getattr(self, n)]
            if self.words <= 12:
                found.append(f"short query ({self.words} word{'' if self.words == 1 else 's'})")
        elif self.short_task:
            found.append(_REASON_TEXT["short_task"])
        return found


def _complexity(words: int, flags: Mapping[str, bool], constraints: int) -> float:
    """The rule-based score: cloud-leaning intents, length and constraints push up; easy patterns pull down."""
    intents = sum(flags[n] for n in INTENTS)
    score = 0.15 + 0.40 * (intents >= 1) + 0.15 * (intents >= 2)
    score += 0.30 * min(words / 40, 1.0) + 0.08 * min(constraints, 3)
    if flags["summarise"] and words > 50:
        score += 0.25  # summarising a long pasted text
    if not intents:  # numbers, "hi" or "10%" inside a real task do not make it easy
        score -= 0.30 * (flags["greeting"] or flags["feedback"]) + 0.25 * flags["calculation"]
    score -= 0.30 * flags["short_task"] + 0.10 * flags["simple_question"]
    return round(min(max(score, 0.0), 1.0), 4)


def analyze_query(query: str) -> QueryAnalysis:
    """Extract the routing features of one query (pure function, tens of microseconds).

    Args:
        query: The question as the user typed it.

    Returns:
        Its words, characters, flags (code, maths, ...), constraints, complexity and whether it is a follow-up.
    """
    from modules.routing.followups import looks_like_follow_up

    text = query.strip().lower()
    words = len(text.split()) + len(_CJK.findall(text)) // 2  # Chinese and Japanese put no spaces between words
    typed = _fix_typos(text)
    turns = [t for t in _TURNS.split(typed) if t.strip(" ,.!?;:-")]
    reactions = [t for t in turns if _is_reaction(t)]
    asked = [t for t in turns if t not in reactions and not _is_aside(t)]
    read = " ".join(asked) if len(asked) < len(turns) else typed  # what it asks for, without reactions and asides
    core = _without_politeness(read)
    flags = {name: bool(_COMPILED[name].search(read) or _COMPILED[name].search(core)) for name in FLAGS}
    flags["greeting"] = bool(_COMPILED["greeting"].search(typed))
    flags["feedback"] = bool(reactions) and not asked
    if flags["feedback"]:
        flags.update(dict.fromkeys(_TASK_FLAGS, False))
    elif flags["greeting"]:
        # "hey quick question, ..." or "... thanks" around a task or a question is politeness, and "write a thank-you
        # note" is a task: neither is small talk. "hey, you there?" is.
        asks = flags["simple_question"] or any(flags[name] for name in _TASK_FLAGS if name != "short_task")
        flags["greeting"] = not _is_request(core) and (bool(_COMPILED["greeting"].search(core)) or not asks)
    constraints = len(_COMPILED["constraint"].findall(typed)) + max(text.count(",") - 1, 0)
    return QueryAnalysis(
        words=words,
        chars=len(text),
        follow_up=looks_like_follow_up(text),
        constraints=constraints,
        complexity=_complexity(words, flags, constraints),
        **flags,
    )


def rule_features(a: QueryAnalysis) -> list[float]:
    """The rule findings as numbers, so the learned model can weigh them together with the text."""
    return [
        a.complexity,
        math.log1p(a.words) / 5,
        min(a.constraints, 5) / 5,
        *(float(getattr(a, n)) for n in FLAGS),
    ]


def rule_coverage(queries: Iterable[str], groups: Iterable[str]) -> list[dict]:
    """For every rule alternative: how many rows, and how many distinct groups of rows, it matches.

    Args:
        queries: The queries.
        groups: Each query's group.
    """
    rows = [(q.strip().lower(), g) for q, g in zip(queries, groups, strict=True)]
    coverage = []
    for flag, alternatives in ALTERNATIVES.items():
        for alternative in alternatives:
            rx = re.compile(alternative, re.MULTILINE)
            hits = [(q, g) for q, g in rows if rx.search(q)]
            coverage.append({"flag": flag, "rule": alternative, "rows": len(hits), "groups": len({g for _, g in hits})})
    return coverage

"""End to end in a real browser: headless Chromium drives `python -m modules.chat_app` (real router, real
embedded model, real local Responses service, real SQLite store) through a mixed conversation.

Needs Debian's `chromium` and `chromium-driver` (Selenium is pointed at the system chromedriver and never
downloads one). Without them the tests are skipped with the install command, except in CI, where they fail.
Saves a screenshot to var/chat/chat-page.png; with COURSE_UPDATE_SCREENSHOT=1 it refreshes docs/img/chat-page.png,
the one README shows (a test run never rewrites a tracked file on its own).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from modules.chat_app import ChatPage
from modules.config import PROJECT_ROOT
from modules.hybrid import describe_received
from modules.runtime.ports import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOT = PROJECT_ROOT / (
    "docs/img/chat-page.png" if os.environ.get("COURSE_UPDATE_SCREENSHOT") == "1" else "var/chat/chat-page.png"
)
TURN_WAIT_S = 240  # one answer on a busy 2-core machine, with margin; never a timing assertion
SERVICE_TOKEN = "course-e2e-service-token-6f1d2a9c"
CLOUD_KEY = "sk-e2e-fake-cloud-key-3b8e71d0c4a2"

# A mixed three-turn conversation: small talk (local), an analysis (cloud), small talk again (local). The router
# sends only what SmolLM2 measurably answers well to the local tier (docs/router.md), and that is small talk.
QUESTIONS = [
    ("Hi there!", "local"),
    ("Compare Kafka and RabbitMQ for order events: delivery guarantees, ordering and scaling trade-offs.", "cloud"),
    ("Hello again, it's me.", "local"),
]

if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    reason = "needs chromium and chromium-driver: apt-get install -y chromium chromium-driver"
    if os.environ.get("CI"):
        raise RuntimeError(f"The browser test {reason} (CI must install them).")
    pytest.skip(reason, allow_module_level=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="chat-e2e-profile-")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def page_env(**settings: str) -> dict[str, str]:
    """The page process's environment: this test's settings only, whatever a developer's shell holds."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCAL_", "CLOUD_", "OPENAI_", "AZURE_"))}
    env.pop("COURSE_OFFLINE", None)
    return {**env, "LOCAL_BACKEND": "embedded", **settings}


@pytest.fixture(scope="module")
def chat_page(tmp_path_factory) -> Iterator[ChatPage]:
    """Offline: embedded model + the local Responses service, which here demands a token (a secret)."""
    store = tmp_path_factory.mktemp("chat-store") / "conversations.sqlite3"
    env = page_env(CLOUD_BACKEND="local_service", LOCAL_SERVICE_TOKEN=SERVICE_TOKEN)
    with ChatPage(store_path=store, args=["--max-tokens", "40"], env=env) as page:
        yield page


def wait_ready(driver: webdriver.Chrome) -> None:
    WebDriverWait(driver, 60).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready"))


def ask(driver: webdriver.Chrome, text: str, force: str = "auto") -> list[str]:
    """Type, choose the tier, send, wait until the page is idle again (answer or error drawn).

    Returns the texts the answer showed while it was arriving (polled), to see it stream."""
    Select(driver.find_element(By.ID, "force-tier")).select_by_value(force)
    box = driver.find_element(By.ID, "message")
    box.clear()
    box.send_keys(text)
    driver.find_element(By.ID, "send").click()
    seen: list[str] = []

    def idle(d: webdriver.Chrome) -> bool:
        arriving = d.find_elements(By.CSS_SELECTOR, "#conversation .msg.assistant:last-child .content")
        if arriving:
            seen.append(arriving[0].text)
        return d.find_element(By.ID, "send").is_enabled()

    WebDriverWait(driver, TURN_WAIT_S, poll_frequency=0.05, ignored_exceptions=[StaleElementReferenceException]).until(
        idle
    )
    return seen


def click(driver: webdriver.Chrome, button_id: str) -> None:
    driver.find_element(By.ID, button_id).click()
    WebDriverWait(driver, 60).until(lambda d: d.find_element(By.ID, button_id).is_enabled())


def answers(driver: webdriver.Chrome) -> list:
    return driver.find_elements(By.CSS_SELECTOR, "#conversation .msg.assistant")


def text_of(driver: webdriver.Chrome, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text


def notice(driver: webdriver.Chrome) -> str:
    element = driver.find_element(By.ID, "notice")
    return element.text if element.is_displayed() else ""


def server_state(page: ChatPage, conversation_id: str) -> dict:
    return httpx.get(f"{page.url}api/conversations/{conversation_id}", timeout=30).json()


def test_mixed_conversation_badges_switches_save_reload_resume(browser, chat_page):
    browser.get(chat_page.url)
    wait_ready(browser)
    assert text_of(browser, "mode") == "offline"
    conversation_id = text_of(browser, "conversation-id")

    # The mode selector starts on the default mode; each example is labelled with its tier in the chosen mode.
    about = httpx.get(f"{chat_page.url}api/about", timeout=30).json()
    selected = Select(browser.find_element(By.ID, "route-mode")).first_selected_option.get_attribute("value")
    assert selected == about["default_mode"] == "balanced"
    for mode in (about["default_mode"], *about["modes"]):
        Select(browser.find_element(By.ID, "route-mode")).select_by_value(mode)
        shown = [b.get_attribute("data-tier") for b in browser.find_elements(By.CSS_SELECTOR, "#examples button")]
        assert shown == [example["tiers"][mode] for example in about["examples"]]
    Select(browser.find_element(By.ID, "route-mode")).select_by_value(about["default_mode"])
    browser.find_elements(By.CSS_SELECTOR, "#examples button")[0].click()
    assert browser.find_element(By.ID, "message").get_attribute("value") == about["examples"][0]["text"]

    shown_while_arriving = []
    for turn, (question, _) in enumerate(QUESTIONS, start=1):
        shown_while_arriving.append(ask(browser, question))
        assert notice(browser) == ""
        assert len(answers(browser)) == turn
    # Streamed: while the cloud answer arrived, the page showed part of it.
    final = answers(browser)[1].find_element(By.CSS_SELECTOR, ".content").text
    assert any(0 < len(shown) < len(final) and final.startswith(shown) for shown in shown_while_arriving[1])

    # Badges: the tier that answered, its model, the router's confidence and reasons, latency, tokens.
    drawn = answers(browser)
    assert [a.get_attribute("data-tier") for a in drawn] == [tier for _, tier in QUESTIONS]
    assert [a.get_attribute("data-switched") for a in drawn] == ["false", "true", "true"]
    exchanges = [m["exchange"] for m in server_state(chat_page, conversation_id)["transcript"] if m.get("exchange")]
    for answer, exchange in zip(drawn, exchanges, strict=True):
        badge = answer.find_element(By.CSS_SELECTOR, ".badge")
        assert badge.find_element(By.CSS_SELECTOR, ".tier").text == exchange["source"].upper()
        assert badge.find_element(By.CSS_SELECTOR, ".model").text == exchange["model"]
        assert badge.find_element(By.CSS_SELECTOR, ".confidence").text == f"confidence {exchange['confidence']:.2f}"
        assert badge.find_element(By.CSS_SELECTOR, ".latency").text.endswith(" s")
        tokens = f"{exchange['input_tokens']} → {exchange['output_tokens']} tokens"
        assert badge.find_element(By.CSS_SELECTOR, ".tokens").text == tokens
        # The badge says what the tier received, in the words of describe_received; the count is in its tooltip.
        sent = badge.find_element(By.CSS_SELECTOR, ".sent")
        assert sent.text == "received " + describe_received(exchange["received"])
        assert sent.get_attribute("title").startswith(f"{exchange['messages_sent']} message")
        assert len(answer.find_elements(By.CSS_SELECTOR, ".reasons li")) == len(exchange["reasons"]) > 0
    assert [len(a.find_elements(By.CSS_SELECTOR, ".mark.switch")) for a in drawn] == [0, 1, 1]
    # Each tier was given the whole conversation so far, whichever tier answered before.
    assert [e["messages_sent"] for e in exchanges] == [1, 3, 5]
    assert [a.find_element(By.CSS_SELECTOR, ".sent").text for a in drawn] == [
        "received no earlier messages",
        "received the whole conversation (2 earlier messages)",
        "received the whole conversation (4 earlier messages)",
    ]

    # Side panel: distribution and switches, the same numbers the manager reports.
    assert (text_of(browser, "local-count"), text_of(browser, "cloud-count")) == ("2", "1")
    assert text_of(browser, "switch-count") == "2"
    assert server_state(chat_page, conversation_id)["panel"]["model_switches"] == 2
    assert text_of(browser, "all-cloud-cost").startswith("$")

    # README's screenshot: the three answers, the cloud answer's reasons opened.
    drawn[1].find_element(By.CSS_SELECTOR, ".reasons summary").click()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))

    assert text_of(browser, "save-state") == "3 unsaved"
    click(browser, "save-conversation")
    assert f"Saved 3 exchange(s) as {conversation_id}" in notice(browser)
    assert text_of(browser, "save-state") == "saved"

    # A fresh page (no id in the address) starts a new conversation; resume the saved one by its id.
    browser.get(chat_page.url)
    wait_ready(browser)
    assert text_of(browser, "conversation-id") != conversation_id
    assert answers(browser) == []
    browser.find_element(By.ID, "resume-id").send_keys(conversation_id)
    click(browser, "resume-conversation")
    assert f"Resumed {conversation_id} from the store: 3 exchange(s)" in notice(browser)
    assert text_of(browser, "conversation-id") == conversation_id
    assert [a.get_attribute("data-tier") for a in answers(browser)] == [tier for _, tier in QUESTIONS]
    assert text_of(browser, "switch-count") == "2"

    # Reloading keeps the open conversation (its id is in the address).
    browser.refresh()
    wait_ready(browser)
    assert text_of(browser, "conversation-id") == conversation_id
    assert len(answers(browser)) == 3

    # It goes on with the whole history; forcing the cloud applies to this one question.
    ask(browser, "What is the capital of France?", force="cloud")
    last = answers(browser)[-1]
    assert last.get_attribute("data-tier") == "cloud"
    assert last.get_attribute("data-forced") == "true"
    assert Select(browser.find_element(By.ID, "force-tier")).first_selected_option.get_attribute("value") == "auto"
    assert server_state(chat_page, conversation_id)["transcript"][-1]["exchange"]["messages_sent"] == 7
    assert text_of(browser, "switch-count") == "3"

    # The service token protects the offline cloud tier; it never reaches the browser.
    assert SERVICE_TOKEN not in browser.page_source
    assert SERVICE_TOKEN not in httpx.get(f"{chat_page.url}api/about", timeout=30).text


def test_bad_input_gets_a_message_in_the_page_and_keeps_the_conversation(browser, chat_page):
    browser.get(chat_page.url)
    wait_ready(browser)
    ask(browser, QUESTIONS[0][0])
    assert len(answers(browser)) == 1

    ask(browser, "   ")
    assert "The message is empty" in notice(browser)
    ask(browser, "x" * 2001)
    assert "the limit is 2000" in notice(browser)
    assert len(answers(browser)) == 1
    # The long message stays in the box to be shortened, not thrown away.
    assert len(browser.find_element(By.ID, "message").get_attribute("value")) == 2001

    browser.find_element(By.ID, "resume-id").send_keys("no-such-conversation-42")
    click(browser, "resume-conversation")
    assert "'no-such-conversation-42': nothing is stored under this id" in notice(browser)
    assert len(answers(browser)) == 1
    # Leaving for another conversation saved this one first, so its answered question is kept.
    assert text_of(browser, "save-state") == "saved"
    kept = text_of(browser, "conversation-id")
    assert kept in [s["conversation_id"] for s in httpx.get(f"{chat_page.url}api/saved", timeout=30).json()]


def test_a_failing_cloud_tier_falls_back_visibly_and_its_key_never_reaches_the_page(browser, tmp_path):
    """Real endpoint settings whose cloud URL answers nothing: the router's cloud turn falls back to local."""
    dead_cloud = f"http://127.0.0.1:{free_port()}/v1"
    env = page_env(CLOUD_BACKEND="openai", OPENAI_API_KEY=CLOUD_KEY, OPENAI_BASE_URL=dead_cloud)
    with ChatPage(store_path=tmp_path / "c.sqlite3", args=["--max-tokens", "24"], env=env) as page:
        browser.get(page.url)
        wait_ready(browser)
        assert text_of(browser, "mode") == "real"
        ask(browser, QUESTIONS[0][0])
        ask(browser, QUESTIONS[1][0])
        fallen = answers(browser)[-1]
        assert fallen.get_attribute("data-tier") == "local"
        assert fallen.get_attribute("data-fell-back") == "true"
        assert "cloud failed" in fallen.find_element(By.CSS_SELECTOR, ".mark.fallback").text
        assert text_of(browser, "fallback-count") == "1"
        assert len(answers(browser)) == 2
        source = browser.page_source
        assert CLOUD_KEY not in source
        conversation_id = text_of(browser, "conversation-id")
        assert CLOUD_KEY not in httpx.get(f"{page.url}api/conversations/{conversation_id}", timeout=30).text


def test_when_both_tiers_fail_the_page_says_so_and_keeps_the_question(browser, tmp_path):
    env = page_env(
        LOCAL_BACKEND="openai_compatible",
        LOCAL_BASE_URL=f"http://127.0.0.1:{free_port()}/v1",
        LOCAL_MODEL="nothing-listens-here",
        CLOUD_BACKEND="openai",
        OPENAI_API_KEY=CLOUD_KEY,
        OPENAI_BASE_URL=f"http://127.0.0.1:{free_port()}/v1",
    )
    with ChatPage(store_path=tmp_path / "c.sqlite3", env=env) as page:
        browser.get(page.url)
        wait_ready(browser)
        ask(browser, QUESTIONS[0][0])
        failed = answers(browser)[-1]
        assert "failed" in failed.get_attribute("class")
        assert "could not be answered" in notice(browser)
        assert "local tier" in notice(browser)
        assert "conversation so far is kept" in notice(browser)
        assert browser.find_element(By.ID, "message").get_attribute("value") == QUESTIONS[0][0]
        assert text_of(browser, "local-count") == "0"
        assert CLOUD_KEY not in browser.page_source
        # What a notebook cell does: serve until interrupted, here bounded by CHAT_PAGE_WAIT_S; then it is stopped.
        page.wait()
        assert not page.running


def test_a_pending_approval_is_approved_in_the_page_after_save_and_a_restart_and_runs_once(browser, tmp_path):
    """Tool `send_note` waits for approval; Save; the page process restarts; Resume; Approve: one note is sent."""
    from modules.chat_app.server import outbox_path
    from modules.chat_app.tools import outbox_rows

    store = tmp_path / "conversations.sqlite3"
    env = page_env(CLOUD_BACKEND="local_service")
    with ChatPage(store_path=store, args=["--max-tokens", "48"], env=env) as page:
        browser.get(page.url)
        wait_ready(browser)
        Select(browser.find_element(By.ID, "tool-choice")).select_by_value("send_note")
        ask(browser, "Send Ana a note: lunch at noon.", force="local")
        [call] = browser.find_elements(By.CSS_SELECTOR, "#conversation .msg.tool")
        assert call.get_attribute("data-status") == "pending" and call.get_attribute("data-tool") == "send_note"
        assert [b.text for b in call.find_elements(By.CSS_SELECTOR, "button.decide")] == ["Approve", "Reject"]
        # The tool choice applied to that question only.
        assert Select(browser.find_element(By.ID, "tool-choice")).first_selected_option.get_attribute("value") == "none"
        conversation_id = text_of(browser, "conversation-id")
        click(browser, "save-conversation")
    assert outbox_rows(outbox_path(store)) == []  # nothing was sent while it waited

    with ChatPage(store_path=store, args=["--max-tokens", "48"], env=env) as page:  # a new page process
        browser.get(page.url)
        wait_ready(browser)
        browser.find_element(By.ID, "resume-id").send_keys(conversation_id)
        click(browser, "resume-conversation")
        [call] = browser.find_elements(By.CSS_SELECTOR, "#conversation .msg.tool")
        assert call.get_attribute("data-status") == "pending"
        call.find_element(By.CSS_SELECTOR, "button.approve").click()
        WebDriverWait(browser, TURN_WAIT_S, ignored_exceptions=[StaleElementReferenceException]).until(
            lambda d: d.find_element(By.CSS_SELECTOR, "#conversation .msg.tool").get_attribute("data-status") == "done"
        )
        assert "Approved: send_note ran once" in notice(browser)
        assert browser.find_elements(By.CSS_SELECTOR, "button.decide") == []
        result = browser.find_element(By.CSS_SELECTOR, "#conversation .msg.tool .result").text
        [(to, _, pid)] = outbox_rows(outbox_path(store), conversation_id)
        assert result == f"→ note sent to {to}" and pid == page.pid  # sent once, by the page process


def test_the_cascade_chosen_next_to_the_mode_runs_the_turn_and_the_badge_says_what_happened(browser, chat_page):
    browser.get(chat_page.url)
    wait_ready(browser)
    Select(browser.find_element(By.ID, "route-strategy")).select_by_value("cascade")
    ask(browser, "How many minutes are in 7 hours?")
    assert notice(browser) == ""
    exchange = server_state(chat_page, text_of(browser, "conversation-id"))["transcript"][-1]["exchange"]
    assert exchange["strategy"] == "cascade" and exchange["cascade"]["local_answer"]
    # Whichever way the cascade judged, the page shows what the record says.
    answer = answers(browser)[-1]
    assert answer.get_attribute("data-tier") == exchange["source"] == ("cloud" if exchange["escalated"] else "local")
    marks = [mark.text for mark in answer.find_elements(By.CSS_SELECTOR, ".mark.escalated")]
    wasted = exchange["cascade"]["wasted_local_tokens"]
    assert marks == ([f"⤴ escalated: {wasted} local tokens wasted"] if exchange["escalated"] else [])

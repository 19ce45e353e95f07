"""The chat page under stress: a 400 MB body, a write-locked store, Resume pressed while an answer streams.

    python bench/bench_chat_page.py        # writes the "chat-page-reliability" section of docs/reliability.md

Runs the real page (`python -m modules.chat_app`: embedded model, the local Responses service, SQLite) on
127.0.0.1 and measures, next to the figures a review measured before the page was hardened:

- peak RSS the page process adds while refusing a 400 MB body, sent chunked and with its length declared
  (before: 0.9-1.2 GB, the whole body was read before its size was checked);
- how long `GET /api/about` takes while a Save waits for a store another process has write-locked
  (before: 29 s, the save blocked the event loop);
- how many of 5 answered turns are still in the conversation after Resume was pressed while each streamed
  (before: 1 of 5 kept).
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_section  # noqa: E402

from modules.chat_app import ChatPage  # noqa: E402

RELIABILITY_MD = Path(__file__).resolve().parent.parent / "docs" / "reliability.md"
BODY_BYTES = 400 * 1024 * 1024
CHUNK = 1024 * 1024
TRIES = 5
QUESTION = "Compare Kafka and RabbitMQ for order events: delivery guarantees, ordering and scaling trade-offs."


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc: this bench needs Linux")


def huge_body() -> Iterator[bytes]:
    chunk = b"x" * CHUNK
    for _ in range(BODY_BYTES // CHUNK):
        yield chunk


def send_huge_body(url: str, *, declare_length: bool) -> int | str:
    """POST 400 MB to the messages route; the status, or what the connection did when the page hung up."""
    headers = {"Content-Type": "application/json"}
    if declare_length:
        headers["Content-Length"] = str(BODY_BYTES)
    try:
        with httpx.Client(timeout=120) as client:
            return client.post(url, content=huge_body(), headers=headers).status_code
    except httpx.HTTPError as error:  # the page answered 413 and closed while the body was still being sent
        return type(error).__name__


def body_figures(page: ChatPage, conversation_id: str) -> list[tuple[str, float, int | str]]:
    pid = page.pid
    assert pid is not None, "the page is not running"
    rows = []
    for declare_length in (True, False):
        before = peak_rss_mb(pid)
        status = send_huge_body(
            f"{page.url}api/conversations/{conversation_id}/messages", declare_length=declare_length
        )
        rows.append(("declared length" if declare_length else "chunked", peak_rss_mb(pid) - before, status))
    return rows


def about_while_locked(page: ChatPage, store_path: Path, conversation_id: str) -> tuple[float, int]:
    """Max of 10 GET /api/about times (ms) while a Save waits on a write-locked store; the Save's final status."""
    holder = sqlite3.connect(store_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    saved: list[int] = []
    saving = threading.Thread(
        target=lambda: saved.append(
            httpx.post(f"{page.url}api/conversations/{conversation_id}/save", json={}, timeout=120).status_code
        )
    )
    try:
        saving.start()
        time.sleep(0.5)  # the save has reached the store and waits for the lock
        times = []
        for _ in range(10):
            started = time.perf_counter()
            httpx.get(f"{page.url}api/about", timeout=60).raise_for_status()
            times.append(time.perf_counter() - started)
        if not saving.is_alive():
            raise RuntimeError("the save did not wait for the lock; the measurement would mean nothing")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        saving.join(timeout=120)
    return max(times) * 1000, saved[0] if saved else 0


def resume_during_stream(page: ChatPage) -> tuple[int, list[int]]:
    """Turns kept of TRIES, pressing Resume while each answer streams; the statuses Resume got."""
    kept, statuses = 0, []
    with httpx.Client(base_url=page.url, timeout=300) as client:
        for _ in range(TRIES):
            conversation_id = client.post("api/conversations", json={}).json()["conversation_id"]
            client.post(f"api/conversations/{conversation_id}/save", json={})
            done = None
            path = f"api/conversations/{conversation_id}/messages"
            with client.stream("POST", path, json={"text": QUESTION, "force_tier": "local"}) as answer:
                lines = answer.iter_lines()
                for line in lines:
                    if '"delta"' in line:  # the answer is streaming: press Resume now
                        statuses.append(
                            client.post("api/resume", json={"conversation_id": conversation_id}).status_code
                        )
                        break
                for line in lines:
                    if '"done"' in line:
                        done = line
            state = client.get(f"api/conversations/{conversation_id}").json()
            kept += done is not None and state["exchanges"] == 1
    return kept, statuses


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-chat-") as folder:
        store_path = Path(folder) / "chat.sqlite3"
        with ChatPage(store_path=store_path, args=["--max-tokens", "40"]) as page:
            conversation_id = httpx.post(f"{page.url}api/conversations", json={}, timeout=60).json()["conversation_id"]
            bodies = body_figures(page, conversation_id)
            about_ms, save_status = about_while_locked(page, store_path, conversation_id)
            kept, statuses = resume_during_stream(page)
    lines = [
        "## Chat page",
        "",
        "Measured on the real page (`python -m modules.chat_app`, offline default) by `bench/bench_chat_page.py`.",
        "",
        "| guarantee | test | before | now |",
        "|---|---|---|---|",
    ]
    for how, added_mb, status in bodies:
        lines.append(
            f"| a 400 MB body ({how}) is refused before it is read whole | "
            "`test_a_400_mb_body_is_refused_after_reading_at_most_the_limit` | 0.9-1.2 GB peak RSS | "
            f"{added_mb:.0f} MB added to peak RSS (answer: {status}) |"
        )
    lines.append(
        "| the page answers while Save waits for a write-locked store | "
        "`test_the_page_answers_while_a_save_waits_for_a_write_locked_store` | `/api/about` 29 s | "
        f"`/api/about` {about_ms:.0f} ms at most of 10 (the Save then answered {save_status}) |"
    )
    lines.append(
        "| Resume pressed while an answer streams never drops it | "
        "`test_resume_while_a_turn_streams_never_drops_the_turn_the_page_was_told_is_done` | 1 of 5 turns kept | "
        f"{kept} of {TRIES} kept (Resume answered {', '.join(map(str, sorted(set(statuses))))}: busy) |"
    )
    lines += [
        "",
        "Other guarantees with a regression test in `tests/test_chat_app.py`: a request naming any Host but the "
        "page's own loopback address is refused with 400, before any route runs "
        "(`test_a_request_naming_another_host_is_refused_before_any_route_runs`); a cross-origin `text/plain` POST "
        "is refused with 403 and changes nothing "
        "(`test_a_cross_origin_text_plain_post_is_refused_and_changes_nothing`); every answer carries CSP with "
        "`frame-ancestors 'none'`, `X-Content-Type-Options: nosniff` and "
        "`X-Frame-Options: DENY` (`test_every_answer_carries_the_safety_headers`); a Save that another page or "
        "process beat is a 409 that overwrites nothing "
        "(`test_two_pages_on_one_store_get_a_conflict_not_a_lost_update`).",
    ]
    markdown = "\n".join(lines)
    print(markdown)
    write_section("chat-page-reliability", markdown, RELIABILITY_MD)


if __name__ == "__main__":
    main()

"""One name per act: the persistence guide's names are thin aliases, only in its import paths, all in one table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import modules.context_manager
import modules.hybrid
import modules.hybrid_agent_context
import modules.hybrid_conversation
from modules.labkit.context_echo import ContextEchoClient
from modules.storage import ExchangeJournal, SqliteStore

MIGRATION_TABLE = Path(__file__).resolve().parent.parent / "docs" / "api-migration.md"

# The guide's name -> the shim that keeps it; the course's managers (modules.hybrid) have only the one name.
ALIASES = {
    "persist_to_storage": modules.hybrid_agent_context.HybridAgentContextManager,
    "resume_from_storage": modules.hybrid_agent_context.HybridAgentContextManager,
    "add_exchange_with_local": modules.hybrid_agent_context.HybridAgentContextManager,
    "add_exchange_generic": modules.hybrid_agent_context.HybridAgentContextManager,
    "add_exchange_with_agent": modules.hybrid_agent_context.HybridAgentContextManager,
    "record_agent_exchange": modules.hybrid_agent_context.HybridAgentContextManager,
    "export_conversation": modules.context_manager.ConversationContextManager,
    "load_conversation": modules.context_manager.ConversationContextManager,
    "persist_session": modules.hybrid_conversation.HybridConversationManager,
    "persist_thread": modules.hybrid_conversation.HybridConversationManager,
    "resume_session": modules.hybrid_conversation.HybridConversationManager,
    "resume_thread": modules.hybrid_conversation.HybridConversationManager,
    "save_record": modules.hybrid_agent_context,
    "load_record": modules.hybrid_agent_context,
}
COURSE_MANAGERS = [
    modules.hybrid.ConversationContextManager,
    modules.hybrid.HybridAgentContextManager,
    modules.hybrid.HybridConversationManager,
]


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_each_guide_name_lives_only_in_its_shim_and_in_the_migration_table(alias):
    assert hasattr(ALIASES[alias], alias)
    assert not any(hasattr(manager, alias) for manager in COURSE_MANAGERS)
    assert not hasattr(modules.hybrid, alias)
    table_rows = [line for line in MIGRATION_TABLE.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    first_cells = [row.split("|")[1] for row in table_rows]  # the table's first column: the guide's names
    assert any(re.search(rf"`([\w.]*\.)?{alias}\(", cell) for cell in first_cells)


def test_the_course_managers_have_one_pair_save_and_resume():
    for manager in COURSE_MANAGERS:
        assert callable(manager.save) and callable(manager.resume)


async def test_the_guide_names_do_what_the_one_names_do(tmp_path):
    manager = modules.hybrid_agent_context.HybridAgentContextManager("guide")
    manager.add_exchange_with_local("Hello!", "Hi!", 0.1)
    manager.add_exchange_generic("Plan", "Sure", "apim", 0.2)
    text, _ = await manager.add_exchange_with_agent(ContextEchoClient().as_agent(name="cloud"), "And then?")
    assert text.startswith("I received 5 messages")
    assert [e["source"] for e in manager.routing_metadata] == ["local", "cloud", "cloud"]

    store = SqliteStore(tmp_path / "c.sqlite3")
    assert await manager.persist_to_storage(store) > 0
    resumed = modules.hybrid_agent_context.HybridAgentContextManager("other")
    await resumed.resume_from_storage(store, conversation_id="guide")
    assert resumed.messages == manager.messages and resumed.routing_metadata == manager.routing_metadata
    assert modules.hybrid_agent_context.load_record(store, conversation_id="guide").message_count == 6

    journal = ExchangeJournal(tmp_path / "j.sqlite3")
    record = store.load("guide")
    record.revision = 0  # a copy into another store: a new conversation there
    assert modules.hybrid_agent_context.save_record(record, journal) == 3 and record.revision == 3
    store.close()
    journal.close()

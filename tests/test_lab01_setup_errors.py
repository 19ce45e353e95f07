"""Lab 01 run as an attendee with a broken `.env` would run it: "Run All", errors allowed.

A wrong key and an unreachable endpoint each stop the lab in its first tier cell with one short
message naming the variable; no later cell fails with NameError; the mode table says where the cloud
tier really goes; the key appears in no output.
"""

from __future__ import annotations

import os

import nbformat
import pytest
from nbclient import NotebookClient
from storage_support import PROJECT_ROOT
from test_tier_errors import FAKE_KEY, WRONG_KEY, RefusingEndpoint

from modules.runtime.ports import free_port

LAB = PROJECT_ROOT / "notebooks" / "01_environment_setup.ipynb"


def _run_lab(**environ: str) -> list[nbformat.NotebookNode]:
    nb = nbformat.read(LAB, as_version=4)
    env = {k: v for k, v in os.environ.items() if k != "COURSE_OFFLINE" and not k.startswith(("OPENAI_", "AZURE_"))}
    env.update(environ)
    client = NotebookClient(nb, timeout=600, allow_errors=True, resources={"metadata": {"path": str(LAB.parent)}})
    client.execute(env=env)
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def _errors(cell: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [output for output in cell.get("outputs", []) if output.output_type == "error"]


def _text(cell: nbformat.NotebookNode) -> str:
    return "\n".join(
        str(output.get("text", "")) + str(output.get("data", {})) + "\n".join(output.get("traceback", []))
        for output in cell.get("outputs", [])
    )


@pytest.mark.parametrize("fault", ["wrong key", "unreachable"])
def test_a_broken_cloud_tier_stops_lab01_in_its_first_tier_cell_with_one_line(fault):
    if fault == "wrong key":
        with RefusingEndpoint(*WRONG_KEY) as server:
            url = f"{server.url}/v1"
            cells = _run_lab(OPENAI_API_KEY=FAKE_KEY, OPENAI_BASE_URL=url)
        named = "OPENAI_API_KEY"
    else:
        url = f"http://127.0.0.1:{free_port()}/v1"
        cells = _run_lab(OPENAI_API_KEY=FAKE_KEY, OPENAI_BASE_URL=url)
        named = "OPENAI_BASE_URL"

    mode_table = next(cell for cell in cells if "settings.describe()" in cell.source)
    assert "openai" in _text(mode_table) and url in _text(mode_table)  # where the cloud tier really goes
    assert "127.0.0.1 (start_tiers() starts it)" not in _text(mode_table)

    failing = [cell for cell in cells if _errors(cell)]
    first = failing[0]
    assert "await tiers.check()" in first.source  # the first tier cell, not earlier
    error = _errors(first)[0]
    assert error.ename == "TierError" and named in error.evalue
    assert len(error.traceback) == 1  # one line, no traceback wall
    assert all(_errors(cell)[0].ename == "TierError" for cell in failing), [_errors(c)[0].ename for c in failing]
    assert all("not ready" in _errors(cell)[0].evalue for cell in failing[1:])
    assert all(FAKE_KEY not in _text(cell) for cell in cells)

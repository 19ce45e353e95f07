"""README's set-up commands are the ones that work: checked against the files and a real JupyterLab."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from modules.runtime.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _code_block(after: str, language: str) -> list[str]:
    """The lines of the first ```language block after the text `after`."""
    rest = README[README.index(after) :]
    match = re.search(rf"```{language}\n(.*?)```", rest, re.S)
    assert match, f"no {language} block after {after!r}"
    return [line for line in match.group(1).splitlines() if line.strip()]


def test_the_windows_lines_have_no_ampersands_and_both_systems_end_the_same_way():
    unix, windows = _code_block("**Linux and macOS**", "bash"), _code_block("**Windows PowerShell**", "powershell")
    assert not any("&&" in line for line in unix + windows)  # Windows PowerShell 5.1 has no &&
    # PowerShell splits an unquoted -name argument at its first period (`py -3.12` is a number, left whole).
    assert not any(re.search(r"(^|\s)-[A-Za-z-][^\s]*\.", line) for line in windows), windows
    assert (
        unix[-3:]
        == windows[-3:]
        == [
            "pip install -r requirements.txt",
            "pip install --no-deps --no-build-isolation -e .",
            "jupyter lab --notebook-dir . notebooks/01_environment_setup.ipynb",
        ]
    )
    assert "source .venv/bin/activate" in unix and r".venv\Scripts\Activate.ps1" in windows


def test_the_python_versions_named_are_the_ones_the_install_bench_installed_and_pyproject_admits():
    # Independent evidence: bench/bench_install.py ran README's install on each version (bench/results/install.json).
    match = re.search(r"\*\*Python ((?:3\.\d+, )*3\.\d+) or (3\.\d+)\.\*\*", README)
    assert match, "README's requirements name no Python versions in bold"
    named = [*match.group(1).split(", "), match.group(2)]
    figures = json.loads((ROOT / "bench" / "results" / "install.json").read_text())["figures"]
    installed = {name.removeprefix("install_ok."): f["value"] for name, f in figures.items() if "install_ok." in name}
    tried = sorted(installed, key=Version)
    assert len(tried) >= 3 and not all(installed.values())  # an oldest version that fails was tried too
    assert named == [version for version in tried if installed[version]]
    requires = SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"])
    assert named == [version for version in tried if requires.contains(f"{version}.0")]
    assert "3.10+" not in README


def test_readme_test_command_is_what_ci_runs_last():
    assert _code_block("## Run the tests", "bash") == ["pytest"]
    ci_commands = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and line[0] != "#"]
    assert ci_commands[-1] == "pytest"


@pytest.mark.parametrize("page", ["README.md", "docs/instructor-notes.md"])
def test_every_file_a_set_up_page_links_to_exists(page):
    text = (ROOT / page).read_text()
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [t for t in targets if not re.match(r"[a-z]+://", t)]
    missing = [t for t in local if not (ROOT / page).parent.joinpath(t).exists()]
    assert local and missing == []


def test_readme_jupyter_command_shows_the_whole_course_folder_and_opens_lab01(tmp_path):
    command = shlex.split(_code_block("**Linux and macOS**", "bash")[-1])
    port, token = free_port(), "readme-check"
    extra = ["--no-browser", f"--port={port}", f"--IdentityProvider.token={token}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        extra.append("--allow-root")  # CI runs as root; an attendee does not need this
    jupyter = [str(Path(sys.executable).parent / "jupyter"), *command[1:2], *extra, *command[2:]]
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    server = subprocess.Popen(jupyter, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert server.poll() is None, server.stderr.read().decode()[-2000:]
            try:
                if httpx.get(f"{base}/api/status", params={"token": token}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        listing = httpx.get(f"{base}/api/contents", params={"token": token}, timeout=10).json()["content"]
        assert {"README.md", "docs", "data", "notebooks", "requirements.txt"} <= {item["name"] for item in listing}
        opened = "".join(p.read_text() for p in tmp_path.glob("jpserver-*open.html"))
        assert "lab/tree/notebooks/01_environment_setup.ipynb" in opened
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stderr.close()

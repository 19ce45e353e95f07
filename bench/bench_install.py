"""Prove README's set-up on every Python version found here, and the classroom wheelhouse path.

    python bench/bench_install.py --all                # 3.10-3.13 and the wheelhouse: clone, venv, install, pytest
    python bench/bench_install.py --python 3.12 --no-pytest
    python bench/bench_install.py --wheelhouse-only    # build a wheelhouse, install from it offline

Each version gets a fresh `git clone` of this repository's HEAD (committed files only, as an
attendee gets them), a new virtual environment, README's `pip install -r requirements.txt` (the lock) and
`pip install --no-deps --no-build-isolation -e .` (the course's own package), then
README's test command `pytest`. Python 3.10 is tried too: README says it cannot work, and this
records why. pip's wheel cache is used as on any laptop after its first install: llama-cpp-python
compiles once per Python version (pip's cache is per interpreter version); `--no-cache` forces it.

Raw results go to var/bench/install/*.json (git-ignored); the "install" section of docs/performance.md and the
figures README.md and docs/instructor-notes.md quote (bench/results/install.json) are rebuilt from every raw
result file present.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import figure, record_figures, write_section  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "var" / "bench" / "install"
VERSIONS = ("3.10", "3.11", "3.12", "3.13")
TAIL = 4000
COURSE_PACKAGE_INSTALL = ["python", "-m", "pip", "install", "--no-deps", "--no-build-isolation", "-e", "."]


def find_python(version: str) -> str | None:
    """An interpreter for `version`: on PATH, else under pyenv."""
    on_path = shutil.which(f"python{version}")
    if on_path and _run([on_path, "--version"]).returncode == 0:
        return on_path
    candidates = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python{version}")))
    return candidates[-1] if candidates else None


def _run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]


def _timed(command: list[str], **kwargs: object) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.perf_counter()
    result = _run(command, **kwargs)
    return result, time.perf_counter() - started


def _size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


def _clean_env(venv: Path) -> dict[str, str]:
    """The environment of a new shell with the venv activated (none of this checkout's PYTHONPATH)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "COURSE_OFFLINE")}
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
    env["VIRTUAL_ENV"] = str(venv)
    return env


def fresh_clone(workdir: Path, name: str) -> Path:
    clone = workdir / name
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    return clone


def make_venv(python: str, clone: Path) -> tuple[Path, dict[str, str]]:
    venv = clone / ".venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    env = _clean_env(venv)
    subprocess.run(["python", "-m", "pip", "install", "--quiet", "--upgrade", "pip"], env=env, check=True)
    return venv, env


def _first_error(output: str) -> str:
    errors = [line.strip() for line in output.splitlines() if line.startswith("ERROR")]
    return errors[-1][:200] if errors else ""


def _pytest_summary(output: str) -> str:
    lines = [line.strip("= ") for line in output.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    return lines[-1] if lines else "no summary line (see the log in var/bench/install/)"


def prove_version(version: str, workdir: Path, *, pytest: bool, no_cache: bool) -> dict:
    python = find_python(version)
    result: dict = {"kind": "python", "version": version, "interpreter": python}
    if python is None:
        result["status"] = "not on this machine"
        return result
    result["full_version"] = _run([python, "--version"]).stdout.strip()
    clone = fresh_clone(workdir, f"clone-{version}")
    result["commit"] = _run(["git", "-C", str(clone), "rev-parse", "--short", "HEAD"]).stdout.strip()
    venv, env = make_venv(python, clone)
    command = ["python", "-m", "pip", "install", "-r", "requirements.txt"] + (["--no-cache-dir"] if no_cache else [])
    install, seconds = _timed(command, cwd=clone, env=env)
    if install.returncode == 0:  # README's next line: the course's own package, which a hashed lock cannot hold
        course, course_s = _timed(COURSE_PACKAGE_INSTALL, cwd=clone, env=env)
        install = subprocess.CompletedProcess(
            command, course.returncode, install.stdout + course.stdout, install.stderr + course.stderr
        )
        seconds += course_s
    result.update(
        install_s=round(seconds, 1),
        install_ok=install.returncode == 0,
        compiled_llama_cpp="Building wheel for llama-cpp-python" in install.stdout,
        install_error=_first_error(install.stdout + install.stderr),
    )
    (RESULTS / f"pip-{version}.log").write_text(install.stdout[-TAIL:] + install.stderr[-TAIL:])
    if install.returncode == 0:
        result["venv_mb"] = round(_size_mb(venv))
        if pytest:
            tests, seconds = _timed(["pytest"], cwd=clone, env=env)
            (RESULTS / f"pytest-{version}.log").write_text(tests.stdout[-TAIL:] + tests.stderr[-TAIL:])
            result.update(
                pytest_s=round(seconds), pytest_ok=tests.returncode == 0, pytest=_pytest_summary(tests.stdout)
            )
    return result


def prove_wheelhouse(version: str, workdir: Path) -> dict:
    """Instructor: build the wheelhouse once. Attendee: install from it with no index at all."""
    python = find_python(version)
    result: dict = {"kind": "wheelhouse", "version": version}
    if python is None:
        return {**result, "status": "not on this machine"}
    instructor = fresh_clone(workdir, "instructor")
    _, env = make_venv(python, instructor)
    wheelhouse = workdir / "wheelhouse"
    # The commands docs/instructor-notes.md gives, exactly: the wheels of the lock, then their own hashed lock.
    build, seconds = _timed(
        ["python", "-m", "pip", "wheel", "--require-hashes", "-r", "requirements.txt", "-w", str(wheelhouse)],
        cwd=instructor,
        env=env,
    )
    if build.returncode == 0:
        subprocess.run(
            ["python", "-m", "pip", "install", "--no-deps", "packaging"], cwd=instructor, env=env, check=True
        )
        hashed, hash_s = _timed(
            ["python", "-m", "modules.lockfile", "--wheelhouse", str(wheelhouse)],
            cwd=instructor,
            env={**env, "PYTHONPATH": str(instructor)},
        )
        build = subprocess.CompletedProcess(build.args, hashed.returncode, build.stdout + hashed.stdout, hashed.stderr)
        seconds += hash_s
    result.update(
        build_s=round(seconds, 1),
        build_ok=build.returncode == 0,
        wheels=len(list(wheelhouse.glob("*.whl"))),
        wheelhouse_mb=round(_size_mb(wheelhouse)),
        build_error=_first_error(build.stdout + build.stderr),
    )
    attendee = fresh_clone(workdir, "attendee")
    _, env = make_venv(python, attendee)
    env["PIP_CONFIG_FILE"] = os.devnull  # no index, no extra links: only the wheelhouse
    env = {k: v for k, v in env.items() if not k.startswith("PIP_") or k == "PIP_CONFIG_FILE"}
    install, seconds = _timed(
        [
            "python",
            "-m",
            "pip",
            "install",
            "--no-index",
            "--find-links",
            str(wheelhouse),
            "-r",
            str(wheelhouse / "requirements.txt"),
        ],
        cwd=attendee,
        env=env,
    )
    if install.returncode == 0:
        course, course_s = _timed(COURSE_PACKAGE_INSTALL, cwd=attendee, env=env)
        install = subprocess.CompletedProcess(
            install.args, course.returncode, install.stdout + course.stdout, course.stderr
        )
        seconds += course_s
    result.update(install_s=round(seconds, 1), install_ok=install.returncode == 0)
    result["install_error"] = _first_error(install.stdout + install.stderr)
    if install.returncode == 0:
        smoke, seconds = _timed(
            ["pytest", "tests/test_config.py", "notebooks/01_environment_setup.ipynb"], cwd=attendee, env=env
        )
        result.update(smoke_ok=smoke.returncode == 0, smoke=_pytest_summary(smoke.stdout), smoke_s=round(seconds))
    return result


def _failures(version: str) -> str:
    """What failed, from the saved pytest log: the test and the first line nbval or pytest gave as the reason."""
    log = RESULTS / f"pytest-{version}.log"
    text = re.sub(r"\x1b\[[0-9;]*m", "", log.read_text()) if log.exists() else ""
    failed = re.findall(r"^FAILED (.+?)(?: - .*)?$", text, re.M)
    timeout = re.search(r"(Timeout of \d+ seconds exceeded)", text)
    reason = f" ({timeout.group(1)})" if timeout else ""
    return "".join(f"; failed: `{name}`{reason}" for name in failed)


def _outcome(r: dict) -> str:
    """Passed or how many failed, and how long: not the count of tests, which belongs to that row's commit."""
    failed = re.search(r"(\d+) failed", r["pytest"])
    verdict = "passed" if r.get("pytest_ok") else f"{failed.group(1) if failed else 'some'} failed"
    return f"{verdict}, {r['pytest_s']:.0f} s{_failures(r['version'])}"


def render() -> str:
    results = [json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json"))]
    rows = [
        "| Python (commit) | `pip install -r requirements.txt` | llama-cpp-python | venv size | `pytest` |",
        "|---|---|---|---|---|",
    ]
    for r in (r for r in results if r["kind"] == "python"):
        if "install_ok" not in r:
            rows.append(f"| {r['version']} | {r.get('status', '?')} | | | |")
            continue
        install = f"ok, {r['install_s']:.0f} s" if r["install_ok"] else f"fails: `{r['install_error']}`"
        llama = ("compiled" if r.get("compiled_llama_cpp") else "from pip's wheel cache") if r["install_ok"] else ""
        size = f"{r['venv_mb'] / 1000:.1f} GB" if r.get("venv_mb") else ""
        tests = _outcome(r) if "pytest" in r else ""
        rows.append(
            f"| {r.get('full_version', r['version'])} ({r['commit']}) | {install} | {llama} | {size} | {tests} |"
        )
    text = "## Install on each Python version\n\n" + "\n".join(rows) + "\n"
    text += (
        "\nEach row: a fresh clone, a new venv, README's commands, on a 2-core machine shared with other work "
        "(times are wall-clock under that load). llama-cpp-python compiles once per Python version; a row that says "
        "'from pip's wheel cache' reused an earlier build for the same version. The `pytest` column is README's "
        "`pytest` on the commit in that row.\n"
    )
    for r in (r for r in results if r["kind"] == "wheelhouse" and "build_ok" in r):
        text += (
            "\n## Classroom wheelhouse\n\n| step | result |\n|---|---|\n"
            "| instructor: `pip wheel --require-hashes -r requirements.txt -w wheelhouse`, then "
            "`python -m modules.lockfile --wheelhouse wheelhouse` | "
            f"{'ok' if r['build_ok'] else 'fails'}, {r['build_s']:.0f} s, {r['wheels']} wheels, "
            f"{r['wheelhouse_mb']} MB |\n"
            "| attendee: `pip install --no-index --find-links wheelhouse -r wheelhouse/requirements.txt`, then "
            f"`pip install --no-deps --no-build-isolation -e .` | "
            f"{'ok' if r['install_ok'] else 'fails: ' + r['install_error']}, {r['install_s']:.0f} s |\n"
        )
        if "smoke" in r:
            verdict = "passed" if r.get("smoke_ok") else "failed"
            text += (
                f"| attendee: `pytest tests/test_config.py notebooks/01_environment_setup.ipynb` | {verdict}, "
                f"{r['smoke_s']:.0f} s |\n"
            )
    return text


def figures(results: list[dict]) -> dict[str, dict]:
    """The figures the set-up pages quote, from the raw results (one dict per Python version or wheelhouse)."""
    found: dict[str, dict] = {}
    installs = [r for r in results if r["kind"] == "python" and r.get("install_ok")]
    compiled = [r["install_s"] for r in installs if r.get("compiled_llama_cpp")]
    cached = [r["install_s"] for r in installs if not r.get("compiled_llama_cpp")]
    if compiled:
        found["first_install_minutes.min"] = figure(round(min(compiled) / 60, 1), "minutes", "{:.0f}")
        found["first_install_minutes.max"] = figure(round(max(compiled) / 60, 1), "minutes", "{:.0f}")
    if cached:
        found["cached_install_minutes"] = figure(round(max(cached) / 60, 1), "minutes", "{:.0f}")
    sizes = [r["venv_mb"] for r in installs if r.get("venv_mb")]
    if sizes:
        found["venv_gb"] = figure(round(max(sizes) / 1000, 1), "GB", "{:.1f}")
    for r in (r for r in results if r["kind"] == "python"):
        found[f"install_ok.{r['version']}"] = figure(bool(r.get("install_ok")), "", "{}")
    for r in (r for r in results if r["kind"] == "wheelhouse" and r.get("build_ok")):
        found["wheelhouse.wheels"] = figure(r["wheels"], "", "{}")
        found["wheelhouse.mb"] = figure(r["wheelhouse_mb"], "MB", "{}")
        found["wheelhouse.build_s"] = figure(r["build_s"], "s", "{:.0f}")
        found["wheelhouse.install_s"] = figure(r["install_s"], "s", "{:.0f}")
    return found


def publish() -> None:
    """Rewrite the "install" section and the quoted figures from every raw result in var/bench/install/."""
    write_section("install", render(), bench="install")
    record_figures("install", figures([json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json"))]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--all", action="store_true", help="every version 3.10-3.13, then the wheelhouse")
    parser.add_argument("--python", action="append", help="a version such as 3.12 (repeatable)")
    parser.add_argument("--no-pytest", action="store_true", help="install only, do not run README's pytest")
    parser.add_argument("--no-cache", action="store_true", help="pip --no-cache-dir: measure a cold compile")
    parser.add_argument("--wheelhouse-only", action="store_true", help="only the classroom wheelhouse path")
    parser.add_argument("--no-wheelhouse", action="store_true", help="skip the classroom wheelhouse path")
    parser.add_argument("--render", action="store_true", help="only rewrite the section from var/bench/install/")
    args = parser.parse_args(argv)
    if args.render:
        publish()
        return 0
    if not (args.all or args.python or args.wheelhouse_only):
        parser.print_help()
        return 0
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-install-") as folder:
        workdir = Path(folder)
        if not args.wheelhouse_only:
            for version in args.python or VERSIONS:
                result = prove_version(version, workdir, pytest=not args.no_pytest, no_cache=args.no_cache)
                print(json.dumps(result), flush=True)
                (RESULTS / f"python-{version}.json").write_text(json.dumps(result, indent=1))
        if not args.no_wheelhouse:
            result = prove_wheelhouse((args.python or ["3.11"])[0], workdir)
            print(json.dumps(result), flush=True)
            (RESULTS / "wheelhouse.json").write_text(json.dumps(result, indent=1))
    publish()
    print(render())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Compare what is installed with the lock, `requirements.txt`: lab 01's first check, and CI's completeness check.

    from modules.lockfile import lock_differences
    lock_differences()            # [] when every locked distribution is installed at its locked version

    python -m modules.lockfile --strict    # CI: also fails on a distribution the lock does not name
    python -m modules.lockfile --wheelhouse wheelhouse    # instructor: hash the wheels pip built from the lock

The lock pins every distribution `pip install -r requirements.txt` installs (for this Python and platform, by its
environment markers). The course's own package is installed beside it (`pip install -e .`) and is not in it.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement

from modules.errors import CourseError

__all__ = [
    "FIX_COMMAND",
    "LockDifference",
    "LockFileError",
    "lock_differences",
    "locked_versions",
    "write_wheelhouse_lock",
]

LOCK_FILE = Path(__file__).resolve().parent.parent / "requirements.txt"
FIX_COMMAND = "pip install -r requirements.txt"
# Installed beside the lock, never in it: an editable folder has no single file to hash.
COURSE_PACKAGE = "hybrid-llm-router-workshop"


class LockFileError(CourseError, ValueError):
    """The lock file is missing or has a line that is not `name==version` (it is generated: regenerate it)."""


@dataclass(frozen=True)
class LockDifference:
    """One distribution whose installed state differs from the lock.

    Attributes:
        name: The distribution's normalised name.
        locked: The version the lock pins, or None when the lock does not name it.
        installed: The installed version, or None when it is not installed.
    """

    name: str
    locked: str | None
    installed: str | None

    def __str__(self) -> str:
        if self.installed is None:
            return f"{self.name}: not installed (the lock pins {self.locked})"
        if self.locked is None:
            return f"{self.name} {self.installed}: installed, but not in the lock"
        return f"{self.name}: {self.installed} installed, the lock pins {self.locked}"


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(lock_file: Path | str = LOCK_FILE) -> dict[str, str]:
    """The distributions the lock installs on this Python and platform, with their pinned versions.

    Args:
        lock_file: The generated lock (`requirements.txt`).

    Returns:
        Normalised name -> pinned version, for the lines whose environment marker holds here.

    Raises:
        LockFileError: The file is missing, or a requirement line is not pinned with `==`.
    """
    path = Path(lock_file)
    if not path.is_file():
        raise LockFileError(f"The lock {path} is missing. Restore it with `git checkout -- {path.name}`.")
    versions: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.split(" --hash")[0].rstrip(" \\").strip()
        if not text or text.startswith(("#", "--")):
            continue
        try:
            requirement = Requirement(text)
        except InvalidRequirement as error:
            raise LockFileError(
                f"{path.name} line {number} is not a requirement ({error}): regenerate the lock."
            ) from error
        pins = [spec.version for spec in requirement.specifier if spec.operator == "=="]
        if len(pins) != 1:
            raise LockFileError(f"{path.name} line {number} ({text}) is not pinned with ==: regenerate the lock.")
        if requirement.marker is None or Marker(str(requirement.marker)).evaluate():
            versions[_normalise(requirement.name)] = pins[0]
    return versions


def installed_versions() -> dict[str, str]:
    """Every distribution installed in this environment (normalised name -> version), the course's own excluded."""
    found = {_normalise(dist.metadata["Name"]): dist.version for dist in metadata.distributions()}
    found.pop(COURSE_PACKAGE, None)
    return found


def lock_differences(lock_file: Path | str = LOCK_FILE, *, strict: bool = False) -> list[LockDifference]:
    """Distributions whose installed version differs from the lock, or that the lock pins and are not installed.

    Args:
        lock_file: The generated lock (`requirements.txt`).
        strict: Also report installed distributions the lock does not name (CI: the lock must be complete).

    Returns:
        The differences, sorted by name; empty when the environment matches the lock.
    """
    locked, installed = locked_versions(lock_file), installed_versions()
    names = set(locked) | (set(installed) if strict else set())
    differences = [
        LockDifference(name, locked.get(name), installed.get(name))
        for name in sorted(names)
        if locked.get(name) != installed.get(name)
    ]
    return differences


def write_wheelhouse_lock(wheelhouse: Path | str, lock_file: Path | str = LOCK_FILE) -> Path:
    """Write `<wheelhouse>/requirements.txt`: the lock's pins with the hashes of the wheels in that folder.

    The lock holds the hashes of PyPI's files; a wheel pip built here (llama-cpp-python's) has a hash of its own,
    so attendees install a wheelhouse with this file, in hash-checking mode like the lock.

    Args:
        wheelhouse: The folder `pip wheel --require-hashes -r requirements.txt -w <folder>` filled.
        lock_file: The lock the wheelhouse was built from; every wheel must be a version it pins.

    Returns:
        The path of the file written.

    Raises:
        LockFileError: A wheel in the folder is a version the lock does not pin (the folder holds something else).
    """
    folder = Path(wheelhouse)
    pinned = {}
    for line in Path(lock_file).read_text(encoding="utf-8").splitlines():
        match = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", line)
        if match:
            pinned.setdefault(_normalise(match.group(1)), set()).add(match.group(2))
    hashes: dict[tuple[str, str], list[str]] = {}
    for wheel in sorted(folder.glob("*.whl")):
        name, version = wheel.name.split("-")[:2]
        name = _normalise(name)
        if name == COURSE_PACKAGE:
            continue  # attendees install their own copy of the course with -e .
        if version not in pinned.get(name, set()):
            raise LockFileError(
                f"{wheel.name} in {folder} is not a version the lock pins. Build the wheelhouse from the lock: "
                f"pip wheel --require-hashes -r requirements.txt -w {folder}"
            )
        hashes.setdefault((name, version), []).append(hashlib.sha256(wheel.read_bytes()).hexdigest())
    lines = ["# The classroom wheelhouse's lock: the pins of requirements.txt, with the hashes of these wheels."]
    for (name, version), digests in sorted(hashes.items()):
        lines.append(f"{name}=={version} " + " ".join(f"--hash=sha256:{digest}" for digest in digests))
    target = folder / "requirements.txt"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m modules.lockfile", description=__doc__.splitlines()[0])
    parser.add_argument("--lock", default=str(LOCK_FILE), help="the lock file (default: requirements.txt)")
    parser.add_argument("--strict", action="store_true", help="also fail on installed distributions not in the lock")
    parser.add_argument("--wheelhouse", help="write <folder>/requirements.txt with the hashes of its wheels, and stop")
    args = parser.parse_args(argv)
    if args.wheelhouse:
        print(f"wrote {write_wheelhouse_lock(args.wheelhouse, args.lock)}")
        return 0
    differences = lock_differences(args.lock, strict=args.strict)
    if not differences:
        print(f"Everything matches the lock ({len(locked_versions(args.lock))} distributions).")
        return 0
    print(f"{len(differences)} installed distributions differ from the lock:")
    for difference in differences:
        print(f"  {difference}")
    print(
        f"Fix: {FIX_COMMAND}"
        + ("; a distribution the lock does not name must be added to requirements.in" if args.strict else "")
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())

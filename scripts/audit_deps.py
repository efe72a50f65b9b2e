"""Dependency audit for CI: pip-audit over the installed environment, against PyPI's advisories.

Fails (exit 1) when an installed package has a known vulnerability. When the advisory data
cannot be had (no network, or a package index that does not serve these versions), it says
so plainly, with how many packages went unaudited and why, and exits 0: an unreachable
advisory service must not pass for "no vulnerabilities", nor block every build. pip-audit
missing or failing for another reason than the network fails: a broken audit must not pass.

    .venv/bin/python scripts/audit_deps.py [--strict]   # --strict: unaudited packages fail too
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

PIP_AUDIT = Path(sys.executable).with_name("pip-audit")
# What requests/urllib3 say when PyPI or the advisory service cannot be reached.
_NETWORK_FAILURES = (
    "ConnectionError",
    "ConnectTimeout",
    "ReadTimeout",
    "Max retries exceeded",
    "NameResolutionError",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "Connection refused",
    "ProxyError",
    "SSLError",
    "timed out",
)


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


def _reason(skip: str) -> str:
    # "Dependency not found on PyPI and could not be audited: absl-py (2.5.1)" -> the cause.
    return skip.split(":", 1)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="unaudited packages fail too")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    command = [str(PIP_AUDIT), "--skip-editable", "--progress-spinner", "off", "-f", "json"]
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired as exc:
        _say(f"dependency audit: NOT RUN, no answer in {exc.timeout:.0f} s")
        return 1 if args.strict else 0
    except OSError as exc:
        # pip-audit missing or not runnable: the audit is broken, not the network.
        _say(f"dependency audit: FAILED, pip-audit could not run ({exc})")
        return 1
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        last = (run.stderr.strip().splitlines() or ["no output"])[-1]
        if not any(marker in run.stderr for marker in _NETWORK_FAILURES):
            # Not the network: the audit itself is broken, and a broken audit must not pass.
            _say(f"dependency audit: FAILED, pip-audit exited {run.returncode} ({last})")
            return 1
        _say(f"dependency audit: NOT RUN, the advisory service could not be reached ({last})")
        return 1 if args.strict else 0
    # Our own project is installed editable and skipped on purpose: it is not a dependency.
    deps = [d for d in report.get("dependencies", []) if "editable" not in d.get("skip_reason", "")]
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    audited = len(deps) - len(skipped)
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
            _say(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    if skipped:
        reasons = Counter(_reason(d["skip_reason"]) for d in skipped)
        summary = "; ".join(f"{n} x {why}" for why, n in reasons.most_common())
        _say(f"dependency audit: {len(skipped)} of {len(deps)} packages NOT AUDITED ({summary})")
    _say(f"dependency audit: {audited} packages audited, {len(vulnerable)} vulnerable")
    if vulnerable:
        return 1
    return 1 if args.strict and skipped else 0


if __name__ == "__main__":
    sys.exit(main())

"""pip-audit in CI, honestly: a run that audited nothing never reads as "no vulnerabilities".

pip-audit asks a vulnerability service (PyPI's JSON API by default) about every installed
package. When the service cannot be reached, or answers without data (a mirror or a proxy), it
skips each package with a reason and still prints "No known vulnerabilities found" and exits 0.
This wrapper reads its JSON and says which of three things happened:

- audited: every package was checked; any vulnerability not listed in .pip-audit-ignore (one ID
  per line, then the written reason) fails the run;
- NOT AUDITED: some or all packages could not be checked; the run says so loudly and exits 0,
  unless PIP_AUDIT_REQUIRED=1 (set it where CI has network access), which makes it exit 1;
- pip-audit itself is missing or crashed: exit 1.

Usage: .venv/bin/python scripts/pip_audit_ci.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE_FILE = ROOT / ".pip-audit-ignore"


def ignored() -> dict[str, str]:
    """{vulnerability id: reason}; a line without a reason is refused."""
    found = {}
    if IGNORE_FILE.exists():
        for line in IGNORE_FILE.read_text().splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            vuln_id, _, reason = line.partition(" ")
            if not reason.strip():
                sys.exit(f"pip-audit: {vuln_id} in .pip-audit-ignore has no written reason")
            found[vuln_id] = reason.strip()
    return found


def main() -> int:
    ignores = ignored()
    command = [str(Path(sys.executable).parent / "pip-audit"), "--format", "json",
               "--progress-spinner", "off", "--skip-editable"]  # fmt: skip
    for vuln_id in ignores:
        command += ["--ignore-vuln", vuln_id]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)  # noqa: S603
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(f"pip-audit: FAILED to run (exit {result.returncode}):\n{result.stderr[-2000:]}")
        return 1
    # Our own package (installed editable) is not on PyPI; it is not a dependency to audit.
    dependencies = [
        d for d in report["dependencies"]
        if not d.get("skip_reason", "").startswith("distribution marked as editable")
    ]  # fmt: skip
    skipped = [d for d in dependencies if "skip_reason" in d]
    audited = [d for d in dependencies if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    for vuln_id, reason in ignores.items():
        print(f"pip-audit: ignoring {vuln_id}: {reason}")
    for dependency in vulnerable:
        ids = ", ".join(v["id"] for v in dependency["vulns"])
        print(f"pip-audit: VULNERABLE {dependency['name']} {dependency['version']}: {ids}")
    print(f"pip-audit: {len(audited)} of {len(dependencies)} packages audited, "
          f"{len(skipped)} skipped, {len(vulnerable)} vulnerable")  # fmt: skip
    if vulnerable:
        return 1
    if skipped:
        reasons = sorted({d["skip_reason"].split(":")[0] for d in skipped})
        print(f"pip-audit: NOT AUDITED: {len(skipped)} packages could not be checked "
              f"({'; '.join(reasons)}). The vulnerability service is unreachable or has no "
              "data from here; this run proves nothing about them.")  # fmt: skip
        return 1 if os.environ.get("PIP_AUDIT_REQUIRED") == "1" else 0
    print("pip-audit: OK, no known vulnerabilities")
    return 0


if __name__ == "__main__":
    sys.exit(main())

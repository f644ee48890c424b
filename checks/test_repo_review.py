"""The community's checklist: sp-repo-review (the Scientific Python development guide's) finds no failure.

The checks it cannot see met (our hooks install from the registries, not by
cloning the repositories it looks for) are waived in [tool.repo-review.ignore]
in pyproject.toml, each with its reason; nothing else is.
"""

import json
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

from conftest import ROOT, run

REPO_REVIEW = Path(sys.executable).with_name("repo-review.exe" if os.name == "nt" else "repo-review")


def review(root: Path) -> dict[str, dict[str, Any]]:
    """repo-review's verdict on each check: result True (passed), False (failed) or None (skipped)."""
    result = run(REPO_REVIEW, root, "--format", "json", check=False)
    assert result.returncode in (0, 3), result.stderr  # 3: some check failed
    checks: dict[str, dict[str, Any]] = json.loads(result.stdout)["checks"]
    return checks


def failures(checks: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {code: check["err_msg"] for code, check in checks.items() if check["result"] is False}


def test_this_repository_passes_the_checklist() -> None:
    checks = review(ROOT)
    assert not failures(checks), failures(checks)
    assert sum(check["result"] is True for check in checks.values()) >= 40, "fewer checks ran than expected"


def test_each_waiver_gives_its_reason_and_waives_a_real_check() -> None:
    waived = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["repo-review"]["ignore"]
    checks = review(ROOT)
    for code, reason in waived.items():
        assert code in checks, f"{code} is no check of sp-repo-review"
        assert len(reason.split()) >= 4, f"{code}: say why it is waived"
        assert checks[code]["result"] is None and reason in checks[code]["skip_reason"], checks[code]

"""The .pyi stubs describe the compiled module exactly (checked by mypy.stubtest)."""

import subprocess
import sys


def test_stubs_match_the_extension(tmp_path) -> None:
    # Run outside the checkout so mypy sees the package once (installed), not twice.
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "project_name"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr

"""Run CI's `test` job here as a GitHub Linux runner has it: `make emulate-ci`.

A runner has only the Pythons that the job's setup-python step installs (and
the system one), not those of your version manager. This script reads the job
from .github/workflows/ci.yml and runs its `run:` steps, in order, in a fresh
copy of this working tree committed to a scratch repository, with

- on PATH: each Python the setup-python step names, in a folder of its own as
  setup-python lays them out (`python3.X`, `python3`, `python`; the last one
  named comes first), then this PATH without pyenv, the checkout's .venv or
  any other folder that holds a `python3.X` of another version;
- the workflow's and the step's `env:`, CI=true, GITHUB_ACTIONS=true and
  RUNNER_OS=Linux; nothing of the make, venv or git hook that started it.

A version not installed here (a CPython newer than this machine has) is stood
in for by the newest one that is, other than the one .python-version names (a
runner does not have that one unless the job installs it), and the workflow's
`env:` names the stand-in instead; the script says so. Steps that use an
action (checkout, caches) are what this script does itself, or are skipped.
Exit status: 0 when every step passed, else 1.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml  # PyYAML, which pre-commit depends on

from conftest import CALLER_VARIABLES, ROOT, VENV_BIN, copy_working_tree, find_python

JOB = "test"
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
EMULATED = {
    "actions/checkout": "done by this script: a fresh copy of the working tree",
    "actions/setup-python": "done by this script: those Pythons, and only those, on PATH",
}
GIT = ["git", "-c", "user.name=CI", "-c", "user.email=ci@localhost", "-c", "commit.gpgsign=false"]


def expand(text: str, env: dict[str, str]) -> str:
    """The `${{ env.NAME }}` expressions of a `with:` value (the only kind the job's inputs use)."""

    def value(match: re.Match[str]) -> str:
        name = re.fullmatch(r"env\.(\w+)", match[1].strip())
        if not name:
            sys.exit(f"emulate-ci: cannot evaluate ${{{{ {match[1].strip()} }}}} in {WORKFLOW.name}")
        return env[name[1]]

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def installed_versions() -> list[str]:
    """The CPython X.Y versions this machine has, newest first."""
    return [f"3.{minor}" for minor in range(30, 7, -1) if find_python(f"3.{minor}")]


def requested_pythons(job: dict[str, Any], env: dict[str, str]) -> list[str]:
    (setup,) = [step for step in job["steps"] if step.get("uses", "").startswith("actions/setup-python@")]
    inputs = setup.get("with", {})
    if "python-version-file" in inputs:
        return [(ROOT / inputs["python-version-file"]).read_text(encoding="utf-8").strip()]
    return expand(str(inputs["python-version"]), env).split()


def runner_path(versions: dict[str, str], tools: Path) -> str:
    """setup-python's folders (the last version first), then this PATH without other Pythons."""
    folders: list[str] = []
    for version, interpreter in versions.items():
        folder = tools / version / "bin"
        folder.mkdir(parents=True)
        for name in (f"python{version}", "python3", "python"):
            (folder / name).symlink_to(os.path.realpath(interpreter))
        folders.insert(0, str(folder))

    def other_python(folder: str) -> bool:
        path = Path(folder)
        if ".pyenv" in path.parts or path.resolve() == VENV_BIN.resolve():
            return True
        # The system's Python (/usr/bin/python3) stays, as on a runner; a version manager's folder goes.
        return path.resolve() not in (Path("/usr/bin"), Path("/bin")) and any(path.glob("python3.*[0-9]"))

    kept = [folder for folder in os.environ["PATH"].split(os.pathsep) if folder and not other_python(folder)]
    return os.pathsep.join(folders + kept)


def condition_holds(step: dict[str, Any]) -> bool:
    condition = step.get("if")
    if condition is None:
        return True
    match = re.fullmatch(r"runner\.os == '(\w+)'", condition.strip())
    if not match:
        sys.exit(f"emulate-ci: cannot evaluate `if: {condition}` in {WORKFLOW.name}")
    return match[1] == "Linux"


def main() -> int:
    flow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    job = flow["jobs"][JOB]
    workflow_env = {key: str(value) for key, value in flow.get("env", {}).items()}
    development = (ROOT / ".python-version").read_text(encoding="utf-8").strip()

    wanted = requested_pythons(job, workflow_env)
    here = installed_versions()
    versions: dict[str, str] = {}
    for version in wanted:
        stand_in = version
        if version not in here:
            spare = [v for v in here if v != development and v not in wanted and v not in versions]
            if not spare:
                sys.exit(f"emulate-ci: CPython {version} is not installed here, nor another one to stand in for it.")
            stand_in = spare[0]
            print(f"emulate-ci: CPython {version} is not installed here: {stand_in} stands in for it.")
            workflow_env = {key: stand_in if value == version else value for key, value in workflow_env.items()}
        interpreter = find_python(stand_in)
        assert interpreter
        versions[stand_in] = interpreter

    scratch = Path(tempfile.mkdtemp(prefix="emulate-ci-"))
    try:
        clone = scratch / "work"
        copy_working_tree(clone)
        for command in (["init", "--quiet"], ["add", "--all"], ["commit", "--quiet", "--no-verify", "-m", "ci"]):
            subprocess.run([*GIT, *command], cwd=clone, check=True)
        dropped = (*CALLER_VARIABLES, "PYENV")
        env = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
        env.update(workflow_env, CI="true", GITHUB_ACTIONS="true", RUNNER_OS="Linux", GITHUB_WORKSPACE=str(clone))
        env["PATH"] = runner_path(versions, scratch / "hostedtoolcache")
        shown = ", ".join(f"{version} ({Path(path).name})" for version, path in versions.items())
        print(f"emulate-ci: the job {JOB!r} of {WORKFLOW.name} in {clone}, with Python {shown} on PATH.")

        timings = []
        for number, step in enumerate(job["steps"], 1):
            name = step.get("name") or step.get("uses") or step.get("run", "").splitlines()[0]
            if "run" not in step:
                action = step["uses"].split("@")[0]
                done = EMULATED.get(action, "skipped: an action this script does not run")
                print(f"\n--- step {number}: {action}: {done}")
                continue
            if not condition_holds(step):
                print(f"\n--- step {number}: {name}: skipped (if: {step['if']})")
                continue
            print(f"\n--- step {number}: {name}\n$ {step['run'].strip()}", flush=True)
            step_env = {**env, **{key: expand(str(value), env) for key, value in step.get("env", {}).items()}}
            start = time.monotonic()
            bash = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]]  # the runner's `shell: bash`
            result = subprocess.run(bash, cwd=clone, env=step_env)
            timings.append((name, time.monotonic() - start, result.returncode))
            if result.returncode != 0:
                break
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print("\nemulate-ci: summary")
    for name, seconds, returncode in timings:
        print(f"  {'passed' if returncode == 0 else 'FAILED'}  {seconds:6.0f} s  {name}")
    if any(returncode for _, _, returncode in timings):
        print("emulate-ci: a step failed (its output is above).")
        return 1
    print("emulate-ci: every step of the job passed, as a runner has it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

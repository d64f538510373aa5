"""Issue 16: what a team wires into CI, run the way CI runs it — from the repository root,
with the tenant in a sub-folder. Every `flowls` command of the recipes in docs/ci.md runs on
a sample repository (the install steps are left out: no network); annotations and SARIF
locations must name files that exist relative to the root; the pre-commit hook refuses a
commit with a planted problem and lets a clean one through."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import BIN, FIXTURES, ROOT

BROKEN = '{\n  "name": "Broken",\n  "actions": [\n    { "id": "a", "type": "AUTH0", "action": "GET_USR", "params": {} }\n  ]\n}\n'


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose tenant lives in tenant/ (with a space in a file name)."""
    r = tmp_path / "repo"
    shutil.copytree(FIXTURES / "ws", r / "tenant")
    (r / "tenant/flows/Broken Flow.json").write_text(BROKEN)
    (r / "README.md").write_text("a repository\n")
    return r


def run(cmd: str, cwd: Path, env=None):
    env = {**os.environ, "PATH": f"{Path(BIN).parent}:{os.environ['PATH']}", **(env or {})}
    return subprocess.run(["bash", "-c", cmd], cwd=cwd, capture_output=True, text=True, env=env)


def recipes() -> dict[str, dict]:
    text = (ROOT / "docs/ci.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    return {name: yaml.safe_load(b) for name, b in zip(["github", "gitlab", "pre-commit"], blocks)}


def flowls_commands(recipe: dict, kind: str) -> list[str]:
    if kind == "github":
        steps = recipe["jobs"]["flowls"]["steps"]
        lines = [s["run"] for s in steps if "run" in s]
    else:
        lines = recipe["flowls"]["script"]
    return [c for c in lines if c.startswith("flowls ")]


def test_github_annotations_and_sarif_land_on_files_of_the_repository(repo):
    out = run("flowls check tenant --format github", repo)
    assert out.returncode == 1
    annotations = [l for l in out.stdout.splitlines() if l.startswith("::")]
    assert annotations
    for a in annotations:
        path = re.search(r"file=([^,]+),", a).group(1).replace("%2C", ",").replace("%3A", ":").replace("%25", "%")
        assert (repo / path).is_file(), a
    assert any("tenant/flows/Broken Flow.json" in a for a in annotations)
    sarif = json.loads(run("flowls check tenant --format sarif", repo).stdout)
    base = sarif["runs"][0]["originalUriBaseIds"]["SRCROOT"]["uri"]
    assert base == repo.resolve().as_uri() + "/"
    for r in sarif["runs"][0]["results"]:
        loc = r["locations"][0]["physicalLocation"]["artifactLocation"]
        assert loc["uriBaseId"] == "SRCROOT"
        from urllib.parse import unquote
        assert (repo / unquote(loc["uri"])).is_file(), loc
        assert r["partialFingerprints"]["flowls/v1"]
    # a file argument (as pre-commit passes them): still relative to the current folder
    out = run("flowls check 'tenant/flows/Broken Flow.json' --format github", repo)
    assert "file=tenant/flows/Broken Flow.json," in out.stdout


@pytest.mark.parametrize("kind", ["github", "gitlab"])
def test_every_recipe_command_runs_on_a_sample_repository(repo, kind):
    commands = flowls_commands(recipes()[kind], kind)
    assert commands, kind
    for cmd in commands:
        out = run(cmd, repo)
        if "--format sarif" in cmd:
            assert out.returncode == 0, (cmd, out.stderr)  # findings do not stop the upload
            assert json.loads((repo / "flowls.sarif").read_text())["version"] == "2.1.0"
        elif cmd.startswith("flowls scopes"):
            assert out.returncode == 1 and "update:users" in out.stdout, (cmd, out.stdout)
        else:
            assert out.returncode == 1 and "GET_USR" in out.stdout, (cmd, out.stdout)
    # and once the tenant is clean, every command passes
    (repo / "tenant/flows/Broken Flow.json").unlink()
    grant = repo / "tenant/grants/Flows M2M.json"
    g = json.loads(grant.read_text())
    g["scope"] = ["read:users", "update:users"]
    grant.write_text(json.dumps(g))
    for cmd in commands:
        assert run(cmd, repo).returncode == 0, cmd


def git(repo: Path, *args, check=True):
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env=env, check=check)


@pytest.mark.slow
def test_the_pre_commit_hook_refuses_a_commit_with_a_problem(repo, tmp_path):
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    hook = recipes()["pre-commit"]
    hook["repos"][0]["repo"] = str(ROOT)
    hook["repos"][0]["rev"] = rev
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(hook))
    git(repo, "init", "-q")
    pre_commit = str(Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv-e2e")) / "bin/pre-commit")
    if not Path(pre_commit).exists():
        pre_commit = str(Path(__import__("sys").executable).parent / "pre-commit")
    env = {**os.environ, "PRE_COMMIT_HOME": str(ROOT / ".e2e-cache/pre-commit")}
    subprocess.run([pre_commit, "install"], cwd=repo, check=True, capture_output=True, env=env)
    git(repo, "add", "-A")
    refused = subprocess.run(["git", "commit", "-q", "-m", "planted"], cwd=repo, capture_output=True, text=True,
                             env={**env, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e.c", "GIT_COMMITTER_NAME": "t",
                                  "GIT_COMMITTER_EMAIL": "t@e.c"}, timeout=1500)
    assert refused.returncode != 0, refused.stdout + refused.stderr
    assert "GET_USR" in refused.stdout + refused.stderr
    (repo / "tenant/flows/Broken Flow.json").unlink()
    git(repo, "add", "-A")
    ok = subprocess.run(["git", "commit", "-q", "-m", "clean"], cwd=repo, capture_output=True, text=True,
                        env={**env, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e.c", "GIT_COMMITTER_NAME": "t",
                             "GIT_COMMITTER_EMAIL": "t@e.c"}, timeout=600)
    assert ok.returncode == 0, ok.stdout + ok.stderr

"""Issue 16: the README's install steps, taken as a user would: the release archive built by
scripts/release, verified with its checksum, unpacked, and its binary run from PATH."""

import os
import re
import subprocess
import tarfile

import pytest
from pathlib import Path

from conftest import ROOT


@pytest.mark.slow
def test_the_release_archive_installs_and_runs(tmp_path):
    out = subprocess.run([str(ROOT / "scripts/release")], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert out.returncode == 0, out.stderr[-3000:]
    archive, checksum = [ROOT / p for p in out.stdout.split()[:2]]
    version = re.search(r'^version = "(.*)"', (ROOT / "Cargo.toml").read_text(), re.M).group(1)
    target = re.search(r"^host: (.*)$", subprocess.run(["rustc", "-vV"], capture_output=True, text=True).stdout, re.M).group(1)
    name = f"flowls-{version}-{target}"
    assert archive.name == f"{name}.tar.gz" and checksum.name == f"{name}.tar.gz.sha256"
    with tarfile.open(archive) as t:
        assert sorted(t.getnames()) == sorted([name, f"{name}/flowls", f"{name}/README.md", f"{name}/LICENSE"])
    # the README's steps
    subprocess.run(["cp", str(archive), str(checksum), str(tmp_path)], check=True)
    assert subprocess.run(["sha256sum", "-c", checksum.name], cwd=tmp_path, capture_output=True).returncode == 0
    subprocess.run(["tar", "xzf", archive.name], cwd=tmp_path, check=True)
    env = {**os.environ, "PATH": f"{tmp_path / name}:/usr/bin:/bin"}
    v = subprocess.run(["flowls", "--version"], env=env, capture_output=True, text=True)
    rev = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    assert v.stdout.strip() == f"flowls {version} ({rev})"
    check = subprocess.run(["flowls", "check", str(ROOT / "examples/tenant")], env=env, capture_output=True, text=True)
    assert check.returncode == 1 and "unresolved-connection" in check.stdout

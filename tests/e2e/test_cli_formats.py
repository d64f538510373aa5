"""`flowls check --format sarif` as code-scanning tools read it: valid against the SARIF 2.1.0
JSON Schema (from the npm package @microsoft/jest-sarif, installed by scripts/setup-e2e), with
each rule's description and help from the diagnostic registry."""

import json
import subprocess
from pathlib import Path

import jsonschema

from conftest import BIN, ROOT

SCHEMA = ROOT / ".e2e-cache/sarif/package/lib/schemas/sarif-2.1.0-rtm.5.json"


def test_sarif_validates_against_the_2_1_0_schema_and_carries_rule_help():
    out = subprocess.run([BIN, "check", "examples/tenant", "--format", "sarif"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 1, out.stderr
    log = json.loads(out.stdout)
    schema = json.loads(SCHEMA.read_text())
    cls = jsonschema.validators.validator_for(schema)
    errors = sorted(cls(schema).iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert rules
    for rule in rules:
        explain = subprocess.run([BIN, "explain", rule["id"]], capture_output=True, text=True).stdout
        assert rule["help"]["markdown"] == explain
        assert rule["fullDescription"]["text"] and rule["fullDescription"]["text"] in explain


def test_sarif_with_files_not_read_still_validates(tmp_path):
    """Issue 20.13: files that were not read are `toolExecutionNotifications` of the run's
    invocation; the log stays valid SARIF 2.1.0, and json lists them as `notes`."""
    import os
    import shutil

    ws = tmp_path / "ws"
    shutil.copytree(ROOT / "tests/e2e/fixtures/ws", ws)
    os.mkfifo(ws / "flows/fifo.json")
    (ws / os.fsdecode(b"flows/\xff.json")).write_text("{}")
    with open(ws / "flows/big.json", "wb") as f:
        f.truncate(17 * 1024 * 1024)
    out = subprocess.run([BIN, "check", "ws", "--format", "sarif"], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode in (0, 1), out.stderr
    log = json.loads(out.stdout)
    schema = json.loads(SCHEMA.read_text())
    cls = jsonschema.validators.validator_for(schema)
    errors = sorted(cls(schema).iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    told = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    uris = sorted(n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in told)
    assert uris == ["ws/flows/%EF%BF%BD.json", "ws/flows/big.json", "ws/flows/fifo.json"], told
    out = subprocess.run([BIN, "check", "ws", "--format", "json"], cwd=tmp_path, capture_output=True, text=True)
    notes = json.loads(out.stdout)["notes"]
    assert sorted(n["path"] for n in notes) == ["flows/big.json", "flows/fifo.json", "flows/\ufffd.json"], notes

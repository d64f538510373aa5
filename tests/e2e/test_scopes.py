"""Issue 15: least privilege end to end — `flowls scopes` in every format, the grant it prints
written over the grant file, and the one-step code action over stdio."""

import json
import subprocess

import hcl2
import pytest
from lsprotocol import types as t

from conftest import BIN

GRANT = "grants/Flows M2M.json"


def scopes(ws, *args):
    return subprocess.run([BIN, "scopes", str(ws), *args], capture_output=True, text=True)


def check_codes(ws):
    out = subprocess.run([BIN, "check", str(ws), "--format", "json"], capture_output=True, text=True)
    return sorted(d["code"] for d in json.loads(out.stdout)["diagnostics"])


def test_the_report_names_scopes_and_exits_1_when_one_is_missing(workspace):
    out = scopes(workspace, "--format", "json")
    assert out.returncode == 1, out.stderr
    report = json.loads(out.stdout)
    [app] = report["applications"]
    assert app["client"] == "Flows M2M" and app["connections"] == ["Users M2M"]
    assert [n["scope"] for n in app["needed"]] == ["read:users", "update:users"]
    assert app["missing"] == ["update:users"]
    assert all(":current_user" not in json.dumps(n) for n in app["needed"])
    assert app["granted"]["source"] == "grant" and app["granted"]["file"] == GRANT
    needed_by = app["needed"][1]["actions"][0]
    assert needed_by["file"] == "flows/Onboard.json" and needed_by["line"] == 13 and needed_by["id"] == "update_user"
    table = scopes(workspace)
    assert "MISSING" in table.stdout and "\x1b[" not in table.stdout  # no colour on a pipe


def test_the_deploy_cli_grant_written_over_the_grant_file_leaves_no_scope_finding(workspace):
    grant = workspace / GRANT
    before = json.loads(grant.read_text())
    before["scope"].append("read:clients")  # an excess one too
    grant.write_text(json.dumps(before))
    assert "missing-scope" in check_codes(workspace) and "excess-scope" in check_codes(workspace)
    out = scopes(workspace, "--format", "deploy-cli")
    body = json.loads(out.stdout)
    assert body["client_id"] == "Flows M2M" and body["scope"] == ["read:users", "update:users"]
    grant.write_text(out.stdout)
    assert not [c for c in check_codes(workspace) if "scope" in c]
    assert scopes(workspace, "--deny", "excess").returncode == 0


def test_terraform_output_parses_and_deny_excess_fails_on_excess(workspace):
    grant = workspace / GRANT
    g = json.loads(grant.read_text())
    g["scope"] = ["read:users", "update:users", "delete:users"]
    grant.write_text(json.dumps(g))
    assert scopes(workspace).returncode == 0
    assert scopes(workspace, "--deny", "excess").returncode == 1
    out = scopes(workspace, "--format", "terraform")
    parsed = hcl2.loads(out.stdout)
    strip = lambda v: v.strip('"') if isinstance(v, str) else v
    [resource] = parsed["resource"]
    [(kind, blocks)] = resource.items()
    assert strip(kind) == "auth0_client_grant"
    [(name, body)] = blocks.items()
    assert strip(name) == "flows_m2m"
    assert strip(body["client_id"]) == "Flows M2M"
    assert [strip(s) for s in body["scopes"]] == ["read:users", "update:users"]


@pytest.mark.asyncio
async def test_the_code_action_grants_exactly_what_the_flows_need(session):
    s = session
    grant_text = s.text(GRANT)
    uri = s.open(GRANT, grant_text)
    end = s.position(grant_text, len(grant_text))
    actions = await s.client.text_document_code_action_async(t.CodeActionParams(
        text_document=t.TextDocumentIdentifier(uri=uri),
        range=t.Range(start=t.Position(line=0, character=0), end=end),
        context=t.CodeActionContext(diagnostics=[])))
    [action] = [a for a in actions if a.title.startswith("Grant exactly what the flows need")]
    edits = action.edit.document_changes[0].edits if action.edit.document_changes else action.edit.changes[uri]
    [edit] = edits
    new_text = apply_edit(s, grant_text, edit)
    s.change(uri, 2, t.Position(line=0, character=0), end, new_text)
    flow = s.open("flows/Onboard.json")
    diags = await s.diagnostics(flow, until=lambda d: not d)
    assert not diags
    lenses = await s.client.text_document_code_lens_async(t.CodeLensParams(text_document=t.TextDocumentIdentifier(uri=uri)))
    assert [l.command.title for l in lenses] == ["needed by 2 actions · exactly what the flows need"]
    report = await s.client.workspace_execute_command_async(t.ExecuteCommandParams(command="flowls.showScopes", arguments=[]))
    assert report["applications"][0]["missing"] == [] and report["applications"][0]["excess"] == []


def apply_edit(s, text, edit):
    def offset(pos):
        lines = text.split("\n")
        before = "\n".join(lines[: pos.line]) + ("\n" if pos.line else "")
        line = lines[pos.line]
        if s.utf8:
            return len(before) + len(line.encode()[: pos.character].decode())
        units = 0
        for i, ch in enumerate(line):
            if units >= pos.character:
                return len(before) + i
            units += 2 if ord(ch) > 0xFFFF else 1
        return len(before) + len(line)
    return text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]

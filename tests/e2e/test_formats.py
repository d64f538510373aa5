"""deploy-cli YAML, forms and export bundles over stdio, with the VS Code, Neovim and pull
client profiles: YAML diagnostics at their lines (and following edits), flow↔form
navigation and rename, `fields.` completion, hover on a YAML entry."""

import shutil
from pathlib import Path

import pytest_asyncio
from conftest import FIXTURES, start
from lsprotocol import types as t
from test_editing import apply_edits, pos_after

TENANT = """\
flows:
  - name: Update KYC
    body: ./flows/kyc.json
  - name: Ghost
    body: ./flows/ghost.json
forms:
  - name: KYC
    body: ./forms/kyc.json
flowVaultConnections:
  - name: 'Users YAML'
    app_id: AUTH0
    setup: '@@USERS_SETUP@@'
  - name: Alerts
    app_id: SLAKC
"""

FLOW = """{
  "name": "Update KYC",
  "actions": [
    { "id": "u", "type": "AUTH0", "action": "UPDATE_USER",
      "params": { "connection_id": "Users YAML", "user_id": "{{context.user.user_id}}",
                  "changes": { "name": "{{fields.full_name}}", "nickname": "{{fields.nick}}" } } }
  ]
}
"""

FORM = """{
  "name": "KYC",
  "nodes": [
    { "id": "step", "type": "STEP", "config": { "components": [
      { "id": "full_name", "category": "FIELD", "type": "TEXT" },
      { "id": "next", "category": "BLOCK", "type": "NEXT_BUTTON", "config": { "text": "Go" } } ], "next_node": "flow" } },
    { "id": "flow", "type": "FLOW", "config": { "flow_id": "Update KYC", "next_node": "$ending" } }
  ],
  "start": { "next_node": "step", "hidden_fields": [ { "key": "ref" } ] }
}
"""


@pytest_asyncio.fixture(params=["vscode", "neovim", "pull"])
async def yaml_session(request, tmp_path: Path):
    ws = tmp_path / "ws"
    shutil.copytree(FIXTURES / "ws", ws)
    (ws / "tenant.yaml").write_text(TENANT)
    (ws / "flows/kyc.json").write_text(FLOW)
    (ws / "forms").mkdir()
    (ws / "forms/kyc.json").write_text(FORM)
    s = await start(request.param, ws)
    yield s
    await s.client.shutdown_session()
    await s.client.stop()


def open_yaml(session, rel, text=None):
    uri = session.uri(rel)
    session.client.text_document_did_open(
        t.DidOpenTextDocumentParams(
            text_document=t.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text or session.text(rel))
        )
    )
    return uri


async def test_yaml_diagnostics_at_their_lines_and_following_edits(yaml_session):
    s = yaml_session
    uri = open_yaml(s, "tenant.yaml")
    diags = await s.diagnostics(uri, until=lambda d: any(x.code == "schema" for x in d))
    by_code = {}
    for d in diags:
        by_code.setdefault(d.code, []).append(d)
    assert [d.range for d in by_code["schema"]] == [
        s.range_of(TENANT, "./flows/ghost.json"),
        s.range_of(TENANT, "SLAKC"),
    ]
    assert "did you mean `SLACK`?" in by_code["schema"][1].message
    assert by_code["scopes-unknown"][0].range == s.range_of(TENANT, "'Users YAML'")
    # an edit in the YAML: the app fixed, its finding gone
    at = s.range_of(TENANT, "SLAKC")
    s.change(uri, 2, at.start, at.end, "SLACK")
    await s.diagnostics(uri, until=lambda d: not any("SLAKC" in x.message for x in d) and len(d) > 0)


async def test_flow_and_form_navigate_and_rename_together(yaml_session):
    s = yaml_session
    await s.indexed()
    form_uri = s.open("forms/kyc.json", FORM)
    doc = t.TextDocumentIdentifier(uri=form_uri)
    at = pos_after(s, FORM, '"flow_id": "Upd')
    definition = await s.client.text_document_definition_async(t.DefinitionParams(text_document=doc, position=at))
    assert definition.uri == s.uri("flows/kyc.json")
    assert definition.range == s.range_of(FLOW, '"Update KYC"')
    refs = await s.client.text_document_references_async(
        t.ReferenceParams(text_document=doc, position=at, context=t.ReferenceContext(include_declaration=True))
    )
    assert sorted(r.uri for r in refs) == sorted([s.uri("flows/kyc.json"), s.uri("tenant.yaml"), form_uri])
    edit = await s.client.text_document_rename_async(t.RenameParams(text_document=doc, position=at, new_name="Verify KYC"))
    changes = {}
    if edit.document_changes:
        for dc in edit.document_changes:
            changes[dc.text_document.uri] = dc.edits
    else:
        changes = edit.changes
    assert apply_edits(s, FORM, changes[form_uri]).count('"flow_id": "Verify KYC"') == 1
    assert "- name: Verify KYC\n" in apply_edits(s, TENANT, changes[s.uri("tenant.yaml")])
    assert '"name": "Verify KYC"' in apply_edits(s, FLOW, changes[s.uri("flows/kyc.json")])


async def test_fields_completion_and_unknown_field(yaml_session):
    s = yaml_session
    await s.indexed()
    uri = s.open("flows/kyc.json", FLOW)
    diags = await s.diagnostics(uri, until=lambda d: any(x.code == "unknown-field" for x in d))
    unknown = [d for d in diags if d.code == "unknown-field"]
    assert [d.range for d in unknown] == [s.range_of(FLOW, "fields.nick")]
    result = await s.client.text_document_completion_async(
        t.CompletionParams(text_document=t.TextDocumentIdentifier(uri=uri), position=pos_after(s, FLOW, "{{fields."))
    )
    items = result.items if hasattr(result, "items") else result
    assert sorted(i.label for i in items) == ["full_name", "ref"]


async def test_hover_and_symbols_of_a_yaml_tenant(yaml_session):
    s = yaml_session
    await s.indexed()
    uri = open_yaml(s, "tenant.yaml")
    doc = t.TextDocumentIdentifier(uri=uri)
    hover = await s.client.text_document_hover_async(t.HoverParams(text_document=doc, position=pos_after(s, TENANT, "'Users")))
    assert "Needs: update:users" in hover.contents.value
    symbols = await s.client.text_document_document_symbol_async(t.DocumentSymbolParams(text_document=doc))
    assert [x.name for x in symbols] == ["Update KYC", "Ghost", "KYC", "Users YAML", "Alerts"]
    # completion in the YAML: the vault apps after `app_id: `
    text = TENANT + "  - name: Typing\n    app_id: "
    uri2 = open_yaml(s, "tenant.yaml", text)
    result = await s.client.text_document_completion_async(
        t.CompletionParams(text_document=t.TextDocumentIdentifier(uri=uri2), position=s.position(text, len(text)))
    )
    items = result.items if hasattr(result, "items") else result
    assert {"AUTH0", "SLACK"} <= {i.label for i in items}


async def test_impatient_requests_right_after_opening_yaml_and_forms(yaml_session):
    """No waiting for the start-up scan or for diagnostics: the requests wait for the scan
    themselves and answer with the whole workspace."""
    s = yaml_session
    text = TENANT + "  - name: Typing\n    app_id: "
    uri = open_yaml(s, "tenant.yaml", text)
    completion = s.client.text_document_completion_async(
        t.CompletionParams(text_document=t.TextDocumentIdentifier(uri=uri), position=s.position(text, len(text)))
    )
    hover = s.client.text_document_hover_async(
        t.HoverParams(text_document=t.TextDocumentIdentifier(uri=uri), position=pos_after(s, text, "'Users"))
    )
    form_uri = s.open("forms/kyc.json", FORM)
    definition = s.client.text_document_definition_async(
        t.DefinitionParams(text_document=t.TextDocumentIdentifier(uri=form_uri), position=pos_after(s, FORM, '"flow_id": "Upd'))
    )
    result = await completion
    items = result.items if hasattr(result, "items") else result
    assert "AUTH0" in {i.label for i in items}
    assert "Needs: update:users" in (await hover).contents.value
    assert (await definition).uri == s.uri("flows/kyc.json")
    # nothing said a flow or connection was missing while the index was being built
    diags = await s.diagnostics(uri, until=lambda d: len(d) > 0)
    assert not any(d.code in ("unresolved-connection", "unresolved-flow") for d in diags)


async def test_a_hostile_tenant_yaml_is_survived(tmp_path):
    """A repository nobody vetted: a YAML bomb, nesting 50,000 deep, bodies that climb out of
    the workspace or point at a symlink to a secret outside — the server answers, reads
    nothing outside, and goes on serving."""
    secret = tmp_path / "secret.json"
    secret.write_text('{"name": "LEAKED-SECRET-FLOW", "actions": []}')
    ws = tmp_path / "ws"
    shutil.copytree(FIXTURES / "ws", ws)
    (ws / "flows/link.json").symlink_to(secret)
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefghij", "bcdefghijk")
    )
    (ws / "tenant.yaml").write_text(
        bomb
        + "flows:\n  - name: Out\n    body: ../secret.json\n  - name: Link\n    body: ./flows/link.json\n"
        + "deep: " + "[" * 50_000 + "\n"
    )
    s = await start("vscode", ws)
    try:
        uri = open_yaml(s, "tenant.yaml")
        diags = await s.diagnostics(uri, until=lambda d: any(x.code == "schema" for x in d), timeout=20)
        messages = " ".join(d.message for d in diags)
        assert "outside the workspace" in messages
        assert "expand" in messages or "nested deeper" in messages or "YAML" in messages
        symbols = await s.client.workspace_symbol_async(t.WorkspaceSymbolParams(query="LEAKED"))
        assert not symbols
        # still serving
        flow_uri = s.open("flows/Onboard.json")
        assert await s.diagnostics(flow_uri, until=lambda d: len(d) > 0)
    finally:
        await s.client.shutdown_session()
        await s.client.stop()


async def test_hover_and_definition_in_an_export_bundle(tmp_path: Path):
    """The real actions-gallery export (tests/fixtures/bundles/README.md): `#CONN-1#` shows its
    connection, app and scopes and leads to its stub; `#FLOW-1#` leads to the bundle's flow."""
    ws = tmp_path / "ws"
    (ws / "forms").mkdir(parents=True)
    bundle = (FIXTURES.parents[1] / "fixtures/bundles/secondary-contact-verification.json").read_text()
    (ws / "forms/secondary-contact-verification.json").write_text(bundle)
    s = await start("vscode", ws)
    try:
        uri = s.open("forms/secondary-contact-verification.json", bundle)
        doc = t.TextDocumentIdentifier(uri=uri)
        use = pos_after(s, bundle, '"connection_id": "#CONN')
        hover = await s.client.text_document_hover_async(t.HoverParams(text_document=doc, position=use))
        assert "**Validate-Secondary-Email-Phone** · vault connection" in hover.contents.value
        assert "app_id: `AUTH0`" in hover.contents.value
        assert "Needs: update:users" in hover.contents.value
        definition = await s.client.text_document_definition_async(t.DefinitionParams(text_document=doc, position=use))
        stub = bundle.index('"#CONN-1#": {')
        assert definition.uri == uri
        assert definition.range == t.Range(start=s.position(bundle, stub), end=s.position(bundle, stub + len('"#CONN-1#"')))
        flow_id = pos_after(s, bundle, '"flow_id": "#FLOW-2')
        definition = await s.client.text_document_definition_async(t.DefinitionParams(text_document=doc, position=flow_id))
        flow = bundle.index('"#FLOW-2#": {')
        assert definition.range == t.Range(start=s.position(bundle, flow), end=s.position(bundle, flow + len('"#FLOW-2#"')))
        # the stub's finding is on its name in the bundle
        diags = await s.diagnostics(uri, until=lambda d: any(x.code == "scopes-unknown" for x in d))
        assert [d.range for d in diags if d.code == "scopes-unknown"] == [s.range_of(bundle, '"Validate-Secondary-Email-Phone"')]
        assert "4 AUTH0 actions use" in diags[0].message
    finally:
        await s.client.shutdown_session()
        await s.client.stop()


GRANTS_TENANT = """\
resourceServers:
  - name: My API
    identifier: https://##ENV##.acme.example/api/v1
clientGrants:
  - client_id: My M2M
    audience: https://##ENV##.acme.example/api/v1
    scope:
      - update:account
  - client_id: Flows M2M
    audience: https://acme.eu.auth0.com/api/v2/
    scope:
      - read:users
      - read:clients
flows:
  - name: Update KYC
    body: ./flows/kyc.json
flowVaultConnections:
  - name: Users YAML
    app_id: AUTH0
    setup: {type: OAUTH_APP, client_id: Flows M2M, client_secret: '##S##', domain: acme.eu.auth0.com}
"""


async def test_a_yaml_client_grant_gets_its_lens_and_the_exact_grant_in_yaml(tmp_path: Path):
    """The `clientGrants:` entry of the Management API (not the custom API's before it) gets the
    grant code lens, and "Grant exactly what the flows need" rewrites its `scope:` list in YAML."""
    ws = tmp_path / "ws"
    (ws / "flows").mkdir(parents=True)
    (ws / "tenant.yaml").write_text(GRANTS_TENANT)
    (ws / "flows/kyc.json").write_text(FLOW.replace('"nickname": "{{fields.nick}}" ', ""))
    s = await start("vscode", ws)
    try:
        uri = open_yaml(s, "tenant.yaml", GRANTS_TENANT)
        doc = t.TextDocumentIdentifier(uri=uri)
        lenses = await s.client.text_document_code_lens_async(t.CodeLensParams(text_document=doc))
        grant_lenses = [l for l in lenses if l.command.title.startswith("needed by")]
        assert [(l.range.start.line, l.command.title) for l in grant_lenses] == [(10, "needed by 1 action · 1 missing · 2 excess")]
        end = s.position(GRANTS_TENANT, len(GRANTS_TENANT))
        actions = await s.client.text_document_code_action_async(t.CodeActionParams(
            text_document=doc, range=t.Range(start=t.Position(line=0, character=0), end=end),
            context=t.CodeActionContext(diagnostics=[])))
        [action] = [a for a in actions if a.title.startswith("Grant exactly what the flows need")]
        edits = action.edit.document_changes[0].edits if action.edit.document_changes else action.edit.changes[uri]
        after = apply_edits(s, GRANTS_TENANT, edits)
        assert after == GRANTS_TENANT.replace("      - read:users\n      - read:clients\n", "      - update:users\n")
    finally:
        await s.client.shutdown_session()
        await s.client.stop()


async def test_placeholders_right_after_open_and_hostile_patterns(workspace):
    """`flowls.toml` [placeholders]: a flow using `__TF_VAULT__…__` opened and asked for hover and
    completion at once, without waiting for diagnostics; then a flowls.toml of hostile patterns
    (a bare {name}, {name} twice, a 100 KB pattern, an unknown kind, TOML garbage): config
    findings, and the server goes on answering."""
    import json

    from conftest import start

    (workspace / "flowls.toml").write_text('[placeholders]\n"__TF_VAULT__{name}__" = "connection"\n"env:{name}" = "unknown"\n')
    text = json.dumps({"name": "P", "actions": [
        {"id": "g", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": "__TF_VAULT__Users M2M__", "user_id": "u"}},
        {"id": "h", "type": "HTTP", "action": "SEND_REQUEST", "params": {"url": "https://x.example", "headers": {"Authorization": "env:TOKEN"}}},
    ]}, indent=2)
    s = await start("vscode", workspace)
    try:
        uri = s.open("flows/P.json", text)
        doc = t.TextDocumentIdentifier(uri=uri)
        at = s.position(text, text.index("__TF_VAULT__") + 2)
        hover = await s.client.text_document_hover_async(t.HoverParams(text_document=doc, position=at))
        assert hover is not None and "Users M2M" in repr(hover.contents), hover
        diags = await s.diagnostics(uri, until=lambda d: d is not None)
        assert not any(d.code in ("unresolved-connection", "plaintext-secret") for d in diags), diags
        bad_patterns = ['"{name}" = "connection"', '"a{name}b{name}" = "flow"', '"' + "x" * 100_000 + '{name}" = "unknown"',
                        '"__{name}__" = "secret"', '[[[ not toml']
        cfg = s.open("flowls.toml", "[placeholders]\n")
        for version, bad in enumerate(bad_patterns, start=2):
            toml_text = "[placeholders]\n" + bad + "\n"
            s.client.text_document_did_change(t.DidChangeTextDocumentParams(
                text_document=t.VersionedTextDocumentIdentifier(uri=cfg, version=version),
                content_changes=[t.TextDocumentContentChangeWholeDocument(text=toml_text)]))
            found = await s.diagnostics(cfg, until=lambda d: any(x.code == "config" for x in d))
            assert found, bad[:40]
            sym = await s.client.text_document_document_symbol_async(t.DocumentSymbolParams(text_document=doc))
            assert sym is not None
    finally:
        await s.client.shutdown_session()
        await s.client.stop()

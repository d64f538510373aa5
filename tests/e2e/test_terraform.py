"""Terraform documents over stdio, with the VS Code, Neovim and pull client profiles:
diagnostics at the HCL key or inside a heredoc, hover, completion inside `jsonencode` (keys in
HCL syntax, connection references), definition of a reference, and requests sent right after
`didOpen` of a `terraform` document. Nothing outside the auth0 resources, no formatting."""

from pathlib import Path

import pytest_asyncio
from conftest import start
from lsprotocol import types as t
from test_editing import pos_after

VAULT = """\
resource "auth0_flow_vault_connection" "users" {
  name   = "Users M2M"
  app_id = "AUTH0"
  setup = {
    type          = "OAUTH_APP"
    domain        = "acme.eu.auth0.com"
    client_id     = "abc"
    client_secret = var.client_secret
  }
}

resource "auth0_flow_vault_connection" "slack" {
  name   = "Alerts"
  app_id = "SLACK"
}
"""

# a non-ASCII name before the positions, a typo'd action in jsonencode, a missing connection
# in a heredoc
FLOW = """\
resource "auth0_flow" "onboard" {
  name = "Onboard ✓ für alle"
  actions = jsonencode([{
    id     = "get"
    type   = "AUTH0"
    action = "GET_USERR"
    params = {
      connection_id = auth0_flow_vault_connection.users.id
      user_id       = "{{context.user.user_id}}"
    }
  }])
}

resource "auth0_flow" "heredoc" {
  name    = "Heredoc"
  actions = <<-EOT
    [
      {"id": "upd", "type": "AUTH0", "action": "UPDATE_USER",
       "params": {"connection_id": "${auth0_flow_vault_connection.missing.id}", "user_id": "u", "changes": {}}}
    ]
  EOT
}

resource "aws_s3_bucket" "b" {
  bucket = "x"
}
"""


def open_tf(s, rel: str, text: str, version: int = 1, language: str = "terraform") -> str:
    uri = s.uri(rel)
    s.client.text_document_did_open(
        t.DidOpenTextDocumentParams(
            text_document=t.TextDocumentItem(uri=uri, language_id=language, version=version, text=text)
        )
    )
    return uri


@pytest_asyncio.fixture(params=["vscode", "neovim", "pull"])
async def tf_session(request, tmp_path: Path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "vault.tf").write_text(VAULT)
    (ws / "flow.tf").write_text(FLOW)
    s = await start(request.param, ws)
    yield s
    await s.client.shutdown_session()
    await s.client.stop()


async def test_requests_right_after_did_open_are_answered_from_the_whole_workspace(tf_session):
    s = tf_session
    # no wait for the start-up scan: the hover waits for it and knows the vault resource
    uri = open_tf(s, "flow.tf", FLOW)
    at = pos_after(s, FLOW, "connection_id = auth0_flow_vault")
    hover = await s.client.text_document_hover_async(
        t.HoverParams(text_document=t.TextDocumentIdentifier(uri=uri), position=at)
    )
    assert hover is not None
    assert hover.contents.value.startswith("**Users M2M** · vault connection"), hover.contents.value
    assert "In `vault.tf`" in hover.contents.value
    assert hover.range == s.range_of(FLOW, "auth0_flow_vault_connection.users.id")


async def test_diagnostics_at_the_hcl_value_and_inside_the_heredoc(tf_session):
    s = tf_session
    uri = open_tf(s, "flow.tf", FLOW)
    diags = await s.diagnostics(uri, until=lambda d: len(d) >= 2)
    by_code = {d.code: d for d in diags}
    assert by_code["unknown-action"].range == s.range_of(FLOW, '"GET_USERR"')
    # the heredoc's reference to a resource that does not exist, at the JSON string that holds it
    unresolved = by_code["unresolved-connection"]
    assert unresolved.range == s.range_of(FLOW, '"${auth0_flow_vault_connection.missing.id}"')
    # nothing on the other provider's resource
    aws_line = FLOW[: FLOW.index("aws_s3_bucket")].count("\n")
    assert all(d.range.start.line < aws_line for d in diags)
    # an edit fixes the action: its finding goes, the heredoc's stays
    at = s.range_of(FLOW, "GET_USERR")
    s.change(uri, 2, at.start, at.end, "GET_USER")
    diags = await s.diagnostics(uri, until=lambda d: not any(x.code == "unknown-action" for x in d))
    assert [d.code for d in diags] == ["unresolved-connection"]


async def test_hover_on_an_action_in_jsonencode_and_in_a_heredoc(tf_session):
    s = tf_session
    await s.indexed()
    uri = open_tf(s, "flow.tf", FLOW.replace("GET_USERR", "GET_USER"))
    text = FLOW.replace("GET_USERR", "GET_USER")
    doc = t.TextDocumentIdentifier(uri=uri)
    hover = await s.client.text_document_hover_async(t.HoverParams(text_document=doc, position=pos_after(s, text, '"GET_')))
    assert hover.contents.value.startswith("**AUTH0/GET_USER**"), hover.contents.value
    assert "read:users" in hover.contents.value
    hover = await s.client.text_document_hover_async(
        t.HoverParams(text_document=doc, position=pos_after(s, text, '"UPDATE_'))
    )
    assert hover.contents.value.startswith("**AUTH0/UPDATE_USER**"), hover.contents.value
    # outside the auth0 resources: nothing
    hover = await s.client.text_document_hover_async(
        t.HoverParams(text_document=doc, position=pos_after(s, text, 'bucket = "'))
    )
    assert hover is None


async def test_completion_inside_jsonencode(tf_session):
    s = tf_session
    await s.indexed()
    # `connection_id = ` being typed: the references of the AUTH0 connections
    text = FLOW.replace("GET_USERR", "GET_USER").replace(
        "connection_id = auth0_flow_vault_connection.users.id", "connection_id = "
    )
    uri = open_tf(s, "flow.tf", text)
    doc = t.TextDocumentIdentifier(uri=uri)
    at = pos_after(s, text, "connection_id = ")
    result = await s.client.text_document_completion_async(t.CompletionParams(text_document=doc, position=at))
    assert [i.label for i in result.items] == ["auth0_flow_vault_connection.users.id"]
    assert result.items[0].text_edit.new_text == "auth0_flow_vault_connection.users.id"
    assert result.items[0].text_edit.range.start == at
    # params keys: HCL members
    text2 = FLOW.replace(
        "      connection_id = auth0_flow_vault_connection.users.id\n      user_id       = \"{{context.user.user_id}}\"\n",
        "      \n",
    ).replace("GET_USERR", "GET_USER")
    s.client.text_document_did_change(
        t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[t.TextDocumentContentChangeWholeDocument(text=text2)],
        )
    )
    at2 = pos_after(s, text2, "params = {\n      ")
    result = await s.client.text_document_completion_async(t.CompletionParams(text_document=doc, position=at2))
    by_label = {i.label: i for i in result.items}
    assert set(by_label) == {"connection_id", "user_id"}
    assert by_label["user_id"].text_edit.new_text == 'user_id = "$1"'


async def test_definition_of_a_reference_and_references_of_the_resource(tf_session):
    s = tf_session
    await s.indexed()
    uri = open_tf(s, "flow.tf", FLOW)
    doc = t.TextDocumentIdentifier(uri=uri)
    at = pos_after(s, FLOW, "connection_id = auth0_flow_vault_connection.us")
    definition = await s.client.text_document_definition_async(t.DefinitionParams(text_document=doc, position=at))
    if isinstance(definition, list):
        definition = definition[0]
    assert definition.uri == s.uri("vault.tf")
    assert definition.range == s.range_of(VAULT, '"auth0_flow_vault_connection" "users"')
    vault_uri = open_tf(s, "vault.tf", VAULT)
    refs = await s.client.text_document_references_async(
        t.ReferenceParams(
            text_document=t.TextDocumentIdentifier(uri=vault_uri),
            position=pos_after(s, VAULT, '"auth0_flow_vault_connection" "us'),
            context=t.ReferenceContext(include_declaration=False),
        )
    )
    assert [(r.uri, r.range) for r in refs] == [(uri, s.range_of(FLOW, "auth0_flow_vault_connection.users.id"))]
    # never formatted: terraform fmt / terraform-ls own the layout
    edits = await s.client.text_document_formatting_async(
        t.DocumentFormattingParams(text_document=doc, options=t.FormattingOptions(tab_size=2, insert_spaces=True))
    )
    assert not edits


async def test_hcl_language_id_and_a_file_of_other_resources(tf_session):
    s = tf_session
    await s.indexed()
    other = 'resource "aws_s3_bucket" "b" {\n  bucket = \n}\n'
    uri = open_tf(s, "other.tf", other, language="hcl")
    # a syntax error in a file flowls does not own is terraform-ls' to report
    diags = await s.diagnostics(uri)
    assert list(diags) == []
    # the same file turned into a flow resource: its own findings
    flow = 'resource "auth0_flow" "x" {\n  name    = "X"\n  actions = jsonencode([{ id = "a", type = "AUTH0", action = "NOPE" }])\n}\n'
    s.client.text_document_did_change(
        t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[t.TextDocumentContentChangeWholeDocument(text=flow)],
        )
    )
    diags = await s.diagnostics(uri, until=lambda d: any(x.code == "unknown-action" for x in d))
    assert next(d for d in diags if d.code == "unknown-action").range == s.range_of(flow, '"NOPE"')


async def test_positions_after_emoji_on_the_line_and_crlf(tf_session):
    """utf-8 (Neovim) and utf-16 (VS Code) columns after non-ASCII text on the same line, in a
    CRLF document: the finding and the hover are where the text is."""
    s = tf_session
    await s.indexed()
    text = (
        'resource "auth0_flow" "emoji" {\r\n'
        '  name    = "😀 ünïcode"\r\n'
        '  actions = jsonencode([{ id = "😀✓", type = "AUTH0", action = "GET_USERR", '
        "params = { connection_id = auth0_flow_vault_connection.users.id, user_id = \"é\" } }])\r\n"
        "}\r\n"
    )
    uri = open_tf(s, "emoji.tf", text)
    diags = await s.diagnostics(uri, until=lambda d: any(x.code == "unknown-action" for x in d))
    d = next(x for x in diags if x.code == "unknown-action")
    # (CRLF: the range helpers count lines by "\n"; columns exclude the "\r")
    assert d.range == s.range_of(text, '"GET_USERR"')
    hover = await s.client.text_document_hover_async(
        t.HoverParams(text_document=t.TextDocumentIdentifier(uri=uri), position=pos_after(s, text, "connection_id = auth0_"))
    )
    assert hover.contents.value.startswith("**Users M2M** · vault connection"), hover.contents.value
    assert hover.range == s.range_of(text, "auth0_flow_vault_connection.users.id")


LOCALS = """\
locals {
  flow_name = "Onboard from locals"
}
"""

USES_LOCAL = """\
resource "auth0_flow" "onboard" {
  name = local.flow_name
  actions = jsonencode([{
    id     = "n"
    type   = "FLOW"
    action = "DO_NOTHING"
  }])
}

resource "auth0_flow" "stolen" {
  name    = "Stolen"
  actions = file("/etc/passwd")
}

resource "auth0_flow" "notes" {
  name    = "Notes"
  actions = file("${path.module}/notes.txt")
}
"""


@pytest_asyncio.fixture(params=["vscode", "neovim", "pull"])
async def module_session(request, tmp_path: Path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "locals.tf").write_text(LOCALS)
    (ws / "flow.tf").write_text(USES_LOCAL)
    (ws / "notes.txt").write_text("secret-looking notes: hunter2\n")
    s = await start(request.param, ws)
    yield s
    await s.client.shutdown_session()
    await s.client.stop()


async def test_a_local_of_another_file_right_after_did_open_and_a_file_outside_never_read(module_session):
    s = module_session
    # no wait for diagnostics: hover and definition of a local another .tf file of the module declares
    uri = open_tf(s, "flow.tf", USES_LOCAL)
    at = pos_after(s, USES_LOCAL, "name = local.fl")
    hover = await s.client.text_document_hover_async(
        t.HoverParams(text_document=t.TextDocumentIdentifier(uri=uri), position=at)
    )
    assert hover is not None
    assert hover.contents.value.startswith("**local.flow_name** · declared in locals.tf, line 2"), hover.contents.value
    assert 'flow_name = "Onboard from locals"' in hover.contents.value
    found = await s.client.text_document_definition_async(
        t.DefinitionParams(text_document=t.TextDocumentIdentifier(uri=uri), position=at)
    )
    found = found if isinstance(found, list) else [found]
    assert [f.uri for f in found] == [s.uri("locals.tf")], found
    # the repository's file() of a path outside the workspace: said at the call, never read
    diags = await s.diagnostics(uri, until=lambda d: any("outside the workspace" in x.message for x in d))
    outside = [d for d in diags if "outside the workspace" in d.message]
    assert outside[0].range.start.line == 11, outside
    assert all("root:" not in d.message for d in diags)
    # a file inside that is no JSON: said where it fails (read off the state's lock at the scan), never its text
    diags = await s.diagnostics(uri, until=lambda d: any("is not JSON" in x.message for x in d))
    notes = [d for d in diags if "is not JSON" in d.message]
    assert notes[0].range.start.line == 16 and "(it fails at 1:1)" in notes[0].message, notes
    assert all("hunter2" not in d.message for d in diags)

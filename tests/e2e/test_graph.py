"""Issue 23: the `flowls.graph` command over stdio, asked the way an impatient client asks —
right after didOpen, and again after an unsaved edit, whose change the graph shows."""

import pytest
from lsprotocol import types as t


async def graph(s, uri, fmt="mermaid"):
    return await s.client.workspace_execute_command_async(
        t.ExecuteCommandParams(command="flowls.graph", arguments=[{"uri": uri, "format": fmt}]))


@pytest.mark.asyncio
async def test_graph_of_a_flow_right_after_open_and_after_an_unsaved_edit(session):
    s = session
    assert "flowls.graph" in s.init.capabilities.execute_command_provider.commands
    rel = "flows/Onboard.json"
    text = s.text(rel)
    uri = s.open(rel, text)
    result = await graph(s, uri)  # before any diagnostics arrive
    assert result["format"] == "mermaid"
    nodes = {n["id"]: n for n in result["nodes"]}
    assert {"flow_onboard", "flow_onboard__get_user", "flow_onboard__update_user", "connection_users_m2m"} <= set(nodes)
    # each node's place is its source: the action's id value in the flow document
    get_user = nodes["flow_onboard__get_user"]
    assert get_user["uri"] == uri
    want = s.range_of(text, '"get_user"')
    assert get_user["range"]["start"] == {"line": want.start.line, "character": want.start.character}
    assert get_user["range"]["end"] == {"line": want.end.line, "character": want.end.character}
    assert nodes["connection_users_m2m"]["uri"] == s.uri("flow-vault-connections/Users M2M.json")
    assert "missing_scope" in result["text"]  # update:users is not granted
    for n in result["nodes"]:
        assert result["text"].count(n["id"]) >= 1
    # an unsaved edit: the action renamed; the graph follows the edit
    r = s.range_of(text, '"update_user"')
    s.change(uri, 2, r.start, r.end, '"set_user"')
    after = await graph(s, uri, "svg")
    ids = {n["id"] for n in after["nodes"]}
    assert "flow_onboard__set_user" in ids and "flow_onboard__update_user" not in ids
    assert 'data-node="flow_onboard__set_user"' in after["text"]
    edited = s.text(rel).replace('"update_user"', '"set_user"')
    [node] = [n for n in after["nodes"] if n["id"] == "flow_onboard__set_user"]
    want = s.range_of(edited, '"set_user"')
    assert node["range"]["start"] == {"line": want.start.line, "character": want.start.character}
    html = await graph(s, uri, "html")
    assert html["text"].startswith("<!DOCTYPE html>") and 'data-node="flow_onboard"' in html["text"]


@pytest.mark.asyncio
async def test_graph_rejects_a_bad_argument_and_the_server_goes_on(session):
    s = session
    uri = s.open("flows/Onboard.json")
    with pytest.raises(Exception):
        await graph(s, uri, "png")
    with pytest.raises(Exception):
        await s.client.workspace_execute_command_async(
            t.ExecuteCommandParams(command="flowls.graph", arguments=[{"format": "dot"}]))
    ok = await graph(s, s.uri("grants/Flows M2M.json"), "dot")
    assert ok["text"].startswith("digraph flowls {") and any(n["id"] == "flow_onboard" for n in ok["nodes"])


TF_VAULT = """\
resource "auth0_flow_vault_connection" "users" {
  name   = "Users TF"
  app_id = "AUTH0"
  setup = {
    type          = "OAUTH_APP"
    domain        = "acme.eu.auth0.com"
    client_id     = "abc"
    client_secret = var.client_secret
  }
}
"""

TF_FLOW = """\
resource "auth0_flow" "onboard" {
  name = "Welcome"
  actions = jsonencode([{
    id     = "get_user"
    type   = "AUTH0"
    action = "GET_USER"
    params = {
      connection_id = auth0_flow_vault_connection.users.id
      user_id       = "{{context.user.user_id}}"
    }
  }])
}

resource "auth0_form" "signup" {
  name  = "Signup"
  start = jsonencode({ next_node = "run" })
  nodes = jsonencode([{
    id     = "run"
    type   = "FLOW"
    config = { flow_id = auth0_flow.onboard.id, next_node = "$ending" }
  }])
  ending = jsonencode({})
}
"""


@pytest.mark.asyncio
async def test_graph_of_a_terraform_document_points_into_its_tf_file(session):
    s = session
    # both documents opened (not saved): the graph is drawn from what the editor holds
    for rel, text in (("vault.tf", TF_VAULT), ("onboard.tf", TF_FLOW)):
        s.client.text_document_did_open(
            t.DidOpenTextDocumentParams(
                text_document=t.TextDocumentItem(uri=s.uri(rel), language_id="terraform", version=1, text=text)
            )
        )
    uri = s.uri("onboard.tf")
    result = await graph(s, uri, "dot")
    nodes = {n["id"]: n for n in result["nodes"]}
    # the document's resources: the form, the flow it starts, the flow's action
    assert {"form_signup", "form_signup__run", "flow_welcome", "flow_welcome__get_user"} <= set(nodes), nodes
    for id in ("form_signup", "form_signup__run", "flow_welcome", "flow_welcome__get_user"):
        assert nodes[id]["uri"] == uri, nodes[id]
    want = s.range_of(TF_FLOW, '"get_user"')
    assert nodes["flow_welcome__get_user"]["range"]["start"] == {"line": want.start.line, "character": want.start.character}
    # the connection it uses, in the other .tf file
    assert nodes["connection_users_tf"]["uri"] == s.uri("vault.tf")
    assert '"form_signup__run" -> "flow_welcome"' in result["text"]
    # the JSON flows of the fixture's workspace are not part of this document's graph
    assert "flow_onboard" not in nodes
    # an unsaved edit: a renamed action is drawn at once
    r = s.range_of(TF_FLOW, '"get_user"')
    s.change(uri, 2, r.start, r.end, '"fetch_user"')
    after = await graph(s, uri)
    ids = {n["id"] for n in after["nodes"]}
    assert "flow_welcome__fetch_user" in ids and "flow_welcome__get_user" not in ids

"""Editing features over stdio, with the VS Code and Neovim client profiles."""

import json

from lsprotocol import types as t

FLOW = "flows/Onboard.json"
VAULT = "flow-vault-connections/Users M2M.json"
GRANT = "grants/Flows M2M.json"


def pos_after(session, text, needle, nth=0):
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return session.position(text, start + len(needle))


def apply_edits(session, text, edits):
    """Applies LSP text edits (in the session's encoding) to a text."""

    def offset(p):
        lines = text.split("\n")
        before = sum(len(line) + 1 for line in lines[: p.line])
        line = lines[p.line] if p.line < len(lines) else ""
        if session.utf8:
            return before + len(line.encode("utf-8")[: p.character].decode("utf-8", "ignore"))
        return before + len(line.encode("utf-16-le")[: p.character * 2].decode("utf-16-le", "ignore"))

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end) :]
    return text


async def test_completion_of_actions_in_a_half_typed_document_after_emoji(session):
    text = '{"name": "😀 onboarding", "actions": [{"id": "😀", "type": "AUTH0", "action": '
    uri = session.open("flows/New.json", text)
    result = await session.client.text_document_completion_async(
        t.CompletionParams(text_document=t.TextDocumentIdentifier(uri=uri), position=session.position(text, len(text)))
    )
    labels = [i.label for i in result.items]
    assert "GET_USER" in labels and "UPDATE_USER" in labels and "POST_MESSAGE" not in labels
    item = next(i for i in result.items if i.label == "GET_USER")
    assert item.text_edit.new_text == '"GET_USER"'
    assert item.text_edit.range.start == session.position(text, len(text))
    assert "read:users" in item.detail


async def test_completion_of_connection_ids_and_snippets(session):
    await session.indexed()
    text = '{"name": "N", "actions": [{"id": "g", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": ""}}]}'
    uri = session.open("flows/New.json", text)
    at = session.position(text, text.index('""') + 1)
    result = await session.client.text_document_completion_async(
        t.CompletionParams(text_document=t.TextDocumentIdentifier(uri=uri), position=at)
    )
    assert [i.label for i in result.items] == ["Users M2M"]
    assert result.items[0].detail == "AUTH0 · acme.eu.auth0.com"
    # params keys come as snippets with placeholders
    text2 = '{"name": "N", "actions": [{"id": "g", "type": "AUTH0", "action": "GET_USER", "params": { }}]}'
    uri2 = session.open("flows/New2.json", text2)
    at2 = session.position(text2, text2.index("{ }") + 1)
    result = await session.client.text_document_completion_async(
        t.CompletionParams(text_document=t.TextDocumentIdentifier(uri=uri2), position=at2)
    )
    by_label = {i.label: i for i in result.items}
    assert set(by_label) == {"connection_id", "user_id"}
    assert by_label["user_id"].insert_text_format == t.InsertTextFormat.Snippet
    assert by_label["user_id"].text_edit.new_text == '"user_id": "$1"'


async def test_expression_completion_offers_earlier_actions(session):
    text = session.text(FLOW)
    uri = session.open(FLOW, text)
    at = pos_after(session, text, "{{actions.")
    result = await session.client.text_document_completion_async(
        t.CompletionParams(text_document=t.TextDocumentIdentifier(uri=uri), position=at)
    )
    assert [i.label for i in result.items] == ["get_user"]


async def test_hover_on_an_action_says_where_scopes_come_from(session):
    await session.indexed()
    text = session.text(FLOW)
    uri = session.open(FLOW, text)
    hover = await session.client.text_document_hover_async(
        t.HoverParams(text_document=t.TextDocumentIdentifier(uri=uri), position=pos_after(session, text, '"UPDATE_'))
    )
    assert "AUTH0/UPDATE_USER" in hover.contents.value
    assert "not granted" in hover.contents.value and "grants/Flows M2M.json" in hover.contents.value


async def test_definition_references_and_rename_of_a_connection(session):
    await session.indexed()
    text = session.text(FLOW)
    uri = session.open(FLOW, text)
    at = pos_after(session, text, '"Users')
    doc = t.TextDocumentIdentifier(uri=uri)
    definition = await session.client.text_document_definition_async(t.DefinitionParams(text_document=doc, position=at))
    assert definition.uri == session.uri(VAULT)
    refs = await session.client.text_document_references_async(
        t.ReferenceParams(text_document=doc, position=at, context=t.ReferenceContext(include_declaration=True))
    )
    assert sorted(r.uri for r in refs) == sorted([session.uri(VAULT), uri, uri])
    prep = await session.client.text_document_prepare_rename_async(t.PrepareRenameParams(text_document=doc, position=at))
    assert prep.placeholder == "Users M2M"
    edit = await session.client.text_document_rename_async(t.RenameParams(text_document=doc, position=at, new_name="People M2M"))
    changed = {}
    for dc in edit.document_changes:
        changed[dc.text_document.uri] = len(dc.edits)
        if dc.text_document.uri == uri:
            assert dc.text_document.version == 1
            assert apply_edits(session, text, dc.edits).count('"People M2M"') == 2
    assert changed == {uri: 2, session.uri(VAULT): 1}


async def test_rename_of_an_action_id_updates_expressions(session):
    text = session.text(FLOW)
    uri = session.open(FLOW, text)
    doc = t.TextDocumentIdentifier(uri=uri)
    at = pos_after(session, text, '"get_')
    edit = await session.client.text_document_rename_async(t.RenameParams(text_document=doc, position=at, new_name="load_user"))
    new = apply_edits(session, text, edit.document_changes[0].edits)
    assert "get_user" not in new and new.count("load_user") == 2


async def test_symbols(session):
    uri = session.open(FLOW)
    symbols = await session.client.text_document_document_symbol_async(
        t.DocumentSymbolParams(text_document=t.TextDocumentIdentifier(uri=uri))
    )
    assert [s.name for s in symbols] == ["get_user", "update_user"]
    assert symbols[1].detail == "AUTH0/UPDATE_USER"
    await session.indexed()
    found = await session.client.workspace_symbol_async(t.WorkspaceSymbolParams(query="users m2m"))
    assert [s.name for s in found] == ["Users M2M"]


async def test_quick_fix_grants_the_missing_scope(session):
    await session.indexed()
    text = session.text(FLOW)
    uri = session.open(FLOW, text)
    diags = await session.diagnostics(uri, until=lambda d: len(d) == 1)
    actions = await session.client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri),
            range=diags[0].range,
            context=t.CodeActionContext(diagnostics=diags),
        )
    )
    fix = next(a for a in actions if a.title.startswith("Grant `update:users`"))
    assert fix.kind == t.CodeActionKind.QuickFix and fix.diagnostics[0].code == "missing-scope"
    change = fix.edit.document_changes[0]
    assert change.text_document.uri == session.uri(GRANT)
    grant_text = session.text(GRANT)
    fixed = apply_edits(session, grant_text, change.edits)
    assert json.loads(fixed)["scope"] == ["read:users", "update:users"]
    # the client applies it to the grant document: the flow's diagnostic goes away
    grant_uri = session.open(GRANT, grant_text)
    r = session.range_of(grant_text, grant_text)
    session.change(grant_uri, 2, r.start, r.end, fixed)
    await session.diagnostics(uri, until=lambda d: not d)


async def test_formatting_folding_selection_tokens_links_hints_lens(session):
    await session.indexed()
    text = '{"name":"F","actions":[{"id":"a","type":"AUTH0","action":"GET_USER","params":{"connection_id":"Users M2M","user_id":"{{context.user.user_id}}"}}]}'
    uri = session.open("flows/F.json", text)
    doc = t.TextDocumentIdentifier(uri=uri)
    edits = await session.client.text_document_formatting_async(
        t.DocumentFormattingParams(text_document=doc, options=t.FormattingOptions(tab_size=2, insert_spaces=True))
    )
    formatted = apply_edits(session, text, edits)
    assert formatted.startswith('{\n  "name": "F",\n  "actions": [\n    {\n      "id": "a",')
    assert json.loads(formatted) == json.loads(text)
    session.change(uri, 2, t.Position(line=0, character=0), session.position(text, len(text)), formatted)
    # range formatting: the smallest object around the range, in place
    squashed = formatted.replace('"params": {\n        "connection_id": "Users M2M",\n        "user_id": "{{context.user.user_id}}"\n      }',
                                 '"params": {"connection_id":"Users M2M","user_id":"{{context.user.user_id}}"}')
    assert squashed != formatted
    session.change(uri, 3, t.Position(line=0, character=0), session.position(formatted, len(formatted)), squashed)
    at = session.range_of(squashed, '"connection_id"')
    edits = await session.client.text_document_range_formatting_async(
        t.DocumentRangeFormattingParams(text_document=doc, range=at, options=t.FormattingOptions(tab_size=2, insert_spaces=True))
    )
    assert apply_edits(session, squashed, edits) == formatted
    session.change(uri, 4, t.Position(line=0, character=0), session.position(squashed, len(squashed)), formatted)
    folds = await session.client.text_document_folding_range_async(t.FoldingRangeParams(text_document=doc))
    assert sorted((f.start_line, f.end_line) for f in folds)[0] == (0, 13)
    at = session.position(formatted, formatted.index("user_id}}"))
    sel = await session.client.text_document_selection_range_async(t.SelectionRangeParams(text_document=doc, positions=[at]))
    assert sel[0].range.start.line == sel[0].range.end.line
    assert sel[0].parent is not None
    tokens = await session.client.text_document_semantic_tokens_full_async(t.SemanticTokensParams(text_document=doc))
    legend = session.init.capabilities.semantic_tokens_provider.legend.token_types
    assert len(tokens.data) == 15  # context, user, user_id: 3 tokens of 5 integers
    assert [legend[tokens.data[i + 3]] for i in range(0, 15, 5)] == ["namespace", "property", "property"]
    links = await session.client.text_document_document_link_async(t.DocumentLinkParams(text_document=doc))
    assert [l.target for l in links] == [session.uri(VAULT)]
    hints = await session.client.text_document_inlay_hint_async(
        t.InlayHintParams(text_document=doc, range=t.Range(start=t.Position(line=0, character=0), end=t.Position(line=20, character=0)))
    )
    assert sorted(h.label for h in hints) == ["AUTH0 · acme.eu.auth0.com", "needs read:users"]
    vault_uri = session.open(VAULT)
    await session.indexed()
    lenses = await session.client.text_document_code_lens_async(t.CodeLensParams(text_document=t.TextDocumentIdentifier(uri=vault_uri)))
    titles = [l.command.title for l in lenses]
    assert titles == ["Test connection", "used by 3 actions in 2 flows · needs read:users, update:users"]

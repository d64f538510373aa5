"""Diagnostics over stdio: capabilities, exact ranges, cross-file updates, edit ordering,
files changed on disk, settings."""

import asyncio
import json

from lsprotocol import types as t

from conftest import start


def codes(diags):
    return sorted(d.code for d in diags)


async def test_capabilities_follow_the_client(session):
    caps = session.init.capabilities
    if session.profile == "pull":
        assert caps.position_encoding == "utf-8"
        assert caps.diagnostic_provider is not None
        assert caps.diagnostic_provider.workspace_diagnostics
    elif session.profile == "neovim":
        # Neovim 0.11 pulls but cannot be told to re-pull: it gets pushed diagnostics
        assert caps.position_encoding == "utf-8"
        assert caps.diagnostic_provider is None
    else:
        assert caps.position_encoding == "utf-16"
        assert caps.diagnostic_provider is None
    sync = caps.text_document_sync
    assert sync.change == t.TextDocumentSyncKind.Incremental
    assert sync.open_close


async def test_indexing_reports_progress_and_checks_unopened_files(session):
    # the grant and vault are never opened, yet their findings are known after indexing
    flow = session.uri("flows/Onboard.json")

    async def indexed():
        while True:
            reports = session.client.progress_reports.get("flowls/indexing", [])
            if any(isinstance(r, t.WorkDoneProgressEnd) for r in reports):
                return reports
            await asyncio.sleep(0.05)

    await session.indexed()
    reports = await asyncio.wait_for(indexed(), 10)
    assert isinstance(reports[0], t.WorkDoneProgressBegin)
    if not session.pull:
        diags = await session.diagnostics(flow, until=lambda d: len(d) > 0)
        assert codes(diags) == ["missing-scope"]


async def test_exact_range_and_message_of_missing_scope(session):
    rel = "flows/Onboard.json"
    uri = session.open(rel)
    diags = await session.diagnostics(uri, until=lambda d: len(d) == 1)
    d = diags[0]
    assert d.code == "missing-scope"
    assert d.source == "flowls"
    assert d.severity == t.DiagnosticSeverity.Warning
    assert d.range == session.range_of(session.text(rel), '"UPDATE_USER"')
    assert "update:users" in d.message and "grants/Flows M2M.json" in d.message


async def test_emoji_and_cjk_before_a_problem(session):
    rel = "flows/Unicode.json"
    text = '{\n  "name": "😀 漢字 onboarding 😀",\n  "actions": [ { "id": "😀", "type": "FLOW", "action": "DO_NOTHNG" } ]\n}\n'
    uri = session.open(rel, text)
    diags = await session.diagnostics(uri, until=lambda d: len(d) == 1)
    assert diags[0].code == "unknown-action"
    assert diags[0].range == session.range_of(text, '"DO_NOTHNG"')


async def test_crlf_documents(session):
    rel = "flows/Crlf.json"
    text = '{\r\n  "name": "C",\r\n  "actions": [\r\n    { "id": "a", "type": "FLOW", "action": "DELAY_FLOW", "params": { "number": -1 } }\r\n  ]\r\n}\r\n'
    uri = session.open(rel, text)
    diags = await session.diagnostics(uri, until=lambda d: len(d) == 1)
    assert diags[0].range.start.line == 3
    expected = session.range_of(text.replace("\r\n", "\n"), "-1")
    assert diags[0].range == expected


async def test_vault_edit_updates_flow_without_reopening(session):
    flow_uri = session.open("flows/Onboard.json")
    await session.diagnostics(flow_uri, until=lambda d: codes(d) == ["missing-scope"])
    rel = "flow-vault-connections/Users M2M.json"
    text = session.text(rel)
    vault_uri = session.open(rel, text)
    refreshes = session.client.diagnostic_refresh_count
    # rename the connection in the editor (not saved): the flow's references break
    r = session.range_of(text, "Users M2M")
    session.change(vault_uri, 2, r.start, r.end, "Renamed M2M")
    diags = await session.diagnostics(
        flow_uri, until=lambda d: codes(d) == ["unresolved-connection", "unresolved-connection"]
    )
    assert all("Renamed M2M" in d.message for d in diags)  # did-you-mean names the new one
    if session.pull:
        # the refresh is a request of the server's: it may reach the client just after a pull
        # that already saw the change
        for _ in range(100):
            if session.client.diagnostic_refresh_count > refreshes:
                break
            await asyncio.sleep(0.05)
        assert session.client.diagnostic_refresh_count > refreshes


async def test_grant_change_on_disk_is_followed(session):
    flow_uri = session.open("flows/Onboard.json")
    await session.diagnostics(flow_uri, until=lambda d: codes(d) == ["missing-scope"])
    grant = session.root / "grants" / "Flows M2M.json"
    data = json.loads(grant.read_text())
    data["scope"].append("update:users")
    grant.write_text(json.dumps(data))
    session.client.workspace_did_change_watched_files(
        t.DidChangeWatchedFilesParams(changes=[t.FileEvent(uri=grant.as_uri(), type=t.FileChangeType.Changed)])
    )
    await session.diagnostics(flow_uri, until=lambda d: not d)
    # a new vault file on disk resolves a connection that was missing
    new = session.root / "flow-vault-connections" / "Slack.json"
    flow_text = '{"name": "S", "actions": [{"id": "s", "type": "SLACK", "action": "POST_MESSAGE", "params": {"connection_id": "Slack"}}]}'
    slack_uri = session.open("flows/Slack.json", flow_text)
    await session.diagnostics(slack_uri, until=lambda d: codes(d) == ["unresolved-connection"])
    new.write_text('{"name": "Slack", "app_id": "SLACK"}')
    session.client.workspace_did_change_watched_files(
        t.DidChangeWatchedFilesParams(changes=[t.FileEvent(uri=new.as_uri(), type=t.FileChangeType.Created)])
    )
    await session.diagnostics(slack_uri, until=lambda d: not d)
    new.unlink()
    session.client.workspace_did_change_watched_files(
        t.DidChangeWatchedFilesParams(changes=[t.FileEvent(uri=new.as_uri(), type=t.FileChangeType.Deleted)])
    )
    await session.diagnostics(slack_uri, until=lambda d: codes(d) == ["unresolved-connection"])


async def test_300_rapid_edits_apply_in_order(session):
    rel = "flows/Typing.json"
    prefix = '{"name": "T", "actions": [{"id": "a", "type": "FLOW", "action": "'
    text = prefix + '"}]}'
    uri = session.open(rel, text)
    typed = ("X" * 299) + "Y"
    line = 0
    col_base = len(prefix)  # ASCII, so the same in utf-8 and utf-16
    for i, ch in enumerate(typed):
        pos = t.Position(line=line, character=col_base + i)
        session.change(uri, 2 + i, pos, pos, ch)
    final = prefix + typed + '"}]}'
    diags = await session.diagnostics(uri, until=lambda d: len(d) == 1 and typed in d[0].message)
    assert diags[0].code == "unknown-action"
    assert diags[0].range == session.range_of(final, '"' + typed + '"')
    if not session.pull:
        # the last diagnostics pushed are for the last version
        await asyncio.sleep(0.3)
        assert session.client.diagnostics[uri] == diags


async def test_stale_and_unknown_changes_are_ignored(session):
    rel = "flows/Stale.json"
    text = '{"name": "S", "actions": []}'
    uri = session.open(rel, text, version=5)
    # an older version and a change to a document that was never opened
    session.change(uri, 3, t.Position(line=0, character=0), t.Position(line=0, character=1), "[")
    session.change(session.uri("flows/Never.json"), 2, t.Position(line=0, character=0), t.Position(line=0, character=0), "x")
    session.change(uri, 6, t.Position(line=0, character=9), t.Position(line=0, character=12), '""')
    diags = await session.diagnostics(uri, until=lambda d: len(d) == 1)
    assert diags[0].code == "schema" and "must not be empty" in diags[0].message


async def test_workspace_diagnostic_lists_every_file(session):
    if not session.pull:
        return
    report = await session.client.workspace_diagnostic_async(t.WorkspaceDiagnosticParams(previous_result_ids=[]))
    by_uri = {item.uri: item.items for item in report.items}
    assert codes(by_uri[session.uri("flows/Onboard.json")]) == ["missing-scope"]
    assert session.uri("grants/Flows M2M.json") in by_uri


async def test_on_save_trigger_from_configuration(workspace):
    for profile in ["vscode", "neovim", "pull"]:
        s = await start(profile, workspace, configuration={"flowls": {"diagnostics": {"trigger": "onSave"}}})
        try:
            await s.indexed()
            rel = "flows/Save.json"
            text = '{"name": "S", "actions": []}'
            uri = s.open(rel, text)
            await s.diagnostics(uri, until=lambda d: not d)
            s.change(uri, 2, t.Position(line=0, character=9), t.Position(line=0, character=12), '""')
            await asyncio.sleep(0.5)
            assert not await s.diagnostics(uri), "nothing new before the save"
            s.client.text_document_did_save(t.DidSaveTextDocumentParams(text_document=t.TextDocumentIdentifier(uri=uri)))
            diags = await s.diagnostics(uri, until=lambda d: len(d) == 1)
            assert diags[0].code == "schema"
        finally:
            await s.client.shutdown_session()
            await s.client.stop()


async def test_settings_in_initialization_options_turn_off_secret_findings(workspace):
    vault = workspace / "flow-vault-connections" / "Plain.json"
    vault.write_text('{"name": "Plain", "app_id": "TELEGRAM", "setup": {"type": "TOKEN", "token": "123:abc"}}')
    for opts, expected in [(None, ["plaintext-secret", "unused-connection"]), ({"diagnostics": {"plaintextSecrets": False}}, ["unused-connection"])]:
        s = await start("vscode", workspace, init_options=opts)
        try:
            uri = s.open("flow-vault-connections/Plain.json")
            diags = await s.diagnostics(uri, until=lambda d: codes(d) == expected)
            assert "123:abc" not in json.dumps([d.message for d in diags])
        finally:
            await s.client.shutdown_session()
            await s.client.stop()


async def test_keyword_mapping_edit_in_the_editor_updates_flows(session):
    await session.indexed()
    config = '{"AUTH0_KEYWORD_REPLACE_MAPPINGS": {"CONN": "Users M2M"}}'
    config_uri = session.open("config.json", config)
    flow_text = '{"name": "K", "actions": [{"id": "g", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": "##CONN##", "user_id": "u"}}]}'
    flow_uri = session.open("flows/Keyed.json", flow_text)
    await session.diagnostics(flow_uri, until=lambda d: not d)
    # the mapping now names a connection that does not exist: the flow says so, unopened edits
    r = session.range_of(config, "Users M2M")
    session.change(config_uri, 2, r.start, r.end, "Nobody")
    diags = await session.diagnostics(flow_uri, until=lambda d: codes(d) == ["unresolved-connection"])
    # the value the marker resolved to is not displayed (PRODUCT §5), the marker is
    assert "##CONN##" in diags[0].message and "Nobody" not in diags[0].message


async def test_findings_carry_the_places_that_explain_them(session):
    """Issue 20.14: `relatedInformation` on a missing-scope (the vault and the grant behind it)
    and a duplicate action id (the first one), in every client profile."""
    s = session
    text = json.dumps({"name": "Related", "actions": [
        {"id": "d", "type": "AUTH0", "action": "CREATE_USER",
         "params": {"connection_id": "Users M2M", "connection": "db", "payload": {"email": "a@b.c"}}},
        {"id": "d", "type": "FLOW", "action": "DO_NOTHING", "params": {}},
    ]}, indent=2)
    (s.root / "flows/Related.json").write_text(text)
    uri = s.open("flows/Related.json", text)
    diags = await s.diagnostics(uri, until=lambda d: {"missing-scope", "duplicate-action-id"} <= {x.code for x in d})
    missing = next(d for d in diags if d.code == "missing-scope")
    places = {(r.location.uri, r.message) for r in missing.related_information or []}
    assert (s.uri("flow-vault-connections/Users M2M.json"), "the vault connection `Users M2M`") in places, places
    assert any(u == s.uri("grants/Flows M2M.json") for u, _ in places), places
    vault_text = s.text("flow-vault-connections/Users M2M.json")
    [vault_place] = [r for r in missing.related_information if r.location.uri.endswith("Users%20M2M.json")]
    assert vault_place.location.range == s.range_of(vault_text, '"Users M2M"')
    dup = next(d for d in diags if d.code == "duplicate-action-id")
    [first] = dup.related_information
    assert first.location.uri == uri and first.location.range == s.range_of(text, '"d"')

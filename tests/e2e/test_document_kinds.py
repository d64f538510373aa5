"""The notification `flowls/documentKinds` over stdio: what each open document is, so that an
editor shows Show Graph on every graphable document wherever it sits (an export bundle at the
workspace's root as much as a flow in `flows/`). Only a client that asks for it
(`experimental.flowls.documentKinds`) is told."""

import asyncio
import os
import shutil
from pathlib import Path

import pytest
from lsprotocol import types as t
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, LanguageClient, register_lsp_features
from pygls.protocol import default_converter

from conftest import BIN, Session, capabilities

METHOD = "flowls/documentKinds"
# a real Dashboard export (tests/fixtures/bundles/README.md says where it comes from)
BUNDLE = Path(__file__).resolve().parents[1] / "fixtures" / "bundles" / "privacy-policy.json"


async def start(root: Path, wanted: bool, profile: str = "vscode", refresh_gate: asyncio.Event | None = None):
    client = LanguageClient(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    if refresh_gate is not None:
        # a client slow to answer `workspace/diagnostic/refresh`: not before the gate opens

        async def _slow(*_):
            await refresh_gate.wait()

        features[t.WORKSPACE_DIAGNOSTIC_REFRESH] = _slow
    register_lsp_features(client, features)
    told = []

    @client.feature(METHOD)
    def _kinds(params):
        told.extend((d.uri, d.kind, d.graphable) for d in params.documents)

    await client.start_io(BIN, "lsp", env=dict(os.environ))
    caps = capabilities(profile)
    if wanted:
        caps.experimental = {"flowls": {"documentKinds": True}}
    init = await client.initialize_session(
        t.InitializeParams(
            capabilities=caps,
            root_uri=root.as_uri(),
            workspace_folders=[t.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        )
    )
    return Session(client, root, profile, init), told


async def until(told, want, timeout=10.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not want(told):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"never told what was wanted; told: {told}")
        await asyncio.sleep(0.05)


@pytest.fixture
def ws(workspace: Path) -> Path:
    shutil.copy(BUNDLE, workspace / "privacy-export.json")
    (workspace / "package.json").write_text('{"name": "site", "version": "1.0.0"}\n')
    return workspace


@pytest.mark.asyncio
async def test_each_open_document_is_told_its_kind_once_and_again_when_it_changes(ws):
    s, told = await start(ws, wanted=True)
    try:
        bundle = s.open("privacy-export.json")
        other = s.open("package.json")
        flow = s.open("flows/Onboard.json")
        vault = s.open("flow-vault-connections/Users M2M.json")
        # told on opening
        await until(told, lambda k: len(k) >= 4)
        assert sorted(told) == sorted([
            (bundle, "bundle", True),
            (other, "other", False),
            (flow, "flow", True),
            (vault, "vault", False),
        ])
        await s.indexed()
        await s.diagnostics(flow)
        assert len(told) == 4, told  # the scan's end changed no kind: nothing said again
        # an edit that keeps the kind says nothing; one that makes the bundle plain JSON does
        text = s.text("privacy-export.json")
        r = s.range_of(text, '"Custom policies"')
        s.change(bundle, 2, r.start, r.end, '"Policies"')
        end = s.position(text, len(text))
        s.change(bundle, 3, t.Position(line=0, character=0), end, '{"note": "not an export"}')
        await until(told, lambda k: len(k) >= 5)
        assert told[4:] == [(bundle, "other", False)], told
        s.change(bundle, 4, t.Position(line=0, character=0), t.Position(line=0, character=25), text)
        await until(told, lambda k: len(k) >= 6)
        assert told[5:] == [(bundle, "bundle", True)], told
    finally:
        await s.client.shutdown_session()
        await s.client.stop()


@pytest.mark.asyncio
async def test_a_client_that_does_not_ask_is_told_nothing(ws):
    s, told = await start(ws, wanted=False)
    try:
        uri = s.open("privacy-export.json")
        await s.indexed()
        await s.diagnostics(uri)
        await asyncio.sleep(0.3)
        assert told == []
    finally:
        await s.client.shutdown_session()
        await s.client.stop()


@pytest.mark.asyncio
@pytest.mark.parametrize("profile", ["vscode", "pull"])
async def test_documents_opened_together_before_the_scan_ends_and_after_it_are_all_told(ws, profile):
    """The order VS Code opens them in: a flow and a vault at once, while the scan of a large
    workspace is still reading; then, the scan over, the first closed and another flow, a
    bundle and a plain JSON file opened; then the first opened again."""
    for i in range(1500):
        (ws / "flows" / f"Filler {i}.json").write_text(
            '{"name": "F%d", "actions": [{"id": "a", "type": "AUTH0", "action": "GET_USER", '
            '"params": {"user_id": "{{context.user.user_id}}"}}]}\n' % i
        )
    (ws / "flows" / "Broken.json").write_text(
        '{"name": "Broken", "actions": [{"id": "a", "type": "AUTH0", "action": "GET_USR", "params": {}}]}\n'
    )
    s, told = await start(ws, wanted=True, profile=profile)
    try:
        broken = s.open("flows/Broken.json")
        vault = s.open("flow-vault-connections/Users M2M.json")
        await until(told, lambda k: len(k) >= 2)
        assert sorted(told) == sorted([(broken, "flow", True), (vault, "vault", False)])
        await s.indexed(timeout=60)
        await s.diagnostics(broken, until=lambda d: len(d) > 0, timeout=30)
        s.client.text_document_did_close(
            t.DidCloseTextDocumentParams(text_document=t.TextDocumentIdentifier(uri=broken))
        )
        flow = s.open("flows/Onboard.json")
        bundle = s.open("privacy-export.json")
        other = s.open("package.json")
        await until(told, lambda k: len(k) >= 5)
        assert sorted(told[2:]) == sorted([(flow, "flow", True), (bundle, "bundle", True), (other, "other", False)])
        s.open("flows/Broken.json")
        await until(told, lambda k: len(k) >= 6)
        assert told[5:] == [(broken, "flow", True)], told
    finally:
        await s.client.shutdown_session()
        await s.client.stop()


@pytest.mark.asyncio
async def test_a_client_slow_to_answer_a_diagnostic_refresh_is_still_told(ws):
    """A pull client is asked to pull again (`workspace/diagnostic/refresh`) after each open;
    what the documents are must not wait for its answer."""
    gate = asyncio.Event()
    s, told = await start(ws, wanted=True, profile="pull", refresh_gate=gate)
    try:
        assert s.pull
        flow = s.open("flows/Onboard.json")
        await s.indexed()
        await s.diagnostics(flow)
        await until(told, lambda k: len(k) >= 1)
        bundle = s.open("privacy-export.json")
        other = s.open("package.json")
        await until(told, lambda k: len(k) >= 3, timeout=5)
        assert sorted(told) == sorted([(flow, "flow", True), (bundle, "bundle", True), (other, "other", False)])
    finally:
        gate.set()
        await asyncio.sleep(0.1)
        await s.client.shutdown_session()
        await s.client.stop()

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
from pytest_lsp.client import make_test_lsp_client

from conftest import BIN, Session, capabilities

METHOD = "flowls/documentKinds"
# a real Dashboard export (tests/fixtures/bundles/README.md says where it comes from)
BUNDLE = Path(__file__).resolve().parents[1] / "fixtures" / "bundles" / "privacy-policy.json"


async def start(root: Path, wanted: bool):
    client = make_test_lsp_client()
    told = []

    @client.feature(METHOD)
    def _kinds(params):
        told.extend((d.uri, d.kind, d.graphable) for d in params.documents)

    await client.start_io(BIN, "lsp", env=dict(os.environ))
    caps = capabilities("vscode")
    if wanted:
        caps.experimental = {"flowls": {"documentKinds": True}}
    init = await client.initialize_session(
        t.InitializeParams(
            capabilities=caps,
            root_uri=root.as_uri(),
            workspace_folders=[t.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        )
    )
    return Session(client, root, "vscode", init), told


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

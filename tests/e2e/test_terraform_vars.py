"""Terraform variables over stdio: a `.tfvars` document's values reach its module's `.tf`
diagnostics as it is edited, in the VS Code and Neovim client profiles."""

import shutil

import pytest_asyncio
from lsprotocol import types as t

from conftest import ROOT, start

MODULE = ROOT / "tests" / "fixtures" / "terraform" / "tfvars"


@pytest_asyncio.fixture(params=["vscode", "neovim", "pull"])
async def tf_session(request, tmp_path):
    dest = tmp_path / "ws"
    shutil.copytree(MODULE, dest)
    s = await start(request.param, dest)
    yield s
    await s.client.shutdown_session()
    await s.client.stop()


def codes(diags):
    return sorted(d.code for d in diags)


async def test_a_tfvars_edit_rechecks_the_module(tf_session):
    s = tf_session
    await s.indexed()
    main = s.uri("main.tf")
    s.client.text_document_did_open(
        t.DidOpenTextDocumentParams(
            text_document=t.TextDocumentItem(uri=main, language_id="terraform", version=1, text=s.text("main.tf"))
        )
    )
    # b.auto.tfvars.json's host wins: only the missing scope, at the UPDATE_USER action
    diags = await s.diagnostics(main, until=lambda d: codes(d) == ["missing-scope"])
    assert diags[0].range.start.line == 49
    # a later auto file, opened unsaved, wins over it: the domain is no host now
    later = s.uri("z.auto.tfvars")
    s.client.text_document_did_open(
        t.DidOpenTextDocumentParams(
            text_document=t.TextDocumentItem(
                uri=later, language_id="terraform-vars", version=1, text='domain = "not a host"\n'
            )
        )
    )
    diags = await s.diagnostics(main, until=lambda d: "vault-setup" in codes(d))
    setup = next(d for d in diags if d.code == "vault-setup")
    assert setup.range.start.line == 22, setup
    # edited back to a host: the finding goes
    s.client.text_document_did_change(
        t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=later, version=2),
            content_changes=[t.TextDocumentContentChangeWholeDocument(text='domain = "acme.eu.auth0.com"\n')],
        )
    )
    await s.diagnostics(main, until=lambda d: codes(d) == ["missing-scope"])


SPLIT = ROOT / "tests" / "fixtures" / "terraform" / "split-module"


@pytest_asyncio.fixture(params=["vscode", "neovim", "pull"])
async def split_session(request, tmp_path):
    dest = tmp_path / "ws"
    shutil.copytree(SPLIT, dest)
    s = await start(request.param, dest)
    yield s
    await s.client.shutdown_session()
    await s.client.stop()


async def test_a_locals_edit_in_another_file_rechecks_the_module(split_session):
    s = split_session
    await s.indexed()
    flows = s.uri("flows.tf")
    s.client.text_document_did_open(
        t.DidOpenTextDocumentParams(
            text_document=t.TextDocumentItem(uri=flows, language_id="terraform", version=1, text=s.text("flows.tf"))
        )
    )
    # locals.tf's values are known in flows.tf: the replaces and the local's UPDATE_USER
    want = ["connection-app-mismatch", "connection-app-mismatch", "missing-scope"]
    diags = await s.diagnostics(flows, until=lambda d: codes(d) == want)
    scope = next(d for d in diags if d.code == "missing-scope")
    assert scope.range.start.line == 41, scope
    # locals.tf edited (unsaved): its UPDATE_USER becomes a GET_USER, which was granted
    local = s.uri("locals.tf")
    text = s.text("locals.tf")
    s.client.text_document_did_open(
        t.DidOpenTextDocumentParams(
            text_document=t.TextDocumentItem(uri=local, language_id="terraform", version=1, text=text)
        )
    )
    s.client.text_document_did_change(
        t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=local, version=2),
            content_changes=[
                t.TextDocumentContentChangeWholeDocument(
                    text=text.replace('"UPDATE_USER"', '"GET_USER"').replace(
                        "        changes       = { app_metadata = { offboarded = true } }\n", ""
                    )
                )
            ],
        )
    )
    await s.diagnostics(flows, until=lambda d: codes(d) == want[:2])
    # and back
    s.client.text_document_did_change(
        t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=local, version=3),
            content_changes=[t.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    await s.diagnostics(flows, until=lambda d: codes(d) == want)

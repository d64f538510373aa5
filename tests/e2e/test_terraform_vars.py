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

"""End-to-end tests: the real `flowls lsp` binary over stdio, driven by pytest-lsp's client
with the capabilities of VS Code (push diagnostics, utf-16) and Neovim 0.11 (pull
diagnostics, utf-8)."""

import asyncio
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from lsprotocol import types as t
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import make_test_lsp_client

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("FLOWLS_BIN", str(ROOT / "target" / "debug" / "flowls"))
FIXTURES = Path(__file__).parent / "fixtures"

PROFILES = {"vscode": "visual-studio-code@v1.65.2", "neovim": "neovim@v0.11.0", "pull": "neovim@v0.11.0"}


def capabilities(profile: str) -> t.ClientCapabilities:
    """pytest-lsp's recorded client capabilities; `pull` is Neovim's with diagnostic refresh
    support, as newer clients announce it, so that flowls serves pull diagnostics."""
    caps = client_capabilities(PROFILES[profile])
    if profile == "pull":
        caps.workspace.diagnostics = t.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    return caps


@dataclass
class Session:
    client: LanguageClient
    root: Path
    profile: str
    init: t.InitializeResult

    @property
    def pull(self) -> bool:
        return self.init.capabilities.diagnostic_provider is not None

    @property
    def utf8(self) -> bool:
        return self.init.capabilities.position_encoding == "utf-8"

    def uri(self, rel: str) -> str:
        return (self.root / rel).as_uri()

    def text(self, rel: str) -> str:
        return (self.root / rel).read_text()

    def position(self, text: str, offset: int) -> t.Position:
        before = text[:offset]
        line = before.count("\n")
        col_text = before.rsplit("\n", 1)[-1]
        unit = len(col_text.encode("utf-8")) if self.utf8 else len(col_text.encode("utf-16-le")) // 2
        return t.Position(line=line, character=unit)

    def range_of(self, text: str, needle: str, nth: int = 0) -> t.Range:
        start = -1
        for _ in range(nth + 1):
            start = text.index(needle, start + 1)
        return t.Range(start=self.position(text, start), end=self.position(text, start + len(needle)))

    def open(self, rel: str, text: str | None = None, version: int = 1) -> str:
        uri = self.uri(rel)
        self.client.text_document_did_open(
            t.DidOpenTextDocumentParams(
                text_document=t.TextDocumentItem(
                    uri=uri, language_id="json", version=version, text=text if text is not None else self.text(rel)
                )
            )
        )
        return uri

    def change(self, uri: str, version: int, start: t.Position, end: t.Position, text: str):
        self.client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[t.TextDocumentContentChangePartial(range=t.Range(start=start, end=end), text=text)],
            )
        )

    async def indexed(self, timeout: float = 10.0):
        """Waits for the end of the start-up indexing (after the configuration is read)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not any(
            isinstance(r, t.WorkDoneProgressEnd) for r in self.client.progress_reports.get("flowls/indexing", [])
        ):
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("indexing did not finish")
            await asyncio.sleep(0.05)

    async def diagnostics(self, uri: str, until=None, timeout: float = 10.0) -> list[t.Diagnostic]:
        """The file's diagnostics once `until(diags)` holds (pulled or pushed, by profile)."""
        until = until or (lambda d: True)
        deadline = asyncio.get_running_loop().time() + timeout
        last = None
        while True:
            if self.pull:
                report = await self.client.text_document_diagnostic_async(
                    t.DocumentDiagnosticParams(text_document=t.TextDocumentIdentifier(uri=uri))
                )
                last = list(report.items)
            else:
                last = self.client.diagnostics.get(uri)
            if last is not None and until(last):
                return last
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"diagnostics of {uri} never matched; last: {last}")
            await asyncio.sleep(0.05)


async def start(profile: str, root: Path, init_options=None, configuration=None, env=None) -> Session:
    client = make_test_lsp_client()
    if configuration is not None:
        client.set_configuration(configuration)
    await client.start_io(BIN, "lsp", env={**os.environ, **(env or {})})
    init = await client.initialize_session(
        t.InitializeParams(
            capabilities=capabilities(profile),
            root_uri=root.as_uri(),
            workspace_folders=[t.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=init_options,
        )
    )
    return Session(client, root, profile, init)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    dest = tmp_path / "ws"
    shutil.copytree(FIXTURES / "ws", dest)
    return dest


@pytest_asyncio.fixture(params=["vscode", "neovim", "pull"])
async def session(request, workspace):
    s = await start(request.param, workspace)
    yield s
    await s.client.shutdown_session()
    await s.client.stop()

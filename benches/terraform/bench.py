"""`flowls check` on the same flows written three ways, side by side in one run: deploy-cli JSON
files, a Terraform module with inline `jsonencode` resources, and a module in the style of the
provider's guide (`jsondecode(file(...))` of Dashboard export bundles, nested `replace` of the
`#CONN-n#` tokens). Usage: bench.py FLOWLS_BIN [RESOURCES] [REPETITIONS] [graph]

With `graph`: `flowls graph --format mermaid` and `--format svg` of the two Terraform modules
instead (each FLOWLS_BIN given, separated by commas, side by side in one run)."""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VAULTS = 10


def actions(i: int, connection: str) -> list:
    """The actions of flow `i`: an AUTH0 action on `connection`, an OTP one reading its output,
    a condition with an action in each branch."""
    return [
        {"id": "get_user", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": connection, "user_id": "{{context.user.user_id}}"}},
        {"id": "code", "type": "OTP", "action": "GENERATE_CODE", "params": {"reference": "{{actions.get_user.email}}", "length": 6}},
        {"id": "check", "type": "FLOW", "action": "BOOLEAN_CONDITION", "params": {
            "if": {"operands": [{"operator": "EQUALS", "operands": ["{{actions.get_user.email_verified}}", True]}]},
            "then": [{"id": f"ok{i}", "type": "FLOW", "action": "DO_NOTHING", "params": {}}],
            "else": [{"id": f"no{i}", "type": "FLOW", "action": "DO_NOTHING", "params": {}}]}},
    ]


def vault(k: int) -> dict:
    return {"name": f"Conn {k}", "app_id": "AUTH0", "setup": {"type": "OAUTH_APP", "client_id": f"c{k}", "client_secret": "##S##", "domain": "a.auth0.com"}}


def json_files(ws: Path, n: int) -> int:
    (ws / "flows").mkdir()
    (ws / "flow-vault-connections").mkdir()
    for k in range(VAULTS):
        (ws / f"flow-vault-connections/v{k}.json").write_text(json.dumps(vault(k), indent=2))
    for i in range(n):
        flow = {"name": f"F{i}", "actions": actions(i, f"Conn {i % VAULTS}")}
        (ws / f"flows/f{i}.json").write_text(json.dumps(flow, indent=2))
    return n + VAULTS


def hcl(v, indent: str = "") -> str:
    """A JSON value as an HCL expression (objects with `key = value` lines)."""
    inner = indent + "  "
    if isinstance(v, dict):
        if not v:
            return "{}"
        lines = [f"{inner}{k} = {hcl(x, inner)}" for k, x in v.items()]
        return "{\n" + "\n".join(lines) + f"\n{indent}}}"
    if isinstance(v, list):
        if not v:
            return "[]"
        return "[\n" + ",\n".join(inner + hcl(x, inner) for x in v) + f"\n{indent}]"
    if isinstance(v, str) and v.startswith("auth0_"):
        return v  # a reference
    return json.dumps(v)


def vault_resources(k: int) -> str:
    v = vault(k)
    setup = dict(v["setup"], client_secret="var.client_secret")
    return f'resource "auth0_flow_vault_connection" "v{k}" {{\n  name   = "{v["name"]}"\n  app_id = "AUTH0"\n  setup  = {hcl(setup, "  ").replace(chr(34) + "var.client_secret" + chr(34), "var.client_secret")}\n}}\n'


def inline_module(ws: Path, n: int) -> int:
    out = ['variable "client_secret" {\n  type      = string\n  sensitive = true\n}\n']
    out += [vault_resources(k) for k in range(VAULTS)]
    for i in range(n):
        body = hcl(actions(i, f"auth0_flow_vault_connection.v{i % VAULTS}.id"), "  ")
        out.append(f'resource "auth0_flow" "f{i}" {{\n  name    = "F{i}"\n  actions = jsonencode({body})\n}}\n')
    (ws / "main.tf").write_text("\n".join(out))
    return 1


def guide_module(ws: Path, n: int) -> int:
    (ws / "exported_forms").mkdir()
    out = ['variable "client_secret" {\n  type      = string\n  sensitive = true\n}\n']
    out += [vault_resources(k) for k in range(VAULTS)]
    for i in range(n):
        bundle = {"version": "4.0.0", "form": {"name": f"Form {i}", "start": {"next_node": "fl"}, "nodes": [
            {"id": "fl", "type": "FLOW", "config": {"flow_id": "#FLOW-1#", "next_node": "$ending"}}], "ending": {}},
            "flows": {"#FLOW-1#": {"name": f"F{i}", "actions": actions(i, "#CONN-1#")}},
            "connections": {"#CONN-1#": {"app_id": "AUTH0", "name": f"Conn {i % VAULTS}"}}}
        (ws / f"exported_forms/f{i}.json").write_text(json.dumps(bundle, indent=2))
        out.append(
            f'locals {{\n  f{i} = jsondecode(file("${{path.module}}/exported_forms/f{i}.json"))["flows"]["#FLOW-1#"]\n}}\n\n'
            f'resource "auth0_flow" "f{i}" {{\n  name    = local.f{i}.name\n'
            f'  actions = replace(jsonencode(local.f{i}["actions"]), "#CONN-1#", auth0_flow_vault_connection.v{i % VAULTS}.id)\n}}\n'
        )
    (ws / "main.tf").write_text("\n".join(out))
    return 1 + n


def check(binary: str, ws: Path):
    """Wall time (ms), peak RSS (MB) and the findings of one `flowls check`."""
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "check", str(ws), "--format", "json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = p.stdout.read()
    _, _, usage = os.wait4(p.pid, 0)
    ms = (time.perf_counter() - t0) * 1000
    found = len(json.loads(out)["diagnostics"])
    return ms, usage.ru_maxrss / 1024, found


def graph(binary: str, ws: Path, fmt: str):
    """Wall time (ms) of one `flowls graph` of the module and the size of what it wrote (KB)."""
    with tempfile.NamedTemporaryFile(suffix="." + fmt) as out:
        t0 = time.perf_counter()
        subprocess.run([binary, "graph", str(ws), "--format", fmt, "-o", out.name], check=True, stderr=subprocess.DEVNULL)
        ms = (time.perf_counter() - t0) * 1000
        return ms, os.path.getsize(out.name) // 1024


def graphs(binaries: list, n: int, reps: int):
    shapes = {"inline jsonencode": inline_module, "guide-style exports": guide_module}
    with tempfile.TemporaryDirectory() as d:
        spaces = {}
        for name, make in shapes.items():
            ws = Path(d) / name.split()[0]
            ws.mkdir()
            (ws / "flowls.toml").write_text("")
            files = make(ws, n)
            spaces[name] = (ws, files)
        cases = [(b, name, fmt) for name in shapes for fmt in ("mermaid", "svg") for b in binaries]
        res = {c: [] for c in cases}
        for i in range(reps):
            for c in (cases if i % 2 == 0 else list(reversed(cases))):
                res[c].append(graph(c[0], spaces[c[1]][0], c[2]))
        print(f"{n} auth0_flow resources, {VAULTS} auth0_flow_vault_connection, `flowls graph MODULE --format F`, medians of {reps} runs, alternating\n")
        print("| module | format | binary | ms | output KB |")
        print("|---|---|---|---|---|")
        for (b, name, fmt), runs in res.items():
            ms = statistics.median(r[0] for r in runs)
            print(f"| {name} ({spaces[name][1]} files) | {fmt} | {b} | {ms:.0f} | {runs[0][1]} |")


def main():
    binary = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    if len(sys.argv) > 4 and sys.argv[4] == "graph":
        graphs(binary.split(","), n, reps)
        return
    shapes = {"JSON files": json_files, "Terraform, inline jsonencode": inline_module, "Terraform, guide-style exports": guide_module}
    with tempfile.TemporaryDirectory() as d:
        spaces = {}
        for name, make in shapes.items():
            ws = Path(d) / name.split(",")[-1].strip().replace(" ", "-")
            ws.mkdir()
            (ws / "flowls.toml").write_text("")
            files = make(ws, n)
            size = sum(f.stat().st_size for f in ws.rglob("*") if f.is_file())
            spaces[name] = (ws, files, size)
        res = {name: [] for name in shapes}
        for i in range(reps):
            order = list(spaces.items()) if i % 2 == 0 else list(reversed(spaces.items()))
            for name, (ws, _, _) in order:
                res[name].append(check(binary, ws))
        base = statistics.median(r[0] for r in res["JSON files"])
        print(f"{n} flows, {VAULTS} AUTH0 vault connections, medians of {reps} runs, alternating\n")
        print("| shape | files | size KB | flowls check ms | ratio to JSON files | peak RSS MB | findings |")
        print("|---|---|---|---|---|---|---|")
        for name, runs in res.items():
            ws, files, size = spaces[name]
            ms = statistics.median(r[0] for r in runs)
            rss = statistics.median(r[1] for r in runs)
            print(f"| {name} | {files} | {size // 1024} | {ms:.0f} | {ms / base:.2f}× | {rss:.0f} | {runs[0][2]} |")


if __name__ == "__main__":
    main()

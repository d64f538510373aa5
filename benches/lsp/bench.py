"""flowls vs vscode-json-language-server over stdio on generated flows; prints a markdown
table of medians and ratios. Usage: bench.py FLOWLS JSON_LS FLOW_SCHEMA REPETITIONS"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def flow(n: int) -> str:
    lines = []
    for i in range(n):
        k = i % 4
        if k == 0:
            a = f'{{ "id": "get_{i}", "type": "AUTH0", "action": "GET_USER", "params": {{ "connection_id": "Users M2M", "user_id": "{{{{context.user.user_id}}}}" }} }}'
        elif k == 1:
            a = f'{{ "id": "otp_{i}", "type": "OTP", "action": "GENERATE_CODE", "params": {{ "reference": "{{{{actions.get_{i-1}.email}}}}", "length": 6 }} }}'
        elif k == 2:
            a = f'{{ "id": "http_{i}", "type": "HTTP", "action": "SEND_REQUEST", "params": {{ "url": "https://api.example.com/users/{i}", "method": "POST", "headers": {{ "x-request": "{i}" }}, "payload": {{ "code": "{{{{actions.otp_{i-1}.code}}}}", "n": {i} }} }} }}'
        else:
            a = f'{{ "id": "vars_{i}", "type": "FLOW", "action": "STORE_VARS", "params": {{ "vars": {{ "last": "{{{{actions.http_{i-1}.status}}}}", "ok": true }} }} }}'
        lines.append("    " + a)
    return '{\n  "name": "Generated",\n  "actions": [\n' + ",\n".join(lines) + "\n  ]\n}\n"


class Client:
    def __init__(self, cmd, cwd):
        self.t0 = time.perf_counter()
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=cwd)
        self.waiting = {}
        self.lock = threading.Lock()
        # pushed diagnostics: uri -> (arrival time, number of diagnostics)
        self.published = {}
        self.cv = threading.Condition()
        self.id = 0
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        out = self.p.stdout
        while True:
            n = None
            while True:
                line = out.readline()
                if not line:
                    return
                if line.strip() == b"":
                    break
                if line.lower().startswith(b"content-length"):
                    n = int(line.split(b":")[1])
            body = out.read(n)
            if len(body) > 256 * 1024 and body.rstrip().endswith(b"}") and b'"method"' not in body[:200]:
                # a large answer (a workspace's diagnostics): its id is enough, and parsing it
                # here would put the client's own time into the figures of the answers behind it
                import re
                m = re.search(rb'"id":\s*(\d+)\s*}\s*$', body[-64:]) or re.search(rb'"id":\s*(\d+)', body[:64])
                msg = {"id": int(m.group(1)), "result": None} if m else json.loads(body)
            else:
                msg = json.loads(body)
            if msg.get("method") == "textDocument/publishDiagnostics":
                with self.cv:
                    p = msg["params"]
                    self.published[p["uri"]] = (time.perf_counter(), len(p["diagnostics"]))
                    self.cv.notify_all()
            elif "id" in msg and "method" in msg:  # a request from the server
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": [None] if msg["method"] == "workspace/configuration" else None})
            elif "id" in msg:
                ev = self.waiting.get(msg["id"])
                if ev:
                    ev[1] = msg
                    ev[0].set()

    def send(self, obj):
        b = json.dumps(obj).encode()
        with self.lock:
            self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(b) + b)
            self.p.stdin.flush()

    def request(self, method, params):
        self.id += 1
        ev = [threading.Event(), None]
        self.waiting[self.id] = ev
        self.send({"jsonrpc": "2.0", "id": self.id, "method": method, "params": params})
        if not ev[0].wait(120):
            raise RuntimeError(f"{method}: no answer")
        return ev[1]

    def wait_for(self, pred, timeout=120):
        with self.cv:
            if not self.cv.wait_for(lambda: pred(self.published), timeout):
                raise RuntimeError("timed out waiting for diagnostics")

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def peak_rss_kb(self):
        for line in open(f"/proc/{self.p.pid}/status"):
            if line.startswith("VmHWM"):
                return int(line.split()[1])

    def close(self):
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.p.wait(5)
        except Exception:
            self.p.kill()


CAPS = {
    "textDocument": {
        "completion": {"completionItem": {"snippetSupport": True}},
        "diagnostic": {"dynamicRegistration": False},
        "hover": {"contentFormat": ["markdown", "plaintext"]},
        "synchronization": {"didSave": True},
    },
    "workspace": {"diagnostics": {"refreshSupport": True}, "configuration": True},
}


def run_one(kind, cmd, ws: Path, text: str, schema: dict):
    uri = (ws / "flows/Big.json").as_uri()
    c = Client(cmd, ws)
    r = {}
    t = time.perf_counter()
    init_opts = {"provideFormatter": True, "handledSchemaProtocols": ["file"]} if kind == "json" else {}
    c.request("initialize", {"processId": os.getpid(), "rootUri": ws.as_uri(), "capabilities": CAPS, "initializationOptions": init_opts})
    r["initialize"] = (time.perf_counter() - c.t0) * 1000
    c.notify("initialized", {})
    if kind == "json":
        c.notify("workspace/didChangeConfiguration", {"settings": {"json": {"validate": {"enable": True},
                 "schemas": [{"fileMatch": ["*.json"], "url": "file:///flow.schema.json", "schema": schema}]}}})
    t = time.perf_counter()
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": text}})
    d = c.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
    r["first diagnostics (pull)"] = (time.perf_counter() - t) * 1000
    r["_first_count"] = len(d["result"]["items"])
    # a one-character edit inside the last GET_USER action's value, then completion there
    lines = text.split("\n")
    li = max(i for i, l in enumerate(lines) if '"action": "GET_USER"' in l)
    col = lines[li].index('"action": "GET_USER"') + len('"action": "')
    t = time.perf_counter()
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [
        {"range": {"start": {"line": li, "character": col}, "end": {"line": li, "character": col}}, "text": "X"}]})
    comp = c.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": li, "character": col + 1}})
    r["completion after an edit"] = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    d = c.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
    r["diagnostics after the edit"] = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    c.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": li, "character": col + 3}})
    r["hover"] = (time.perf_counter() - t) * 1000
    r["peak RSS (MB)"] = c.peak_rss_kb() / 1024
    items = comp["result"]["items"] if isinstance(comp["result"], dict) else (comp["result"] or [])
    r["_completions"] = len(items)
    c.close()
    return r


def workspace_case(flowls, reps):
    """2,000 flows and 200 vault connections: start-up to all diagnostics, and a vault edit."""
    out = []
    for _ in range(reps):
        with tempfile.TemporaryDirectory() as d:
            ws = Path(d)
            (ws / "flows").mkdir()
            (ws / "flow-vault-connections").mkdir()
            for v in range(200):
                (ws / f"flow-vault-connections/v{v}.json").write_text(json.dumps({"name": f"Conn {v}", "app_id": "AUTH0", "setup": {"type": "OAUTH_APP", "client_id": f"c{v}", "client_secret": "##S##", "domain": "a.auth0.com"}}))
            for f in range(2000):
                (ws / f"flows/f{f}.json").write_text(json.dumps({"name": f"F{f}", "actions": [
                    {"id": "g", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": f"Conn {f % 200}", "user_id": "u"}},
                    {"id": "o", "type": "OTP", "action": "GENERATE_CODE", "params": {"reference": "{{actions.g.email}}", "length": 6}}]}, indent=2))
            c = Client([flowls, "lsp"], ws)
            t0 = time.perf_counter()
            c.request("initialize", {"processId": os.getpid(), "rootUri": ws.as_uri(), "capabilities": {"window": {"workDoneProgress": True}}})
            c.notify("initialized", {})
            # every flow and vault connection checked: a push for each of the 2,200 files
            c.wait_for(lambda pub: len(pub) >= 2200)
            t_index = (max(t for t, _ in c.published.values()) - t0) * 1000
            # a vault edit: the connection is renamed, so the 10 flows that use it lose it
            vpath = ws / "flow-vault-connections/v0.json"
            vuri, vtext = vpath.as_uri(), vpath.read_text()
            users = [(ws / f"flows/f{f}.json").as_uri() for f in range(0, 2000, 200)]
            assert all(c.published[u][1] == 0 for u in users)
            c.notify("textDocument/didOpen", {"textDocument": {"uri": vuri, "languageId": "json", "version": 1, "text": vtext}})
            c.request("workspace/symbol", {"query": "x"})  # the open is applied
            t1 = time.perf_counter()
            c.notify("textDocument/didChange", {"textDocument": {"uri": vuri, "version": 2}, "contentChanges": [{"text": vtext.replace("Conn 0", "Renamed 0")}]})
            c.wait_for(lambda pub: all(pub[u][0] > t1 and pub[u][1] > 0 for u in users))
            t_vault = (max(c.published[u][0] for u in users) - t1) * 1000
            c.close()
            out.append((t_index, t_vault))
    return out


def big_workspace(ws: Path, flows: int, vaults: int = 500, forms: int = 20):
    """A deploy-cli directory tenant at the sizes users reach: `flows` flows (each with an AUTH0
    action reading a form field and an OTP action), `vaults` AUTH0 vault connections, and
    `forms` forms, each starting one flow."""
    (ws / "flows").mkdir()
    (ws / "flow-vault-connections").mkdir()
    (ws / "forms").mkdir()
    for v in range(vaults):
        (ws / f"flow-vault-connections/v{v}.json").write_text(json.dumps({"name": f"Conn {v}", "app_id": "AUTH0", "setup": {"type": "OAUTH_APP", "client_id": f"c{v}", "client_secret": "##S##", "domain": "a.auth0.com"}}))
    for f in range(flows):
        (ws / f"flows/f{f}.json").write_text(json.dumps({"name": f"F{f}", "actions": [
            {"id": "g", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": f"Conn {f % vaults}", "user_id": "{{fields.email}}"}},
            {"id": "o", "type": "OTP", "action": "GENERATE_CODE", "params": {"reference": "{{actions.g.email}}", "length": 6}}]}, indent=2))
    for k in range(forms):
        (ws / f"forms/form{k}.json").write_text(json.dumps({"name": f"Form {k}", "start": {"next_node": "s"}, "nodes": [
            {"id": "s", "type": "STEP", "config": {"components": [{"id": "email", "category": "FIELD", "type": "EMAIL"}], "next_node": "fl"}},
            {"id": "fl", "type": "FLOW", "config": {"flow_id": f"F{k}", "next_node": "$ending"}}], "ending": {}}))
    return flows + vaults + forms


def tenant_flow(f: int, vaults: int) -> dict:
    """Flow `f` of a realistic tenant: 2–14 top-level actions (AUTH0 reads and updates on one or two
    of the tenant's connections, HTTP requests, OTP, variables) and every third action a
    `BOOLEAN_CONDITION`, some with an `else`, some nested."""
    def conn(k):
        return f"Conn {(f + k) % vaults}"

    def plain(i, k):
        kind = (f + i + k) % 5
        if kind == 0:
            return {"id": f"get_{i}_{k}", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": conn(0), "user_id": "{{context.user.user_id}}"}}
        if kind == 1:
            return {"id": f"upd_{i}_{k}", "type": "AUTH0", "action": "UPDATE_USER", "params": {"connection_id": conn(i % 2), "user_id": "{{context.user.user_id}}", "changes": {"app_metadata": {"step": i}}}}
        if kind == 2:
            return {"id": f"http_{i}_{k}", "type": "HTTP", "action": "SEND_REQUEST", "params": {"url": f"https://api.example.com/{f}/{i}", "method": "POST", "payload": {"n": i}}}
        if kind == 3:
            return {"id": f"otp_{i}_{k}", "type": "OTP", "action": "GENERATE_CODE", "params": {"reference": "{{context.user.user_id}}", "length": 6}}
        return {"id": f"vars_{i}_{k}", "type": "FLOW", "action": "STORE_VARS", "params": {"vars": {"step": i}}}

    def condition(i, depth):
        then = [plain(i, 1), plain(i, 2)]
        if depth < 1 and i % 2 == 0:
            then.append(condition(i * 10 + 1, depth + 1))
        params = {"if": {"operands": [{"operator": "EQUALS", "operands": ["{{context.user.email}}", "x"]}]}, "then": then}
        if i % 3 == 0:
            params["else"] = [plain(i, 3)]
        return {"id": f"cond_{i}", "type": "FLOW", "action": "BOOLEAN_CONDITION", "params": params}

    n = 2 + f % 13
    return {"name": f"F{f}", "actions": [condition(i, 0) if i % 3 == 2 else plain(i, 0) for i in range(n)]}


def tenant_workspace(ws: Path, flows: int, vaults: int = 50, forms: int = 20):
    """`big_workspace`'s layout with realistic flows (`tenant_flow`): what real tenants hold."""
    big_workspace(ws, flows, vaults, forms)
    for f in range(flows):
        (ws / f"flows/f{f}.json").write_text(json.dumps(tenant_flow(f, vaults), indent=2))
    return flows + vaults + forms


def scale_case(builds: dict, sizes, reps):
    """`flowls check` and, over LSP, initialize → every file's diagnostics pushed, at each size,
    for every build side by side (alternating), with the server's peak RSS."""
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as d:
            ws = Path(d)
            files = big_workspace(ws, n)
            res = {name: {"check": [], "lsp": [], "rss": []} for name in builds}
            for i in range(reps):
                order = list(builds.items()) if i % 2 == 0 else list(reversed(builds.items()))
                for name, binary in order:
                    t0 = time.perf_counter()
                    subprocess.run([binary, "check", str(ws), "--format", "json"], capture_output=True)
                    res[name]["check"].append((time.perf_counter() - t0) * 1000)
                    c = Client([binary, "lsp"], ws)
                    t0 = time.perf_counter()
                    c.request("initialize", {"processId": os.getpid(), "rootUri": ws.as_uri(), "capabilities": {"window": {"workDoneProgress": True}}})
                    c.notify("initialized", {})
                    c.wait_for(lambda pub: len(pub) >= files, timeout=120)
                    res[name]["lsp"].append((max(t for t, _ in c.published.values()) - t0) * 1000)
                    res[name]["rss"].append(c.peak_rss_kb() / 1024)
                    c.close()
            rows.append((n, files, {k: {m: statistics.median(v) for m, v in r.items()} for k, r in res.items()}))
    return rows


def in_flight_case(builds: dict, flows: int, reps):
    """A keystroke while workspace-wide requests run: over `flows` flows (a client that pulls,
    as VS Code does), `didChange` + completion on an open flow alone, and again with a
    `workspace/diagnostic`, a `workspace/symbol ""` and a references request in flight."""
    out = {}
    with tempfile.TemporaryDirectory() as d:
        ws = Path(d)
        big_workspace(ws, flows)
        path = ws / "flows/f1.json"
        uri, text = path.as_uri(), path.read_text()
        line = next(i for i, l in enumerate(text.splitlines()) if '"user_id"' in l)
        col = text.splitlines()[line].index('"user_id"') + 1
        for name, binary in builds.items():
            alone, busy = [], []
            for _ in range(reps):
                c = Client([binary, "lsp"], ws)
                c.request("initialize", {"processId": os.getpid(), "rootUri": ws.as_uri(), "capabilities": CAPS})
                c.notify("initialized", {})
                c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": text}})
                c.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})  # indexed
                c.request("workspace/diagnostic", {"previousResultIds": []})  # warm
                version = 1
                for in_flight in [False, True]:
                    for _ in range(5):
                        if in_flight:
                            # sent, not awaited: they run while the edit and completion arrive
                            for method, params in [("workspace/diagnostic", {"previousResultIds": []}),
                                                   ("workspace/symbol", {"query": ""}),
                                                   ("textDocument/references", {"textDocument": {"uri": uri}, "position": {"line": line + 0, "character": col + 30}, "context": {"includeDeclaration": True}})]:
                                c.id += 1
                                c.send({"jsonrpc": "2.0", "id": c.id, "method": method, "params": params})
                            time.sleep(0.005)
                        version += 1
                        t = time.perf_counter()
                        c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [
                            {"range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col}}, "text": "u" if version % 2 else ""}]})
                        c.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": line, "character": col + 12}})
                        (busy if in_flight else alone).append((time.perf_counter() - t) * 1000)
                        time.sleep(0.3 if in_flight else 0.01)
                c.close()
            out[name] = (statistics.median(alone), statistics.median(busy))
    return out


def main():
    flowls, json_ls, schema_path, reps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    # FLOWLS_BENCH_BASELINE=path/to/an/older/flowls compares flowls with that build instead of
    # the JSON server (a regression check, side by side in one run)
    baseline = os.environ.get("FLOWLS_BENCH_BASELINE")
    other = "baseline flowls" if baseline else "JSON server"
    schema = json.loads(Path(schema_path).read_text())
    print(f"machine: {os.cpu_count()} CPUs; {reps} runs each, alternating; medians in ms\n")
    # FLOWLS_BENCH_SIZES=5000 FLOWLS_BENCH_SERVERS=flowls narrow a run while working on one case
    # 4,250 actions is the issue's 700 KB document; 5,000 and 20,000 are its 0.8 and 3.3 MB
    sizes = [int(n) for n in os.environ.get("FLOWLS_BENCH_SIZES", "100,4250,5000,20000").split(",") if n]
    servers = os.environ.get("FLOWLS_BENCH_SERVERS", "flowls,json").split(",")
    for n in sizes:
        text = flow(n)
        res = {"flowls": [], "json": []}
        for i in range(reps):
            for kind in [k for k in (["flowls", "json"] if i % 2 == 0 else ["json", "flowls"]) if k in servers]:
                with tempfile.TemporaryDirectory() as d:
                    ws = Path(d)
                    (ws / "flows").mkdir()
                    (ws / "flow-vault-connections").mkdir()
                    (ws / "flow-vault-connections/u.json").write_text('{"name": "Users M2M", "app_id": "AUTH0"}')
                    if kind == "flowls":
                        cmd = [flowls, "lsp"]
                    elif baseline:
                        cmd = [baseline, "lsp"]
                    else:
                        cmd = ["node", json_ls, "--stdio"] if json_ls.endswith(".js") else [json_ls, "--stdio"]
                    res[kind].append(run_one("flowls" if baseline else kind, cmd, ws, text, schema))
        print(f"### {n} actions ({len(text) / 1024:.0f} KB)\n")
        print(f"| metric | flowls | {other} | {other} / flowls |")
        print("|---|---|---|---|")
        med = lambda kind, m: statistics.median(r[m] for r in res[kind]) if res[kind] else float("nan")
        for m in ["initialize", "first diagnostics (pull)", "completion after an edit", "diagnostics after the edit", "hover", "peak RSS (MB)"]:
            a, b = med("flowls", m), med("json", m)
            print(f"| {m} | {a:.1f} | {b:.1f} | {b / a:.1f}× |")
        first = lambda kind, k: res[kind][0][k] if res[kind] else "-"
        print(f"\n(diagnostics found: flowls {first('flowls', '_first_count')}, {other} {first('json', '_first_count')}; "
              f"completion items: flowls {first('flowls', '_completions')}, {other} {first('json', '_completions')})\n")
    if os.environ.get("FLOWLS_BENCH_SCALE", "1") != "0":
        builds = {"flowls": flowls, **({"baseline flowls": baseline} if baseline else {})}
        scale = [int(n) for n in os.environ.get("FLOWLS_BENCH_SCALE_SIZES", "2000,5000,10000,20000").split(",")]
        rows = scale_case(builds, scale, max(1, min(reps, 3)))
        print("### Scale: flows + 500 vault connections + 20 forms (deploy-cli directory)\n")
        names = list(builds)
        head = " | ".join(f"{b} {m}" for b in names for m in ["check ms", "LSP all diagnostics ms", "peak RSS MB"])
        print(f"| flows | files | {head} |")
        print("|---|---|" + "---|" * (3 * len(names)))
        for n, files, med in rows:
            cells = " | ".join(f"{med[b]['check']:.0f} | {med[b]['lsp']:.0f} | {med[b]['rss']:.0f}" for b in names)
            print(f"| {n} | {files} | {cells} |")
        print()
    if os.environ.get("FLOWLS_BENCH_IN_FLIGHT", "1") != "0":
        builds = {"flowls": flowls, **({"baseline flowls": baseline} if baseline else {})}
        n = int(os.environ.get("FLOWLS_BENCH_IN_FLIGHT_FLOWS", "10000"))
        res = in_flight_case(builds, n, max(1, min(reps, 3)))
        print(f"### A keystroke while workspace-wide requests run ({n} flows, pull client)\n")
        print("| build | didChange + completion alone (ms) | with workspace/diagnostic, workspace/symbol and references in flight (ms) | ratio |")
        print("|---|---|---|---|")
        for b, (alone, busy) in res.items():
            print(f"| {b} | {alone:.1f} | {busy:.1f} | {busy / alone:.1f}× |")
        print()
    if os.environ.get("FLOWLS_BENCH_WORKSPACE", "1") == "0":
        return
    ws = workspace_case(flowls, 3)
    print("### Workspace: 2,000 flows, 200 vault connections (flowls only)\n")
    print("| metric | median ms |")
    print("|---|---|")
    print(f"| initialize to the diagnostics of all 2,200 files pushed | {statistics.median(w[0] for w in ws):.0f} |")
    print(f"| vault connection renamed to the new diagnostics of all 10 flows using it | {statistics.median(w[1] for w in ws):.1f} |")


if __name__ == "__main__":  # benches/graph/run imports big_workspace
    main()

// Which flowls binary to start: the setting (an absolute path), then the copy bundled in the
// extension, then PATH. A relative setting is refused: it would name a binary inside the
// workspace, which a repository could provide.
import * as fs from "fs";
import * as path from "path";

export interface Resolution {
  path?: string;
  /** What was tried, in order, for the message when nothing is found. */
  tried: string[];
}

function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    if (process.platform === "win32") return true;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function binaryName(platform: string = process.platform): string {
  return platform === "win32" ? "flowls.exe" : "flowls";
}

export function resolveServer(opts: {
  setting: string | undefined;
  envPath: string | undefined;
  extensionDir: string;
  workspaceDir?: string;
  platform?: string;
  exists?: (file: string) => boolean;
}): Resolution {
  const exists = opts.exists ?? isExecutable;
  const name = binaryName(opts.platform);
  const tried: string[] = [];
  const setting = (opts.setting ?? "").trim();
  if (setting) {
    const absolute = path.isAbsolute(setting) || path.win32.isAbsolute(setting);
    tried.push(
      absolute
        ? `the setting flowls.server.path (${setting})`
        : `the setting flowls.server.path (${setting}: not an absolute path, so not used)`,
    );
    if (absolute && exists(setting)) return { path: setting, tried };
    // an explicit setting that does not work is not silently replaced by another binary
    return { tried };
  }
  const bundled = path.join(opts.extensionDir, "server", name);
  tried.push(`the bundled copy (${bundled})`);
  if (exists(bundled)) return { path: bundled, tried };
  const sep = (opts.platform ?? process.platform) === "win32" ? ";" : ":";
  for (const dir of (opts.envPath ?? "").split(sep).filter((d) => d.length > 0)) {
    const file = path.join(dir, name);
    if (exists(file)) return { path: file, tried: [...tried, `PATH (${file})`] };
  }
  tried.push("flowls on PATH");
  return { tried };
}

export function notFoundMessage(r: Resolution): string {
  return `flowls: no server binary found. Tried ${r.tried.join(", then ")}. Install it (cargo install --path . in the flowls repository) or set flowls.server.path.`;
}

/** The version in `flowls --version` output ("flowls 0.1.0 (rev)"), if any. */
export function reportedVersion(output: string): string | undefined {
  return /^flowls\s+(\S+)/m.exec(output.trim())?.[1];
}

/** A message when the server's version is not the extension's, else undefined. */
export function versionMismatch(output: string, expected: string, binary: string): string | undefined {
  const found = reportedVersion(output);
  if (found === expected) return undefined;
  return found
    ? `flowls: the server ${binary} is version ${found}, but this extension is ${expected}: features may not match. Update one of them (or clear flowls.server.path to use the bundled server).`
    : `flowls: ${binary} did not report its version: is it flowls? (set flowls.server.path, or clear it to use the bundled server)`;
}

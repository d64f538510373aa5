// What the server says each open document is (its notification `flowls/documentKinds`), kept
// as the list of the graphable ones' paths under the context key `flowls.graphable`: the Show
// Graph button's `when` clause is `resourcePath in flowls.graphable`, so it shows on every document
// the server draws — an export bundle at the workspace's root as much as a flow in `flows/` —
// and on no other. No vscode import: unit-tested as it is.

/** The notification's method and the client capability that asks for it. */
export const DOCUMENT_KINDS = "flowls/documentKinds";
export const CONTEXT_KEY = "flowls.graphable";
export const EXPERIMENTAL = { flowls: { documentKinds: true } };

export interface DocumentKind {
  uri: string;
  kind: string;
  graphable: boolean;
}

/** Where a document is: its uri as VS Code writes it, and the `resourcePath` values it may have. */
export interface Place {
  id: string;
  keys: string[];
}

/** The open documents the server calls graphable, by the paths a when clause compares. */
export class Graphable {
  private readonly docs = new Map<string, string[]>();
  private last = "";

  /** `publish` receives the list each time it changes. */
  constructor(private readonly publish: (paths: string[]) => void) {}

  /** The server's notification; `place` says where a protocol uri is. */
  told(params: unknown, place: (uri: string) => Place = (u) => ({ id: u, keys: [u] })): void {
    const docs = (params as { documents?: unknown })?.documents;
    if (!Array.isArray(docs)) return;
    for (const d of docs as Partial<DocumentKind>[]) {
      if (typeof d?.uri !== "string") continue;
      const { id, keys } = place(d.uri);
      if (d.graphable === true) this.docs.set(id, keys);
      else this.docs.delete(id);
    }
    this.flush();
  }

  /** A document closed, by its uri (the server tells it again when it is opened again). */
  closed(id: string): void {
    if (this.docs.delete(id)) this.flush();
  }

  /** The server stopped: nothing is known until it tells again. */
  clear(): void {
    this.docs.clear();
    this.flush();
  }

  has(key: string): boolean {
    return this.list().includes(key);
  }

  private list(): string[] {
    return [...new Set([...this.docs.values()].flat())].sort();
  }

  private flush(): void {
    const list = this.list();
    const key = JSON.stringify(list);
    if (key === this.last) return;
    this.last = key;
    this.publish(list);
  }
}

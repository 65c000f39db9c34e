import { isMap, isSeq, LineCounter, parseDocument, type Node } from "yaml";

/**
 * Strict JSON parsing with line numbers for findings: `JSON.parse` decides validity
 * (fastmcp.json is strict JSON: no comments, no trailing commas: https://gofastmcp.com/public/schemas/fastmcp.json/v1.json), and the
 * `yaml` parser (JSON is a subset of YAML 1.2) locates keys so a finding can name a line.
 */

/** A parsed JSON file that can say where a key is. */
export interface LocatedJson {
  /** The value, or undefined when the text is not valid JSON. */
  data: unknown;
  /** Set when the text is not valid JSON: 1-based line (best effort) and the parser's message. */
  error?: { line: number; message: string };
  /**
   * 1-based line of the value at a key path (e.g. `["source", "path"]`), or of the
   * closest existing parent; 1 when nothing matches.
   */
  lineOf(keyPath: (string | number)[]): number;
}

function lineAtOffset(text: string, offset: number): number {
  return text.slice(0, Math.max(0, offset)).split("\n").length;
}

/**
 * Parses JSON text.
 *
 * @param text - the file contents.
 * @returns the value (or an error with its line) and a key locator.
 */
export function parseLocatedJson(text: string): LocatedJson {
  let data: unknown;
  let error: LocatedJson["error"];
  try {
    data = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message.split("\n")[0]!;
    const lineCol = /line (\d+) column/.exec(message);
    const pos = /position (\d+)/.exec(message);
    const line = lineCol ? Number(lineCol[1]) : pos ? lineAtOffset(text, Number(pos[1])) : 1;
    error = { line, message };
  }
  const counter = new LineCounter();
  const doc = error ? null : parseDocument(text, { lineCounter: counter });
  const lineOf = (keyPath: (string | number)[]): number => {
    if (!doc) return 1;
    for (let n = keyPath.length; n > 0; n--) {
      const parentPath = keyPath.slice(0, n - 1);
      const parent = parentPath.length === 0 ? doc.contents : (doc.getIn(parentPath, true) as Node | undefined);
      const key = keyPath[n - 1]!;
      if (isMap(parent)) {
        const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
        const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
        if (range) return counter.linePos(range[0]).line;
      } else if (isSeq(parent) && typeof key === "number") {
        const range = (parent.items[key] as { range?: [number, number, number] } | undefined)?.range;
        if (range) return counter.linePos(range[0]).line;
      }
    }
    return 1;
  };
  return { data, error, lineOf };
}

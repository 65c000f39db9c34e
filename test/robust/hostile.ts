// fast-check arbitraries for hostile user input (issue 12): the strings every command must
// either refuse with one line or escape correctly in every file it writes.
import fc from "fast-check";
import { PYTHON_KEYWORDS, SHADOWED_MODULES } from "../../src/monorepo/names.js";

/** Fragments that break naive escaping in Python, Handlebars, YAML, JSON, Markdown, shells and paths. */
export const NASTY_FRAGMENTS = [
  // Handlebars
  "{{", "}}", "{{{", "}}}", "{{> partial}}", "{{#each servers}}", "{{/each}}", "{{!-- x --}}", "\\{{name}}", "{{name}}",
  // Python
  '"""', "'''", '"', "'", "\\", "\\\\", "\\n", "\\x00", "\\N{DASH}", "\\u", "f'{x}'", "{x!r}", "%s", "__import__('os')", "#", "# -*- coding: latin-1 -*-",
  // shells
  "$(rm -rf /)", "`id`", "${HOME}", "$PATH", "; ls", "&& echo", "|", ">", "<", "&",
  // YAML / JSON specials
  ": ", "- ", "? ", "&anchor", "*alias", "!!python/object:os.system", "---", "...", "[1, 2]", "{a: b}", '{"a": 1}', "null", "~", "yes", "no", "on", "0x1F", "1e3", ".nan", "%TAG", "@", "`", "<<: *a",
  // Markdown / HTML
  "<script>alert(1)</script>", "| a | b |", "**", "_", "[x](javascript:1)", "<!-- -->", "&amp;",
  // paths
  "..", "../", "../..", "/", "//", "./", "/etc/passwd", "C:\\Windows", "~/", "\\\\server\\share",
  // control and invisible characters
  "\u0000", "\n", "\r", "\r\n", "\t", "\u000b", "\u000c", "\u001b[31m", "\u007f", "\u0085", "\u2028", "\u2029",
  "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad",
  // bidi: RTL override / isolate, RTL scripts
  "\u202e", "\u202d", "\u2066", "\u2067", "\u2069", "\u200f", "שלום", "مرحبا",
  // other unicode: astral, combining marks, lone surrogates, homoglyphs, fullwidth
  "🚀", "👩‍👩‍👧", "e\u0301", "ünïcödé", "\ud800", "\udfff", "ｏｐｓ", "оps", "ß", "İ", "\u{10ffff}", "\ufffd",
];

/** One hostile fragment. */
export const fragment = fc.constantFrom(...NASTY_FRAGMENTS);

/**
 * A hostile string: fragments and random characters (any code point, lone surrogates included)
 * mixed, now and then huge.
 */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.oneof(fragment, fc.string({ unit: "binary", maxLength: 6 }), fc.string({ maxLength: 8 })), { minLength: 1, maxLength: 8 }).map((a) => a.join("")) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fragment },
  { weight: 1, arbitrary: fc.tuple(fragment, fc.integer({ min: 300, max: 20_000 })).map(([f, n]) => f.repeat(Math.ceil(n / Math.max(1, f.length)))) },
);

/** A server name that should be accepted (lowercase, digits, single hyphens; keywords and shadowed modules excluded later). */
export const goodServerName = fc
  .stringMatching(/^[a-z][a-z0-9]{0,9}(-[a-z0-9]{1,5}){0,2}$/)
  .filter((n) => n.length <= 40 && !n.startsWith("server") && !PYTHON_KEYWORDS.has(n.replace(/-/g, "_")) && !SHADOWED_MODULES.has(n.replace(/-/g, "_")));

/** A server name: mostly good, else hostile, a keyword, a shadowed module or a near miss. */
export const serverName: fc.Arbitrary<string> = fc.oneof(
  { weight: 14, arbitrary: goodServerName },
  { weight: 2, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.constantFrom(...PYTHON_KEYWORDS, ...[...SHADOWED_MODULES].slice(0, 30), "server", "server-ops", "a--b", "ops-", "-ops", "Ops", "9lives", "a".repeat(41), "") },
  { weight: 1, arbitrary: fc.tuple(goodServerName, fragment).map(([n, f]) => n + f) },
);

/** A description: anything at all, mostly within the 500-character limit. */
export const description: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: hostileString.map((s) => s.slice(0, 500)) },
  { weight: 1, arbitrary: hostileString },
);

/** A value for a flag with a strict format (repository, branch, python): good values and hostile ones. */
export function flagValue(good: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof({ weight: 8, arbitrary: good }, { weight: 1, arbitrary: hostileString });
}

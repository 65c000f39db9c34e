import { parsedSources } from "../collect.js";
import { finding, type Rule } from "../rule.js";
import type { Finding } from "../types.js";

/**
 * Rule `deprecated-call`: a platform may run a newer Python than the developer's machine.
 *
 * `datetime.utcnow()` (and `utcfromtimestamp()`) are deprecated since Python 3.12
 * (https://docs.python.org/3/library/datetime.html#datetime.datetime.utcnow), and
 * `hashlib.md5(data)` without `usedforsecurity=False` fails on FIPS-mode hosts
 * (https://docs.python.org/3/library/hashlib.html#hash-algorithms). Calls are matched
 * after import aliases are resolved (`from datetime import datetime`, `import datetime as dt`).
 */
/** Message and fix per deprecated call (qualified name after alias resolution). */
const FIXES: Record<string, { message: string; fix: string }> = {
  "datetime.datetime.utcnow": {
    message: "datetime.utcnow() is deprecated since Python 3.12 and returns a naive datetime",
    fix: "use `datetime.now(timezone.utc)` (`from datetime import datetime, timezone`)",
  },
  "datetime.datetime.utcfromtimestamp": {
    message: "datetime.utcfromtimestamp() is deprecated since Python 3.12 and returns a naive datetime",
    fix: "use `datetime.fromtimestamp(ts, timezone.utc)`",
  },
  "hashlib.md5": {
    message: "hashlib.md5() without usedforsecurity=False fails on FIPS-enabled hosts",
    fix: "pass `usedforsecurity=False` (e.g. `hashlib.md5(data, usedforsecurity=False)`) or use hashlib.sha256",
  },
  "hashlib.new": {
    message: "hashlib.new(\"md5\") without usedforsecurity=False fails on FIPS-enabled hosts",
    fix: "pass `usedforsecurity=False`, or use sha256",
  },
};

/** The `deprecated-call` rule (warnings). */
export const deprecatedRule: Rule = (server) => {
  const out: Finding[] = [];
  for (const src of parsedSources(server)) {
    for (const d of src.facts.deprecated) {
      const info = FIXES[d.call] ?? { message: `${d.call}() is deprecated`, fix: "replace it" };
      out.push(finding("deprecated-call", "warning", server, src.rel, d.line, info.message, info.fix));
    }
  }
  return out;
};

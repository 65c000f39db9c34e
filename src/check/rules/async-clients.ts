import { parsedSources } from "../collect.js";
import { finding, type Rule } from "../rule.js";
import type { Finding } from "../types.js";

/**
 * Rules `async-client-at-import` and `blocking-call-in-async`.
 *
 * An async client made at module level (`client = httpx.AsyncClient()`) is created before the
 * server's event loop exists, and its connection pool is tied to the loop it is first used on
 * (https://www.python-httpx.org/async/): create it lazily, inside the loop. A blocking call
 * inside an `async def` tool (`requests.get(url)`) stalls the event loop and every other request
 * with it (https://docs.python.org/3/library/asyncio-dev.html#running-blocking-code).
 * Async clients are `httpx.AsyncClient`, `aiohttp.ClientSession`, `openai.AsyncOpenAI`, ... (the
 * analyzer's `ASYNC_CLIENTS`) created at import time (module level or a class body). Blocking calls
 * are `requests.*`, httpx's sync API, `urllib.request.urlopen` and `time.sleep` inside `async def`.
 */
/** Constructors of synchronous network clients (the analyzer's `BLOCKING_CONSTRUCTORS`). */
const BLOCKING_CLIENT_CTORS = new Set(["imaplib.IMAP4", "imaplib.IMAP4_SSL", "smtplib.SMTP", "smtplib.SMTP_SSL", "smtplib.LMTP", "boto3.client", "boto3.resource"]);

export const asyncClientsRule: Rule = (server) => {
  const out: Finding[] = [];
  for (const src of parsedSources(server)) {
    for (const c of src.facts.asyncClients) {
      out.push(
        finding(
          "async-client-at-import",
          "error",
          server,
          src.rel,
          c.line,
          `${c.callee}() is created at import time, before FastMCP's event loop exists: the client binds to no (or the wrong) loop, so requests fail or hang once the server runs`,
          "create it lazily inside the tool or a getter (`_client = None` at module level; build it on first use), or use `async with` per request",
        ),
      );
    }
    // One finding per function and kind of blocking client (`with smtplib.SMTP() as s: s.login(); s.send_message()` is one cause).
    const seen = new Set<string>();
    for (const b of src.facts.blocking) {
      const kind = b.client ?? (BLOCKING_CLIENT_CTORS.has(b.callee) ? b.callee : b.callee);
      const key = `${b.func}|${kind}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const sleep = b.callee === "time.sleep";
      const client = b.client ?? (BLOCKING_CLIENT_CTORS.has(b.callee) ? b.callee : null);
      out.push(
        finding(
          "blocking-call-in-async",
          "warning",
          server,
          src.rel,
          b.line,
          (client
            ? `${b.callee}() inside async def ${b.func ?? ""}() uses a synchronous ${client}() client: each network round trip blocks the event loop, so every other request waits`
            : `${b.callee}() inside async def ${b.func ?? ""}() blocks the event loop: every other request waits`
          ).replace(" ()", ""),
          sleep
            ? "use `await asyncio.sleep(...)`"
            : client
              ? "run the blocking calls in a thread (`await asyncio.to_thread(fn, ...)`), make the tool a plain `def` (FastMCP runs sync tools in a worker thread), or use an async client (aioimaplib, aiosmtplib, aioboto3)"
              : "use an async client (`async with httpx.AsyncClient() as client: await client.get(...)`) or `await asyncio.to_thread(...)`",
        ),
      );
    }
  }
  return out;
};

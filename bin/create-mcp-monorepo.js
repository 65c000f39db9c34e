#!/usr/bin/env node
// The installed command. It must run on any Node.js that can start an ES module, so it
// checks the version before loading the bundle (dist/ uses syntax and APIs of the Node
// in package.json "engines"): no static imports and no newer syntax here.
var MIN = [20, 12];
var v = process.versions.node.split(".").map(Number);
if (v[0] < MIN[0] || (v[0] === MIN[0] && v[1] < MIN[1])) {
  process.stderr.write("error: create-mcp-monorepo needs Node.js " + MIN.join(".") + " or newer; this is Node.js " + process.versions.node + " (https://nodejs.org)\n");
  process.exit(1);
} else {
  var args = process.argv.slice(2);
  var only = args.length === 1 ? args[0] : "";
  var fast = only === "--help" || only === "-h" ? "help" : only === "--version" || only === "-v" ? "version" : "";
  var out = process.stdout;
  // `--help` and `--version` alone print the texts the build rendered from the CLI itself
  // (dist/start.json, scripts/build.mjs), without loading it; the help is `helpWidth` columns
  // wide, so a narrower terminal gets the CLI's own, narrower wrapping.
  if (fast && !process.env.MCPM_NO_FAST_START) {
    import("node:fs").then(function (fs) {
      var saved = null;
      try {
        saved = JSON.parse(fs.readFileSync(new URL("../dist/start.json", import.meta.url), "utf8"));
      } catch (_) {}
      var text = saved && saved[fast];
      if (typeof text !== "string" || (out.isTTY && !(out.columns >= saved.helpWidth))) return start();
      out.on("error", function () {}); // `--help | head` closing the pipe is not an error
      out.write(text);
    });
  } else {
    start();
  }
}

function start() {
  // Node 22.1+ can cache compiled code between runs (create-vite's bin does the same).
  var nodeModule = process.getBuiltinModule && process.getBuiltinModule("node:module");
  if (nodeModule && nodeModule.enableCompileCache && !process.env.NODE_DISABLE_COMPILE_CACHE) {
    try {
      nodeModule.enableCompileCache();
    } catch (_) {}
  }
  return import("../dist/cli.js").then(function (cli) {
    return cli.main();
  });
}

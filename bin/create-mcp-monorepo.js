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
  // Node 22.1+ can cache compiled code between runs (create-vite's bin does the same).
  var nodeModule = process.getBuiltinModule && process.getBuiltinModule("node:module");
  if (nodeModule && nodeModule.enableCompileCache && !process.env.NODE_DISABLE_COMPILE_CACHE) {
    try {
      nodeModule.enableCompileCache();
    } catch (_) {}
  }
  import("../dist/cli.js").then(function (cli) {
    return cli.main();
  });
}

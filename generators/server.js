// Generator "server": one server-<name>/ folder, used by both `create` and `add-server`
// (one source of truth). Data: see ServerData in src/scaffold/render.ts. The vendored
// src/shared/ copy and requirements.txt come from the canonical shared/ (src/scaffold/server-files.ts).

/** @param {import("node-plop").NodePlopAPI} plop */
export default function (plop) {
  const t = (file) => `../templates/server/${file}.hbs`;
  const dir = "{{server.folder}}";
  plop.setGenerator("server", {
    description: "one FastMCP server folder: factory + module-level mcp, tests, fastmcp.json",
    prompts: [],
    actions: [
      { type: "render", path: `${dir}/src/server.py`, templateFile: t("src/server.py") },
      { type: "render", path: `${dir}/src/asgi.py`, templateFile: t("src/asgi.py") },
      { type: "render", path: `${dir}/fastmcp.json`, templateFile: t("fastmcp.json") },
      { type: "render", path: `${dir}/.env.example`, templateFile: t("env.example") },
      { type: "render", path: `${dir}/pytest.ini`, templateFile: t("pytest.ini") },
      { type: "render", path: `${dir}/tests/test_import.py`, templateFile: t("tests/test_import.py") },
      { type: "render", path: `${dir}/tests/test_tools.py`, templateFile: t("tests/test_tools.py") },
      { type: "render", path: `${dir}/tests/test_http.py`, templateFile: t("tests/test_http.py") },
    ],
  });
}

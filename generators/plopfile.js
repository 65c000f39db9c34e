// node-plop entry: registers the generators. The `render` action type is
// provided by src/scaffold/render.ts, which collects rendered files into a plan
// instead of writing them (plan first, then apply).
import monorepo from "./monorepo.js";
import server from "./server.js";
import targets from "./targets.js";

/** @param {import("node-plop").NodePlopAPI} plop */
export default function (plop) {
  monorepo(plop);
  server(plop);
  targets(plop);
}

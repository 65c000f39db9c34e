// Generators "target-docker", "target-k8s" and "target-mcpb": the per-server files of each
// deployment target, for one server folder. Data: see TargetTemplateData in src/scaffold/targets.ts
// (the target registry there lists the same paths, and render checks they agree).

/** @param {import("node-plop").NodePlopAPI} plop */
export default function (plop) {
  const t = (file) => `../templates/targets/${file}.hbs`;
  const dir = "{{server.folder}}";
  plop.setGenerator("target-docker", {
    description: "Dockerfile and .dockerignore of one server (python:<version>-slim image)",
    prompts: [],
    actions: [
      { type: "render", path: `${dir}/Dockerfile`, templateFile: t("docker/Dockerfile") },
      { type: "render", path: `${dir}/.dockerignore`, templateFile: t("docker/dockerignore") },
    ],
  });
  plop.setGenerator("target-k8s", {
    description: "k8s.yaml of one server: Deployment, Service, ConfigMap",
    prompts: [],
    actions: [{ type: "render", path: `${dir}/k8s.yaml`, templateFile: t("k8s/k8s.yaml") }],
  });
  plop.setGenerator("target-mcpb", {
    description: ".mcpbignore of one server (what its MCPB bundle leaves out)",
    prompts: [],
    actions: [{ type: "render", path: `${dir}/.mcpbignore`, templateFile: t("mcpb/mcpbignore") }],
  });
}

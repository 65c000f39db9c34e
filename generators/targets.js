// Generators "target-docker", "target-k8s" and "target-mcpb": the per-server files of each
// deployment target, for one server folder. Data: see TargetTemplateData in src/scaffold/targets.ts
// (the target registry there lists the same paths, and render checks they agree).
// Generators "target-docker-root" and "target-k8s-root": the files at the monorepo root that
// list every server (compose.yaml, kustomization.yaml). Data: RootTargetTemplateData.

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
    actions: [
      { type: "render", path: `${dir}/k8s.yaml`, templateFile: t("k8s/k8s.yaml") },
      { type: "render", path: `${dir}/hpa.yaml`, templateFile: t("k8s/hpa.yaml") },
    ],
  });
  plop.setGenerator("target-docker-root", {
    description: "compose.yaml at the monorepo root: one service per server",
    prompts: [],
    actions: [{ type: "render", path: "compose.yaml", templateFile: t("docker/compose.yaml") }],
  });
  plop.setGenerator("target-k8s-root", {
    description: "kustomization.yaml at the monorepo root: every server's objects in one apply",
    prompts: [],
    actions: [{ type: "render", path: "kustomization.yaml", templateFile: t("k8s/kustomization.yaml") }],
  });
  plop.setGenerator("target-mcpb", {
    description: ".mcpbignore of one server (what its MCPB bundle leaves out)",
    prompts: [],
    actions: [{ type: "render", path: `${dir}/.mcpbignore`, templateFile: t("mcpb/mcpbignore") }],
  });
}

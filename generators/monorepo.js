// Generator "monorepo": the root files of a new monorepo and the canonical shared/ package.
// Paths are Handlebars templates too; data: see MonorepoData in src/scaffold/render.ts.

/** @param {import("node-plop").NodePlopAPI} plop */
export default function (plop) {
  const t = (file) => `../templates/monorepo/${file}.hbs`;
  plop.setGenerator("monorepo", {
    description: "root files and canonical shared/ of a FastMCP monorepo",
    prompts: [],
    actions: [
      { type: "render", path: "README.md", templateFile: t("README.md") },
      { type: "render", path: ".gitignore", templateFile: t("_gitignore") },
      { type: "render", path: ".gitattributes", templateFile: t("_gitattributes") },
      { type: "render", path: ".env.example", templateFile: t("env.example") },
      { type: "render", path: ".pre-commit-config.yaml", templateFile: t("pre-commit-config.yaml") },
      { type: "render", path: ".github/workflows/ci.yml", templateFile: t("_github/workflows/ci.yml") },
      { type: "render", path: "shared/__init__.py", templateFile: t("shared/__init__.py") },
      { type: "render", path: "shared/config.py", templateFile: t("shared/config.py") },
      { type: "render", path: "shared/http_client.py", templateFile: t("shared/http_client.py") },
      { type: "render", path: "shared/pagination.py", templateFile: t("shared/pagination.py") },
      { type: "render", path: "shared/requirements.txt", templateFile: t("shared/requirements.txt") },
      { type: "render", path: "shared/.env.example", templateFile: t("shared/env.example") },
    ],
  });
}

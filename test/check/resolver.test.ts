import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseViaAnnotations } from "../../src/check/metadata.js";
import { PYTHON } from "../helpers/python.js";
import { cli, FIXTURES, type CheckJson } from "./helpers.js";

// What resolves a server's requirements for rule `undeclared-dependency`: uv when there is one
// (`uv pip compile`, a pylock.toml for versions and wheels plus `# via` annotations for who requires
// whom), pip's dry-run report otherwise. Both must give the same findings.

describe("uv's `# via` annotations", () => {
  it("give who requires each package and which ones the file names (extras and case folded to the distribution)", () => {
    const text = [
      "boto3==1.40.0             # via -r requirements.txt",
      "botocore==1.40.0          # via boto3, s3transfer",
      "Jmespath==1.0.1           # via boto3, botocore",
      "sqlalchemy[asyncio]==2.1.0  # via -r requirements.txt, other-pkg[db]",
      "# a comment line",
      "greenlet==3.2.0",
      "    # via sqlalchemy",
    ].join("\n");
    const m = parseViaAnnotations(text);
    expect(m.get("boto3")).toEqual({ requested: true, via: [] });
    expect(m.get("botocore")).toEqual({ requested: false, via: ["boto3", "s3transfer"] });
    expect(m.get("jmespath")).toEqual({ requested: false, via: ["boto3", "botocore"] });
    expect(m.get("sqlalchemy")).toEqual({ requested: true, via: ["other-pkg"] });
    expect(m.has("greenlet")).toBe(false); // only the line style is asked for
  });
});

describe("check resolves with uv, and with pip when asked (MCPM_INSTALLER=pip)", () => {
  const dir = path.join(FIXTURES, "regressions");
  const run = async (installer: "uv" | "pip") => {
    const r = await cli(["check", "--json", "--cwd", dir, "--server", "fp-dist-names", "--server", "fp-transitive"], {
      env: { ...process.env, MCPM_PYTHON: PYTHON, MCPM_INSTALLER: installer === "pip" ? "pip" : undefined, NO_COLOR: undefined },
    });
    return JSON.parse(r.stdout) as CheckJson & { resolver?: string };
  };

  it("the same findings either way; the report names the resolver", async () => {
    const uv = await run("uv");
    const pip = await run("pip");
    expect(uv.metadata).toBe("uv");
    expect(uv.resolver).toMatch(/^uv \d+\.\d+\.\d+$/);
    expect(pip.metadata).toBe("pip");
    expect(pip.resolver).toBe("pip");
    expect(uv.findings).toEqual(pip.findings);
    // fp-transitive's warning needs the requirement edges: jmespath is there only because boto3 depends on it.
    expect(uv.findings.map((f) => `${f.server}:${f.rule}:${f.severity}`)).toEqual(["fp-transitive:undeclared-dependency:warning"]);
    expect(uv.findings[0]!.message).toContain("installed only because boto3 depends on it");
  }, 600_000);

  it("human output says which resolved the requirements", async () => {
    const r = await cli(["check", "--cwd", dir, "--server", "fp-dist-names"], { env: { ...process.env, MCPM_PYTHON: PYTHON, NO_COLOR: "1" } });
    expect(r.stdout).toMatch(/requirements resolved with uv \d+\.\d+\.\d+\)/);
  }, 600_000);
});

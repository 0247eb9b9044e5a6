/**
 * The package works from outside: `npm pack` (which builds dist/), install the tarball into a throwaway
 * program with its own node_modules, type-check a TypeScript consumer against the shipped declarations,
 * and run an offline plan there with the shipped testing entry point.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const CONSUMER = `
import { EntraPostgres, InputError } from "pulumi-entra-postgres";
import { installMockCloud, renderPlan, settle, valueOf } from "pulumi-entra-postgres/testing";

const cloud = installMockCloud({});
const pg = new EntraPostgres("shop", {
  server: {
    resourceGroupName: "rg-shop",
    location: "westeurope",
    serverName: "pg-shop-test",
    administrators: [{ name: "shop-dba", type: "Group", objectId: "0b0e6f39-5b1c-4d6e-9a51-7d2c1f3a9e01" }],
  },
  deployer: { name: "shop-deployer", type: "ServicePrincipal" },
  deployerIpAddress: "203.0.113.9",
  databases: [{ name: "shop" }],
  access: [{ principal: { name: "Shop Readers", type: "Group", objectId: "9e5b6a7f-8c9d-4e0f-9a1b-3c4d5e6f7081" }, grants: [{ database: "shop", preset: "read" }] }],
});
const bad: unknown = InputError;
void settle().then(async () => {
  process.stdout.write(renderPlan(cloud.resources, "consumer plan") + "\\n");
  process.stdout.write((await valueOf(pg.loginGuideMarkdown)) + "\\n");
  process.stdout.write(typeof bad + "\\n");
  process.exit(0);
});
`;

describe("the published package", () => {
  let dir: string;
  let output: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-pg-consumer-"));
    const run = (cmd: string, args: string[], cwd: string) =>
      execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const tarball = run("npm", ["pack", "--silent", "--pack-destination", dir], ROOT).trim().split("\n").pop()!;
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, version: "1.0.0" }));
    run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", path.join(dir, tarball)], dir);
    fs.writeFileSync(path.join(dir, "index.ts"), CONSUMER);
    run(
      process.execPath,
      [
        path.join(ROOT, "node_modules/typescript/bin/tsc"),
        "--strict",
        "--esModuleInterop",
        "--skipLibCheck",
        "--module",
        "commonjs",
        "--target",
        "es2022",
        "index.ts",
      ],
      dir,
    );
    output = run(process.execPath, ["index.js"], dir);
  }, 300_000);

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("ships compiled code, declarations, docs and licence, and no tests or sources of the stack", () => {
    const pkg = path.join(dir, "node_modules/pulumi-entra-postgres");
    for (const f of [
      "dist/components/index.js",
      "dist/components/index.d.ts",
      "dist/scripts/offline/testing.js",
      "docs/API.md",
      "CHANGELOG.md",
      "LICENSE",
      "README.md",
    ]) {
      expect(fs.existsSync(path.join(pkg, f))).toBe(true);
    }
    for (const f of ["tests", "index.ts", "Pulumi.dev.yaml", "components"]) expect(fs.existsSync(path.join(pkg, f))).toBe(false);
  });

  it("type-checks a TypeScript consumer and runs its offline plan", () => {
    expect(output).toContain("azure-native:dbforpostgresql:Server");
    expect(output).toContain("serverName = pg-shop-test");
    expect(output).toContain("postgresql:index/securityLabel:SecurityLabel");
    expect(output).toContain("## Shop Readers (Group)");
    expect(output.trim().endsWith("function")).toBe(true);
  });
});

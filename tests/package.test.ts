/**
 * The package works from outside: `npm pack` (which builds dist/), install the tarball into a throwaway
 * program that already depends on another supported release of the Pulumi SDK than the one this
 * repository pins, type-check a TypeScript consumer against the shipped declarations, and run an
 * offline plan there with the shipped testing entry point. The Pulumi packages are peer dependencies,
 * so the program, the package and the providers must all load the program's one copy of the SDK: two
 * copies would each keep their own mocks and stack, and the plan would record nothing.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
/** Not the version package.json pins for development: the consumer brings its own. */
const CONSUMER_SDK = "3.230.0";
const devPins = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).devDependencies as Record<string, string>;
const CONSUMER = `
import * as path from "path";
import { EntraPostgres, InputError } from "pulumi-entra-postgres";
import { installMockCloud, renderPlan, settle, valueOf } from "pulumi-entra-postgres/testing";

// Where each side finds the SDK, and which copies of it are loaded once the plan has run.
const sdkFrom = (pkg: string) =>
  require.resolve("@pulumi/pulumi/package.json", { paths: [path.dirname(require.resolve(pkg + "/package.json"))] });
const sdkCopies = () =>
  Object.keys(require.cache).filter((f) => f.endsWith(path.join("node_modules", "@pulumi", "pulumi", "index.js")));

async function main(): Promise<void> {
const cloud = installMockCloud({});
await cloud.ready;
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
await settle();
process.stdout.write(renderPlan(cloud.resources, "consumer plan") + "\\n");
process.stdout.write((await valueOf(pg.loginGuideMarkdown)) + "\\n");
const sdk = {
  consumer: require.resolve("@pulumi/pulumi/package.json"),
  package: sdkFrom("pulumi-entra-postgres"),
  azureNative: sdkFrom("@pulumi/azure-native"),
  postgresql: sdkFrom("@pulumi/postgresql"),
  azuread: sdkFrom("@pulumi/azuread"),
  loadedVersion: require("@pulumi/pulumi/package.json").version,
  copies: sdkCopies(),
};
process.stdout.write("SDK " + JSON.stringify(sdk) + "\\n");
process.stdout.write(typeof bad + "\\n");
process.exit(0);
}
void main();
`;

describe("the published package", () => {
  let dir: string;
  let output: string;
  let tree: NpmTree;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-pg-consumer-"));
    const run = (cmd: string, args: string[], cwd: string) =>
      execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const tarball = run("npm", ["pack", "--silent", "--pack-destination", dir], ROOT).trim().split("\n").pop()!;
    fs.writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({
        name: "consumer",
        private: true,
        version: "1.0.0",
        dependencies: { "@pulumi/pulumi": CONSUMER_SDK, "@types/node": devPins["@types/node"] },
      }),
    );
    // npm installs the package's other peers (the providers) beside it, and keeps the program's SDK.
    run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", path.join(dir, tarball)], dir);
    tree = JSON.parse(run("npm", ["ls", "@pulumi/pulumi", "--all", "--json"], dir));
    fs.writeFileSync(path.join(dir, "index.ts"), CONSUMER);
    run(
      process.execPath,
      [
        path.join(ROOT, "node_modules/typescript/bin/tsc"),
        "--strict",
        "--esModuleInterop",
        "--skipLibCheck",
        "--types",
        "node",
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

  it("installs one copy of the SDK, the program's, and the package and the providers load it", () => {
    expect(sdkVersions(tree)).toEqual([CONSUMER_SDK]);
    const sdk = JSON.parse(
      output
        .split("\n")
        .find((l) => l.startsWith("SDK "))!
        .slice(4),
    ) as Record<string, unknown>;
    const own = path.join(fs.realpathSync(dir), "node_modules/@pulumi/pulumi/package.json");
    for (const side of ["consumer", "package", "azureNative", "postgresql", "azuread"]) expect([side, sdk[side]]).toEqual([side, own]);
    expect(sdk.loadedVersion).toBe(CONSUMER_SDK);
    expect(sdk.copies).toEqual([path.dirname(own) + "/index.js"]);
  });

  it("ships a testing entry point that reaches into no private module of the SDK", () => {
    const offline = path.join(dir, "node_modules/pulumi-entra-postgres/dist/scripts/offline");
    const deep = fs
      .readdirSync(offline)
      .filter((f) => f.endsWith(".js"))
      .flatMap((f) =>
        [...fs.readFileSync(path.join(offline, f), "utf8").matchAll(/require\("(@pulumi\/pulumi\/[^"]+)"\)/g)].map((m) => `${f}: ${m[1]}`),
      );
    expect(deep).toEqual([]);
  });
});

describe("the package's Pulumi dependencies", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  const PULUMI = ["@pulumi/azure-native", "@pulumi/azuread", "@pulumi/postgresql", "@pulumi/pulumi"];

  it("are peers, so a program's own copies are used, with exact pins for this repository's tests", () => {
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual(PULUMI);
    expect(Object.keys(pkg.dependencies ?? {}).filter((d) => PULUMI.includes(d))).toEqual([]);
    for (const name of PULUMI) expect(pkg.devDependencies[name]).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it.each(PULUMI)("%s: the pinned version and the consumer's SDK are inside the supported range", (name) => {
    expect(inCaretRange(pkg.devDependencies[name], pkg.peerDependencies[name])).toBe(true);
    if (name === "@pulumi/pulumi") expect(inCaretRange(CONSUMER_SDK, pkg.peerDependencies[name])).toBe(true);
  });

  it("the range check can say no", () => {
    expect(inCaretRange("3.229.9", "^3.230.0")).toBe(false);
    expect(inCaretRange("4.0.0", "^3.230.0")).toBe(false);
    expect(inCaretRange("3.230.1", "^3.230.0")).toBe(true);
  });
});

interface NpmTree {
  version?: string;
  dependencies?: Record<string, NpmTree>;
}

/** Every version of @pulumi/pulumi anywhere in `npm ls --all --json`, deduplicated. */
function sdkVersions(tree: NpmTree): string[] {
  const found = new Set<string>();
  const walk = (node: NpmTree) => {
    for (const [name, child] of Object.entries(node.dependencies ?? {})) {
      if (name === "@pulumi/pulumi" && child.version) found.add(child.version);
      walk(child);
    }
  };
  walk(tree);
  return [...found];
}

/** `version` within `^x.y.z` (x > 0), the only form of range package.json uses for the Pulumi packages. */
function inCaretRange(version: string, range: string): boolean {
  const m = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
  if (!m) throw new Error(`not a caret range: ${range}`);
  const [lo, v] = [m.slice(1).map(Number), version.split(".").map(Number)];
  if (v[0] !== lo[0]) return false;
  return v[1] !== lo[1] ? v[1] > lo[1] : v[2] >= lo[2];
}

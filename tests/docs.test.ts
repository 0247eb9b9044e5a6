/** The docs are checked against the code, so they cannot drift. */
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";

const ROOT = path.resolve(__dirname, "..");

describe("docs/API.md", () => {
  it("is what `npm run docs` generates from the current doc comments", () => {
    const run = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), [path.join(ROOT, "scripts/apidocs.ts"), "--check"], {
      encoding: "utf8",
    });
    expect(run.stdout.trim()).toBe("docs/API.md is up to date");
    expect(run.status).toBe(0);
  }, 60_000);
});

describe("the README's config reference", () => {
  const program = fs.readFileSync(path.join(ROOT, "index.ts"), "utf8");
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const section = readme.split("## Config reference")[1].split("\n## ")[0];
  const documented = [...section.matchAll(/^\| `([A-Za-z]+)`\s*\|/gm)].map((m) => m[1]).sort();
  const read = [...program.matchAll(/config\.(?:get|require)\w*(?:<[^(]*>)?\("([A-Za-z]+)"\)/g)].map((m) => m[1]).sort();

  it("documents every key index.ts reads, and only those", () => {
    expect(read.length).toBeGreaterThan(5);
    expect(documented).toEqual([...new Set(read)].sort());
  });

  it("documents every key Pulumi.dev.yaml sets", () => {
    const dev = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
    const keys = [...dev.matchAll(/^ {2}entra-postgres:([A-Za-z]+):/gm)].map((m) => m[1]);
    for (const k of keys) expect(documented).toContain(k);
  });
});

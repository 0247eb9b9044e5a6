/**
 * A clone of this repository has nothing beside it: a test or script that reads a path outside the
 * repository (such as the sibling "shared" folder where the specs once were) passes here and fails for
 * every user and in the offline workflow. Every path built from __dirname, and every literal naming that
 * sibling folder, must stay inside.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const files = execFileSync("git", ["ls-files", "*.ts", "*.js", "*.mjs", "*.sh", ".ci/run"], { cwd: ROOT, encoding: "utf8" })
  .split("\n")
  .filter((f) => f);

/** The sibling folder a clone does not have, spelled so this file does not name it literally. */
const SIBLING = ["..", "shared"].join("/");
const NAMES_SIBLING = new RegExp(`${SIBLING.replace(/\./g, "\\.")}\\b`);

/** path.resolve/join(__dirname, "a", "b") with literal arguments, as written in a file. */
const BUILT = /path\.(?:resolve|join)\(\s*__dirname\s*((?:,\s*["'][^"']*["']\s*)+)\)/g;

function escapes(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(BUILT)) {
    const parts = [...m[1].matchAll(/["']([^"']*)["']/g)].map((x) => x[1]);
    const target = path.resolve(ROOT, path.dirname(file), ...parts);
    if (path.relative(ROOT, target).startsWith("..")) out.push(`${file}: ${m[0]}`);
  }
  for (const line of text.split("\n")) if (NAMES_SIBLING.test(line)) out.push(`${file}: ${line.trim()}`);
  return out;
}

describe("the repository stands on its own", () => {
  test("finds the files it checks", () => {
    expect(files).toEqual(expect.arrayContaining(["tests/support/armContract.ts", "scripts/install-pg.sh", ".ci/run"]));
  });

  test("no test, script or component reads outside the repository", () => {
    expect(files.flatMap(escapes)).toEqual([]);
  });

  test("the check would catch the old spec location", () => {
    const tmp = path.join(ROOT, "tests", "tmp-escape-probe.ts");
    fs.writeFileSync(tmp, `const SPECS = path.resolve(__dirname, "../${SIBLING}/specs");\n`);
    try {
      expect(escapes("tests/tmp-escape-probe.ts")).toHaveLength(2);
    } finally {
      fs.unlinkSync(tmp);
    }
  });
});

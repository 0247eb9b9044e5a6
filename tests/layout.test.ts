/**
 * The layout of components/ shows the architecture: arrows point one way (component → plan → validation →
 * args and shared facts), so no pure module imports a component file and no two modules import each other.
 */
import * as fs from "fs";
import * as path from "path";

const COMPONENTS = path.resolve(__dirname, "..", "components");

function modules(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? modules(full) : e.name.endsWith(".ts") ? [full] : [];
  });
}

/** Local modules a file imports (type-only imports included: they still say which way an arrow points). */
function imports(file: string): string[] {
  const source = fs.readFileSync(file, "utf8");
  return [...source.matchAll(/^(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/gms)].map((m) => {
    const target = path.resolve(path.dirname(file), m[1]);
    return fs.existsSync(`${target}.ts`) ? `${target}.ts` : path.join(target, "index.ts");
  });
}

const rel = (f: string) => path.relative(COMPONENTS, f);
const all = modules(COMPONENTS);
const graph = new Map(all.map((f) => [f, imports(f)]));
const isComponentFile = (f: string) => /^Entra[A-Za-z]+\.ts$/.test(path.basename(f));

describe("components/", () => {
  it("has one folder per component, each with its args, validation and component file", () => {
    const missing = [
      ["server", "EntraPostgresServer.ts"],
      ["access", "EntraDatabaseAccess.ts"],
      ["postgres", "EntraPostgres.ts"],
    ].flatMap(([folder, component]) =>
      ["args.ts", "validate.ts", component].map((f) => `${folder}/${f}`).filter((f) => !fs.existsSync(path.join(COMPONENTS, f))),
    );
    expect(missing).toEqual([]);
    expect(all.filter(isComponentFile).map(rel).sort()).toEqual([
      "access/EntraDatabaseAccess.ts",
      "postgres/EntraPostgres.ts",
      "server/EntraPostgresServer.ts",
    ]);
  });

  it("no module but a component file or the package entry imports a component file", () => {
    const offenders = all
      .filter((f) => !isComponentFile(f) && rel(f) !== "index.ts")
      .flatMap((f) =>
        graph
          .get(f)!
          .filter(isComponentFile)
          .map((t) => `${rel(f)} -> ${rel(t)}`),
      );
    expect(offenders).toEqual([]);
  });

  it("has no import cycle", () => {
    const cycles: string[] = [];
    const visit = (f: string, stack: string[]): void => {
      if (stack.includes(f)) {
        cycles.push([...stack.slice(stack.indexOf(f)), f].map(rel).join(" -> "));
        return;
      }
      for (const t of graph.get(f) ?? []) visit(t, [...stack, f]);
    };
    for (const f of all) visit(f, []);
    expect([...new Set(cycles)]).toEqual([]);
  });

  it("the import scan sees imports (a check on the check)", () => {
    expect(graph.get(path.join(COMPONENTS, "postgres/EntraPostgres.ts"))!.map(rel)).toEqual(
      expect.arrayContaining(["access/EntraDatabaseAccess.ts", "server/EntraPostgresServer.ts", "postgres/validate.ts"]),
    );
  });
});

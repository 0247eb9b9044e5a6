/**
 * The package schema that `pulumi package add` gives other languages, inferred by @pulumi/pulumi's own
 * analyzer from the components' `args` types and doc comments (no hand-written schema).
 * `npm run schema` prints it; `--write` stores it in docs/schema.json; `--check` fails when that is stale.
 */
import * as fs from "fs";
import * as path from "path";
import { Analyzer } from "@pulumi/pulumi/provider/experimental/analyzer";
import { generateSchema } from "@pulumi/pulumi/provider/experimental/schema";

const ROOT = path.resolve(__dirname, "..");
export const SCHEMA_FILE = path.join(ROOT, "docs/schema.json");
export const COMPONENTS = ["EntraPostgres", "EntraPostgresServer", "EntraDatabaseAccess"];

/** The provider name the plugin host derives from package.json's name (scope dropped, as run-plugin does). */
export function providerName(packageName: string): string {
  return packageName.replace(/^@[^/]+\//, "").replace(/[^-a-zA-Z0-9_]/g, "-");
}

export function inferSchema(): ReturnType<typeof generateSchema> {
  const packageJSON = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  const name = providerName(packageJSON.name);
  const analyzer = new Analyzer(ROOT, name, packageJSON, new Set(COMPONENTS));
  const { components, typeDefinitions, dependencies } = analyzer.analyze();
  return generateSchema(name, packageJSON.version, packageJSON.description, components, typeDefinitions, dependencies);
}

if (require.main === module) {
  const text = `${JSON.stringify(inferSchema(), null, 2)}\n`;
  const mode = process.argv[2];
  if (mode === "--write") {
    fs.writeFileSync(SCHEMA_FILE, text);
    console.log(`wrote ${path.relative(ROOT, SCHEMA_FILE)}`);
  } else if (mode === "--check") {
    const current = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, "utf8") : "";
    if (current !== text) {
      console.log(`${path.relative(ROOT, SCHEMA_FILE)} is stale: run npm run schema -- --write`);
      process.exit(1);
    }
    console.log(`${path.relative(ROOT, SCHEMA_FILE)} is up to date`);
  } else process.stdout.write(text);
}

/**
 * examples/yaml and examples/python use the package the way `pulumi package add` gives it to those
 * languages. They cannot run here (no Pulumi CLI), so each is parsed and every property it passes is
 * checked against the inferred schema (docs/schema.json, kept current by tests/schema.test.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PackageSchema, Value, checkResource, pythonCallKeywords, snakeToCamel, yamlValue } from "./support/schemaCheck";

const ROOT = path.resolve(__dirname, "..");
const schema = JSON.parse(fs.readFileSync(path.join(ROOT, "docs/schema.json"), "utf8")) as PackageSchema;
const token = (component: string) => `${schema.name}:index:${component}`;

function yamlComponents(file: string): [string, Value][] {
  const program = parse(fs.readFileSync(file, "utf8")) as { resources: Record<string, { type: string; properties: unknown }> };
  const names = new Set(Object.keys(program.resources));
  return Object.entries(program.resources)
    .filter(([, r]) => r.type.startsWith(`${schema.name}:`))
    .map(([, r]) => [r.type, yamlValue(r.properties, names)]);
}

describe("examples/yaml", () => {
  const components = yamlComponents(path.join(ROOT, "examples/yaml/Pulumi.yaml"));

  it("uses the package's EntraPostgres", () => {
    expect(components.map(([t]) => t)).toEqual([token("EntraPostgres")]);
  });

  it("passes only properties the schema has, of the right type, the required ones included", () => {
    for (const [type, properties] of components) expect(checkResource(schema, type, properties)).toEqual([]);
  });
});

describe("examples/python", () => {
  const source = fs.readFileSync(path.join(ROOT, "examples/python/__main__.py"), "utf8");
  const keywords = pythonCallKeywords(source, "entra_postgres.EntraPostgres");

  it("passes the deployer, databases, a server and access", () => {
    expect(Object.keys(keywords).sort()).toEqual(["access", "databases", "deployer", "server"]);
  });

  it("passes only properties the schema has (snake_case as the Python SDK spells them), of the right type", () => {
    expect(checkResource(schema, token("EntraPostgres"), keywords, snakeToCamel)).toEqual([]);
  });
});

/** The checker itself: each mistake below must be caught, or the two tests above would prove nothing. */
describe("the schema check", () => {
  const good = (): { [key: string]: Value } => ({
    server: { resourceGroupName: "rg", network: { mode: "public" }, administrators: [{ name: "dba", type: "Group" }] },
    deployer: { name: "ci", type: "ServicePrincipal" },
    databases: [{ name: "orders" }],
    access: [
      {
        principal: { name: "api", type: "ManagedIdentity", objectId: { expr: "${app.principalId}", output: true } },
        grants: [{ database: "orders", preset: "read" }],
      },
    ],
  });
  type Props = { [key: string]: Value } & { server: { [k: string]: Value }; deployer: { [k: string]: Value } };

  it("accepts a correct use", () => {
    expect(checkResource(schema, token("EntraPostgres"), good())).toEqual([]);
  });

  it.each<[string, (p: Props) => void, RegExp]>([
    ["a misspelt property", (p) => (p.server.resourceGroup = "rg"), /server\.resourceGroup: no such property/],
    ["a value outside an enum", (p) => (p.deployer.type = "Robot"), /deployer\.type: "Robot" is not one of/],
    ["a missing required property", (p) => delete p.deployer.type, /deployer\.type: required, missing/],
    ["a missing required input", (p) => delete p.databases, /databases: required, missing/],
    ["a string where a list goes", (p) => (p.databases = "orders"), /databases: a list/],
    ["a number where a string goes", (p) => (p.server.serverName = 42), /server\.serverName: a string/],
    [
      "an output into a plain property",
      (p) => (p.deployer.name = { expr: "${id.name}", output: true }),
      /deployer\.name: plain, so it cannot take an output/,
    ],
  ])("catches %s", (_what, change, error) => {
    const p = good() as Props;
    change(p);
    expect(checkResource(schema, token("EntraPostgres"), p).join("\n")).toMatch(error);
  });

  it("reads Python keyword arguments, literals and expressions", () => {
    const kw = pythonCallKeywords(
      'x = m.C(\n  "n",  # the name\n  a={"k_k": [1, True, None]},\n  b=res.out_put,\n  c=config.require("c"),\n)',
      "m.C",
    );
    expect(kw).toEqual({
      a: { k_k: [1, true, null] },
      b: { expr: "res.out_put", output: true },
      c: { expr: 'config.require("c")', output: false },
    });
    expect(snakeToCamel("private_dns_zone_id")).toBe("privateDnsZoneId");
  });
});

/**
 * The package schema other languages get from `pulumi package add`: inferred by @pulumi/pulumi's own
 * analyzer (scripts/schema.ts, `npm run schema`), checked here against what users of each component
 * expect. The expectations are written out by hand: a field added, renamed or made plain fails a test.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const PKG = "pulumi-entra-postgres";

interface Property {
  type?: string;
  $ref?: string;
  plain?: boolean;
  description?: string;
  items?: Property;
  additionalProperties?: Property;
}
interface Resource {
  isComponent?: boolean;
  description?: string;
  inputProperties: Record<string, Property>;
  requiredInputs?: string[];
  properties: Record<string, Property>;
}
interface Schema {
  name: string;
  resources: Record<string, Resource>;
  types: Record<string, { type: string; properties?: Record<string, Property>; enum?: { value: string | number }[] }>;
}

let printed: string;
let status: number | null;
let stderr: string;
beforeAll(() => {
  const run = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), [path.join(ROOT, "scripts/schema.ts")], { encoding: "utf8" });
  printed = run.stdout;
  status = run.status;
  stderr = run.stderr;
}, 120_000);
const schema = (): Schema => JSON.parse(printed) as Schema;
const resource = (name: string) => schema().resources[`${PKG}:index:${name}`];
const type = (name: string) => schema().types[`${PKG}:index:${name}`];

describe("npm run schema", () => {
  it("prints the inferred schema as JSON, with no error", () => {
    expect(stderr).toBe("");
    expect(status).toBe(0);
    expect(schema().name).toBe(PKG);
  });

  it("is what docs/schema.json holds", () => {
    expect(fs.readFileSync(path.join(ROOT, "docs/schema.json"), "utf8")).toBe(printed);
  });
});

const COMPONENTS: Record<string, { inputs: string[]; required: string[]; outputs: string[] }> = {
  EntraPostgres: {
    inputs: [
      "access",
      "databases",
      "deployer",
      "deployerIpAddress",
      "existingServer",
      "revokePublicConnect",
      "revokePublicCreate",
      "roleCreator",
      "server",
    ],
    required: ["databases", "deployer"],
    outputs: ["databases", "fqdn", "loginGuide", "loginGuideMarkdown", "port", "roleNames", "serverId", "tenantId"],
  },
  EntraPostgresServer: {
    inputs: [
      "administrators",
      "allowReplacement",
      "availabilityZone",
      "backup",
      "customerManagedKey",
      "deployerAdministrator",
      "diagnosticSettings",
      "extensions",
      "groupSync",
      "highAvailability",
      "location",
      "lock",
      "maintenanceWindow",
      "managedIdentities",
      "network",
      "passwordAuth",
      "pgBouncer",
      "protect",
      "readReplicas",
      "requireSecureTransport",
      "resourceGroupName",
      "roleAssignments",
      "serverName",
      "serverParameters",
      "sku",
      "storage",
      "tags",
      "tenantId",
      "version",
    ],
    required: ["resourceGroupName"],
    outputs: [
      "administrators",
      "fqdn",
      "groupSync",
      "pgBouncer",
      "readReplicas",
      "ready",
      "resourceGroupName",
      "server",
      "serverId",
      "serverName",
      "tenantId",
    ],
  },
  EntraDatabaseAccess: {
    inputs: [
      "access",
      "administrators",
      "databases",
      "deployer",
      "managerRole",
      "provider",
      "revokePublicConnect",
      "revokePublicCreate",
      "roleCreator",
    ],
    required: ["databases", "deployer", "provider"],
    outputs: ["databases", "managerRole", "roleNames"],
  },
};

describe.each(Object.entries(COMPONENTS))("component %s", (name, expected) => {
  it("is a component with its doc comment as description", () => {
    expect(resource(name).isComponent).toBe(true);
    expect(resource(name).description).toMatch(/\w{4,}.*\w{4,}/);
  });

  it("has every input, the required ones required, each described", () => {
    const inputs = resource(name).inputProperties;
    expect(Object.keys(inputs).sort()).toEqual(expected.inputs);
    expect([...(resource(name).requiredInputs ?? [])].sort()).toEqual(expected.required);
    for (const [field, p] of Object.entries(inputs)) expect([field, (p.description?.length ?? 0) > 10]).toEqual([field, true]);
  });

  it("has every output, none plain (all are Outputs)", () => {
    const outputs = resource(name).properties;
    expect(Object.keys(outputs).sort()).toEqual(expected.outputs);
    for (const [field, p] of Object.entries(outputs)) expect([field, p.plain ?? false]).toEqual([field, false]);
  });
});

describe("the enums users expect", () => {
  it.each([
    ["PrincipalType", ["User", "Group", "ServicePrincipal", "ManagedIdentity"]],
    ["Preset", ["read", "readWrite", "owner"]],
    ["PostgresVersion", ["11", "12", "13", "14", "15", "16", "17", "18"]],
    ["SkuTier", ["Burstable", "GeneralPurpose", "MemoryOptimized"]],
    ["HighAvailabilityMode", ["Disabled", "ZoneRedundant", "SameZone"]],
    ["NetworkMode", ["public", "vnet", "privateEndpoint"]],
  ])("%s: %j", (name, values) => {
    expect(type(name).type).toBe("string");
    expect(type(name).enum!.map((e) => e.value)).toEqual(values);
  });

  it.each([
    ["PrincipalArgs", "type", "PrincipalType"],
    ["GrantArgs", "preset", "Preset"],
    ["ServerArgs", "version", "PostgresVersion"],
    ["SkuArgs", "tier", "SkuTier"],
    ["ServerArgs", "highAvailability", "HighAvailabilityMode"],
    ["NetworkArgs", "mode", "NetworkMode"],
  ])("%s.%s is the %s enum", (owner, field, enumName) => {
    expect(type(owner).properties![field].$ref).toBe(`#/types/${PKG}:index:${enumName}`);
  });
});

describe("one principal shape", () => {
  it("every place that names a principal uses PrincipalArgs", () => {
    const ref = `#/types/${PKG}:index:PrincipalArgs`;
    expect(resource("EntraPostgres").inputProperties.deployer.$ref).toBe(ref);
    expect(resource("EntraPostgresServer").inputProperties.deployerAdministrator.$ref).toBe(ref);
    expect(resource("EntraPostgresServer").inputProperties.administrators.items!.$ref).toBe(ref);
    expect(type("ServerArgs").properties!.administrators.items!.$ref).toBe(ref);
    expect(type("ExistingServerArgs").properties!.administrators.items!.$ref).toBe(ref);
    expect(type("AccessEntryArgs").properties!.principal.$ref).toBe(ref);
  });

  it("has no other principal type and no administrator flag on access entries", () => {
    const names = Object.keys(schema().types).map((t) => t.split(":").pop());
    for (const gone of ["AdministratorArgs", "DeployerAdministratorArgs", "DeployerArgs", "GuideAdministrator"])
      expect(names).not.toContain(gone);
    expect(Object.keys(type("AccessEntryArgs").properties!).sort()).toEqual(["grants", "principal"]);
  });
});

describe("inputs that take another resource's output", () => {
  it.each([
    ["EntraPostgres", "deployerIpAddress"],
    ["EntraPostgresServer", "resourceGroupName"],
    ["EntraPostgresServer", "location"],
    ["EntraPostgresServer", "tenantId"],
  ])("%s.%s", (component, field) => {
    expect(resource(component).inputProperties[field].plain ?? false).toBe(false);
  });

  it.each([
    ["ServerArgs", "resourceGroupName"],
    ["FirewallRuleArgs", "startIpAddress"],
    ["FirewallRuleArgs", "endIpAddress"],
    ["PrincipalArgs", "objectId"],
    ["PrincipalArgs", "clientId"],
    ["ManagedIdentityRef", "principalId"],
    ["ManagedIdentityRef", "clientId"],
    ["ManagedIdentityRef", "name"],
    ["NetworkArgs", "delegatedSubnetId"],
    ["NetworkArgs", "privateDnsZoneId"],
    ["NetworkArgs", "subnetId"],
    ["ExistingServerArgs", "fqdn"],
    ["PasswordAuthArgs", "administratorPassword"],
    ["DiagnosticSettingArgs", "workspaceResourceId"],
    ["DiagnosticSettingArgs", "storageAccountResourceId"],
    ["DiagnosticSettingArgs", "eventHubAuthorizationRuleResourceId"],
    ["RoleAssignmentArgs", "principalId"],
    ["CustomerManagedKeyArgs", "keyUri"],
    ["CustomerManagedKeyArgs", "userAssignedIdentityResourceId"],
    ["ReadReplicaArgs", "location"],
  ])("%s.%s", (owner, field) => {
    expect(type(owner).properties![field].plain ?? false).toBe(false);
  });

  it("names that key child resources stay plain: a role name or rule name must be known when the program runs", () => {
    expect(type("PrincipalArgs").properties!.name.plain).toBe(true);
    expect(type("FirewallRuleArgs").properties!.name.plain).toBe(true);
    expect(type("DatabaseArgs").properties!.name.plain).toBe(true);
    // Issue 15: a replica's server name and a diagnostic setting's name key their resources.
    expect(type("ReadReplicaArgs").properties!.serverName.plain).toBe(true);
    expect(type("DiagnosticSettingArgs").properties!.name.plain).toBe(true);
  });

  it("issue 15's fixed lists are enums", () => {
    for (const [name, values] of [
      ["StorageType", ["Premium_LRS", "PremiumV2_LRS"]],
      ["DayOfWeek", ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]],
      ["LockKind", ["CanNotDelete", "None"]],
      ["LogCategoryGroup", ["allLogs", "audit"]],
    ] as const)
      expect(type(name).enum!.map((e) => e.value)).toEqual(values);
  });
});

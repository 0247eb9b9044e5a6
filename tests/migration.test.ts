/**
 * Stacks made with 0.1.0 keep every resource under the current API: the same programs, written the new
 * way (CHANGELOG's migrations), register the same URNs with the same inputs and options as 0.1.0 did.
 * The baselines were captured from 0.1.0 itself (tests/data/urn-baseline/README.md), never from this code.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { managedidentity } from "@pulumi/azure-native";
import { EntraPostgres } from "../components";
import { DirectoryEntry, RecordedResource, installMockCloud, settle } from "../scripts/offline/mockCloud";

const ROOT = path.resolve(__dirname, "..");
const SUBSCRIPTION = "/subscriptions/00000000-0000-4000-8000-00000000000a/resourceGroups/rg/providers/Microsoft.Network";
const DIRECTORY: DirectoryEntry[] = [
  { objectId: "0b0e6f39-5b1c-4d6e-9a51-7d2c1f3a9e01", type: "Group", name: "pg-orders-dba" },
  { objectId: "5a1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", type: "User", name: "alice@contoso.com" },
  { objectId: "9e5b6a7f-8c9d-4e0f-9a1b-3c4d5e6f7081", type: "Group", name: "Orders Analysts" },
];

interface Row {
  urn: string;
  inputs: Record<string, unknown>;
  deleteBeforeReplace: boolean;
  ignoreChanges: string[];
}

function baseline(name: string): Row[] {
  return JSON.parse(fs.readFileSync(path.join(ROOT, "tests/data/urn-baseline", `${name}.json`), "utf8")) as Row[];
}

function rows(resources: RecordedResource[]): Row[] {
  return resources
    .map((r) => ({
      urn: r.urn,
      inputs: r.inputs,
      deleteBeforeReplace: r.deleteBeforeReplace ?? false,
      ignoreChanges: r.ignoreChanges ?? [],
    }))
    .sort((a, b) => a.urn.localeCompare(b.urn));
}

async function registered(program: () => void): Promise<Row[]> {
  const cloud = installMockCloud({ directory: DIRECTORY });
  await cloud.ready;
  program();
  await settle();
  return rows(cloud.resources);
}

/** Stack config keys added after 0.1.0 (issue 15): a 0.1.0 stack's config has none of them. */
const ADDED_AFTER_0_1 = ["maintenanceWindow", "lock", "diagnosticSettings", "extensions", "pgBouncer"].map((k) => `entra-postgres:${k}`);

/** index.ts with a stack's config, in a module registry of its own so that each stack runs the program afresh. */
async function stackRows(stack: string, options: { as010?: boolean } = {}): Promise<Row[]> {
  const all = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")).config as Record<string, unknown>;
  const config = options.as010 ? Object.fromEntries(Object.entries(all).filter(([k]) => !ADDED_AFTER_0_1.includes(k))) : all;
  let result: Row[] = [];
  await jest.isolateModulesAsync(async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const offline = require("../scripts/offline/mockCloud") as typeof import("../scripts/offline/mockCloud");
    const cloud = offline.installMockCloud({ config, stack, directory: DIRECTORY });
    await cloud.ready;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(path.join(ROOT, "index.ts"));
    await offline.settle();
    result = rows(cloud.resources);
  });
  return result;
}

// The two programs of capture-0.1.0.ts.txt, as they are written now.
const PROGRAMS: Record<string, () => void> = {
  "vnet-managed-identity": () => {
    const api = new managedidentity.UserAssignedIdentity("api", { resourceGroupName: "rg-orders-dev", resourceName: "id-orders-api" });
    const ops = new managedidentity.UserAssignedIdentity("ops", { resourceGroupName: "rg-orders-dev", resourceName: "id-orders-ops" });
    new EntraPostgres("orders", {
      server: {
        resourceGroupName: "rg-orders-dev",
        serverName: "pg-orders-vnet",
        version: "16",
        sku: { name: "Standard_D4ds_v5", tier: "GeneralPurpose" },
        highAvailability: "ZoneRedundant",
        administrators: [
          { name: "pg-orders-dba", type: "Group" },
          { name: "id-orders-ops", type: "ManagedIdentity", managedIdentity: ops },
        ],
        network: {
          mode: "vnet",
          delegatedSubnetId: `${SUBSCRIPTION}/virtualNetworks/v/subnets/s`,
          privateDnsZoneId: `${SUBSCRIPTION}/privateDnsZones/orders.private.postgres.database.azure.com`,
        },
        serverParameters: { log_min_duration_statement: "500" },
        tags: { env: "test" },
      },
      deployer: { name: "ci-orders-deployer", type: "ServicePrincipal", objectId: "d0d0d0d0-0000-4000-8000-00000000000d" },
      databases: [{ name: "orders", schemas: ["public", "reporting"] }, { name: "billing" }],
      access: [
        {
          principal: { name: "id-orders-api", type: "ManagedIdentity", objectId: api.principalId },
          grants: [
            { database: "orders", preset: "readWrite" },
            { database: "billing", preset: "read", schemas: ["public"] },
          ],
        },
        { principal: { name: "Orders Analysts", type: "Group" }, grants: [{ database: "orders", preset: "read", schemas: ["reporting"] }] },
        {
          principal: { name: "alice@contoso.com", type: "User" },
          grants: [{ database: "billing", privileges: { table: ["SELECT", "INSERT"] } }],
        },
        { principal: { name: "pg-orders-dba", type: "Group" }, grants: [{ database: "orders", preset: "owner" }] },
      ],
    });
  },
  "private-endpoint": () => {
    new EntraPostgres("pe", {
      server: {
        resourceGroupName: "rg-orders-dev",
        serverName: "pg-orders-pe",
        administrators: [{ name: "alice@contoso.com", type: "User", objectId: "5a1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" }],
        network: {
          mode: "privateEndpoint",
          subnetId: `${SUBSCRIPTION}/virtualNetworks/v/subnets/pe`,
          privateDnsZoneId: `${SUBSCRIPTION}/privateDnsZones/privatelink.postgres.database.azure.com`,
        },
      },
      deployer: { name: "ci-orders-deployer", type: "ServicePrincipal" },
      roleCreator: "alice@contoso.com",
      databases: [{ name: "pe" }],
      access: [{ principal: { name: "Orders Analysts", type: "Group" }, grants: [{ database: "pe", preset: "read" }] }],
    });
  },
};

jest.setTimeout(30_000);

const ACCESS_SET_URN = "urn:pulumi:dev::entra-postgres::entra-postgres:index:EntraDatabaseAccess$postgresql:index/";
/**
 * The one intended difference from 0.1.0 (CHANGELOG, "Access sets"): a principal granted on several
 * databases holds one membership, in an access set, instead of one per database. Its old memberships
 * go; the set's role, its memberships and the manager role's ADMIN OPTION on it come. Nothing else.
 */
const ACCESS_SETS: Record<string, { gone: string[]; added: string[] }> = {
  "vnet-managed-identity": {
    gone: [
      "grantRole:GrantRole::orders-member-billing-read-4ca6825d-id-orders-api-2563e627",
      "grantRole:GrantRole::orders-member-orders-readwrite-2902070d-id-orders-api-2563e627",
    ].map((u) => ACCESS_SET_URN + u),
    added: [
      "grantRole:GrantRole::orders-member-billing-read-4ca6825d-billing-read-orders-readwrite-608f16c9",
      "grantRole:GrantRole::orders-member-billing-read-orders-readwrite-608f16c9-billing-manager-a531faa7",
      "grantRole:GrantRole::orders-member-billing-read-orders-readwrite-608f16c9-id-orders-api-2563e627",
      "grantRole:GrantRole::orders-member-orders-readwrite-2902070d-billing-read-orders-readwrite-608f16c9",
      "role:Role::orders-access-set-billing-read-orders-readwrite-608f16c9",
    ].map((u) => ACCESS_SET_URN + u),
  },
};

describe("a stack made with 0.1.0, planned with the current API", () => {
  const cases: [string, () => Promise<Row[]>][] = [
    ["stack-dev", () => stackRows("dev")],
    ["stack-prod", () => stackRows("prod", { as010: true })],
    ...Object.entries(PROGRAMS).map(([name, program]): [string, () => Promise<Row[]>] => [name, () => registered(program)]),
  ];

  it.each(cases)("%s: the same resources, so nothing is replaced or added", async (name, run) => {
    const now = await run();
    const before = baseline(name);
    expect(before.length).toBeGreaterThan(30);
    const change = ACCESS_SETS[name] ?? { gone: [], added: [] };
    const expected = [...before.map((r) => r.urn).filter((u) => !change.gone.includes(u)), ...change.added].sort((a, b) =>
      a.localeCompare(b),
    );
    expect(now.map((r) => r.urn)).toEqual(expected);
  });

  it.each(cases)("%s: the same inputs and options, so nothing is updated either", async (name, run) => {
    const now = new Map((await run()).map((r) => [r.urn, r]));
    const gone = ACCESS_SETS[name]?.gone ?? [];
    for (const old of baseline(name).filter((r) => !gone.includes(r.urn))) expect({ urn: old.urn, ...now.get(old.urn) }).toEqual(old);
  });

  it("stack-prod with issue 15's keys keeps every 0.1.0 resource and its options, and only adds", async () => {
    const now = new Map((await stackRows("prod")).map((r) => [r.urn, r]));
    const before = baseline("stack-prod");
    for (const old of before) {
      const row = now.get(old.urn);
      expect({ urn: old.urn, present: row !== undefined }).toEqual({ urn: old.urn, present: true });
      expect({ urn: old.urn, deleteBeforeReplace: row!.deleteBeforeReplace, ignoreChanges: row!.ignoreChanges }).toEqual({
        urn: old.urn,
        deleteBeforeReplace: old.deleteBeforeReplace,
        ignoreChanges: old.ignoreChanges,
      });
    }
    const added = [...now.keys()].filter((u) => !before.some((b) => b.urn === u)).map((u) => u.split("::").pop());
    expect(added.sort()).toEqual([
      "orders-diag-pg-orders-prod-diagnostics",
      "orders-lock",
      "orders-param-azure.extensions",
      "orders-param-pgbouncer.enabled",
    ]);
  });

  it("vnet-managed-identity: the principal granted on two databases moves to its access set, with what that needs", async () => {
    const now = new Map((await registered(PROGRAMS["vnet-managed-identity"])).map((r) => [r.urn, r]));
    const grant = (key: string) => now.get(`${ACCESS_SET_URN}grantRole:GrantRole::orders-member-${key}`)?.inputs;
    expect(grant("billing-read-orders-readwrite-608f16c9-id-orders-api-2563e627")).toEqual({
      role: "id-orders-api",
      grantRole: "billing_read+orders_readwrite",
      withAdminOption: false,
    });
    expect(grant("billing-read-4ca6825d-billing-read-orders-readwrite-608f16c9")?.role).toBe("billing_read+orders_readwrite");
    expect(grant("orders-readwrite-2902070d-billing-read-orders-readwrite-608f16c9")?.grantRole).toBe("orders_readwrite");
    expect(grant("billing-read-orders-readwrite-608f16c9-billing-manager-a531faa7")).toMatchObject({
      role: "billing_manager",
      withAdminOption: true,
    });
  });
});

/**
 * Issue 15's server features (components/features): each bad input is refused before anything
 * registers, naming the field as written; each good one becomes the request Azure documents.
 */
import * as pulumi from "@pulumi/pulumi";
import { EntraPostgres } from "../../components/postgres/EntraPostgres";
import type { EntraPostgresArgs } from "../../components/postgres/args";
import { EntraPostgresServer } from "../../components/server/EntraPostgresServer";
import type { EntraPostgresServerArgs } from "../../components/server/args";
import { InputError } from "../../components/errors";
import { planServer } from "../../components/server/plan";
import { validateServerArgs } from "../../components/server/validate";
import { FAKE_SUBSCRIPTION, MockCloud, RecordedResource } from "../../scripts/offline/mockCloud";
import { IDS, evaluate, validServerArgs } from "../support/fixtures";

type Case = [description: string, change: (a: EntraPostgresServerArgs) => void, field: string];

const SUB = "/subscriptions/s/resourceGroups/rg-ops/providers";
const WORKSPACE = `${SUB}/Microsoft.OperationalInsights/workspaces/law-ops`;
const STORAGE_ACCOUNT = `${SUB}/Microsoft.Storage/storageAccounts/stlogs`;
const EVENT_HUB_RULE = `${SUB}/Microsoft.EventHub/namespaces/eh-ops/authorizationRules/send`;
const IDENTITY = `${SUB}/Microsoft.ManagedIdentity/userAssignedIdentities/id-pg`;
const GEO_IDENTITY = `${SUB}/Microsoft.ManagedIdentity/userAssignedIdentities/id-pg-geo`;
const KEY = "https://kv-orders.vault.azure.net/keys/pg-cmk";
const GEO_KEY = "https://kv-orders-ne.vault.azure.net/keys/pg-cmk";
const burstable = (a: EntraPostgresServerArgs) => (a.sku = { name: "Standard_B2s", tier: "Burstable" });

const BAD_INPUTS: Case[] = [
  // 4. maintenance window
  ["maintenance window without a mode", (a) => (a.maintenanceWindow = {} as never), "maintenanceWindow.mode"],
  [
    "maintenance day as a number",
    (a) => (a.maintenanceWindow = { mode: "custom", dayOfWeek: 0 as never, startHour: 2 }),
    "maintenanceWindow.dayOfWeek",
  ],
  [
    "maintenance day misspelt",
    (a) => (a.maintenanceWindow = { mode: "custom", dayOfWeek: "sunday" as never, startHour: 2 }),
    "maintenanceWindow.dayOfWeek",
  ],
  [
    "maintenance hour 24",
    (a) => (a.maintenanceWindow = { mode: "custom", dayOfWeek: "Sunday", startHour: 24 }),
    "maintenanceWindow.startHour",
  ],
  [
    "custom maintenance without an hour",
    (a) => (a.maintenanceWindow = { mode: "custom", dayOfWeek: "Sunday" }),
    "maintenanceWindow.startHour",
  ],
  [
    "maintenance minute 60",
    (a) => (a.maintenanceWindow = { mode: "custom", dayOfWeek: "Sunday", startHour: 1, startMinute: 60 }),
    "maintenanceWindow.startMinute",
  ],
  [
    "maintenance minute 7.5",
    (a) => (a.maintenanceWindow = { mode: "custom", dayOfWeek: "Sunday", startHour: 1, startMinute: 7.5 }),
    "maintenanceWindow.startMinute",
  ],
  ["system-managed window with an hour", (a) => (a.maintenanceWindow = { mode: "system", startHour: 3 }), "maintenanceWindow.startHour"],
  // 2. lock
  ["ReadOnly lock", (a) => (a.lock = { kind: "ReadOnly" as never }), "lock.kind"],
  ["lock kind in lower case", (a) => (a.lock = { kind: "cannotdelete" as never }), "lock.kind"],
  ["lock name with a colon", (a) => (a.lock = { kind: "CanNotDelete", name: "pg:lock" }), "lock.name"],
  ["lock notes over 512 characters", (a) => (a.lock = { kind: "CanNotDelete", notes: "x".repeat(513) }), "lock.notes"],
  // 1. diagnostics
  ["diagnostic setting without a destination", (a) => (a.diagnosticSettings = [{}]), "diagnosticSettings[0]"],
  [
    "workspace id of a storage account",
    (a) => (a.diagnosticSettings = [{ workspaceResourceId: STORAGE_ACCOUNT }]),
    "diagnosticSettings[0].workspaceResourceId",
  ],
  [
    "storage id of a workspace",
    (a) => (a.diagnosticSettings = [{ storageAccountResourceId: WORKSPACE }]),
    "diagnosticSettings[0].storageAccountResourceId",
  ],
  [
    "event hub id of the namespace, not its rule",
    (a) => (a.diagnosticSettings = [{ eventHubAuthorizationRuleResourceId: `${SUB}/Microsoft.EventHub/namespaces/eh-ops` }]),
    "diagnosticSettings[0].eventHubAuthorizationRuleResourceId",
  ],
  [
    "event hub name without a rule",
    (a) => (a.diagnosticSettings = [{ workspaceResourceId: WORKSPACE, eventHubName: "pg" }]),
    "diagnosticSettings[0].eventHubName",
  ],
  [
    "log category of the single server (Microsoft.DBforPostgreSQL/servers)",
    (a) =>
      (a.diagnosticSettings = [
        { workspaceResourceId: WORKSPACE, logCategoriesAndGroups: [{ category: "QueryStoreRuntimeStatistics" as never }] },
      ]),
    "diagnosticSettings[0].logCategoriesAndGroups[0].category",
  ],
  [
    "category group spelt AllLogs",
    (a) => (a.diagnosticSettings = [{ workspaceResourceId: WORKSPACE, logCategoriesAndGroups: [{ categoryGroup: "AllLogs" as never }] }]),
    "diagnosticSettings[0].logCategoriesAndGroups[0].categoryGroup",
  ],
  [
    "category and group in one entry",
    (a) =>
      (a.diagnosticSettings = [
        { workspaceResourceId: WORKSPACE, logCategoriesAndGroups: [{ category: "PostgreSQLLogs", categoryGroup: "allLogs" }] },
      ]),
    "diagnosticSettings[0].logCategoriesAndGroups[0]",
  ],
  [
    "a metric category other than AllMetrics",
    (a) => (a.diagnosticSettings = [{ workspaceResourceId: WORKSPACE, metricCategories: [{ category: "Transactions" as never }] }]),
    "diagnosticSettings[0].metricCategories[0].category",
  ],
  [
    "a setting sending nothing",
    (a) => (a.diagnosticSettings = [{ workspaceResourceId: WORKSPACE, logCategoriesAndGroups: [], metricCategories: [] }]),
    "diagnosticSettings[0]",
  ],
  [
    "two settings, one without a name",
    (a) => (a.diagnosticSettings = [{ name: "to-law", workspaceResourceId: WORKSPACE }, { storageAccountResourceId: STORAGE_ACCOUNT }]),
    "diagnosticSettings[1].name",
  ],
  [
    "two settings whose names differ only in case",
    (a) =>
      (a.diagnosticSettings = [
        { name: "ops", workspaceResourceId: WORKSPACE },
        { name: "OPS", storageAccountResourceId: STORAGE_ACCOUNT },
      ]),
    "diagnosticSettings[1].name",
  ],
  [
    "six settings (Azure takes five)",
    (a) => (a.diagnosticSettings = [1, 2, 3, 4, 5, 6].map((n) => ({ name: `d${n}`, workspaceResourceId: WORKSPACE }))),
    "diagnosticSettings",
  ],
  [
    "destination type without a workspace",
    (a) => (a.diagnosticSettings = [{ storageAccountResourceId: STORAGE_ACCOUNT, logAnalyticsDestinationType: "Dedicated" }]),
    "diagnosticSettings[0].logAnalyticsDestinationType",
  ],
  // 9. storage
  ["Premium SSD size not offered", (a) => (a.storage = { sizeGb: 100 }), "storage.sizeGb"],
  ["performance tier below the size's own", (a) => (a.storage = { sizeGb: 1024, tier: "P20" }), "storage.tier"],
  ["performance tier P90", (a) => (a.storage = { tier: "P90" as never }), "storage.tier"],
  ["IOPS on Premium SSD", (a) => (a.storage = { iops: 5000 }), "storage.iops"],
  ["Ultra disk", (a) => (a.storage = { type: "UltraSSD_LRS" as never }), "storage.type"],
  [
    "Premium SSD v2 with auto-grow (the default)",
    (a) => (a.storage = { type: "PremiumV2_LRS", iops: 3000, throughputMBps: 125 }),
    "storage.autoGrow",
  ],
  ["Premium SSD v2 without IOPS", (a) => (a.storage = { type: "PremiumV2_LRS", autoGrow: false, throughputMBps: 125 }), "storage.iops"],
  [
    "Premium SSD v2 without throughput",
    (a) => (a.storage = { type: "PremiumV2_LRS", autoGrow: false, iops: 3000 }),
    "storage.throughputMBps",
  ],
  [
    "Premium SSD v2 IOPS over 80000",
    (a) => (a.storage = { type: "PremiumV2_LRS", autoGrow: false, sizeGb: 512, iops: 90000, throughputMBps: 500 }),
    "storage.iops",
  ],
  [
    "Premium SSD v2 IOPS over 500 per GiB",
    (a) => (a.storage = { type: "PremiumV2_LRS", autoGrow: false, sizeGb: 32, iops: 20000, throughputMBps: 500 }),
    "storage.iops",
  ],
  [
    "Premium SSD v2 throughput over 0.25 MB/s per IOPS",
    (a) => (a.storage = { type: "PremiumV2_LRS", autoGrow: false, iops: 3000, throughputMBps: 800 }),
    "storage.throughputMBps",
  ],
  [
    "Premium SSD v2 of 70000 GiB",
    (a) => (a.storage = { type: "PremiumV2_LRS", autoGrow: false, sizeGb: 70000, iops: 3000, throughputMBps: 125 }),
    "storage.sizeGb",
  ],
  [
    "Premium SSD v2 with a tier",
    (a) => (a.storage = { type: "PremiumV2_LRS", autoGrow: false, iops: 3000, throughputMBps: 125, tier: "P30" }),
    "storage.tier",
  ],
  [
    "Premium SSD v2 on Burstable",
    (a) => (burstable(a), (a.storage = { type: "PremiumV2_LRS", autoGrow: false, iops: 3000, throughputMBps: 125 })),
    "storage.type",
  ],
  // 7. PgBouncer
  ["PgBouncer on Burstable", (a) => (burstable(a), (a.pgBouncer = { enabled: true })), "pgBouncer.enabled"],
  ["PgBouncer enabled as a string", (a) => (a.pgBouncer = { enabled: "true" as never }), "pgBouncer.enabled"],
  [
    "pgbouncer.enabled through serverParameters",
    (a) => (a.serverParameters = { "PgBouncer.Enabled": "true" }),
    'serverParameters["PgBouncer.Enabled"]',
  ],
  // 6. extensions
  ["empty allow-list", (a) => (a.extensions = { allowList: [] }), "extensions.allowList"],
  ["extension name in upper case", (a) => (a.extensions = { allowList: ["PG_TRGM"] }), "extensions.allowList[0]"],
  ["extension listed twice", (a) => (a.extensions = { allowList: ["pg_trgm", "pg_trgm"] }), "extensions.allowList[1]"],
  ["pg_cron without shared_preload_libraries", (a) => (a.extensions = { allowList: ["pg_cron"] }), "extensions.sharedPreloadLibraries"],
  [
    "preload list missing an allow-listed pg_cron",
    (a) => (a.extensions = { allowList: ["pg_cron"], sharedPreloadLibraries: ["pg_stat_statements"], restartAcknowledged: true }),
    "extensions.sharedPreloadLibraries",
  ],
  [
    "preload list dropping pg_stat_statements",
    (a) => (a.extensions = { allowList: ["pg_cron"], sharedPreloadLibraries: ["pg_cron"], restartAcknowledged: true }),
    "extensions.sharedPreloadLibraries",
  ],
  [
    "preload list without acknowledging the restart",
    (a) => (a.extensions = { allowList: ["pg_cron"], sharedPreloadLibraries: ["pg_cron", "pg_stat_statements"] }),
    "extensions.restartAcknowledged",
  ],
  [
    "azure.extensions through serverParameters",
    (a) => (a.serverParameters = { "azure.extensions": "PG_TRGM" }),
    'serverParameters["azure.extensions"]',
  ],
  [
    "shared_preload_libraries through serverParameters",
    (a) => (a.serverParameters = { shared_preload_libraries: "pg_cron" }),
    'serverParameters["shared_preload_libraries"]',
  ],
  // 3. role assignments
  [
    "role name in lower case",
    (a) => (a.roleAssignments = [{ roleDefinitionIdOrName: "reader", principalId: IDS.alice }]),
    "roleAssignments[0].roleDefinitionIdOrName",
  ],
  [
    "role that is not built in",
    (a) => (a.roleAssignments = [{ roleDefinitionIdOrName: "DBA", principalId: IDS.alice }]),
    "roleAssignments[0].roleDefinitionIdOrName",
  ],
  [
    "principal id that is a UPN",
    (a) => (a.roleAssignments = [{ roleDefinitionIdOrName: "Reader", principalId: "alice@contoso.com" }]),
    "roleAssignments[0].principalId",
  ],
  [
    "managed identity as principal type",
    (a) => (a.roleAssignments = [{ roleDefinitionIdOrName: "Reader", principalId: IDS.alice, principalType: "ManagedIdentity" as never }]),
    "roleAssignments[0].principalType",
  ],
  [
    "assignment name not a GUID",
    (a) => (a.roleAssignments = [{ roleDefinitionIdOrName: "Reader", principalId: IDS.alice, name: "readers" }]),
    "roleAssignments[0].name",
  ],
  [
    "an output principal id without a name",
    (a) => (a.roleAssignments = [{ roleDefinitionIdOrName: "Reader", principalId: pulumi.output(IDS.alice) }]),
    "roleAssignments[0].name",
  ],
  [
    "condition without its version",
    (a) => (a.roleAssignments = [{ roleDefinitionIdOrName: "Reader", principalId: IDS.alice, condition: "@Resource[x] StringEquals 'y'" }]),
    "roleAssignments[0].conditionVersion",
  ],
  [
    "the same assignment twice, once by name and once by id",
    (a) =>
      (a.roleAssignments = [
        { roleDefinitionIdOrName: "Reader", principalId: IDS.alice },
        {
          roleDefinitionIdOrName: "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7",
          principalId: IDS.alice,
        },
      ]),
    "roleAssignments[1]",
  ],
  // 5. identity and data encryption
  ["identity list empty", (a) => (a.managedIdentities = { userAssignedResourceIds: [] }), "managedIdentities.userAssignedResourceIds"],
  [
    "identity id of a workspace",
    (a) => (a.managedIdentities = { userAssignedResourceIds: [WORKSPACE] }),
    "managedIdentities.userAssignedResourceIds[0]",
  ],
  [
    "key without the identity on the server",
    (a) => (a.customerManagedKey = { primary: { keyUri: KEY, userAssignedIdentityResourceId: IDENTITY } }),
    "customerManagedKey.primary.userAssignedIdentityResourceId",
  ],
  [
    "key read by an identity the server does not have",
    (a) => (
      (a.managedIdentities = { userAssignedResourceIds: [IDENTITY] }),
      (a.customerManagedKey = { primary: { keyUri: KEY, userAssignedIdentityResourceId: GEO_IDENTITY } })
    ),
    "customerManagedKey.primary.userAssignedIdentityResourceId",
  ],
  [
    "key URI of a secret",
    (a) => (
      (a.managedIdentities = { userAssignedResourceIds: [IDENTITY] }),
      (a.customerManagedKey = {
        primary: { keyUri: "https://kv-orders.vault.azure.net/secrets/pg", userAssignedIdentityResourceId: IDENTITY },
      })
    ),
    "customerManagedKey.primary.keyUri",
  ],
  [
    "geo-redundant server without a geo-backup key",
    (a) => (
      (a.backup = { geoRedundant: true }),
      (a.managedIdentities = { userAssignedResourceIds: [IDENTITY] }),
      (a.customerManagedKey = { primary: { keyUri: KEY, userAssignedIdentityResourceId: IDENTITY } })
    ),
    "customerManagedKey.geoBackup",
  ],
  [
    "geo-backup key on a server without geo-redundant backup",
    (a) => (
      (a.managedIdentities = { userAssignedResourceIds: [IDENTITY, GEO_IDENTITY] }),
      (a.customerManagedKey = {
        primary: { keyUri: KEY, userAssignedIdentityResourceId: IDENTITY },
        geoBackup: { keyUri: GEO_KEY, userAssignedIdentityResourceId: GEO_IDENTITY },
      })
    ),
    "customerManagedKey.geoBackup",
  ],
  [
    "geo-backup identity not on the server",
    (a) => (
      (a.backup = { geoRedundant: true }),
      (a.managedIdentities = { userAssignedResourceIds: [IDENTITY] }),
      (a.customerManagedKey = {
        primary: { keyUri: KEY, userAssignedIdentityResourceId: IDENTITY },
        geoBackup: { keyUri: GEO_KEY, userAssignedIdentityResourceId: GEO_IDENTITY },
      })
    ),
    "customerManagedKey.geoBackup.userAssignedIdentityResourceId",
  ],
  // 8. read replicas
  ["replica of a Burstable server", (a) => (burstable(a), (a.readReplicas = [{ serverName: "pg-orders-ro" }])), "readReplicas"],
  ["six replicas", (a) => (a.readReplicas = [1, 2, 3, 4, 5, 6].map((n) => ({ serverName: `pg-orders-ro${n}` }))), "readReplicas"],
  ["replica with the primary's name", (a) => (a.readReplicas = [{ serverName: "pg-orders-dev" }]), "readReplicas[0].serverName"],
  ["replica name with upper case", (a) => (a.readReplicas = [{ serverName: "PG-Orders-RO" }]), "readReplicas[0].serverName"],
  [
    "replica on Burstable",
    (a) => (a.readReplicas = [{ serverName: "pg-orders-ro", sku: { name: "Standard_B2s", tier: "Burstable" as never } }]),
    "readReplicas[0].sku.tier",
  ],
  [
    "replica smaller than the primary",
    (a) => (a.readReplicas = [{ serverName: "pg-orders-ro", storageSizeGb: 64 }]),
    "readReplicas[0].storageSizeGb",
  ],
  [
    "replica in private-endpoint mode",
    (a) => (
      (a.network = { mode: "privateEndpoint", subnetId: `${SUB}/Microsoft.Network/virtualNetworks/v/subnets/pe` }),
      (a.readReplicas = [{ serverName: "pg-orders-ro" }])
    ),
    "readReplicas[0]",
  ],
];

describe("issue 15 features: bad input is refused before anything registers", () => {
  it.each(BAD_INPUTS)("%s", async (_description, change, field) => {
    const args = validServerArgs();
    change(args);
    const issues = validateServerArgs("pg-orders-dev", args);
    expect(issues.map((i) => i.field)).toContain(field);
    // The component throws the same error, and registers nothing.
    const { cloud, error } = await evaluate(() => new EntraPostgresServer("pg-orders-dev", args));
    expect(error).toBeInstanceOf(InputError);
    expect(cloud.resources).toHaveLength(0);
  });
});

const GOOD: [string, (a: EntraPostgresServerArgs) => void][] = [
  ["a custom maintenance window", (a) => (a.maintenanceWindow = { mode: "custom", dayOfWeek: "Sunday", startHour: 2, startMinute: 30 })],
  ["a lock", (a) => (a.lock = { kind: "CanNotDelete" })],
  [
    "diagnostics to all three destinations",
    (a) =>
      (a.diagnosticSettings = [
        {
          workspaceResourceId: WORKSPACE,
          storageAccountResourceId: STORAGE_ACCOUNT,
          eventHubAuthorizationRuleResourceId: EVENT_HUB_RULE,
          eventHubName: "pg",
        },
      ]),
  ],
  [
    "Premium SSD v2 at its documented limits",
    (a) => (a.storage = { type: "PremiumV2_LRS", autoGrow: false, sizeGb: 160, iops: 80000, throughputMBps: 1200 }),
  ],
  ["a raised performance tier", (a) => (a.storage = { sizeGb: 128, tier: "P30" })],
  [
    "pg_cron with its preload and the restart acknowledged",
    (a) =>
      (a.extensions = {
        allowList: ["pg_cron", "uuid-ossp"],
        sharedPreloadLibraries: ["pg_cron", "pg_stat_statements"],
        restartAcknowledged: true,
      }),
  ],
  [
    "a role assignment to an output with a name",
    (a) =>
      (a.roleAssignments = [
        { roleDefinitionIdOrName: "Reader", principalId: pulumi.output(IDS.alice), name: "6f0e1a52-2f4c-4d8e-9b1a-0c1d2e3f4a5b" },
      ]),
  ],
  [
    "geo-redundant CMK with both keys (Managed HSM for the geo key)",
    (a) => (
      (a.backup = { geoRedundant: true }),
      (a.managedIdentities = { userAssignedResourceIds: [IDENTITY, GEO_IDENTITY] }),
      (a.customerManagedKey = {
        primary: { keyUri: `${KEY}/0123456789abcdef0123456789abcdef`, userAssignedIdentityResourceId: IDENTITY },
        geoBackup: { keyUri: "https://hsm-ne.managedhsm.azure.net/keys/pg-cmk", userAssignedIdentityResourceId: GEO_IDENTITY },
      })
    ),
  ],
  [
    "two replicas, one in another region",
    (a) =>
      (a.readReplicas = [{ serverName: "pg-orders-ro1" }, { serverName: "pg-orders-ro2", location: "northeurope", storageSizeGb: 256 }]),
  ],
];

describe("issue 15 features: good input passes", () => {
  it.each(GOOD)("%s", (_description, change) => {
    const args = validServerArgs();
    change(args);
    expect(validateServerArgs("pg-orders-dev", args)).toEqual([]);
  });
});

describe("issue 15 features: the plan", () => {
  const plan = (change: (a: EntraPostgresServerArgs) => void) => {
    const args = validServerArgs();
    change(args);
    return planServer("pg-orders-dev", args);
  };

  it("numbers the maintenance day from Sunday = 0, as ARM does", () => {
    expect(
      plan((a) => (a.maintenanceWindow = { mode: "custom", dayOfWeek: "Wednesday", startHour: 3 })).features.maintenanceWindow,
    ).toEqual({
      customWindow: "Enabled",
      dayOfWeek: 3,
      startHour: 3,
      startMinute: 0,
    });
    expect(plan((a) => (a.maintenanceWindow = { mode: "system" })).features.maintenanceWindow).toEqual({ customWindow: "Disabled" });
    expect(plan(() => undefined).features.maintenanceWindow).toBeUndefined();
  });

  it("keeps the storage request of earlier stacks, and sends Premium SSD v2 without auto-grow", () => {
    expect(plan(() => undefined).storage).toEqual({ storageSizeGB: 128, autoGrow: "Enabled" });
    expect(
      plan((a) => (a.storage = { type: "PremiumV2_LRS", autoGrow: false, sizeGb: 512, iops: 12000, throughputMBps: 500 })).storage,
    ).toEqual({
      type: "PremiumV2_LRS",
      storageSizeGB: 512,
      autoGrow: "Disabled",
      iops: 12000,
      throughput: 500,
    });
  });

  it("turns the allow-list and PgBouncer into server parameters in the sorted chain", () => {
    const p = plan((a) => {
      a.extensions = { allowList: ["vector", "pg_trgm"] };
      a.pgBouncer = { enabled: true };
    });
    expect(p.parameters).toEqual([
      { name: "azure.extensions", value: "pg_trgm,vector" },
      { name: "pgaadauth.enable_group_sync", value: "OFF" },
      { name: "pgbouncer.enabled", value: "true" },
      { name: "require_secure_transport", value: "ON" },
    ]);
    expect(p.features.pgBouncer).toBe(true);
  });

  it("names a role assignment with a stable GUID and the built-in role's id", () => {
    const a = plan((x) => (x.roleAssignments = [{ roleDefinitionIdOrName: "Reader", principalId: IDS.alice.toUpperCase() }])).features
      .roleAssignments;
    const b = plan((x) => (x.roleAssignments = [{ roleDefinitionIdOrName: "Reader", principalId: IDS.alice }])).features.roleAssignments;
    expect(a[0].name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(a[0].name).toBe(b[0].name);
    // Reader's id is fixed across Azure ("Azure built-in roles").
    expect(a[0].roleDefinitionGuid).toBe("acdd72a7-3385-48ef-bd42-f606fba81ae7");
    const other = plan((x) => (x.roleAssignments = [{ roleDefinitionIdOrName: "Reader", principalId: IDS.bob }])).features.roleAssignments;
    expect(other[0].name).not.toBe(a[0].name);
  });
});

// ---- registered resources -------------------------------------------------------------------------

const T = {
  server: "azure-native:dbforpostgresql:Server",
  diag: "azure-native:monitor:DiagnosticSetting",
  lock: "azure-native:authorization:ManagementLockByScope",
  rbac: "azure-native:authorization:RoleAssignment",
  config: "azure-native:dbforpostgresql:Configuration",
  admin: "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra",
};

async function build(change: (a: EntraPostgresServerArgs) => void) {
  const args = validServerArgs();
  change(args);
  let component: EntraPostgresServer | undefined;
  const { cloud, error } = await evaluate(() => (component = new EntraPostgresServer("pg-orders-dev", args)));
  if (error) throw error;
  return { cloud, component: component! };
}

const primaryOf = (cloud: MockCloud): RecordedResource => cloud.byType(T.server).find((s) => s.inputs.createMode === undefined)!;
const serverId = (name: string) =>
  `/subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/rg-data-dev/providers/Microsoft.DBforPostgreSQL/flexibleServers/${name}`;

describe("issue 15 features: what registers", () => {
  it("sends the maintenance window, identities and key on the server itself", async () => {
    const { cloud } = await build((a) => {
      a.maintenanceWindow = { mode: "custom", dayOfWeek: "Saturday", startHour: 23, startMinute: 15 };
      a.managedIdentities = { userAssignedResourceIds: [IDENTITY] };
      a.customerManagedKey = { primary: { keyUri: KEY, userAssignedIdentityResourceId: IDENTITY } };
    });
    const server = primaryOf(cloud).inputs;
    expect(server.maintenanceWindow).toEqual({ customWindow: "Enabled", dayOfWeek: 6, startHour: 23, startMinute: 15 });
    expect(server.identity).toEqual({ type: "UserAssigned", userAssignedIdentities: { [IDENTITY]: {} } });
    expect(server.dataEncryption).toEqual({ type: "AzureKeyVault", primaryKeyURI: KEY, primaryUserAssignedIdentityId: IDENTITY });
  });

  it("sends nothing new for a server that uses none of them", async () => {
    const { cloud } = await build(() => undefined);
    const server = primaryOf(cloud).inputs;
    for (const k of ["maintenanceWindow", "identity", "dataEncryption", "createMode"]) expect(server).not.toHaveProperty(k);
    expect(cloud.resources.map((r) => r.type).filter((t) => [T.diag, T.lock, T.rbac].includes(t))).toEqual([]);
  });

  it("sends every log and all metrics to the workspace by default, on the server's id", async () => {
    const { cloud } = await build((a) => (a.diagnosticSettings = [{ workspaceResourceId: WORKSPACE }]));
    const [d] = cloud.byType(T.diag);
    expect(d.name).toBe("pg-orders-dev-diag-pg-orders-dev-diagnostics");
    expect(d.inputs).toMatchObject({
      name: "pg-orders-dev-diagnostics",
      resourceUri: serverId("pg-orders-dev"),
      workspaceId: WORKSPACE,
      logs: [{ categoryGroup: "allLogs", enabled: true }],
      metrics: [{ category: "AllMetrics", enabled: true }],
    });
    // Beside the chain: it waits for the server only.
    expect(d.dependencies).toEqual([primaryOf(cloud).urn]);
  });

  it("puts the CanNotDelete lock on the server after everything else", async () => {
    const { cloud } = await build((a) => {
      a.lock = { kind: "CanNotDelete" };
      a.diagnosticSettings = [{ workspaceResourceId: WORKSPACE }];
      a.roleAssignments = [{ roleDefinitionIdOrName: "Reader", principalId: IDS.bob }];
    });
    const [lock] = cloud.byType(T.lock);
    expect(lock.inputs).toMatchObject({ scope: serverId("pg-orders-dev"), level: "CanNotDelete", lockName: "pg-orders-dev-lock" });
    const others = cloud.resources.filter((r) => r.custom && r !== lock && r.type.startsWith("azure-native:") && r !== primaryOf(cloud));
    // The end of the server's chain: the administrator no other administrator waits on.
    const admins = cloud.byType(T.admin);
    const last = admins.filter((x) => !admins.some((y) => y.dependencies.includes(x.urn)));
    expect(last).toHaveLength(1);
    expect(lock.dependencies).toEqual(
      expect.arrayContaining([last[0].urn, ...cloud.byType(T.diag).map((r) => r.urn), ...cloud.byType(T.rbac).map((r) => r.urn)]),
    );
    // Nothing waits on the lock: it is the last thing created and the first destroyed.
    expect(others.filter((r) => r.dependencies.includes(lock.urn))).toEqual([]);
  });

  it("assigns a built-in role at the server's scope with the subscription's role definition id", async () => {
    const { cloud } = await build(
      (a) =>
        (a.roleAssignments = [
          { roleDefinitionIdOrName: "Contributor", principalId: IDS.bob, principalType: "User", description: "on-call" },
        ]),
    );
    const [r] = cloud.byType(T.rbac);
    expect(r.inputs).toMatchObject({
      scope: serverId("pg-orders-dev"),
      roleDefinitionId: `/subscriptions/${FAKE_SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c`,
      principalId: IDS.bob,
      principalType: "User",
      description: "on-call",
    });
    expect(r.inputs.roleAssignmentName).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.name).toBe(`pg-orders-dev-rbac-${String(r.inputs.roleAssignmentName)}`);
  });

  it("creates each replica from the primary, with no administrators of its own, and reports its host", async () => {
    const { cloud, component } = await build((a) => (a.readReplicas = [{ serverName: "pg-orders-ro", location: "northeurope" }]));
    const replica = cloud.byType(T.server).find((s) => s.inputs.createMode === "Replica")!;
    expect(replica.inputs).toMatchObject({
      serverName: "pg-orders-ro",
      location: "northeurope",
      sourceServerResourceId: serverId("pg-orders-dev"),
      version: "17",
      authConfig: { activeDirectoryAuth: "Enabled", passwordAuth: "Disabled" },
    });
    expect(replica.inputs).not.toHaveProperty("highAvailability");
    expect(replica.inputs).not.toHaveProperty("backup");
    expect(cloud.byType(T.admin).map((a) => a.inputs.serverName)).toEqual(["pg-orders-dev", "pg-orders-dev"]);
    const info = await new Promise((resolve) => component.readReplicas.apply(resolve));
    expect(info).toEqual([{ serverName: "pg-orders-ro", fqdn: "pg-orders-ro.postgres.database.azure.com", location: "northeurope" }]);
  });
});

// ---- 6. extensions in the component's databases ------------------------------------------------------

const postgresArgs = (change: (a: EntraPostgresArgs) => void): EntraPostgresArgs => {
  const a: EntraPostgresArgs = {
    server: {
      resourceGroupName: "rg-data-dev",
      serverName: "pg-orders-dev",
      administrators: [{ name: "pg-dba", type: "Group", objectId: IDS.dbaGroup }],
      extensions: { allowList: ["pg_trgm", "citext"] },
    },
    deployer: { name: "ci-deployer", type: "ServicePrincipal" },
    databases: [{ name: "orders", schemas: ["public", "search"], extensions: [{ name: "pg_trgm", schema: "search" }] }],
  };
  change(a);
  return a;
};

const DATABASE_EXTENSIONS: [string, (a: EntraPostgresArgs) => void, string][] = [
  [
    "an extension the server does not allow-list",
    (a) => (a.databases[0].extensions = [{ name: "postgis" }]),
    "databases[0].extensions[0].name",
  ],
  ["extensions without any server allow-list", (a) => delete a.server!.extensions, "databases[0].extensions[0].name"],
  [
    "an extension in a schema the database does not have",
    (a) => (a.databases[0].extensions = [{ name: "citext", schema: "app" }]),
    "databases[0].extensions[0].schema",
  ],
  [
    "one extension twice",
    (a) => (a.databases[0].extensions = [{ name: "citext" }, { name: "citext", schema: "search" }]),
    "databases[0].extensions[1].name",
  ],
  ["an extension name in upper case", (a) => (a.databases[0].extensions = [{ name: "CITEXT" }]), "databases[0].extensions[0].name"],
];

describe("issue 15 features: extensions in databases", () => {
  it.each(DATABASE_EXTENSIONS)("refuses %s before anything registers", async (_d, change, field) => {
    const { cloud, error } = await evaluate(() => new EntraPostgres("orders", postgresArgs(change)));
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).issues.map((i) => i.field)).toContain(field);
    expect(cloud.resources).toHaveLength(0);
  });

  it("creates an allow-listed extension through the provider, after its database and schema, and allow-lists it on the server", async () => {
    const { cloud, error } = await evaluate(
      () =>
        new EntraPostgres(
          "orders",
          postgresArgs(() => undefined),
        ),
    );
    expect(error).toBeUndefined();
    const [ext] = cloud.byType("postgresql:index/extension:Extension");
    expect(ext.inputs).toEqual({ name: "pg_trgm", database: "orders", schema: "search" });
    const db = cloud.byType("postgresql:index/database:Database")[0];
    const schema = cloud.byType("postgresql:index/schema:Schema").find((s) => s.inputs.name === "search")!;
    expect(ext.dependencies).toEqual(expect.arrayContaining([db.urn, schema.urn]));
    expect(ext.provider).toMatch(/pulumi:providers:postgresql::orders-pg::/);
    expect(cloud.byName("orders-param-azure.extensions").inputs.value).toBe("citext,pg_trgm");
  });
});

/**
 * Contract tests: every ARM request the component's azure-native resources would send is validated
 * against Microsoft.DBforPostgreSQL 2025-08-01 from Azure's own OpenAPI spec.
 */
import * as pulumi from "@pulumi/pulumi";
import { EntraPostgresServer } from "../components/server/EntraPostgresServer";
import type { EntraPostgresServerArgs } from "../components/server/args";
import { ArmContract, CONTRACT_TYPES } from "./support/armContract";
import { IDS, evaluate, validServerArgs } from "./support/fixtures";
import type { RecordedResource } from "../scripts/offline/mockCloud";

const contract = new ArmContract();

const SCENARIOS: [string, (a: EntraPostgresServerArgs) => void][] = [
  ["defaults, public access with a firewall rule", () => undefined],
  [
    "production: zone-redundant HA, geo backup, large storage, extra parameters, tags",
    (a) => {
      a.sku = { name: "Standard_E4ds_v5", tier: "MemoryOptimized" };
      a.highAvailability = "ZoneRedundant";
      a.availabilityZone = "1";
      a.backup = { retentionDays: 35, geoRedundant: true };
      a.storage = { sizeGb: 1024, autoGrow: false };
      a.serverParameters = { log_min_duration_statement: "500" };
      a.tags = { env: "prod" };
      a.groupSync = true;
    },
  ],
  [
    "issue 15: maintenance window, Premium SSD v2, identity and customer-managed keys, extensions, PgBouncer, a replica",
    (a) => {
      const ids = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities";
      a.maintenanceWindow = { mode: "custom", dayOfWeek: "Sunday", startHour: 2, startMinute: 30 };
      a.storage = { type: "PremiumV2_LRS", autoGrow: false, sizeGb: 512, iops: 12000, throughputMBps: 500 };
      a.backup = { geoRedundant: true };
      a.managedIdentities = { userAssignedResourceIds: [`${ids}/id-pg`, `${ids}/id-pg-geo`] };
      a.customerManagedKey = {
        primary: { keyUri: "https://kv-orders.vault.azure.net/keys/pg", userAssignedIdentityResourceId: `${ids}/id-pg` },
        geoBackup: { keyUri: "https://kv-orders-ne.vault.azure.net/keys/pg", userAssignedIdentityResourceId: `${ids}/id-pg-geo` },
      };
      a.extensions = {
        allowList: ["pg_cron", "pg_trgm"],
        sharedPreloadLibraries: ["pg_cron", "pg_stat_statements"],
        restartAcknowledged: true,
      };
      a.pgBouncer = { enabled: true };
      a.readReplicas = [{ serverName: "pg-orders-ro", location: "northeurope", storageSizeGb: 1024 }];
    },
  ],
  [
    "issue 15: a system-managed window and a raised Premium SSD tier",
    (a) => {
      a.maintenanceWindow = { mode: "system" };
      a.storage = { sizeGb: 256, tier: "P30", autoGrow: true };
    },
  ],
  [
    "VNet integration",
    (a) =>
      (a.network = {
        mode: "vnet",
        delegatedSubnetId: "/subscriptions/s/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/pg",
        privateDnsZoneId:
          "/subscriptions/s/resourceGroups/rg-net/providers/Microsoft.Network/privateDnsZones/orders.postgres.database.azure.com",
      }),
  ],
  [
    "private endpoint",
    (a) =>
      (a.network = {
        mode: "privateEndpoint",
        subnetId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/pe",
      }),
  ],
  [
    "password authentication opted in",
    (a) => (a.passwordAuth = { administratorLogin: "pgbreakglass", administratorPassword: pulumi.secret("s3cret-Passw0rd") }),
  ],
  [
    "every principal type, the deployer and a Burstable size",
    (a) => {
      a.sku = { name: "Standard_B1ms", tier: "Burstable" };
      a.administrators!.push({ name: "ci-deployer", type: "ServicePrincipal", clientId: IDS.ciAppClient });
      a.administrators!.push({
        name: "id-orders-api",
        type: "ManagedIdentity",
        managedIdentity: { principalId: IDS.bob, name: "id-orders-api" },
      });
      a.deployerAdministrator = { name: "deploy@contoso.com", type: "User" };
      a.network = {
        mode: "public",
        allowAzureServices: true,
        firewallRules: [{ name: "office_1", startIpAddress: "203.0.113.1", endIpAddress: "203.0.113.1" }],
      };
    },
  ],
];

async function requestsFor(change: (a: EntraPostgresServerArgs) => void): Promise<RecordedResource[]> {
  const args = validServerArgs();
  change(args);
  const { cloud, error } = await evaluate(() => new EntraPostgresServer("pg-orders-dev", args));
  if (error) throw error;
  return cloud.resources.filter((r) => CONTRACT_TYPES.includes(r.type));
}

describe("ARM requests conform to Microsoft.DBforPostgreSQL 2025-08-01", () => {
  it.each(SCENARIOS)("%s", async (_name, change) => {
    const resources = await requestsFor(change);
    expect(new Set(resources.map((r) => r.type))).toEqual(
      new Set([
        "azure-native:dbforpostgresql:Server",
        "azure-native:dbforpostgresql:Configuration",
        "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra",
        ...(resources.some((r) => r.type.endsWith("FirewallRule")) ? ["azure-native:dbforpostgresql:FirewallRule"] : []),
      ]),
    );
    for (const resource of resources) {
      const request = contract.requestFor(resource);
      expect({ name: resource.name, violations: contract.violations(request, resource.type) }).toEqual({
        name: resource.name,
        violations: [],
      });
    }
  });

  it("puts flattened properties where ARM expects them", async () => {
    const [server] = (await requestsFor(() => undefined)).filter((r) => r.type.endsWith(":Server"));
    const request = contract.requestFor(server);
    expect(request.path).toBe(
      "/subscriptions/{subscriptionId}/resourceGroups/rg-data-dev/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-orders-dev",
    );
    expect(Object.keys(request.body).sort()).toEqual(["location", "properties", "sku"]);
    expect((request.body.properties as Record<string, unknown>).authConfig).toMatchObject({
      activeDirectoryAuth: "Enabled",
      passwordAuth: "Disabled",
    });
  });
});

/** The validator must catch what Azure would reject: each mutation breaks one rule of the spec. */
const BREAKAGES: [string, string, (body: Record<string, unknown>, path: Record<string, string>) => void, RegExp][] = [
  [
    "administrator type ManagedIdentity (not in ARM's enum)",
    "AdministratorsMicrosoftEntra",
    (b) => (props(b).principalType = "ManagedIdentity"),
    /principalType/,
  ],
  ["an unknown body property", "Server", (b) => (props(b).entraOnly = true), /entraOnly/],
  [
    "a read-only property",
    "Server",
    (b) => (props(b).fullyQualifiedDomainName = "x.postgres.database.azure.com"),
    /fullyQualifiedDomainName.*read-only/,
  ],
  ["a version outside the enum", "Server", (b) => (props(b).version = "10"), /version/],
  [
    "a retention given as text",
    "Server",
    (b) => ((props(b).backup as Record<string, unknown>).backupRetentionDays = "14"),
    /backupRetentionDays/,
  ],
  [
    "passwordAuth spelled in lower case",
    "Server",
    (b) => ((props(b).authConfig as Record<string, unknown>).passwordAuth = "disabled"),
    /passwordAuth/,
  ],
  ["a SKU without its tier", "Server", (b) => delete (b.sku as Record<string, unknown>).tier, /sku/],
  ["a server without a location", "Server", (b) => delete b.location, /location/],
  [
    "a maintenance day given by name",
    "Server",
    (b) => (props(b).maintenanceWindow = { customWindow: "Enabled", dayOfWeek: "Sunday" }),
    /dayOfWeek/,
  ],
  ["a storage type outside the enum", "Server", (b) => ((props(b).storage as Record<string, unknown>).type = "PremiumV2"), /storage\.type/],
  ["IOPS given as text", "Server", (b) => ((props(b).storage as Record<string, unknown>).iops = "3000"), /iops/],
  [
    "a data encryption type outside the enum",
    "Server",
    (b) => (props(b).dataEncryption = { type: "CustomerManaged" }),
    /dataEncryption\.type/,
  ],
  ["an identity without its type", "Server", (b) => (b.identity = { userAssignedIdentities: {} }), /identity/],
  ["a firewall rule with an IPv6 address", "FirewallRule", (b) => (props(b).startIpAddress = "2001:db8::1"), /startIpAddress/],
  ["a firewall rule name ending in a hyphen", "FirewallRule", (_b, p) => (p.firewallRuleName = "office-"), /firewallRuleName/],
  ["a server name too short", "Server", (_b, p) => (p.serverName = "pg"), /serverName/],
  ["a resource group name of 91 characters", "Server", (_b, p) => (p.resourceGroupName = "r".repeat(91)), /resourceGroupName/],
];

function props(body: Record<string, unknown>): Record<string, unknown> {
  return body.properties as Record<string, unknown>;
}

describe("the contract check fails when a request breaks the spec", () => {
  it.each(BREAKAGES)("%s", async (_what, kind, mutate, where) => {
    const resources = await requestsFor(() => undefined);
    const resource = resources.find((r) => r.type === `azure-native:dbforpostgresql:${kind}`)!;
    const request = contract.requestFor(resource);
    expect(contract.violations(request, resource.type)).toEqual([]);
    mutate(request.body, request.pathParameters);
    const violations = contract.violations(request, resource.type);
    expect(violations.map((v) => `${v.where} ${v.message}`).join("\n")).toMatch(where);
  });
});

/**
 * The composition examples under mocks: examples/platform with its Pulumi.prod.yaml, then examples/app
 * reading the platform's resolved exports through a mocked StackReference, as `pulumi up` in platform
 * then in app would.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { FAKE_SUBSCRIPTION, fakeUuid } from "../scripts/offline/mockCloud";
import type { MockCloud, MockCloudOptions, RecordedResource } from "../scripts/offline/mockCloud";
import { DIRECTORY } from "./support/fixtures";

const examples = path.resolve(__dirname, "..", "examples");

interface Evaluated {
  cloud: MockCloud;
  /** The program's exports with Outputs resolved: what `pulumi stack output` would show. */
  exports: Record<string, unknown>;
  /** Names of exports that are secret Outputs. */
  secretExports: string[];
}

function stackConfig(example: string, stack: string): Record<string, unknown> {
  return parse(fs.readFileSync(path.join(examples, example, `Pulumi.${stack}.yaml`), "utf8")).config as Record<string, unknown>;
}

/**
 * Evaluates an example program under fresh mocks. Pulumi's mocks are process-global, so each program
 * gets a fresh module registry (its own @pulumi/pulumi runtime), as tests/policy.test.ts does.
 */
async function evaluateExample(example: string, options: MockCloudOptions): Promise<Evaluated> {
  let result!: Evaluated;
  await jest.isolateModulesAsync(async () => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { installMockCloud, settle, valueOf } = require("../scripts/offline/mockCloud") as typeof import("../scripts/offline/mockCloud");
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    const cloud = installMockCloud({ directory: DIRECTORY, ...options });
    await cloud.ready;
    const program = require(path.join(examples, example, "index.ts")) as Record<string, unknown>;
    /* eslint-enable @typescript-eslint/no-require-imports */
    await settle();
    const exports: Record<string, unknown> = {};
    const secretExports: string[] = [];
    for (const [key, value] of Object.entries(program)) {
      if (pulumi.Output.isInstance(value)) {
        exports[key] = await valueOf(value);
        if (await pulumi.isSecret(value)) secretExports.push(key);
      } else {
        exports[key] = value;
      }
    }
    result = { cloud, exports, secretExports };
  });
  return result;
}

const arm = (suffix: string) => `/subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/rg-orders-prod/providers/${suffix}`;
const POSTGRES_SUBNET_ID = arm("Microsoft.Network/virtualNetworks/vnet-orders-prod/subnets/snet-postgres");
const APP_SUBNET_ID = arm("Microsoft.Network/virtualNetworks/vnet-orders-prod/subnets/snet-apps");
const ZONE_ID = arm("Microsoft.Network/privateDnsZones/orders-prod.private.postgres.database.azure.com");
const VNET_ID = arm("Microsoft.Network/virtualNetworks/vnet-orders-prod");
// What the mocked Azure gives the identity named id-orders-api: two different UUIDs.
const APP_PRINCIPAL_ID = fakeUuid("principal:id-orders-api");
const APP_CLIENT_ID = fakeUuid("client:id-orders-api");
const PLATFORM_STACK = "contoso/entra-postgres-platform/prod";

let platform: Evaluated;
let app: Evaluated;

beforeAll(async () => {
  platform = await evaluateExample("platform", {
    project: "entra-postgres-platform",
    stack: "prod",
    config: stackConfig("platform", "prod"),
  });
  // The app reads exactly what the platform exported, under the name its config points at.
  app = await evaluateExample("app", {
    project: "entra-postgres-app",
    stack: "prod",
    config: stackConfig("app", "prod"),
    stackOutputs: { [PLATFORM_STACK]: platform.exports },
  });
  // Two whole programs, each in a fresh module registry: over jest's 5 s default on a busy 2-core machine.
}, 60_000);

const one = (cloud: MockCloud, type: string, match: (r: RecordedResource) => boolean = () => true): RecordedResource => {
  const found = cloud.byType(type).filter(match);
  expect(found).toHaveLength(1);
  return found[0];
};
const role = (cloud: MockCloud, name: string) => one(cloud, "postgresql:index/role:Role", (r) => r.inputs.name === name);
/** Roles a principal is made a member of, whether the component lists them on its Role or grants each with a GrantRole. */
const memberOf = (cloud: MockCloud, name: string): string[] => [
  ...((role(cloud, name).inputs.roles as string[] | undefined) ?? []),
  ...cloud
    .byType("postgresql:index/grantRole:GrantRole")
    .filter((g) => g.inputs.role === name)
    .map((g) => String(g.inputs.grantRole)),
];
const label = (cloud: MockCloud, name: string) =>
  one(cloud, "postgresql:index/securityLabel:SecurityLabel", (r) => r.inputs.objectName === name).inputs.label;

describe("examples/platform", () => {
  it("puts the server in the delegated subnet with the private DNS zone, after the zone is linked", () => {
    const { cloud } = platform;
    const server = one(cloud, "azure-native:dbforpostgresql:Server");
    expect(server.inputs.network).toEqual({ delegatedSubnetResourceId: POSTGRES_SUBNET_ID, privateDnsZoneArmResourceId: ZONE_ID });
    const subnet = one(cloud, "azure-native:network:Subnet", (r) => r.inputs.subnetName === "snet-postgres");
    expect(subnet.inputs.delegations).toEqual([expect.objectContaining({ serviceName: "Microsoft.DBforPostgreSQL/flexibleServers" })]);
    const link = one(cloud, "azure-native:privatedns:VirtualNetworkLink");
    expect(server.dependencies).toEqual(expect.arrayContaining([subnet.urn, link.urn]));
  });

  it("links the DNS zone, named *.postgres.database.azure.com, to the VNet", () => {
    const { cloud } = platform;
    const zone = one(cloud, "azure-native:privatedns:PrivateZone");
    expect(zone.inputs.privateZoneName).toBe("orders-prod.private.postgres.database.azure.com");
    const link = one(cloud, "azure-native:privatedns:VirtualNetworkLink");
    expect(link.inputs).toMatchObject({ privateZoneName: zone.inputs.privateZoneName, virtualNetwork: { id: VNET_ID } });
  });

  it("keeps a second, undelegated subnet for apps and creates it after the first", () => {
    const { cloud } = platform;
    const apps = one(cloud, "azure-native:network:Subnet", (r) => r.inputs.subnetName === "snet-apps");
    const postgres = one(cloud, "azure-native:network:Subnet", (r) => r.inputs.subnetName === "snet-postgres");
    expect(apps.inputs.delegations).toBeUndefined();
    expect(apps.dependencies).toContain(postgres.urn);
  });

  it("maps the application's identity by its principal id, not its client id, and makes it a <db>_readwrite member", () => {
    const { cloud } = platform;
    expect(label(cloud, "id-orders-api")).toBe(`aadauth,oid=${APP_PRINCIPAL_ID},type=service`);
    expect(label(cloud, "id-orders-api")).not.toContain(APP_CLIENT_ID);
    expect(role(cloud, "id-orders-api").inputs.login).toBe(true);
    expect(memberOf(cloud, "id-orders-api")).toEqual(["orders_readwrite"]);
  });

  it("gives the readers group <db>_read", () => {
    const { cloud } = platform;
    expect(label(cloud, "Orders Analysts")).toBe("aadauth,oid=9e5b6a7f-8c9d-4e0f-9a1b-3c4d5e6f7081,type=group");
    expect(role(cloud, "Orders Analysts").inputs.login).toBe(true);
    expect(memberOf(cloud, "Orders Analysts")).toEqual(["orders_read"]);
  });

  it("takes the group administrators from config", () => {
    const admins = platform.cloud.byType("azure-native:dbforpostgresql:AdministratorsMicrosoftEntra").map((r) => r.inputs);
    expect(admins).toContainEqual(
      expect.objectContaining({ principalName: "pg-orders-dba", principalType: "Group", objectId: "0b0e6f39-5b1c-4d6e-9a51-7d2c1f3a9e01" }),
    );
  });

  it("exports what app stacks need, and nothing secret", () => {
    const { exports, secretExports } = platform;
    expect(secretExports).toEqual([]);
    expect(Object.keys(exports).filter((k) => /password|secret|token/i.test(k))).toEqual([]);
    expect(exports).toMatchObject({
      fqdn: "pg-orders-prod.postgres.database.azure.com",
      databases: ["orders"],
      appDatabase: "orders",
      appIdentityId: arm("Microsoft.ManagedIdentity/userAssignedIdentities/id-orders-api"),
      appIdentityClientId: APP_CLIENT_ID,
      appIdentityPrincipalName: "id-orders-api",
      appSubnetId: APP_SUBNET_ID,
    });
    expect(exports.loginGuideMarkdown).toContain("## id-orders-api (ManagedIdentity)");
  });
});

describe("examples/app", () => {
  it("connects to the platform's server as the identity, by name, over TLS", () => {
    expect(app.exports.connection).toEqual({
      host: "pg-orders-prod.postgres.database.azure.com",
      port: 5432,
      database: "orders",
      user: "id-orders-api",
      sslmode: "require",
      azureClientId: APP_CLIENT_ID,
      tokenScope: "https://ossrdbms-aad.database.windows.net/.default",
      uri: "postgresql://id-orders-api@pg-orders-prod.postgres.database.azure.com:5432/orders?sslmode=require",
    });
  });

  it("exports environment variables without any password", () => {
    expect(app.exports.environment).toEqual({
      PGHOST: platform.exports.fqdn,
      PGPORT: "5432",
      PGDATABASE: "orders",
      PGUSER: platform.exports.appIdentityPrincipalName,
      PGSSLMODE: "require",
      AZURE_CLIENT_ID: platform.exports.appIdentityClientId,
    });
    expect(app.secretExports).toEqual([]);
    expect(JSON.stringify(app.exports)).not.toMatch(/password/i);
  });

  it("passes on the identity and subnet the app's compute needs", () => {
    expect(app.exports.identityId).toBe(platform.exports.appIdentityId);
    expect(app.exports.subnetId).toBe(APP_SUBNET_ID);
  });
});

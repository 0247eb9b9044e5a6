import { managedidentity } from "@pulumi/azure-native";
import { EntraPostgres, EntraPostgresArgs } from "../components/EntraPostgres";
import { InputError } from "../components/errors";
import { FAKE_TENANT, MockCloud, settle, valueOf } from "../scripts/offline/mockCloud";
import { IDS, evaluate, validServerArgs } from "./support/fixtures";

function args(): EntraPostgresArgs {
  return {
    server: validServerArgs(),
    deployer: { principalName: "ci-deployer", principalType: "ServicePrincipal", ipAddress: "203.0.113.7" },
    databases: [{ name: "orders" }],
    access: [
      { principal: { name: "Data Readers", type: "Group" }, grants: [{ database: "orders", preset: "read" }] },
      { principal: { name: "pg-dba", type: "Group" }, grants: [{ database: "orders", preset: "owner" }] },
    ],
  };
}

async function build(a: EntraPostgresArgs) {
  let component: EntraPostgres | undefined;
  const { cloud, error } = await evaluate(() => (component = new EntraPostgres("orders", a)));
  if (error) throw error;
  return { cloud, component: component! };
}

const provider = (cloud: MockCloud) => cloud.byType("pulumi:providers:postgresql")[0];

describe("a preview of a brand-new stack", () => {
  // The server's host name and a new identity's principal id are unknown until Azure creates them.
  const program = () => {
    const api = new managedidentity.UserAssignedIdentity("api", { resourceGroupName: "rg-orders-dev", resourceName: "id-orders-api" });
    return new EntraPostgres("orders", {
      ...args(),
      access: [
        ...args().access!,
        {
          principal: { name: "id-orders-api", type: "ManagedIdentity", objectId: api.principalId },
          grants: [{ database: "orders", preset: "readWrite" }],
        },
      ],
    });
  };
  const view = (cloud: MockCloud) => cloud.resources.map((r) => `${r.type} ${r.name}`).sort();

  it("registers the same resources as the update and raises nothing", async () => {
    const preview = await evaluate(program, { preview: true });
    const up = await evaluate(program);
    expect(preview.error).toBeUndefined();
    expect(up.error).toBeUndefined();
    expect(view(preview.cloud)).toEqual(view(up.cloud));
    expect(view(up.cloud).length).toBeGreaterThan(30);
  });

  it("really is a preview: what Azure computes is unknown to the program", async () => {
    let component: EntraPostgres | undefined;
    const preview = await evaluate(() => (component = program()), { preview: true });
    expect(preview.error).toBeUndefined();
    // An apply on an unknown value never runs in a preview.
    let seen: string | undefined;
    component!.fqdn.apply((host) => (seen = host));
    await settle();
    expect(seen).toBeUndefined();
    const label = preview.cloud
      .byType("postgresql:index/securityLabel:SecurityLabel")
      .find((r) => r.inputs.objectName === "id-orders-api")!;
    expect(label.inputs.label).toEqual({ __pulumiUnknown: true }); // how the mock records an unknown input
  });
});

describe("EntraPostgres", () => {
  it("connects as the deployer with its Azure token, over TLS, not as superuser", async () => {
    const { cloud } = await build(args());
    // Provider configuration travels as strings (the SDK JSON-encodes non-string values).
    expect(provider(cloud).inputs).toMatchObject({
      host: "pg-orders-dev.postgres.database.azure.com",
      port: "5432",
      username: "ci-deployer",
      azureIdentityAuth: "true",
      azureTenantId: FAKE_TENANT,
      sslmode: "require",
      superuser: "false",
    });
    expect(JSON.stringify(provider(cloud).inputs)).not.toMatch(/password/i);
  });

  it("declares the deployer an administrator and opens the firewall to its address only", async () => {
    const { cloud } = await build(args());
    const admins = cloud.byType("azure-native:dbforpostgresql:AdministratorsMicrosoftEntra").map((r) => r.inputs.principalName);
    expect(admins).toContain("ci-deployer");
    expect(cloud.byType("azure-native:dbforpostgresql:FirewallRule").map((r) => r.inputs)).toContainEqual(
      expect.objectContaining({ firewallRuleName: "deployer", startIpAddress: "203.0.113.7", endIpAddress: "203.0.113.7" }),
    );
  });

  it("waits for the end of the server's chain (every administrator) before the first SQL", async () => {
    const { cloud } = await build(args());
    const admins = cloud.byType("azure-native:dbforpostgresql:AdministratorsMicrosoftEntra");
    const last = admins.find((a) => !admins.some((b) => b.dependencies.includes(a.urn)))!;
    expect(provider(cloud).dependencies).toContain(last.urn);
  });

  it("treats administrators in the access list as administrators and looks up the others' object ids", async () => {
    const { cloud } = await build(args());
    const roles = cloud.byType("postgresql:index/role:Role").map((r) => r.inputs.name);
    expect(roles).toEqual(expect.arrayContaining(["Data Readers", "orders_owner"]));
    expect(roles).not.toContain("pg-dba");
    expect(cloud.invokes).toContainEqual({
      token: "azuread:index/getGroup:getGroup",
      inputs: expect.objectContaining({ displayName: "Data Readers" }),
    });
    const label = cloud.byType("postgresql:index/securityLabel:SecurityLabel")[0].inputs.label;
    expect(label).toBe(`aadauth,oid=${IDS.readers},type=group`);
  });

  it("outputs a login guide for every administrator and principal", async () => {
    const { component } = await build(args());
    const guide = await valueOf(component.loginGuide);
    expect(guide.map((e) => e.principal).sort()).toEqual(["alice@contoso.com", "ci-deployer", "Data Readers", "pg-dba"].sort());
    expect(guide.find((e) => e.principal === "Data Readers")!.host).toBe("pg-orders-dev.postgres.database.azure.com");
    expect(await valueOf(component.loginGuideMarkdown)).toContain("## Data Readers (Group)");
  });

  it("grants on an existing server without creating any Azure resource", async () => {
    const a = args();
    delete a.server;
    a.existingServer = {
      fqdn: "pg-shared.postgres.database.azure.com",
      groupSync: true,
      administrators: [
        { principalName: "ci-deployer", principalType: "ServicePrincipal" },
        { principalName: "pg-dba", principalType: "Group" },
      ],
    };
    delete a.deployer.ipAddress;
    const { cloud, component } = await build(a);
    expect(cloud.resources.filter((r) => r.type.startsWith("azure-native:"))).toEqual([]);
    expect(provider(cloud).inputs.host).toBe("pg-shared.postgres.database.azure.com");
    // The upstream provider refuses azureIdentityAuth without a tenant: it comes from the client config.
    expect(provider(cloud).inputs).toEqual(expect.objectContaining({ azureIdentityAuth: "true", azureTenantId: FAKE_TENANT }));
    const own = await build({ ...a, existingServer: { ...a.existingServer, tenantId: "11111111-0000-4000-8000-000000000001" } });
    expect(provider(own.cloud).inputs.azureTenantId).toBe("11111111-0000-4000-8000-000000000001");
    const readers = (await valueOf(component.loginGuide)).find((e) => e.principal === "Data Readers")!;
    expect(readers.notes.join()).toMatch(/Group sync is ON/);
  });

  it.each([
    [
      "both server and existingServer",
      (a: EntraPostgresArgs) => (a.existingServer = { fqdn: "x", administrators: [] }),
      "server / existingServer",
    ],
    [
      "a deployer that is not an administrator of the existing server",
      (a: EntraPostgresArgs) => {
        delete a.server;
        a.existingServer = { fqdn: "x", administrators: [{ principalName: "pg-dba", principalType: "Group" }] };
      },
      "deployer.principalName",
    ],
    [
      "a deployer address in VNet mode",
      (a: EntraPostgresArgs) => {
        a.server!.network = {
          mode: "vnet",
          delegatedSubnetId: "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
          privateDnsZoneId: "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/privateDnsZones/x.postgres.database.azure.com",
        };
      },
      "deployer.ipAddress",
    ],
    ["a bad server name", (a: EntraPostgresArgs) => (a.server!.serverName = "Bad_Name"), "server.serverName"],
    [
      "a bad deployer address",
      (a: EntraPostgresArgs) => (a.deployer.ipAddress = "300.1.1.1"),
      "server.network.firewallRules[1].startIpAddress",
    ],
    [
      "a grant on an unknown database",
      (a: EntraPostgresArgs) => (a.access![0].grants[0].database = "ordres"),
      "access[0].grants[0].database",
    ],
  ])("rejects %s before registering anything", async (_what, change, field) => {
    const a = args();
    change(a);
    const { cloud, error } = await evaluate(() => new EntraPostgres("orders", a));
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).issues.map((i) => i.field)).toContain(field);
    expect(cloud.resources).toEqual([]);
  });

  it("reports server and access problems together", async () => {
    const a = args();
    a.server!.version = "9";
    a.access![0].grants[0].preset = "write" as never;
    const { error } = await evaluate(() => new EntraPostgres("orders", a));
    expect((error as InputError).issues.map((i) => i.field).sort()).toEqual(["access[0].grants[0].preset", "server.version"]);
  });
});

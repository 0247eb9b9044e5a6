import * as pulumi from "@pulumi/pulumi";
import { managedidentity } from "@pulumi/azure-native";
import { EntraPostgres } from "../../components/postgres/EntraPostgres";
import type { EntraPostgresArgs, ExistingServerArgs } from "../../components/postgres/args";
import { InputError } from "../../components/errors";
import { nameKey } from "../../components/principals";
import { FAKE_TENANT, MockCloud, settle, valueOf } from "../../scripts/offline/mockCloud";
import * as path from "path";
import { runDeployment } from "../support/deploymentRun";
import { IDS, evaluate, validServerArgs } from "../support/fixtures";

function args(): EntraPostgresArgs {
  return {
    server: validServerArgs(),
    deployer: { name: "ci-deployer", type: "ServicePrincipal" },
    deployerIpAddress: "203.0.113.7",
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

type Change = (a: EntraPostgresArgs) => void;
const rules = (...names: string[]) => ({
  mode: "public" as const,
  firewallRules: names.map((name, i) => ({ name, startIpAddress: `203.0.113.${i + 1}`, endIpAddress: `203.0.113.${i + 1}` })),
});
const existing =
  (over: Partial<ExistingServerArgs> = {}): Change =>
  (a) => {
    delete a.server;
    delete a.deployerIpAddress;
    a.existingServer = {
      fqdn: "pg-shared.postgres.database.azure.com",
      administrators: [
        { name: "ci-deployer", type: "ServicePrincipal" },
        { name: "pg-dba", type: "Group" },
      ],
      ...over,
    };
  };
const withAdmins = (...more: ExistingServerArgs["administrators"]) =>
  existing({ administrators: [{ name: "ci-deployer", type: "ServicePrincipal" }, ...more] });
const addEntry =
  (name: string, type: "User" | "Group" | "ServicePrincipal" | "ManagedIdentity", objectId?: string): Change =>
  (a) =>
    a.access!.push({ principal: { name, type, objectId }, grants: [{ database: "orders", preset: "read" }] });

const MI = { principalId: "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b", clientId: "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d" };
/** A managed identity administrator of the new server, as plain strings. */
const identityAdmin =
  (over: Record<string, unknown> = {}): Change =>
  (a) =>
    a.server!.administrators!.push({
      name: "id-orders-api",
      type: "ManagedIdentity",
      managedIdentity: { principalId: MI.principalId, clientId: MI.clientId, name: "id-orders-api" },
      ...over,
    });
const both =
  (...changes: Change[]): Change =>
  (a) => {
    for (const c of changes) c(a);
  };

/** One bad input: one InputError naming the field, and nothing registered, not even the component. */
async function rejectsBeforeRegistering(_what: string, change: Change, field: string): Promise<void> {
  const a = args();
  change(a);
  const { cloud, error } = await evaluate(() => new EntraPostgres("orders", a));
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).issues.map((i) => i.field)).toContain(field);
  expect(cloud.resources).toEqual([]);
}

/** Issue 12: bad input of every class, each rejected before anything registers. */
const COMPONENT_BAD: [string, Change, string][] = [
  ["a deployer object id that is not a UUID", (a) => (a.deployer.objectId = "ci-deployer"), "deployer.objectId"],
  ["a deployer object id of another administrator", (a) => (a.deployer.objectId = IDS.dbaGroup), "deployer.objectId"],
  // 7. What can be checked early is: a client id where an object id belongs.
  [
    "a managed identity administrator's client id as its objectId",
    identityAdmin({ objectId: MI.clientId }),
    "server.administrators[2].objectId",
  ],
  [
    "a managed identity administrator's client id as its principalId",
    identityAdmin({ managedIdentity: { principalId: MI.clientId, clientId: MI.clientId } }),
    "server.administrators[2].managedIdentity.principalId",
  ],
  [
    "a managed identity administrator whose name is not its name",
    identityAdmin({ managedIdentity: { principalId: MI.principalId, name: "id-orders-worker" } }),
    "server.administrators[2].name",
  ],
  [
    "an access entry whose objectId is an administrator identity's client id",
    both(identityAdmin(), addEntry("id-orders-api-2", "ManagedIdentity", MI.clientId)),
    "access[2].principal.objectId",
  ],
  [
    "an access entry whose objectId is an administrator's clientId",
    both(
      (a) =>
        a.server!.administrators!.push({
          name: "ci-app",
          type: "ServicePrincipal",
          objectId: IDS.ciApp,
          clientId: IDS.ciAppClient,
        }),
      addEntry("ci-app-reader", "ServicePrincipal", IDS.ciAppClient.toUpperCase()),
    ),
    "access[2].principal.objectId",
  ],
  [
    "an access entry under another name with a managed identity administrator's principal id",
    both(identityAdmin(), addEntry("orders-api", "ManagedIdentity", MI.principalId)),
    "access[2].principal.objectId",
  ],
  // 1. Names Azure compares without regard to case.
  [
    "the TLS parameter in mixed case",
    (a) => (a.server!.serverParameters = { Require_Secure_Transport: "OFF" }),
    'server.serverParameters["Require_Secure_Transport"]',
  ],
  [
    "the group-sync parameter in mixed case",
    (a) => (a.server!.serverParameters = { "pgaadauth.Enable_Group_Sync": "ON" }),
    'server.serverParameters["pgaadauth.Enable_Group_Sync"]',
  ],
  ["firewall rules office and Office", (a) => (a.server!.network = rules("office", "Office")), "server.network.firewallRules[1].name"],
  [
    "administrators whose object ids differ in case",
    (a) => a.server!.administrators!.push({ name: "bob@contoso.com", type: "User", objectId: IDS.alice.toUpperCase() }),
    "server.administrators[2].objectId",
  ],
  // 2. Names the component generates.
  ["a user rule named deployer", (a) => (a.server!.network = rules("deployer")), "server.network.firewallRules[0].name"],
  ["a user rule named Deployer", (a) => (a.server!.network = rules("office", "Deployer")), "server.network.firewallRules[1].name"],
  ["a user rule named DEPLOYER", (a) => (a.server!.network = rules("a", "b", "DEPLOYER")), "server.network.firewallRules[2].name"],
  [
    "a user rule named AllowAll beside allowAllAddresses",
    (a) => (a.server!.network = { ...rules("allowall"), allowAllAddresses: true }),
    "server.network.firewallRules[0].name",
  ],
  // 3. One identity, two entries.
  [
    "an entry named as an administrator group but in other case",
    (a) => (a.access![1].principal.name = "PG-DBA"),
    "access[1].principal.name",
  ],
  ["an entry named as an administrator user but in other case", addEntry("Alice@Contoso.com", "User"), "access[2].principal.name"],
  ["an entry named as the deployer but in other case", addEntry("CI-DEPLOYER", "ServicePrincipal"), "access[2].principal.name"],
  [
    "two entries with one object id in different case",
    (a) => {
      a.access![0].principal.objectId = IDS.readers;
      addEntry("Report Readers", "Group", IDS.readers.toUpperCase())(a);
    },
    "access[2].principal.objectId",
  ],
  [
    "an entry with an administrator's object id under another name",
    addEntry("Alice Smith", "Group", IDS.alice.toUpperCase()),
    "access[2].principal.objectId",
  ],
  [
    "a deployer spelled as an existing server's administrator except for case",
    (a) => {
      existing()(a);
      a.deployer.name = "CI-Deployer";
    },
    "deployer.name",
  ],
  ["a role creator spelled as an administrator except for case", (a) => (a.roleCreator = "PG-DBA"), "roleCreator"],
  // 4. existingServer, field by field.
  ["an fqdn that is a URL", existing({ fqdn: "https://pg-shared.postgres.database.azure.com" }), "existingServer.fqdn"],
  ["an fqdn with a space", existing({ fqdn: "pg shared.postgres.database.azure.com" }), "existingServer.fqdn"],
  ["an fqdn with a path", existing({ fqdn: "pg-shared.postgres.database.azure.com/orders" }), "existingServer.fqdn"],
  ["an fqdn with a port", existing({ fqdn: "pg-shared.postgres.database.azure.com:5432" }), "existingServer.fqdn"],
  ["an empty fqdn", existing({ fqdn: "" }), "existingServer.fqdn"],
  ["an unknown administrator type", withAdmins({ name: "pg-dba", type: "Team" as never }), "existingServer.administrators[1].type"],
  ["ARM's spelling of a managed identity", withAdmins({ name: "id-x", type: "Unknown" as never }), "existingServer.administrators[1].type"],
  ["an administrator name over 63 bytes", withAdmins({ name: "ä".repeat(32), type: "Group" }), "existingServer.administrators[1].name"],
  ["an administrator user without a UPN", withAdmins({ name: "Alice Smith", type: "User" }), "existingServer.administrators[1].name"],
  ["an administrator name with a newline", withAdmins({ name: "pg\ndba", type: "Group" }), "existingServer.administrators[1].name"],
  [
    "one administrator twice, in two cases",
    withAdmins({ name: "pg-dba", type: "Group" }, { name: "PG-DBA", type: "Group" }),
    "existingServer.administrators[2].name",
  ],
  ["port 0", existing({ port: 0 }), "existingServer.port"],
  ["port 70000", existing({ port: 70000 }), "existingServer.port"],
  ["a fractional port", existing({ port: 5432.5 }), "existingServer.port"],
  ["a tenant id that is a domain", existing({ tenantId: "contoso.onmicrosoft.com" }), "existingServer.tenantId"],
  // 5. Edge values.
  [
    "a preset grant on no schemas",
    (a) => (a.access![0].grants = [{ database: "orders", schemas: [], preset: "read" }]),
    "access[0].grants[0].schemas",
  ],
  ["a principal name with a newline", (a) => (a.access![0].principal.name = "Data\nReaders"), "access[0].principal.name"],
  ["a principal name with NUL", (a) => (a.access![0].principal.name = "Data\u0000Readers"), "access[0].principal.name"],
  ["a database name with a newline", (a) => (a.databases = [{ name: "orders\n" }]), "databases[0].name"],
  ["a deployer name with a newline", (a) => (a.deployer.name = "ci-deployer\n"), "deployer.name"],
  [
    "a server administrator name with a vertical tab",
    (a) => (a.server!.administrators![0].name = "pg\u000bdba"),
    "server.administrators[0].name",
  ],
  // 6. Field paths as the user wrote them.
  ["a bad deployer address", (a) => (a.deployerIpAddress = "203.0.113"), "deployerIpAddress"],
  ["a deployer address of 0.0.0.0", (a) => (a.deployerIpAddress = "0.0.0.0"), "deployerIpAddress"],
  [
    "privileges as a list",
    (a) => (a.access![0].grants = [{ database: "orders", privileges: ["SELECT"] as never }]),
    "access[0].grants[0].privileges",
  ],
];

/** Edge inputs that are accepted. */
const COMPONENT_GOOD: [string, Change][] = [
  ["a managed identity administrator as plain strings", identityAdmin()],
  [
    "a managed identity administrator granted to by name, with its principal id",
    both(identityAdmin(), (a) =>
      a.access!.push({
        principal: { name: "id-orders-api", type: "ManagedIdentity", objectId: MI.principalId.toUpperCase() },
        grants: [{ database: "orders", preset: "read" }],
      }),
    ),
  ],
  ["a managed identity administrator with its principal id as objectId", identityAdmin({ objectId: MI.principalId })],
  ["a user rule named deployer-2", (a) => (a.server!.network = rules("deployer-2"))],
  [
    "a user rule named deployer when the deployer has no address",
    (a) => {
      a.server!.network = rules("deployer");
      delete a.deployerIpAddress;
    },
  ],
  ["an entry spelled exactly as an administrator", addEntry("alice@contoso.com", "User")],
  ["an existing server with an upper-case host name", existing({ fqdn: "PG-Shared.postgres.database.azure.com" })],
  ["an existing server on PgBouncer's port", existing({ port: 6432 })],
  ["an unmanaged server parameter in mixed case", (a) => (a.server!.serverParameters = { Log_Min_Duration_Statement: "500" })],
];

describe("the deployer's object id", () => {
  const deployerAdmin = (cloud: MockCloud) =>
    cloud.byType("azure-native:dbforpostgresql:AdministratorsMicrosoftEntra").find((r) => r.inputs.principalName === "ci-deployer")!.inputs
      .objectId;

  it("comes from whoever runs the program, unless stack config gives it", async () => {
    const other = "0e0e0e0e-0000-4000-8000-0000000000ee";
    const byRunner = await evaluate(() => new EntraPostgres("orders", args()), { deployerObjectId: other });
    expect(deployerAdmin(byRunner.cloud)).toBe(other);
    // Given in config: the same administrator whoever previews (no diff for a read-only identity).
    const given = "0d0d0d0d-0000-4000-8000-0000000000DD";
    const pinned = args();
    pinned.deployer.objectId = given;
    const a = await evaluate(() => new EntraPostgres("orders", pinned), { deployerObjectId: other });
    const b = await evaluate(() => new EntraPostgres("orders", pinned));
    expect(deployerAdmin(a.cloud)).toBe(given.toLowerCase());
    expect(deployerAdmin(b.cloud)).toBe(given.toLowerCase());
  });
});

describe("who runs the program", () => {
  const clientConfigCalls = (cloud: MockCloud) =>
    cloud.invokes.filter((i) => i.token === "azure-native:authorization:getClientConfig").length;

  it("is not asked when config gives the tenant and the deployer's object id: the plan does not depend on the runner", async () => {
    const given = args();
    given.deployer.objectId = "0d0d0d0d-0000-4000-8000-0000000000dd";
    given.server!.tenantId = "0c0c0c0c-0000-4000-8000-0000000000cc";
    const a = await evaluate(() => new EntraPostgres("orders", given));
    const b = await evaluate(() => new EntraPostgres("orders", given), { deployerObjectId: "0e0e0e0e-0000-4000-8000-0000000000ee" });
    expect(clientConfigCalls(a.cloud)).toBe(0);
    expect(provider(a.cloud).inputs.azureTenantId).toBe("0c0c0c0c-0000-4000-8000-0000000000cc");
    // Same registrations whoever runs it.
    expect(b.cloud.resources.map((r) => [r.urn, r.inputs])).toEqual(a.cloud.resources.map((r) => [r.urn, r.inputs]));
  });

  it("is asked once per server for whichever of the two is missing", async () => {
    const noTenant = args();
    noTenant.deployer.objectId = "0d0d0d0d-0000-4000-8000-0000000000dd";
    const a = await evaluate(() => new EntraPostgres("orders", noTenant));
    expect(clientConfigCalls(a.cloud)).toBe(1);
    expect(provider(a.cloud).inputs.azureTenantId).toBe(FAKE_TENANT);
    const noObjectId = args();
    noObjectId.server!.tenantId = "0c0c0c0c-0000-4000-8000-0000000000cc";
    const b = await evaluate(() => new EntraPostgres("orders", noObjectId));
    expect(clientConfigCalls(b.cloud)).toBe(1);
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
        { name: "ci-deployer", type: "ServicePrincipal" },
        { name: "pg-dba", type: "Group" },
      ],
    };
    delete a.deployerIpAddress;
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
        a.existingServer = { fqdn: "x", administrators: [{ name: "pg-dba", type: "Group" }] };
      },
      "deployer.name",
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
      "deployerIpAddress",
    ],
    ["a bad server name", (a: EntraPostgresArgs) => (a.server!.serverName = "Bad_Name"), "server.serverName"],
    ["a bad deployer address", (a: EntraPostgresArgs) => (a.deployerIpAddress = "300.1.1.1"), "deployerIpAddress"],
    [
      "a grant on an unknown database",
      (a: EntraPostgresArgs) => (a.access![0].grants[0].database = "ordres"),
      "access[0].grants[0].database",
    ],
  ])("rejects %s before registering anything", rejectsBeforeRegistering);

  it.each(COMPONENT_BAD)("rejects %s before registering anything", rejectsBeforeRegistering);

  it.each([
    ["an address that is not IPv4", "300.1.1.1"],
    ["a host name", "office.contoso.com"],
    ["0.0.0.0, which would mean every Azure tenant", "0.0.0.0"],
  ])("reports a bad deployerIpAddress (%s) as deployerIpAddress, not as a rule the component appended", async (_what, ip) => {
    const a = args();
    a.deployerIpAddress = ip;
    const { cloud, error } = await evaluate(() => new EntraPostgres("orders", a));
    const fields = (error as InputError).issues.map((i) => i.field);
    expect(fields).toContain("deployerIpAddress");
    expect(fields.filter((f) => f.includes("firewallRules"))).toEqual([]);
    expect(cloud.resources).toEqual([]);
  });

  it("reports a reserved database once, without a second line about undeclared databases", async () => {
    const a = args();
    a.databases = [{ name: "postgres" }];
    for (const e of a.access!) e.grants = [{ database: "postgres", preset: "read" }];
    const { cloud, error } = await evaluate(() => new EntraPostgres("orders", a));
    expect((error as InputError).issues.map((i) => i.field)).toEqual(["databases[0].name"]);
    expect((error as InputError).message).not.toContain("(none)");
    expect(cloud.resources).toEqual([]);
  });

  it("says a map of object kinds is expected when privileges is a list", async () => {
    const a = args();
    a.access![0].grants = [{ database: "orders", privileges: ["SELECT"] as never }];
    const { error } = await evaluate(() => new EntraPostgres("orders", a));
    expect((error as InputError).message).toMatch(/access\[0\]\.grants\[0\]\.privileges = \["SELECT"\]: a map from object kinds/);
  });

  it("tells a deployer spelled in another case which spelling the server has", async () => {
    const a = args();
    existing()(a);
    a.deployer.name = "CI-Deployer";
    const { error } = await evaluate(() => new EntraPostgres("orders", a));
    expect((error as InputError).issues).toEqual([
      expect.objectContaining({ field: "deployer.name", allowed: expect.stringContaining('"ci-deployer"') }),
    ]);
  });

  it.each([
    ["a new server", (_a: EntraPostgresArgs) => undefined],
    ["an existing server", existing({ administrators: [{ name: "ci-deployer\n", type: "ServicePrincipal" }] })],
  ])("reports a deployer and a role creator with control characters once each, on %s", async (_what, change) => {
    const a = args();
    change(a);
    a.deployer.name = "ci-deployer\n";
    a.roleCreator = "first\u0000";
    const { cloud, error } = await evaluate(() => new EntraPostgres("orders", a));
    const fields = (error as InputError).issues.map((i) => i.field);
    expect(fields.filter((f) => f.startsWith("deployer"))).toEqual(["deployer.name"]);
    expect(fields.filter((f) => f === "roleCreator")).toHaveLength(1);
    expect(cloud.resources).toEqual([]);
  });

  it("says which generated rule a user's rule collides with", async () => {
    const a = args();
    a.server!.network = {
      mode: "public",
      firewallRules: [{ name: "Deployer", startIpAddress: "203.0.113.1", endIpAddress: "203.0.113.1" }],
    };
    const { error } = await evaluate(() => new EntraPostgres("orders", a));
    expect((error as InputError).issues).toEqual([
      expect.objectContaining({ field: "server.network.firewallRules[0].name", allowed: expect.stringMatching(/deployerIpAddress/) }),
    ]);
  });

  it.each(COMPONENT_GOOD)("accepts %s", async (_what, change) => {
    const a = args();
    change(a);
    const { error } = await evaluate(() => new EntraPostgres("orders", a));
    expect(error).toBeUndefined();
  });

  it("reports server and access problems together", async () => {
    const a = args();
    a.server!.version = "9" as never;
    a.access![0].grants[0].preset = "write" as never;
    const { error } = await evaluate(() => new EntraPostgres("orders", a));
    expect((error as InputError).issues.map((i) => i.field).sort()).toEqual(["access[0].grants[0].preset", "server.version"]);
  });
});

/**
 * Issue 12, class 7: with group sync on, a user's name must be Entra's spelling of its UPN. Entra finds
 * the user whatever the case; the lookup then compares, and the server (or, on an existing server, the
 * provider) waits for every lookup, so nothing but the components registers, and the error is one.
 */
describe("a user spelled otherwise than Entra's UPN, with group sync on", () => {
  const PROGRAMS = path.join(__dirname, "../support/failingPrograms.ts");
  const AZURE_OR_SQL = /^(azure-native:|postgresql:|pulumi:providers:)/;

  it.each([
    ["an access entry, other case", "upnInOtherCaseWithGroupSync", "access[1].principal.name", "Bob@Contoso.com"],
    ["an access entry, upper case", "upnInUpperCaseWithGroupSync", "access[1].principal.name", "BOB@CONTOSO.COM"],
    ["an access entry on an existing server", "upnInOtherCaseWithGroupSyncOnExistingServer", "access[1].principal.name", "bob@Contoso.com"],
    ["a server administrator", "administratorUpnInOtherCaseWithGroupSync", "administrators[Bob@contoso.com].name", "Bob@contoso.com"],
  ])("%s: one error naming the field and the UPN to use, nothing registered", (_what, program, field, given) => {
    const outcome = runDeployment(PROGRAMS, program);
    expect(outcome.errors).toHaveLength(1);
    expect(outcome.errors[0]).toContain(`${field} = ${JSON.stringify(given)}`);
    expect(outcome.errors[0]).toContain("exactly as Entra has it, bob@contoso.com");
    expect(outcome.registered.filter((r) => AZURE_OR_SQL.test(r.type))).toEqual([]);
  });

  it.each([
    ["the exact UPN with group sync on", "exactUpnWithGroupSync", "bob@contoso.com"],
    [
      "another case with group sync off (Entra finds the user; the role has the given name)",
      "upnInOtherCaseWithoutGroupSync",
      "Bob@Contoso.com",
    ],
  ])("accepts %s", (_what, program, role) => {
    const outcome = runDeployment(PROGRAMS, program);
    expect(outcome.errors).toEqual([]);
    // The role and its label are named by the exact name given (nameKey), so another spelling is another role.
    for (const type of ["postgresql:index/role:Role", "postgresql:index/securityLabel:SecurityLabel"])
      expect(outcome.registered.filter((r) => r.type === type).map((r) => r.name)).toContainEqual(expect.stringContaining(nameKey(role)));
  });
});

/** Issue 13.6: the deployer's address may come from a resource (a NAT gateway's or a runner's public IP). */
describe("deployerIpAddress as another resource's output", () => {
  const PROGRAMS = path.join(__dirname, "../support/failingPrograms.ts");
  const AZURE_OR_SQL = /^(azure-native:|postgresql:|pulumi:providers:)/;

  it("opens the deployer rule to the address the output resolves to, and the provider waits for that rule", async () => {
    const { cloud, error } = await evaluate(() => {
      const nat = new managedidentity.UserAssignedIdentity("nat-stand-in", { resourceGroupName: "rg-data-dev", resourceName: "nat" });
      return new EntraPostgres("orders", { ...args(), deployerIpAddress: nat.name.apply(() => "198.51.100.77") });
    });
    expect(error).toBeUndefined();
    const rule = cloud.byType("azure-native:dbforpostgresql:FirewallRule").find((r) => r.inputs.firewallRuleName === "deployer")!;
    expect(rule.inputs).toMatchObject({ startIpAddress: "198.51.100.77", endIpAddress: "198.51.100.77" });
    expect(rule.dependencies).toContain(cloud.resources.find((r) => r.name === "nat-stand-in")!.urn);
    // The provider connects after the end of the server chain, which comes after every firewall rule.
    const chainEnd = (urn: string): string[] => {
      const r = cloud.resources.find((x) => x.urn === urn)!;
      return [urn, ...r.dependencies.flatMap(chainEnd)];
    };
    expect(chainEnd(provider(cloud).urn)).toContain(rule.urn);
  });

  it.each([
    ["the deployer's address", "deployerAddressOutputNotAnAddress", 'deployerIpAddress = "203.0.113"'],
    ["a firewall rule's range", "firewallRangeOutputBackwards", 'network.firewallRules[nat].endIpAddress = "198.51.100.1"'],
  ])("%s, resolved to a bad value: one error naming the field, before the server is created", (_what, program, text) => {
    const outcome = runDeployment(PROGRAMS, program);
    expect(outcome.errors).toHaveLength(1);
    expect(outcome.errors[0]).toContain(text);
    expect(outcome.registered.filter((r) => r.type === "azure-native:dbforpostgresql:Server")).toEqual([]);
    expect(outcome.registered.filter((r) => AZURE_OR_SQL.test(r.type)).length).toBe(0);
  });
});

describe("one plan", () => {
  it("pg.plan is the very plan its access child registered from, with the looked-up object ids in it", async () => {
    const { component } = await build(args());
    expect(component.plan).toBe(component.access.plan);
    const readers = component.plan.principals.find((p) => p.name === "Data Readers")!;
    // "Data Readers" has no objectId in the arguments: the plan holds the lookup's result.
    expect(await valueOf(pulumi.output(readers.objectId))).toBe(IDS.readers);
  });
});

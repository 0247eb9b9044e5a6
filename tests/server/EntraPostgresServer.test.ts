import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { EntraPostgresServer } from "../../components/server/EntraPostgresServer";
import type { EntraPostgresServerArgs } from "../../components/server/args";
import { FAKE_DEPLOYER, FAKE_TENANT, MockCloud, RecordedResource, valueOf } from "../../scripts/offline/mockCloud";
import { runDeployment } from "../support/deploymentRun";
import { IDS, evaluate, shortName, validServerArgs } from "../support/fixtures";

const T = {
  server: "azure-native:dbforpostgresql:Server",
  admin: "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra",
  config: "azure-native:dbforpostgresql:Configuration",
  firewall: "azure-native:dbforpostgresql:FirewallRule",
  endpoint: "azure-native:network:PrivateEndpoint",
  lock: "azure-native:authorization:ManagementLockByScope",
  diag: "azure-native:monitor:DiagnosticSetting",
  rbac: "azure-native:authorization:RoleAssignment",
};

/** Not operations of the server (Microsoft.Insights, Microsoft.Authorization): they wait for the server beside the chain. */
const BESIDE_THE_CHAIN = [T.diag, T.rbac];

async function build(args: EntraPostgresServerArgs, name = "pg-orders-dev") {
  let component: EntraPostgresServer | undefined;
  const { cloud, error } = await evaluate(() => (component = new EntraPostgresServer(name, args)));
  if (error) throw error;
  return { cloud, component: component as EntraPostgresServer };
}

function serverOf(cloud: MockCloud): RecordedResource {
  // Read replicas are servers too; the primary is the one not created as a replica.
  const servers = cloud.byType(T.server).filter((s) => s.inputs.createMode !== "Replica");
  expect(servers).toHaveLength(1);
  return servers[0];
}

/** Children of the server in the order Azure will see them, following the dependency chain. */
function chain(cloud: MockCloud): RecordedResource[] {
  const primary = serverOf(cloud);
  const children = cloud.resources.filter((r) => r.custom && r !== primary && !BESIDE_THE_CHAIN.includes(r.type));
  const childUrns = new Set(children.map((c) => c.urn));
  const waitsOn = new Map(children.map((c) => [c, c.dependencies.filter((d) => childUrns.has(d))]));
  const first = children.filter((c) => waitsOn.get(c)!.length === 0);
  expect(first.map((c) => c.name)).toHaveLength(1);
  const ordered: RecordedResource[] = [first[0]];
  let previous = first[0].urn;
  for (;;) {
    const next = children.filter((c) => waitsOn.get(c)!.includes(previous) && !ordered.includes(c));
    if (next.length === 0) break;
    // A fan-out here would let Azure see two operations on the server at once.
    expect(next.map((n) => n.name)).toHaveLength(1);
    ordered.push(next[0]);
    previous = next[0].urn;
  }
  return ordered;
}

describe("EntraPostgresServer: the server", () => {
  it("is Entra-only by default and sends no password administrator", async () => {
    const { cloud } = await build(validServerArgs());
    const server = serverOf(cloud).inputs;
    expect(server.authConfig).toEqual({ activeDirectoryAuth: "Enabled", passwordAuth: "Disabled", tenantId: FAKE_TENANT });
    expect(server).not.toHaveProperty("administratorLogin");
    expect(server).not.toHaveProperty("administratorLoginPassword");
    expect(server.serverName).toBe("pg-orders-dev");
    expect(server.version).toBe("17");
  });

  it("takes the tenant from the arguments over the client configuration", async () => {
    const args = validServerArgs();
    args.tenantId = "11111111-2222-4333-8444-555555555555";
    const { cloud } = await build(args);
    expect((serverOf(cloud).inputs.authConfig as { tenantId: string }).tenantId).toBe(args.tenantId);
    for (const admin of cloud.byType(T.admin)) expect(admin.inputs.tenantId).toBe(args.tenantId);
  });

  it("enables password authentication only on request, with the password kept secret", async () => {
    const args = validServerArgs();
    args.passwordAuth = { administratorLogin: "pgbreakglass", administratorPassword: pulumi.secret("correct-horse-battery") };
    const { cloud } = await build(args);
    const server = serverOf(cloud).inputs;
    expect((server.authConfig as { passwordAuth: string }).passwordAuth).toBe("Enabled");
    expect(server.administratorLogin).toBe("pgbreakglass");
    expect(pulumi.Output.isInstance(server.administratorLoginPassword) || isSecretValue(server.administratorLoginPassword)).toBe(true);
  });

  it("sets TLS and group sync through server parameters, and passes tags through", async () => {
    const args = validServerArgs();
    args.groupSync = true;
    args.tags = { env: "dev", owner: "data-platform" };
    const { cloud } = await build(args);
    const params = Object.fromEntries(cloud.byType(T.config).map((c) => [c.inputs.configurationName, c.inputs.value]));
    expect(params).toEqual({ require_secure_transport: "ON", "pgaadauth.enable_group_sync": "ON" });
    expect(serverOf(cloud).inputs.tags).toEqual(args.tags);
  });

  it("uses the delegated subnet and DNS zone in VNet mode, with no firewall rules", async () => {
    const args = validServerArgs();
    const subnet = "/subscriptions/s/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/pg";
    const zone = "/subscriptions/s/resourceGroups/rg-net/providers/Microsoft.Network/privateDnsZones/orders.postgres.database.azure.com";
    args.network = { mode: "vnet", delegatedSubnetId: subnet, privateDnsZoneId: zone };
    const { cloud } = await build(args);
    expect(serverOf(cloud).inputs.network).toEqual({ delegatedSubnetResourceId: subnet, privateDnsZoneArmResourceId: zone });
    expect(cloud.byType(T.firewall)).toEqual([]);
  });

  it("disables public access and adds a private endpoint in private-endpoint mode, last in the chain", async () => {
    const args = validServerArgs();
    args.network = {
      mode: "privateEndpoint",
      subnetId: "/subscriptions/s/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/endpoints",
      privateDnsZoneId:
        "/subscriptions/s/resourceGroups/rg-net/providers/Microsoft.Network/privateDnsZones/privatelink.postgres.database.azure.com",
    };
    const { cloud } = await build(args);
    expect(serverOf(cloud).inputs.network).toEqual({ publicNetworkAccess: "Disabled" });
    const [endpoint] = cloud.byType(T.endpoint);
    const connections = endpoint.inputs.privateLinkServiceConnections as { groupIds: string[]; privateLinkServiceId: string }[];
    expect(connections[0].groupIds).toEqual(["postgresqlServer"]);
    expect(connections[0].privateLinkServiceId).toContain("/flexibleServers/pg-orders-dev");
    expect(
      chain(cloud)
        .map((r) => r.type)
        .slice(-2),
    ).toEqual([T.endpoint, "azure-native:network:PrivateDnsZoneGroup"]);
  });

  it("reports its outputs", async () => {
    const { component } = await build(validServerArgs());
    expect(await valueOf(component.fqdn)).toBe("pg-orders-dev.postgres.database.azure.com");
    expect(await valueOf(component.tenantId)).toBe(FAKE_TENANT);
    expect(await valueOf(component.serverId)).toMatch(/\/providers\/Microsoft\.DBforPostgreSQL\/flexibleServers\/pg-orders-dev$/);
    expect((await valueOf(component.administrators)).map((a) => [a.name, a.armPrincipalType, a.objectId])).toEqual(
      expect.arrayContaining([
        ["pg-dba", "Group", IDS.dbaGroup],
        ["alice@contoso.com", "User", IDS.alice],
      ]),
    );
  });
});

describe("EntraPostgresServer: administrators", () => {
  it("declares a managed identity as a ServicePrincipal with its principal id, not its client id", async () => {
    const args = validServerArgs();
    const identity = {
      principalId: pulumi.output(IDS.ciApp),
      clientId: pulumi.output(IDS.ciAppClient),
      name: pulumi.output("id-orders-api"),
    };
    args.administrators!.push({ name: "id-orders-api", type: "ManagedIdentity", managedIdentity: identity });
    const { cloud } = await build(args);
    const admin = cloud.byType(T.admin).find((a) => a.inputs.principalName === "id-orders-api");
    expect(admin?.inputs).toMatchObject({ principalType: "ServicePrincipal", objectId: IDS.ciApp });
  });

  it.each([
    ["a user by UPN", { name: "bob@contoso.com", type: "User" as const }, IDS.bob, "azuread:index/getUser:getUser"],
    ["a group by display name", { name: "Data Readers", type: "Group" as const }, IDS.readers, "azuread:index/getGroup:getGroup"],
    [
      "a service principal by client id",
      { name: "ci-deployer", type: "ServicePrincipal" as const, clientId: IDS.ciAppClient },
      IDS.ciApp,
      "azuread:index/getServicePrincipal:getServicePrincipal",
    ],
  ])("looks up %s when the object id is missing", async (_what, admin, expected, token) => {
    const args = validServerArgs();
    args.administrators!.push(admin);
    const { cloud } = await build(args);
    expect(cloud.invokes.map((i) => i.token)).toContain(token);
    expect(cloud.byType(T.admin).find((a) => a.inputs.principalName === admin.name)?.inputs.objectId).toBe(expected);
  });

  it.each([
    ["a principal cannot be found in Entra", "unknownPrincipal", "administrators[nobody@contoso.com].name"],
    ["a managed identity's client id is passed as its object id", "managedIdentityClientIdAsObjectId", "this is its client id"],
  ])("creates no server when %s", (_what, program, message) => {
    const outcome = runDeployment(path.join(__dirname, "../support/failingPrograms.ts"), program);
    expect(outcome.errors.join("\n")).toContain(message);
    expect(outcome.registered.map((r) => r.type)).not.toContain(T.server);
    expect(outcome.registered.map((r) => r.type)).toContain("entra-postgres:index:EntraPostgresServer");
  });

  it("adds the deploying identity with the object id from the client configuration", async () => {
    const args = validServerArgs();
    args.deployerAdministrator = { name: "ci-deployer", type: "ServicePrincipal" };
    const { cloud } = await build(args);
    expect(cloud.byType(T.admin).find((a) => a.inputs.principalName === "ci-deployer")?.inputs).toMatchObject({
      objectId: FAKE_DEPLOYER,
      principalType: "ServicePrincipal",
    });
  });

  it("names each administrator by object id or principal name, never by list position", async () => {
    const { cloud } = await build(validServerArgs());
    const names = cloud
      .byType(T.admin)
      .map((a) => a.name)
      .sort();
    expect(names).toEqual([`pg-orders-dev-admin-${IDS.alice}`, `pg-orders-dev-admin-${IDS.dbaGroup}`].sort());
  });

  it("registers the same administrators with the same inputs when the list is reordered", async () => {
    const a = await build(validServerArgs());
    const reversed = validServerArgs();
    reversed.administrators!.reverse();
    const b = await build(reversed);
    const view = (c: MockCloud) =>
      c
        .byType(T.admin)
        .map((r) => [r.name, r.inputs])
        .sort();
    expect(view(b.cloud)).toEqual(view(a.cloud));
  });

  it("adding an administrator adds one resource and leaves the others' inputs alone", async () => {
    const before = await build(validServerArgs());
    const args = validServerArgs();
    args.administrators!.splice(1, 0, { name: "bob@contoso.com", type: "User", objectId: IDS.bob });
    const after = await build(args);
    const inputsByName = (c: MockCloud) => new Map(c.resources.map((r) => [r.name, JSON.stringify(r.inputs)]));
    const b = inputsByName(before.cloud);
    const added = [...inputsByName(after.cloud)].filter(([name, inputs]) => b.get(name) !== inputs);
    expect(added.map(([name]) => name)).toEqual([`pg-orders-dev-admin-${IDS.bob}`]);
  });
});

describe("EntraPostgresServer: one operation per server at a time", () => {
  it("chains every child of the server: parameters, firewall rules, then administrators one by one", async () => {
    const args = validServerArgs();
    args.administrators!.push({ name: "bob@contoso.com", type: "User", objectId: IDS.bob });
    const { cloud } = await build(args);
    const ordered = chain(cloud);
    const children = cloud.resources.filter((r) => r.custom && r.type !== T.server);
    expect(ordered).toHaveLength(children.length);
    expect(ordered.map((r) => r.type)).toEqual([T.config, T.config, T.firewall, T.admin, T.admin, T.admin]);
    expect(ordered.map((r) => shortName(r.urn))).toEqual(ordered.map((r) => r.name));
  });

  it("keeps issue 15's server operations in the chain: feature parameters, replicas, and the lock last", async () => {
    const args = validServerArgs();
    args.extensions = { allowList: ["pg_trgm"] };
    args.pgBouncer = { enabled: true };
    args.readReplicas = [{ serverName: "pg-orders-ro2" }, { serverName: "pg-orders-ro1", location: "northeurope" }];
    args.lock = { kind: "CanNotDelete" };
    args.diagnosticSettings = [
      { workspaceResourceId: "/subscriptions/s/resourceGroups/r/providers/Microsoft.OperationalInsights/workspaces/w" },
    ];
    args.roleAssignments = [{ roleDefinitionIdOrName: "Reader", principalId: IDS.bob }];
    const { cloud } = await build(args);
    const ordered = chain(cloud);
    const children = cloud.resources.filter((r) => r.custom && r !== serverOf(cloud) && !BESIDE_THE_CHAIN.includes(r.type));
    expect(ordered).toHaveLength(children.length);
    expect(ordered.map((r) => r.name)).toEqual([
      "pg-orders-dev-param-azure.extensions",
      "pg-orders-dev-param-pgaadauth.enable_group_sync",
      "pg-orders-dev-param-pgbouncer.enabled",
      "pg-orders-dev-param-require_secure_transport",
      "pg-orders-dev-fw-office",
      `pg-orders-dev-admin-${IDS.dbaGroup}`,
      `pg-orders-dev-admin-${IDS.alice}`,
      // Replicas by name, not by list position.
      "pg-orders-dev-replica-pg-orders-ro1",
      "pg-orders-dev-replica-pg-orders-ro2",
      "pg-orders-dev-lock",
    ]);
    // Beside the chain, each waits on the primary only, so neither adds a step to the critical path.
    const primary = serverOf(cloud);
    for (const r of cloud.resources.filter((x) => BESIDE_THE_CHAIN.includes(x.type))) expect(r.dependencies).toEqual([primary.urn]);
  });
});

function isSecretValue(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270"
  );
}

describe("EntraPostgresServer: guard rails on what holds data (issue 13.5)", () => {
  /** Resource options as the component passes them, seen through a documented transformation. */
  async function withOptions(args: EntraPostgresServerArgs, options: Parameters<typeof evaluate>[1] = {}) {
    const seen: { type: string; name: string; opts: pulumi.CustomResourceOptions }[] = [];
    const record: pulumi.ResourceTransformation = ({ type, name, opts }) => {
      seen.push({ type, name, opts });
      return undefined;
    };
    let component: EntraPostgresServer | undefined;
    const { cloud, error } = await evaluate(
      () => (component = new EntraPostgresServer("pg-orders-dev", args, { transformations: [record] })),
      options,
    );
    if (error) throw error;
    return { cloud, seen, component: component! };
  }

  it.each([
    ["by default", {}, true],
    ["unless turned off", { protect: false }, false],
  ])("protects the server %s", async (_what, extra, expected) => {
    const { seen } = await withOptions({ ...validServerArgs(), ...extra });
    expect(seen.find((s) => s.type === T.server)?.opts.protect).toBe(expected);
    // Only the server holds data: its children stay replaceable.
    expect(seen.filter((s) => s.type !== T.server && s.opts.protect === true)).toEqual([]);
  });

  const existing = {
    resourceGroupName: "RG-Data-Dev",
    serverName: "pg-orders-dev",
    location: "westeurope",
    backup: { geoRedundantBackup: "Disabled" },
  };

  it("reads the live server before registering it, and goes on when nothing create-only changes", async () => {
    const { cloud } = await withOptions(validServerArgs(), { servers: [existing] });
    expect(cloud.invokes.filter((i) => i.token === "azure-native:dbforpostgresql:getServer").map((i) => i.inputs)).toEqual([
      { resourceGroupName: "rg-data-dev", serverName: "pg-orders-dev" },
    ]);
    expect(cloud.byType(T.server)).toHaveLength(1);
  });

  it("refuses a create-only change before the server is registered, saying how to replace on purpose", () => {
    const outcome = runDeployment(path.join(__dirname, "../support/failingPrograms.ts"), "geoRedundancyTurnedOn", { servers: [existing] });
    const errors = outcome.errors.join("\n");
    expect(errors).toContain("backup.geoRedundant = true");
    expect(errors).toContain("would replace the server with a new, empty one");
    expect(outcome.registered.map((r) => r.type)).not.toContain(T.server);
  });

  it.each([
    ["customerManagedKeyAdded", "not asked for"],
    ["customerManagedKeyAddedOnPurpose", "even with protect: false and allowReplacement: true"],
  ])("refuses a change of encryption mode on an existing server before it is registered (%s: %s)", (program) => {
    const outcome = runDeployment(path.join(__dirname, "../support/failingPrograms.ts"), program, { servers: [existing] });
    const errors = outcome.errors.join("\n");
    expect(errors).toContain('customerManagedKey = "(set)"');
    expect(errors).toContain("refuses to change it for the server's life");
    expect(outcome.registered.map((r) => r.type)).not.toContain(T.server);
  });

  it("refuses removing the customer-managed key of a server created with one", () => {
    const withKey = { ...existing, dataEncryption: { type: "AzureKeyVault" } };
    const outcome = runDeployment(path.join(__dirname, "../support/failingPrograms.ts"), "customerManagedKeyRemoved", {
      servers: [withKey],
    });
    expect(outcome.errors.join("\n")).toContain('customerManagedKey = "(unset)"');
    expect(outcome.registered.map((r) => r.type)).not.toContain(T.server);
  });

  it.each([
    ["a server that does not exist yet", []],
    ["a server created with a customer-managed key", [{ ...existing, dataEncryption: { type: "AzureKeyVault" } }]],
  ])("lets a customer-managed key through for %s", (_what, servers) => {
    const outcome = runDeployment(path.join(__dirname, "../support/failingPrograms.ts"), "customerManagedKeyAdded", { servers });
    expect(outcome.errors).toEqual([]);
    expect(outcome.registered.map((r) => r.type)).toContain(T.server);
  });

  it("lets the same change through when asked for on purpose, and on a server that does not exist yet", () => {
    const onPurpose = runDeployment(path.join(__dirname, "../support/failingPrograms.ts"), "geoRedundancyReplacingOnPurpose", {
      servers: [existing],
    });
    expect(onPurpose.errors).toEqual([]);
    expect(onPurpose.registered.map((r) => r.type)).toContain(T.server);
    const fresh = runDeployment(path.join(__dirname, "../support/failingPrograms.ts"), "geoRedundancyTurnedOn");
    expect(fresh.errors).toEqual([]);
    expect(fresh.registered.map((r) => r.type)).toContain(T.server);
  });

  /** The URN the engine matches an alias `{ name }` against: same parent and type, the alias's name. */
  function aliasUrns(seen: { type: string; name: string; opts: pulumi.CustomResourceOptions }[], urn: string) {
    const entry = seen.find((s) => urn.endsWith(`::${s.name}`) && urn.includes(`$${s.type}::`));
    // The SDK adds aliases of its own (derived from the parents'); ours are the ones that rename.
    const names = (entry?.opts.aliases ?? []).flatMap((a) =>
      typeof (a as { name?: unknown }).name === "string" ? [(a as { name: string }).name] : [],
    );
    return names.map((n) => urn.slice(0, urn.lastIndexOf("::") + 2) + n);
  }

  it.each<[string, EntraPostgresServerArgs["administrators"], EntraPostgresServerArgs["administrators"]]>([
    [
      "its object id is added after it was looked up",
      [{ name: "bob@contoso.com", type: "User" }],
      [{ name: "bob@contoso.com", type: "User", objectId: IDS.bob }],
    ],
    ["the case of its name is corrected", [{ name: "Bob@Contoso.com", type: "User" }], [{ name: "bob@contoso.com", type: "User" }]],
    ["both at once", [{ name: "Bob@Contoso.com", type: "User" }], [{ name: "bob@contoso.com", type: "User", objectId: IDS.bob }]],
  ])("keeps an administrator's resource when %s", async (_what, before, after) => {
    const first = await withOptions({ ...validServerArgs(), administrators: before });
    const second = await withOptions({ ...validServerArgs(), administrators: after });
    const [oldUrn] = first.cloud.byType(T.admin).map((r) => r.urn);
    const [admin] = second.cloud.byType(T.admin);
    // The engine keeps the resource when its URN, or one of its aliases, is the URN of the earlier run.
    expect([admin.urn, ...aliasUrns(second.seen, admin.urn)]).toContain(oldUrn);
    expect(admin.inputs.objectId).toBe(IDS.bob);
  });

  it("names a looked-up administrator without regard to case, so a stack made by 0.1 keeps it through an alias", async () => {
    const upper = await withOptions({
      ...validServerArgs(),
      administrators: [{ name: "Bob@Contoso.com", type: "User" }],
    });
    const lower = await withOptions({
      ...validServerArgs(),
      administrators: [{ name: "bob@contoso.com", type: "User" }],
    });
    expect(upper.cloud.byType(T.admin)[0].name).toBe(lower.cloud.byType(T.admin)[0].name);
    // 0.1 keyed it by the exact spelling: pg-orders-dev-admin-<slug>-<hash of "Bob@Contoso.com">.
    const [admin] = upper.cloud.byType(T.admin);
    expect(aliasUrns(upper.seen, admin.urn).map(shortName)).toEqual([
      expect.stringMatching(/^pg-orders-dev-admin-bob-contoso-com-[0-9a-f]{8}$/),
    ]);
    expect(aliasUrns(upper.seen, admin.urn)[0]).not.toBe(admin.urn);
  });
});

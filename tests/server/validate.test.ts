import { InputError } from "../../components/errors";
import { EntraPostgresServer } from "../../components/server/EntraPostgresServer";
import type { EntraPostgresServerArgs } from "../../components/server/args";
import type { ManagedIdentityRef, PrincipalArgs } from "../../components/principals";
import { nameKey } from "../../components/principals";
import { SERVER_DEFAULTS } from "../../components/server/defaults";
import { planServer } from "../../components/server/plan";
import { isResourceGroupName, validateServerArgs } from "../../components/server/validate";
import { IDS, evaluate, validServerArgs } from "../support/fixtures";
import * as pulumi from "@pulumi/pulumi";

type Case = [description: string, change: (a: EntraPostgresServerArgs) => void, field: string];

const nth = <T>(list: T[] | undefined, i: number): T => (list as T[])[i];

/** Each case breaks one rule; the error must name the field. */
const BAD_INPUTS: Case[] = [
  ["server name too short", (a) => (a.serverName = "pg"), "serverName"],
  ["server name too long", (a) => (a.serverName = "p".repeat(64)), "serverName"],
  ["server name with underscore (the spec's unanchored pattern would let it through)", (a) => (a.serverName = "my_server"), "serverName"],
  ["server name with upper case", (a) => (a.serverName = "PgOrders"), "serverName"],
  ["server name ending in a hyphen", (a) => (a.serverName = "pg-orders-"), "serverName"],
  ["empty resource group", (a) => (a.resourceGroupName = ""), "resourceGroupName"],
  ["resource group of 91 characters", (a) => (a.resourceGroupName = "r".repeat(91)), "resourceGroupName"],
  ["resource group with a slash", (a) => (a.resourceGroupName = "rg/data"), "resourceGroupName"],
  ["location with spaces", (a) => (a.location = "West Europe"), "location"],
  ["tenant id not a UUID", (a) => (a.tenantId = "contoso.onmicrosoft.com"), "tenantId"],
  ["unknown PostgreSQL version", (a) => (a.version = "10" as never), "version"],
  ["unknown SKU tier", (a) => (a.sku = { name: "Standard_D2ds_v5", tier: "Premium" as never }), "sku.tier"],
  ["Burstable tier with a General Purpose size", (a) => (a.sku = { name: "Standard_D2ds_v5", tier: "Burstable" }), "sku.name"],
  ["storage size not offered", (a) => (a.storage = { sizeGb: 100 }), "storage.sizeGb"],
  ["backup retention below 7 days", (a) => (a.backup = { retentionDays: 3 }), "backup.retentionDays"],
  ["backup retention above 35 days", (a) => (a.backup = { retentionDays: 36 }), "backup.retentionDays"],
  ["unknown high-availability mode", (a) => (a.highAvailability = "Regional" as never), "highAvailability"],
  [
    "HA on Burstable",
    (a) => ((a.sku = { name: "Standard_B1ms", tier: "Burstable" }), (a.highAvailability = "ZoneRedundant")),
    "highAvailability",
  ],
  ["availability zone 4", (a) => (a.availabilityZone = "4"), "availabilityZone"],
  ["protect as a string", (a) => ((a as { protect: unknown }).protect = "false"), "protect"],
  ["allowReplacement while the server is protected", (a) => (a.allowReplacement = true), "allowReplacement"],
  ["no administrators", (a) => (a.administrators = []), "administrators"],
  [
    "duplicate administrator name",
    (a) => a.administrators!.push({ name: "pg-dba", type: "Group", objectId: IDS.readers }),
    "administrators[2].name",
  ],
  [
    "duplicate administrator object id",
    (a) => a.administrators!.push({ name: "bob@contoso.com", type: "User", objectId: IDS.alice }),
    "administrators[2].objectId",
  ],
  ["administrator object id not a UUID", (a) => (nth(a.administrators, 1).objectId = "alice"), "administrators[1].objectId"],
  ["unknown principal type", (a) => (nth(a.administrators, 0).type = "Team" as never), "administrators[0].type"],
  ["managed-identity type spelled as ARM's", (a) => (nth(a.administrators, 0).type = "Unknown" as never), "administrators[0].type"],
  ["user without a UPN", (a) => (nth(a.administrators, 1).name = "Alice Smith"), "administrators[1].name"],
  ["empty principal name", (a) => (nth(a.administrators, 0).name = ""), "administrators[0].name"],
  ["principal name over 63 bytes", (a) => (nth(a.administrators, 0).name = "ä".repeat(32)), "administrators[0].name"],
  [
    "service principal's client id given as its object id",
    (a) =>
      a.administrators!.push({
        name: "ci-deployer",
        type: "ServicePrincipal",
        objectId: IDS.ciAppClient,
        clientId: IDS.ciAppClient,
      }),
    "administrators[2].objectId",
  ],
  [
    "managed identity with nothing to identify it",
    (a) => a.administrators!.push({ name: "id-orders-api", type: "ManagedIdentity" }),
    "administrators[2]",
  ],
  [
    "managedIdentity on a user",
    (a) => (nth(a.administrators, 1).managedIdentity = { principalId: IDS.bob }),
    "administrators[1].managedIdentity",
  ],
  [
    "password auth without a password",
    (a) => (a.passwordAuth = { administratorLogin: "pgadmin", administratorPassword: "" }),
    "passwordAuth.administratorPassword",
  ],
  [
    "password auth with a plain-text password",
    (a) => (a.passwordAuth = { administratorLogin: "pgadmin", administratorPassword: "hunter2hunter2" }),
    "passwordAuth.administratorPassword",
  ],
  [
    "reserved password administrator name",
    (a) => (a.passwordAuth = { administratorLogin: "azure_pg_admin", administratorPassword: pulumi.secret("x") }),
    "passwordAuth.administratorLogin",
  ],
  // One network object, fields per mode: a field of another mode is refused, not ignored.
  [
    "a firewall rule with network mode vnet",
    (a) =>
      (a.network = {
        mode: "vnet",
        delegatedSubnetId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/db",
        privateDnsZoneId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/x.postgres.database.azure.com",
        firewallRules: [{ name: "office", startIpAddress: "203.0.113.1", endIpAddress: "203.0.113.1" }],
      }),
    "network.firewallRules",
  ],
  ["a subnet id with the default (public) mode", (a) => (a.network = { subnetId: "/subscriptions/s/x" }), "network.subnetId"],
  [
    "a DNS zone id with public mode",
    (a) => (a.network = { mode: "public", privateDnsZoneId: "/subscriptions/s/x" }),
    "network.privateDnsZoneId",
  ],
  [
    "allowAzureServices with mode privateEndpoint",
    (a) =>
      (a.network = {
        mode: "privateEndpoint",
        subnetId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/pe",
        allowAzureServices: true,
      }),
    "network.allowAzureServices",
  ],
  ["an unknown network mode", (a) => (a.network = { mode: "internal" as never }), "network.mode"],
  [
    "firewall range backwards",
    (a) => (a.network = { mode: "public", firewallRules: [{ name: "office", startIpAddress: "10.0.0.9", endIpAddress: "10.0.0.1" }] }),
    "network.firewallRules[0].endIpAddress",
  ],
  [
    "firewall rule opening every address",
    (a) => (a.network = { mode: "public", firewallRules: [{ name: "all", startIpAddress: "0.0.0.0", endIpAddress: "255.255.255.255" }] }),
    "network.firewallRules[0]",
  ],
  [
    "firewall rule 0.0.0.0 (any Azure tenant)",
    (a) => (a.network = { mode: "public", firewallRules: [{ name: "azure", startIpAddress: "0.0.0.0", endIpAddress: "0.0.0.0" }] }),
    "network.firewallRules[0]",
  ],
  [
    "firewall address not IPv4",
    (a) => (a.network = { mode: "public", firewallRules: [{ name: "v6", startIpAddress: "2001:db8::1", endIpAddress: "2001:db8::2" }] }),
    "network.firewallRules[0].startIpAddress",
  ],
  [
    "firewall rule name with a space",
    (a) =>
      (a.network = {
        mode: "public",
        firewallRules: [{ name: "home office", startIpAddress: "203.0.113.1", endIpAddress: "203.0.113.1" }],
      }),
    "network.firewallRules[0].name",
  ],
  [
    "two firewall rules with one name",
    (a) =>
      (a.network = {
        mode: "public",
        firewallRules: [
          { name: "x", startIpAddress: "203.0.113.1", endIpAddress: "203.0.113.1" },
          { name: "x", startIpAddress: "203.0.113.2", endIpAddress: "203.0.113.2" },
        ],
      }),
    "network.firewallRules[1].name",
  ],
  [
    "VNet mode with a VNet id instead of a subnet id",
    (a) =>
      (a.network = {
        mode: "vnet",
        delegatedSubnetId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet",
        privateDnsZoneId:
          "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/orders.postgres.database.azure.com",
      }),
    "network.delegatedSubnetId",
  ],
  [
    "VNet mode with a DNS zone of the wrong name",
    (a) =>
      (a.network = {
        mode: "vnet",
        delegatedSubnetId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/pg",
        privateDnsZoneId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/contoso.internal",
      }),
    "network.privateDnsZoneId",
  ],
  ["unknown network mode", (a) => (a.network = { mode: "internet" } as never), "network.mode"],
  [
    "server parameter the component owns",
    (a) => (a.serverParameters = { require_secure_transport: "OFF" }),
    'serverParameters["require_secure_transport"]',
  ],
  ["tag name with a slash", (a) => (a.tags = { "cost/center": "42" }), 'tags["cost/center"]'],
];

const publicRules = (...names: string[]) => ({
  mode: "public" as const,
  firewallRules: names.map((name, i) => ({ name, startIpAddress: `203.0.113.${i + 1}`, endIpAddress: `203.0.113.${i + 1}` })),
});

/** Issue 12, class 1: names Azure compares without regard to case, compared the same way here. */
const CASE_INSENSITIVE: Case[] = [
  [
    "the TLS parameter in mixed case (would turn TLS off)",
    (a) => (a.serverParameters = { Require_Secure_Transport: "OFF" }),
    'serverParameters["Require_Secure_Transport"]',
  ],
  [
    "the TLS parameter in upper case",
    (a) => (a.serverParameters = { REQUIRE_SECURE_TRANSPORT: "off" }),
    'serverParameters["REQUIRE_SECURE_TRANSPORT"]',
  ],
  [
    "the group-sync parameter in another spelling",
    (a) => (a.serverParameters = { "PgAadAuth.Enable_Group_Sync": "ON" }),
    'serverParameters["PgAadAuth.Enable_Group_Sync"]',
  ],
  [
    "the group-sync parameter in upper case",
    (a) => (a.serverParameters = { "PGAADAUTH.ENABLE_GROUP_SYNC": "ON" }),
    'serverParameters["PGAADAUTH.ENABLE_GROUP_SYNC"]',
  ],
  [
    "one parameter twice, in two cases",
    (a) => (a.serverParameters = { work_mem: "8192", Work_Mem: "16384" }),
    'serverParameters["Work_Mem"]',
  ],
  ["firewall rules office and Office", (a) => (a.network = publicRules("office", "Office")), "network.firewallRules[1].name"],
  ["firewall rules HOME and home", (a) => (a.network = publicRules("HOME", "vpn", "home")), "network.firewallRules[2].name"],
  [
    "administrators' object ids differing in case",
    (a) => a.administrators!.push({ name: "bob@contoso.com", type: "User", objectId: IDS.alice.toUpperCase() }),
    "administrators[2].objectId",
  ],
  [
    "administrators' UPNs differing in case",
    (a) => a.administrators!.push({ name: "Alice@Contoso.com", type: "User", objectId: IDS.bob }),
    "administrators[2].name",
  ],
  [
    "the deployer administrator spelled as another administrator in other case",
    (a) => (a.deployerAdministrator = { name: "ALICE@contoso.com", type: "User" }),
    "deployerAdministrator.name",
  ],
  ["tags Env and env", (a) => (a.tags = { Env: "dev", env: "prod" }), 'tags["env"]'],
  ["tags COST and Cost", (a) => (a.tags = { owner: "data", COST: "42", Cost: "43" }), 'tags["Cost"]'],
  [
    "a client id equal to the object id except for case",
    (a) =>
      a.administrators!.push({
        name: "ci-deployer",
        type: "ServicePrincipal",
        objectId: IDS.ciAppClient.toUpperCase(),
        clientId: IDS.ciAppClient,
      }),
    "administrators[2].objectId",
  ],
];

/** Issue 12, class 2: rules the component adds may not share a name (in any case) with the user's. */
const GENERATED_NAMES: Case[] = [
  [
    "a rule named as the allow-Azure-services rule",
    (a) => (a.network = { ...publicRules("AllowAllAzureServicesAndResourcesWithinAzureIps"), allowAzureServices: true }),
    "network.firewallRules[0].name",
  ],
  [
    "a rule named as the allow-Azure-services rule, in lower case",
    (a) => (a.network = { ...publicRules("office", "allowallazureservicesandresourceswithinazureips"), allowAzureServices: true }),
    "network.firewallRules[1].name",
  ],
  [
    "a rule named AllowAll beside allowAllAddresses",
    (a) => (a.network = { ...publicRules("AllowAll"), allowAllAddresses: true }),
    "network.firewallRules[0].name",
  ],
  [
    "a rule named ALLOWALL beside allowAllAddresses",
    (a) => (a.network = { ...publicRules("ALLOWALL"), allowAllAddresses: true }),
    "network.firewallRules[0].name",
  ],
];

/** Issue 12, class 5: control characters in any name. */
const CONTROL_CHARACTERS: Case[] = [
  ["an administrator name with a newline", (a) => (nth(a.administrators, 0).name = "pg-dba\nops"), "administrators[0].name"],
  ["an administrator name with NUL", (a) => (nth(a.administrators, 0).name = "pg\u0000dba"), "administrators[0].name"],
  ["an administrator name with a tab", (a) => (nth(a.administrators, 1).name = "alice\t@contoso.com"), "administrators[1].name"],
  ["an administrator name ending in a newline", (a) => (nth(a.administrators, 0).name = "pg-dba\n"), "administrators[0].name"],
  ["an administrator name with DEL", (a) => (nth(a.administrators, 0).name = "pg-dba\u007f"), "administrators[0].name"],
  ["an administrator name with a C1 control", (a) => (nth(a.administrators, 0).name = "pg\u0085dba"), "administrators[0].name"],
  [
    "a deployer administrator name with a carriage return",
    (a) => (a.deployerAdministrator = { name: "ci-deployer\r", type: "ServicePrincipal" }),
    "deployerAdministrator.name",
  ],
  ["a tag name with a newline", (a) => (a.tags = { "cost\ncenter": "42" }), 'tags["cost\\ncenter"]'],
  ["a firewall rule name with a newline", (a) => (a.network = publicRules("office\n")), "network.firewallRules[0].name"],
];

/** Issue 12, class 8: ARM's resource group rule, exactly: \p{L}, \p{Nd}, _ - . ( ), 1-90 UTF-16 units, no final period. */
const BAD_RESOURCE_GROUPS: [description: string, name: string][] = [
  ["empty", ""],
  ["91 characters", "r".repeat(91)],
  ["91 characters of another script", "рг".repeat(45) + "р"],
  ["ending in a period", "rg-data."],
  ["only a period", "."],
  ["ending in a period after letters of another script", "データ."],
  ["with a slash", "rg/data"],
  ["with a space", "rg data"],
  ["with a non-breaking space", "rg\u00a0data"],
  ["with a hash", "rg#1"],
  ["with a plus", "rg+data"],
  ["with brackets", "rg[data]"],
  ["with an apostrophe", "rg-o'brien"],
  ["with a superscript digit (No, not Nd)", "rg²"],
  ["with a Roman numeral (Nl, not Nd)", "rg-Ⅻ"],
  ["with a combining mark (Mn)", "rge\u0301"],
  ["with an emoji", "rg-🚀"],
  ["with a letter outside the BMP (two surrogates)", "rg-𝐀"],
  ["with a newline", "rg\n"],
  ["with a zero-width joiner", "rg\u200ddata"],
];

const GOOD_RESOURCE_GROUPS: [description: string, name: string][] = [
  ["one character", "r"],
  ["90 characters", "r".repeat(90)],
  ["90 characters of another script", "рг".repeat(45)],
  ["German letters", "rg-Größe"],
  ["Cyrillic", "рг-данные"],
  ["Japanese (OtherLetter)", "リソース_グループ"],
  ["Chinese", "资源组"],
  ["Greek", "ομάδα-πόρων"],
  ["Arabic-Indic digits (Nd)", "rg-٣"],
  ["Devanagari letters and digits", "नगर-१२"],
  ["a titlecase letter (Lt)", "rg-ǅ"],
  ["a modifier letter (Lm)", "rg-ʰ"],
  ["parentheses, periods, underscores and hyphens", "rg_(data).v2-eu"],
  ["starting with a period", ".rg"],
  ["starting with a hyphen", "-rg"],
  ["upper case", "RG-ORDERS-DEV"],
];

/** Issue 12, class 7: a managed identity's ids, given as plain strings, are checked before anything registers. */
const MI = { principalId: "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b", clientId: "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d" };
const withIdentity =
  (over: Partial<PrincipalArgs> = {}, identity: Partial<ManagedIdentityRef> = {}) =>
  (a: EntraPostgresServerArgs) =>
    a.administrators!.push({
      name: "id-orders-api",
      type: "ManagedIdentity",
      managedIdentity: { principalId: MI.principalId, clientId: MI.clientId, name: "id-orders-api", ...identity },
      ...over,
    });
const MANAGED_IDENTITIES: Case[] = [
  ["a managed identity's client id as its objectId", withIdentity({ objectId: MI.clientId }), "administrators[2].objectId"],
  [
    "a managed identity's client id as its objectId, in upper case",
    withIdentity({ objectId: MI.clientId.toUpperCase() }),
    "administrators[2].objectId",
  ],
  [
    "a managed identity's client id as its principalId",
    withIdentity({}, { principalId: MI.clientId }),
    "administrators[2].managedIdentity.principalId",
  ],
  ["a managed identity's objectId that is not its principalId", withIdentity({ objectId: IDS.readers }), "administrators[2].objectId"],
  ["a managed identity's principal id as its clientId", withIdentity({ clientId: MI.principalId }), "administrators[2].clientId"],
  ["a managed identity's clientId that is not the identity's", withIdentity({ clientId: IDS.ciAppClient }), "administrators[2].clientId"],
  ["a managed identity whose name is not the name", withIdentity({}, { name: "id-orders-worker" }), "administrators[2].name"],
  ["a managed identity whose name differs in case from the name", withIdentity({}, { name: "ID-Orders-API" }), "administrators[2].name"],
  [
    "a managed identity principalId that is not a UUID",
    withIdentity({}, { principalId: "id-orders-api" }),
    "administrators[2].managedIdentity.principalId",
  ],
  [
    "a managed identity clientId that is not a UUID",
    withIdentity({}, { clientId: "api://orders" }),
    "administrators[2].managedIdentity.clientId",
  ],
  [
    "a managed identity without a principalId",
    withIdentity({}, { principalId: undefined as never }),
    "administrators[2].managedIdentity.principalId",
  ],
  [
    "a managed identity whose principalId is another administrator's object id",
    withIdentity({}, { principalId: IDS.alice }),
    "administrators[2].managedIdentity.principalId",
  ],
  [
    "managedIdentity that is not an object",
    withIdentity({ managedIdentity: "id-orders-api" as never }),
    "administrators[2].managedIdentity",
  ],
  [
    "a managed identity without managedIdentity, its objectId equal to its clientId",
    (a) =>
      a.administrators!.push({
        name: "id-orders-api",
        type: "ManagedIdentity",
        objectId: MI.clientId,
        clientId: MI.clientId,
      }),
    "administrators[2].objectId",
  ],
];

BAD_INPUTS.push(
  ...MANAGED_IDENTITIES,
  ...CASE_INSENSITIVE,
  ...GENERATED_NAMES,
  ...CONTROL_CHARACTERS,
  ...BAD_RESOURCE_GROUPS.map(([description, name]): Case => [
    `a resource group name ${description}`,
    (a) => (a.resourceGroupName = name),
    "resourceGroupName",
  ]),
);

/** Edge values Azure accepts, and so do we. */
const GOOD_INPUTS: [description: string, change: (a: EntraPostgresServerArgs) => void][] = [
  ["allowReplacement with protect off", (a) => ((a.protect = false), (a.allowReplacement = true))],
  ["an unmanaged parameter in mixed case", (a) => (a.serverParameters = { Log_Min_Duration_Statement: "500" })],
  ["distinct parameters", (a) => (a.serverParameters = { work_mem: "8192", maintenance_work_mem: "65536" })],
  ["firewall rules that differ by more than case", (a) => (a.network = publicRules("office", "office-2", "Office_3"))],
  ["a rule named AllowAll without allowAllAddresses", (a) => (a.network = publicRules("AllowAll"))],
  ["the generated rules alone", (a) => (a.network = { mode: "public", allowAzureServices: true, allowAllAddresses: true })],
  ["tags that differ by more than case", (a) => (a.tags = { env: "dev", environment: "dev", Owner: "data" })],
  ["an administrator with an upper-case object id", (a) => (nth(a.administrators, 1).objectId = IDS.alice.toUpperCase())],
  ["an administrator name with non-ASCII letters", (a) => (nth(a.administrators, 0).name = "Datenbank-Admins (Zoë)")],
  ["an administrator name with inner spaces", (a) => (nth(a.administrators, 0).name = "Data  Ops  Team")],
  ["a managed identity as plain strings", withIdentity()],
  ["a managed identity with its principal id as objectId, in upper case", withIdentity({ objectId: MI.principalId.toUpperCase() })],
  ["a managed identity with its client id as clientId", withIdentity({ clientId: MI.clientId })],
  ["a managed identity with only a principalId", withIdentity({ managedIdentity: { principalId: MI.principalId } })],
  [
    "a managed identity with Outputs (checked when they resolve)",
    withIdentity({}, { principalId: pulumi.output(MI.principalId), clientId: pulumi.output(MI.clientId) }),
  ],
  ...GOOD_RESOURCE_GROUPS.map(([description, name]): [string, (a: EntraPostgresServerArgs) => void] => [
    `a resource group name: ${description}`,
    (a) => (a.resourceGroupName = name),
  ]),
];

describe("edge inputs Azure accepts", () => {
  it.each(GOOD_INPUTS)("accepts %s", (_description, change) => {
    const args = validServerArgs();
    change(args);
    expect(validateServerArgs("pg-orders-dev", args)).toEqual([]);
  });

  it("keeps the component's TLS setting whatever the user's parameters", () => {
    const args = validServerArgs();
    args.serverParameters = { Log_Min_Duration_Statement: "500" };
    const plan = planServer("pg-orders-dev", args);
    expect(plan.parameters.filter((p) => p.name.toLowerCase() === "require_secure_transport")).toEqual([
      { name: "require_secure_transport", value: "ON" },
    ]);
  });

  it("says why a mixed-case managed parameter is refused", () => {
    const args = validServerArgs();
    args.serverParameters = { Require_Secure_Transport: "OFF" };
    expect(validateServerArgs("pg-orders-dev", args)[0].allowed).toMatch(/requireSecureTransport option/);
  });
});

describe("a managed identity given as plain strings", () => {
  it.each([
    ["all of principalId, clientId and name", withIdentity()],
    ["and its principal id as objectId", withIdentity({ objectId: MI.principalId.toUpperCase() })],
    ["only a principalId", withIdentity({ managedIdentity: { principalId: MI.principalId.toUpperCase() } })],
  ])("registers an administrator with its principal id, %s", async (_d, change) => {
    const args = validServerArgs();
    change(args);
    const { cloud, error } = await evaluate(() => new EntraPostgresServer("pg-orders-dev", args));
    expect(error).toBeUndefined();
    const admin = cloud.resources.find(
      (r) => r.type === "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra" && r.inputs.principalName === "id-orders-api",
    );
    expect(admin?.inputs).toMatchObject({ objectId: MI.principalId, principalType: "ServicePrincipal" });
  });

  it("reports its client id as objectId once, naming the field", () => {
    const args = validServerArgs();
    withIdentity({ objectId: MI.clientId })(args);
    const issues = validateServerArgs("pg-orders-dev", args);
    expect(issues).toEqual([
      expect.objectContaining({ field: "administrators[2].objectId", allowed: expect.stringMatching(/not its client id/) }),
    ]);
  });
});

describe("resource group names (ARM's rule)", () => {
  it.each(GOOD_RESOURCE_GROUPS)("accepts %s: %s", (_d, name) => expect(isResourceGroupName(name)).toBe(true));
  it.each(BAD_RESOURCE_GROUPS)("rejects %s: %j", (_d, name) => expect(isResourceGroupName(name)).toBe(false));

  it.each(GOOD_RESOURCE_GROUPS)("a server in resource group %s registers, with the name as given", async (_d, name) => {
    const args = validServerArgs();
    args.resourceGroupName = name;
    const { cloud, error } = await evaluate(() => new EntraPostgresServer("pg-orders-dev", args));
    expect(error).toBeUndefined();
    const server = cloud.resources.find((r) => r.type === "azure-native:dbforpostgresql:Server");
    expect(server?.inputs.resourceGroupName).toBe(name);
  });
});

describe("validateServerArgs", () => {
  it("accepts the valid fixture", () => {
    expect(validateServerArgs("pg-orders-dev", validServerArgs())).toEqual([]);
  });

  it.each(BAD_INPUTS)("rejects %s, naming the field", (_description, change, field) => {
    const args = validServerArgs();
    change(args);
    const issues = validateServerArgs("pg-orders-dev", args);
    expect(issues.map((i) => i.field)).toContain(field);
    for (const issue of issues) expect(issue.allowed.length).toBeGreaterThan(10);
  });

  it("reports every problem at once", () => {
    const args = validServerArgs();
    args.serverName = "X";
    args.version = "9" as never;
    args.administrators = [];
    const error = (() => {
      try {
        planServer("c", args);
      } catch (e) {
        return e as InputError;
      }
      throw new Error("expected an InputError");
    })();
    expect(error).toBeInstanceOf(InputError);
    expect(error.issues.map((i) => i.field).sort()).toEqual(["administrators", "serverName", "version"]);
    expect(error.message).toContain('serverName = "X"');
  });

  it("never echoes a plain-text password", () => {
    const args = validServerArgs();
    args.passwordAuth = { administratorLogin: "pgadmin", administratorPassword: "hunter2hunter2" };
    expect(JSON.stringify(validateServerArgs("pg-orders-dev", args))).not.toContain("hunter2");
  });
});

describe("bad input registers nothing", () => {
  it.each(BAD_INPUTS)("%s: no resource, not even the component, is registered", async (_description, change, field) => {
    const args = validServerArgs();
    change(args);
    const { cloud, error } = await evaluate(() => new EntraPostgresServer("pg-orders-dev", args));
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).issues.map((i) => i.field)).toContain(field);
    expect(cloud.resources).toEqual([]);
  });
});

describe("planServer", () => {
  it("applies the documented defaults", () => {
    const plan = planServer("pg-orders-dev", validServerArgs());
    expect(plan.version).toBe(SERVER_DEFAULTS.version);
    expect(plan.sku).toEqual(SERVER_DEFAULTS.sku);
    expect(plan.storage).toEqual({ storageSizeGB: 128, autoGrow: "Enabled" });
    expect(plan.backup).toEqual({ backupRetentionDays: 14, geoRedundantBackup: "Disabled" });
    expect(plan.passwordAuth).toBe(false);
    expect(plan.parameters).toEqual([
      { name: "pgaadauth.enable_group_sync", value: "OFF" },
      { name: "require_secure_transport", value: "ON" },
    ]);
  });

  it("orders administrators by key, whatever the list order", () => {
    const args = validServerArgs();
    const reversed = validServerArgs();
    reversed.administrators!.reverse();
    const keys = (a: EntraPostgresServerArgs) => planServer("pg", a).administrators.map((x) => x.key);
    expect(keys(reversed)).toEqual(keys(args));
    expect(keys(args)).toEqual([IDS.dbaGroup, IDS.alice].sort());
  });

  it("adds the named opt-in firewall rules only when asked", () => {
    const args = validServerArgs();
    expect(planServer("pg", args).firewallRules.map((r) => r.name)).toEqual(["office"]);
    args.network = { mode: "public", allowAllAddresses: true, allowAzureServices: true };
    const rules = planServer("pg", args).firewallRules;
    expect(rules).toContainEqual({ name: "AllowAll", startIpAddress: "0.0.0.0", endIpAddress: "255.255.255.255" });
    expect(rules.find((r) => r.endIpAddress === "0.0.0.0")).toBeDefined();
  });
});

describe("nameKey", () => {
  it.each([
    ["Data Readers", /^data-readers-[0-9a-f]{8}$/],
    ["Zoë O'Brien@contoso.com", /^zoe-o-brien-contoso-com-[0-9a-f]{8}$/],
    ["guest_fabrikam.com#EXT#@contoso.onmicrosoft.com", /^guest-fabrikam-com-ext-contoso[a-z-]{0,10}-[0-9a-f]{8}$/],
    ["数据读者", /^[0-9a-f]{8}$/],
  ])("%s becomes a resource-name-safe key", (name, pattern) => {
    expect(nameKey(name)).toMatch(pattern);
  });

  it("keeps names that differ only in case or punctuation apart", () => {
    expect(nameKey("Data Readers")).not.toBe(nameKey("data-readers"));
  });
});

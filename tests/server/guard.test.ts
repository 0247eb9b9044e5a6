import {
  EncryptionMode,
  LiveServer,
  WantedCreateOnly,
  createOnlyChanges,
  encryptionModeChanges,
  isNotFound,
} from "../../components/server/guard";

const SUBNET = "/subscriptions/0000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/postgres";

/** A live server as getServer returns it, and a program that asks for exactly that server. */
const live: LiveServer = {
  location: "westeurope",
  backup: { geoRedundantBackup: "Disabled" },
  availabilityZone: "1",
  network: {},
};
const same: WantedCreateOnly = { location: "westeurope", geoRedundantBackup: "Disabled" };

describe("createOnlyChanges", () => {
  it("finds nothing when the program asks for the server as it is", () => {
    expect(createOnlyChanges(same, live)).toEqual([]);
  });

  it.each<[string, Partial<WantedCreateOnly>, Partial<LiveServer>, string, unknown]>([
    ["another region", { location: "northeurope" }, {}, "location", "northeurope"],
    ["geo-redundant backup turned on", { geoRedundantBackup: "Enabled" }, {}, "backup.geoRedundant", true],
    ["geo-redundant backup turned off", {}, { backup: { geoRedundantBackup: "Enabled" } }, "backup.geoRedundant", false],
    ["another availability zone", { availabilityZone: "2" }, {}, "availabilityZone", "2"],
    [
      "a password administrator on an Entra-only server",
      { administratorLogin: "pgadmin" },
      {},
      "passwordAuth.administratorLogin",
      "pgadmin",
    ],
    [
      "another password administrator",
      { administratorLogin: "pgadmin" },
      { administratorLogin: "dbadmin" },
      "passwordAuth.administratorLogin",
      "pgadmin",
    ],
    ["VNet integration for a public server", { delegatedSubnetResourceId: SUBNET }, {}, "network.mode", "vnet"],
    ["public access for a VNet-integrated server", {}, { network: { delegatedSubnetResourceId: SUBNET } }, "network.mode", "(not vnet)"],
    [
      "another delegated subnet",
      { delegatedSubnetResourceId: `${SUBNET}-2` },
      { network: { delegatedSubnetResourceId: SUBNET } },
      "network.delegatedSubnetId",
      `${SUBNET}-2`,
    ],
  ])("refuses %s, naming the field and how to replace on purpose", (_what, wanted, server, field, value) => {
    const issues = createOnlyChanges({ ...same, ...wanted }, { ...live, ...server });
    expect(issues.map((i) => [i.field, i.value])).toEqual([[field, value]]);
    expect(issues[0].allowed).toMatch(/replace the server with a new, empty one/);
    expect(issues[0].allowed).toMatch(/protect: false and allowReplacement: true/);
  });

  it.each<[string, Partial<WantedCreateOnly>, Partial<LiveServer>]>([
    // ARM accepts a display name and answers the short form; ids are case-insensitive in ARM.
    ["the region written as its display name", { location: "West Europe" }, {}],
    [
      "the subnet id in another case",
      { delegatedSubnetResourceId: SUBNET.toUpperCase() },
      { network: { delegatedSubnetResourceId: SUBNET } },
    ],
    ["no zone asked for (Azure chose one)", { availabilityZone: undefined }, {}],
    ["no region asked for (the resource group's)", { location: undefined }, { location: "northeurope" }],
    // Turning password auth off sends no login; Azure keeps the old one and nothing is replaced.
    ["password auth turned off", { administratorLogin: undefined }, { administratorLogin: "pgadmin" }],
  ])("accepts %s", (_what, wanted, server) => {
    expect(createOnlyChanges({ ...same, ...wanted }, { ...live, ...server })).toEqual([]);
  });

  it("reports every change at once", () => {
    const issues = createOnlyChanges({ location: "northeurope", geoRedundantBackup: "Enabled", availabilityZone: "3" }, live);
    expect(issues.map((i) => i.field).sort()).toEqual(["availabilityZone", "backup.geoRedundant", "location"]);
  });
});

describe("encryptionModeChanges", () => {
  it.each<[string, EncryptionMode, LiveServer["dataEncryption"], unknown]>([
    ["a customer-managed key added", "AzureKeyVault", { type: "SystemManaged" }, "(set)"],
    // Servers made before customer-managed keys existed report no mode: service-managed.
    ["a customer-managed key added to a server that reports no mode", "AzureKeyVault", undefined, "(set)"],
    ["the customer-managed key removed", "SystemManaged", { type: "AzureKeyVault" }, "(unset)"],
  ])("refuses %s, whatever allowReplacement says", (_what, wanted, live, value) => {
    const issues = encryptionModeChanges(wanted, { ...(live ? { dataEncryption: live } : {}) });
    expect(issues.map((i) => [i.field, i.value])).toEqual([["customerManagedKey", value]]);
    expect(issues[0].allowed).toMatch(/refuses to change it/);
    expect(issues[0].allowed).toMatch(/another serverName/);
    expect(issues[0].allowed).not.toMatch(/allowReplacement: true/);
  });

  it.each<[string, EncryptionMode, LiveServer["dataEncryption"]]>([
    ["service-managed kept", "SystemManaged", { type: "SystemManaged" }],
    ["service-managed kept on a server that reports no mode", "SystemManaged", undefined],
    ["a customer-managed key kept (its key or identity may change)", "AzureKeyVault", { type: "AzureKeyVault" }],
    // ARM enum values compare without regard to case.
    ["the mode answered in another case", "AzureKeyVault", { type: "azurekeyvault" }],
  ])("accepts %s", (_what, wanted, live) => {
    expect(encryptionModeChanges(wanted, { ...(live ? { dataEncryption: live } : {}) })).toEqual([]);
  });
});

describe("isNotFound", () => {
  it.each([
    ["ARM's 404 for a server", "RESPONSE 404: 404 Not Found\nERROR CODE: ResourceNotFound", true],
    ["a missing resource group", "ERROR CODE: ResourceGroupNotFound\nResource group 'rg-x' could not be found.", true],
    ["autorest's wording", 'StatusCode=404 -- Original Error: Code="ResourceNotFound"', true],
    ["no read permission", "RESPONSE 403: 403 Forbidden\nERROR CODE: AuthorizationFailed", false],
    ["a network failure", "dial tcp: lookup management.azure.com: no such host", false],
    ["a throttled request", "RESPONSE 429: 429 Too Many Requests", false],
  ])("%s: %s", (_what, text, expected) => {
    expect(isNotFound(new Error(text))).toBe(expected);
  });
});

/**
 * Platform stack: the network, the private DNS zone and an application identity, composed with
 * EntraPostgres into a VNet-integrated, password-free server. App stacks read its outputs through a
 * StackReference (see ../app); every output is safe to show: there is no secret to export.
 */
import * as pulumi from "@pulumi/pulumi";
import { managedidentity, network, privatedns, resources } from "@pulumi/azure-native";
import { EntraPostgres, HighAvailabilityMode, PrincipalArgs } from "../../components";

const config = new pulumi.Config();
const location = config.require("location");
const name = config.require("name");
const database = config.get("database") ?? "app";
// Its own config key, not derived: this string is the identity's login name in PostgreSQL.
const appIdentityName = config.require("appIdentityName");
const readers = config.requireObject<{ name: string; objectId?: string }>("readersGroup");
const tags = config.getObject<Record<string, string>>("tags");

const group = new resources.ResourceGroup("platform", { resourceGroupName: `rg-${name}`, location, tags });
const inGroup = { resourceGroupName: group.name };

// No inline `subnets`: they are separate resources below, and a VNet that leaves the property out keeps
// them when it is updated (pulumi/pulumi-azure-native#611), so the two styles must not be mixed.
const vnet = new network.VirtualNetwork("platform", {
  ...inGroup,
  location,
  virtualNetworkName: `vnet-${name}`,
  addressSpace: { addressPrefixes: [config.get("vnetAddressPrefix") ?? "10.20.0.0/16"] },
  tags,
});
const inVnet = { ...inGroup, virtualNetworkName: vnet.name };

// Flexible servers need a subnet of their own, delegated to them; it is fixed when the server is created.
const postgresSubnet = new network.Subnet("postgres", {
  ...inVnet,
  subnetName: "snet-postgres",
  addressPrefix: config.get("postgresSubnetPrefix") ?? "10.20.1.0/24",
  delegations: [{ name: "postgres", serviceName: "Microsoft.DBforPostgreSQL/flexibleServers" }],
});
// Azure changes one subnet of a VNet at a time (AnotherOperationInProgress otherwise): this one waits.
// Delegate it too if your compute needs it (e.g. Microsoft.App/environments for Container Apps).
const appSubnet = new network.Subnet(
  "apps",
  { ...inVnet, subnetName: "snet-apps", addressPrefix: config.get("appSubnetPrefix") ?? "10.20.2.0/24" },
  { dependsOn: [postgresSubnet] },
);

// The zone must end in .postgres.database.azure.com for Azure to accept it; `<name>.private.` is the
// portal's convention, and a zone named exactly like the server's FQDN would shadow it inside the VNet.
const zone = new privatedns.PrivateZone("postgres", {
  ...inGroup,
  privateZoneName: `${name}.private.postgres.database.azure.com`,
  location: "global",
  tags,
});
const zoneLink = new privatedns.VirtualNetworkLink("postgres", {
  ...inGroup,
  privateZoneName: zone.name,
  virtualNetworkLinkName: `vnet-${name}`,
  virtualNetwork: { id: vnet.id },
  // Azure registers the server's A record itself; VM auto-registration would only add noise.
  registrationEnabled: false,
  location: "global",
  tags,
});

const appIdentity = new managedidentity.UserAssignedIdentity("app", { ...inGroup, location, resourceName: appIdentityName, tags });

const postgres = new EntraPostgres(name, {
  server: {
    resourceGroupName: group.name,
    location,
    serverName: `pg-${name}`,
    highAvailability: config.get("highAvailability") as HighAvailabilityMode | undefined,
    backup: { geoRedundant: config.getBoolean("geoRedundantBackup") },
    administrators: config.getObject<PrincipalArgs[]>("administrators") ?? [],
    network: {
      mode: "vnet",
      delegatedSubnetId: postgresSubnet.id,
      // The zone's id, carrying the link as a dependency: Azure expects the zone linked to the server's VNet
      // when the server is created (Terraform setups add depends_on on the link for the same reason).
      privateDnsZoneId: pulumi.all([zone.id, zoneLink.id]).apply(([id]) => id),
    },
    tags,
  },
  deployer: config.requireObject<PrincipalArgs>("deployer"),
  databases: [{ name: database }],
  access: [
    {
      // A managed identity's object id is its principalId (never its clientId), and its role name is its name.
      principal: { name: appIdentityName, type: "ManagedIdentity", objectId: appIdentity.principalId },
      grants: [{ database, preset: "readWrite" }],
    },
    { principal: { name: readers.name, type: "Group", objectId: readers.objectId }, grants: [{ database, preset: "read" }] },
  ],
});

// What app stacks need, flat so `pulumi stack output <key>` and StackReference.requireOutput read them alike.
export const fqdn = postgres.fqdn;
export const databases = [database];
export const appDatabase = database;
/** Attach this to the app's compute (identity type UserAssigned). */
export const appIdentityId = appIdentity.id;
/** The app's token request names it, so the token is this identity's and not another one on the same host. */
export const appIdentityClientId = appIdentity.clientId;
/** The PostgreSQL username the app logs in with. */
export const appIdentityPrincipalName = appIdentityName;
export const appSubnetId = appSubnet.id;
export const loginGuide = postgres.loginGuide;
export const loginGuideMarkdown = postgres.loginGuideMarkdown;

/** Programs that must fail during deployment, run by deploymentRun in a child process. */
import * as pulumi from "@pulumi/pulumi";
import { EntraPostgres } from "../../components/postgres/EntraPostgres";
import { EntraPostgresServer } from "../../components/server/EntraPostgresServer";
import { IDS, validServerArgs } from "./fixtures";

export function unknownPrincipal(): void {
  const args = validServerArgs();
  args.administrators!.push({ name: "nobody@contoso.com", type: "User" });
  new EntraPostgresServer("pg-orders-dev", args);
}

export function managedIdentityClientIdAsObjectId(): void {
  const args = validServerArgs();
  const identity = {
    principalId: pulumi.output(IDS.ciApp),
    clientId: pulumi.output(IDS.ciAppClient),
    name: pulumi.output("id-orders-api"),
  };
  args.administrators!.push({
    name: "id-orders-api",
    type: "ManagedIdentity",
    managedIdentity: identity,
    objectId: pulumi.output(IDS.ciAppClient),
  });
  new EntraPostgresServer("pg-orders-dev", args);
}

/** Issue 12, class 7: with group sync on, a user spelled otherwise than Entra spells its UPN. */
function entraPostgresWith(user: string, groupSync: boolean, existing = false): void {
  const server = { ...validServerArgs(), groupSync };
  new EntraPostgres("orders", {
    ...(existing
      ? {
          existingServer: {
            fqdn: "pg-shared.postgres.database.azure.com",
            groupSync,
            administrators: [{ name: "ci-deployer", type: "ServicePrincipal" }],
          },
        }
      : { server }),
    deployer: { name: "ci-deployer", type: "ServicePrincipal" },
    databases: [{ name: "orders" }],
    access: [
      { principal: { name: "Data Readers", type: "Group" }, grants: [{ database: "orders", preset: "read" }] },
      { principal: { name: user, type: "User" }, grants: [{ database: "orders", preset: "read" }] },
    ],
  });
}

export const upnInOtherCaseWithGroupSync = () => entraPostgresWith("Bob@Contoso.com", true);
export const upnInUpperCaseWithGroupSync = () => entraPostgresWith("BOB@CONTOSO.COM", true);
export const upnInOtherCaseWithGroupSyncOnExistingServer = () => entraPostgresWith("bob@Contoso.com", true, true);
export const exactUpnWithGroupSync = () => entraPostgresWith("bob@contoso.com", true);
export const upnInOtherCaseWithoutGroupSync = () => entraPostgresWith("Bob@Contoso.com", false);

export function administratorUpnInOtherCaseWithGroupSync(): void {
  const args = { ...validServerArgs(), groupSync: true };
  args.administrators!.push({ name: "Bob@contoso.com", type: "User" });
  new EntraPostgresServer("pg-orders-dev", args);
}

/** Issue 13.6: the deployer's address as another resource's output that turns out not to be an address. */
export function deployerAddressOutputNotAnAddress(): void {
  new EntraPostgres("orders", {
    server: validServerArgs(),
    deployer: { name: "ci-deployer", type: "ServicePrincipal" },
    deployerIpAddress: pulumi.output("203.0.113"),
    databases: [{ name: "orders" }],
  });
}

/** A firewall rule whose end address, an output, resolves before its start. */
export function firewallRangeOutputBackwards(): void {
  const args = validServerArgs();
  args.network!.firewallRules!.push({
    name: "nat",
    startIpAddress: pulumi.output("198.51.100.9"),
    endIpAddress: pulumi.output("198.51.100.1"),
  });
  new EntraPostgresServer("pg-orders-dev", args);
}

/** Issue 13.5: geo-redundant backup turned on for a server that exists without it. */
export function geoRedundancyTurnedOn(): void {
  new EntraPostgresServer("pg-orders-dev", { ...validServerArgs(), backup: { geoRedundant: true } });
}

/** The same change, asked for on purpose. */
export function geoRedundancyReplacingOnPurpose(): void {
  new EntraPostgresServer("pg-orders-dev", {
    ...validServerArgs(),
    backup: { geoRedundant: true },
    protect: false,
    allowReplacement: true,
  });
}

const CMK_IDENTITY =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-data-dev/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-pg";

/** A customer-managed key added to a server that exists, replacement allowed or not (Azure refuses either way). */
export function customerManagedKeyAdded(onPurpose = false): void {
  new EntraPostgresServer("pg-orders-dev", {
    ...validServerArgs(),
    managedIdentities: { userAssignedResourceIds: [CMK_IDENTITY] },
    customerManagedKey: {
      primary: { keyUri: "https://kv-orders.vault.azure.net/keys/pg-cmk", userAssignedIdentityResourceId: CMK_IDENTITY },
    },
    ...(onPurpose ? { protect: false, allowReplacement: true } : {}),
  });
}

export function customerManagedKeyAddedOnPurpose(): void {
  customerManagedKeyAdded(true);
}

/** The program without customerManagedKey, for a server that was created with one. */
export function customerManagedKeyRemoved(): void {
  new EntraPostgresServer("pg-orders-dev", validServerArgs());
}

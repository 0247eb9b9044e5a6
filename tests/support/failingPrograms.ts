/** Programs that must fail during deployment, run by deploymentRun in a child process. */
import * as pulumi from "@pulumi/pulumi";
import { EntraPostgres } from "../../components/EntraPostgres";
import { EntraPostgresServer } from "../../components/EntraPostgresServer";
import { IDS, validServerArgs } from "./fixtures";

export function unknownPrincipal(): void {
  const args = validServerArgs();
  args.administrators!.push({ principalName: "nobody@contoso.com", principalType: "User" });
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
    principalName: "id-orders-api",
    principalType: "ManagedIdentity",
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
            administrators: [{ principalName: "ci-deployer", principalType: "ServicePrincipal" }],
          },
        }
      : { server }),
    deployer: { principalName: "ci-deployer", principalType: "ServicePrincipal" },
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
  args.administrators!.push({ principalName: "Bob@contoso.com", principalType: "User" });
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

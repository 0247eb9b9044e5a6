/** Programs that must fail during deployment, run by deploymentRun in a child process. */
import * as pulumi from "@pulumi/pulumi";
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

/** Finding an Entra principal's object id with @pulumi/azuread, with errors that name the argument. */
import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import { InputError } from "./errors";
import { PrincipalType } from "./principals";

export interface PrincipalToLookUp {
  name: string;
  type: PrincipalType;
  /** For service principals and managed identities: look up by application (client) id instead of name. */
  clientId?: pulumi.Input<string>;
}

/**
 * The principal's object id from Microsoft Graph: a user by UPN, a group by display name (security
 * groups only), a service principal or managed identity by client id or display name. Needs
 * directory read permission for the deploying identity.
 */
export interface LookupOptions {
  /**
   * Group sync is on: a user's name must be its UPN exactly as Entra spells it. Entra finds a user by
   * UPN without regard to case, but group sync makes each member's role under Entra's spelling, and
   * PostgreSQL role names are case-sensitive: another spelling would make a second role for one user.
   */
  exactUpn?: boolean;
  /** The field that holds the principal's name, for that error. Default `field`. */
  nameField?: string;
}

export function lookupObjectId(
  p: PrincipalToLookUp,
  field: string,
  component: string,
  parent: pulumi.Resource,
  options: LookupOptions = {},
): pulumi.Output<string> {
  const opts = { parent };
  // Graph's own "not found" is terse and names no argument; say which principal and what to check.
  const notFound = (what: string) => (e: unknown) => {
    throw new InputError(component, [
      { field, value: p.name, allowed: `${what} (lookup failed: ${e instanceof Error ? e.message : String(e)})` },
    ]);
  };
  switch (p.type) {
    case "User":
      return pulumi.output(
        azuread.getUser({ userPrincipalName: p.name }, opts).then((r) => {
          if (options.exactUpn && r.userPrincipalName !== p.name) {
            throw new InputError(component, [
              {
                field: options.nameField ?? field,
                value: p.name,
                allowed:
                  `the user's UPN exactly as Entra has it, ${r.userPrincipalName}: with group sync on, Azure makes the member's ` +
                  "role under that spelling, and PostgreSQL role names are case-sensitive",
              },
            ]);
          }
          return r.objectId;
        }, notFound("the UPN of a user in the tenant (guests: the #EXT# UPN), or set objectId")),
      );
    case "Group":
      return pulumi.output(
        azuread
          .getGroup({ displayName: p.name, securityEnabled: true }, opts)
          .then((r) => r.objectId, notFound("the display name of exactly one security group, or set objectId")),
      );
    case "ServicePrincipal":
    case "ManagedIdentity":
      return pulumi
        .output(p.clientId)
        .apply((clientId) =>
          (clientId !== undefined
            ? azuread.getServicePrincipal({ clientId }, opts)
            : azuread.getServicePrincipal({ displayName: p.name }, opts)
          ).then((r) => r.objectId, notFound("the display name (or clientId) of exactly one service principal, or set objectId")),
        );
  }
}

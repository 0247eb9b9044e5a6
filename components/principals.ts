/**
 * Microsoft Entra principals as this project models them, and how each kind is spelled in the three
 * places that matter: ARM's administrator `principalType`, the `pgaadauth` security label, and the
 * `pgaadauth_create_principal_with_oid` object type.
 */
import { createHash } from "crypto";
import type * as pulumi from "@pulumi/pulumi";

/**
 * The kind of an Entra principal. An object of literals (not a TypeScript enum) so that plain strings
 * ("Group") type-check and the schema analyzer infers an enum for other languages.
 */
export const PrincipalType = {
  /** A user: logs in with its UPN. */
  User: "User",
  /** A security group: members log in with the group's name and their own token. */
  Group: "Group",
  /** An application's service principal: logs in with its display name. */
  ServicePrincipal: "ServicePrincipal",
  /** A managed identity (a service principal Azure manages): logs in with its name. */
  ManagedIdentity: "ManagedIdentity",
} as const;
export type PrincipalType = (typeof PrincipalType)[keyof typeof PrincipalType];

/** The kinds of Entra principal a user can name, in one list for every check. */
export const PRINCIPAL_TYPES: readonly PrincipalType[] = Object.values(PrincipalType);

/** Who can run `pulumi up` and hold a token: not a group. */
export const DEPLOYER_PRINCIPAL_TYPES: readonly PrincipalType[] = ["User", "ServicePrincipal", "ManagedIdentity"];

/**
 * Roles that exist on every Azure server, or that PostgreSQL keeps: never created, altered, granted to
 * or used as a principal's name by us (Azure refuses changes to its restricted roles).
 */
export const RESERVED_ROLES = ["public", "azuresu", "azure_pg_admin", "azure_superuser", "replication", "localadmin"] as const;

/** Anything shaped like an azure-native `managedidentity.UserAssignedIdentity` resource. */
export interface ManagedIdentityRef {
  /** The identity's principal id: the object id of its service principal. This is what ARM and the label need. */
  principalId: pulumi.Input<string>;
  /** The identity's client (application) id. Only used to catch it being passed as the object id. */
  clientId?: pulumi.Input<string>;
  /** The identity's name, which is its service principal's display name and so its login name. */
  name?: pulumi.Input<string>;
}

/**
 * A Microsoft Entra principal, the one shape for every place the package names one: server
 * administrators, the deployer, an existing server's administrators and access entries.
 */
export interface PrincipalArgs {
  /**
   * Its PostgreSQL role name and login username: a user's UPN (guests: the `#EXT#` UPN); a group's,
   * service principal's or managed identity's display name. At most 63 bytes; case-sensitive. A plain
   * string: it names roles and child resources, so it must be known when the program runs.
   */
  name: string;
  /** User, Group, ServicePrincipal or ManagedIdentity (the deployer: not Group). */
  type: PrincipalType;
  /**
   * Its object id (UUID); for a managed identity its principal id, never its client id. Default: looked
   * up in Entra with @pulumi/azuread (user by UPN, group by display name, service principal by clientId
   * or display name), which needs directory read permission; for the deployer, the object id of whoever
   * runs the program (set it so that a preview by another identity shows no change).
   */
  objectId?: pulumi.Input<string>;
  /** Application (client) id of a service principal or managed identity: used for the lookup and to reject it as objectId. */
  clientId?: pulumi.Input<string>;
  /** For type ManagedIdentity: the identity resource (or its principalId, clientId and name). */
  managedIdentity?: ManagedIdentityRef;
}

/** ARM's `PrincipalType` enum in Microsoft.DBforPostgreSQL 2025-08-01. */
export type ArmPrincipalType = "User" | "Group" | "ServicePrincipal";

/** The `type=` value of a `pgaadauth` label. */
export type LabelPrincipalType = "user" | "group" | "service";

/**
 * ARM has no managed-identity principal type: in Entra a managed identity *is* a service principal
 * (the identity's `principalId` is that service principal's object id), so it is declared as one.
 */
export function armPrincipalType(type: PrincipalType): ArmPrincipalType {
  return type === "ManagedIdentity" ? "ServicePrincipal" : type;
}

/** Applications and managed identities are both `service` to pgaadauth. */
export function labelPrincipalType(type: PrincipalType): LabelPrincipalType {
  switch (type) {
    case "User":
      return "user";
    case "Group":
      return "group";
    case "ServicePrincipal":
    case "ManagedIdentity":
      return "service";
  }
}

export const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID_PATTERN.test(value);
}

/** C0 controls (NUL, tab, newline, ...), DEL and C1 controls. */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/** PostgreSQL's NAMEDATALEN is 64: identifiers keep at most 63 bytes and longer ones are cut silently. */
export const MAX_ROLE_NAME_BYTES = 63;

export function utf8Bytes(value: string): number {
  return Buffer.byteLength(value, "utf8");
}

/**
 * Problems with a principal's name as a PostgreSQL role name, or undefined when it is usable.
 * The role name must equal the Entra name exactly (UPN for users, display name otherwise), so we
 * cannot shorten or normalise it: a name PostgreSQL would truncate is rejected instead.
 */
export function roleNameProblem(name: string): string | undefined {
  if (name.length === 0) return "a non-empty name";
  // NUL cannot be stored in PostgreSQL text at all; newlines, tabs and other control characters
  // (C0, DEL, C1) are never part of an Entra name and would break the login guide and psql commands.
  const control = CONTROL_CHARACTER.exec(name);
  if (control) {
    const code = `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
    return `a name without control characters (this one has ${code}${control[0] === "\u0000" ? ", NUL" : control[0] === "\n" ? ", a newline" : ""})`;
  }
  if (name.trim() !== name) return "a name without leading or trailing spaces";
  const bytes = utf8Bytes(name);
  if (bytes > MAX_ROLE_NAME_BYTES) {
    return `a name of at most ${MAX_ROLE_NAME_BYTES} bytes in UTF-8 (this one has ${bytes}); PostgreSQL would silently truncate it and the login would never match`;
  }
  return undefined;
}

/** A short, stable, name-safe form of a principal name: a slug plus a hash of the exact name. */
export function nameKey(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[^\x20-\x7e]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  const hash = createHash("sha256").update(name, "utf8").digest("hex").slice(0, 8);
  return slug.length > 0 ? `${slug}-${hash}` : hash;
}

/**
 * Microsoft Entra principals as this project models them, and how each kind is spelled in the three
 * places that matter: ARM's administrator `principalType`, the `pgaadauth` security label, and the
 * `pgaadauth_create_principal_with_oid` object type.
 */
import { createHash } from "crypto";

/** The kinds of Entra principal a user can name. */
export const PRINCIPAL_TYPES = ["User", "Group", "ServicePrincipal", "ManagedIdentity"] as const;
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];

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

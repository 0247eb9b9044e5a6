/**
 * Names of the roles the access plan makes. Plain functions: the planner, the validator and the
 * real-PostgreSQL tests all spell role names through these.
 */
import { createHash } from "crypto";
import { MAX_ROLE_NAME_BYTES, nameKey } from "../principals";
import type { Preset } from "./args";

export const PRESETS: readonly Preset[] = ["read", "readWrite", "owner"];

/** Privileges PostgreSQL accepts per object kind, as the provider's Grant takes them. */
export const PRIVILEGES = {
  database: ["CONNECT", "CREATE", "TEMPORARY"],
  schema: ["USAGE", "CREATE"],
  table: ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"],
  sequence: ["USAGE", "SELECT", "UPDATE"],
  function: ["EXECUTE"],
} as const;
export type ObjectKind = keyof typeof PRIVILEGES;

/** Databases PostgreSQL or Azure keep for themselves. */
export const RESERVED_DATABASES = ["postgres", "template0", "template1", "azure_maintenance", "azure_sys"];

export const ACCESS_DEFAULTS = {
  schemas: ["public"] as string[],
  revokePublicCreate: true,
  revokePublicConnect: true,
} as const;

export function ownerRoleName(database: string): string {
  return `${database}_owner`;
}

/**
 * `<database>_manager` after the alphabetically first database: databases are unique on a server, so
 * two components on one server never share a manager role, and reordering the list renames nothing.
 */
export function managerRoleName(databases: readonly { name: string }[], explicit?: string): string {
  if (explicit !== undefined) return explicit;
  const first = databases.map((d) => d.name).sort()[0] ?? "";
  const base = `${first}_manager`;
  return Buffer.byteLength(base, "utf8") <= MAX_ROLE_NAME_BYTES ? base : nameKey(base);
}

/**
 * `<db>_read`, `<db>_readwrite`, with the schemas when a grant names only some of them, or
 * `<db>_owner_members` (members of the owner role); `_by_<tag>` when another administrator than the
 * roles' creator deploys (see deployerTag).
 */
export function accessRoleName(db: { name: string; schemas: string[] }, preset: Preset, schemas: string[], tag = ""): string {
  const all = db.schemas.length === schemas.length && db.schemas.every((s) => schemas.includes(s));
  const kind = preset === "owner" ? "owner_members" : preset.toLowerCase();
  const base = `${db.name}_${kind}${all ? "" : `_${[...schemas].sort().join("_")}`}${tag}`;
  return Buffer.byteLength(base, "utf8") <= MAX_ROLE_NAME_BYTES ? base : nameKey(base);
}

/**
 * The access set for several access roles: their names joined with `+` (`app1_read+app2_readwrite`),
 * or, over 63 bytes, that string's name key. Derived from the roles alone, so it is stable whatever the
 * order of the user's lists, and it changes with them: an administrator taking over (tagged access
 * roles) makes its own sets too.
 */
export function accessSetName(roles: readonly string[]): string {
  const base = [...roles].sort().join("+");
  return Buffer.byteLength(base, "utf8") <= MAX_ROLE_NAME_BYTES ? base : nameKey(base);
}

/**
 * Principals' memberships are in roles made by the administrator that deploys. PostgreSQL 16+ records
 * who granted a membership, and a REVOKE by anyone else only warns ("role ... has not been granted
 * membership ... by role ..."): the provider sends no GRANTED BY. So when another administrator takes
 * over, it makes its own access roles (this suffix) and moves the principals; dropping the old roles
 * removes every membership in them, whoever granted it.
 */
export function deployerTag(deployer: string, roleCreator: string): string {
  return deployer === roleCreator ? "" : `_by_${createHash("sha256").update(deployer, "utf8").digest("hex").slice(0, 6)}`;
}

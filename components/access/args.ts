/**
 * EntraDatabaseAccess's arguments (and the database side of EntraPostgres's). Types only: the planner
 * and validator import these, never the component.
 */
import type * as postgresql from "@pulumi/postgresql";
import type { DatabaseExtensionArgs } from "../features/extensions";
import type { PrincipalArgs } from "../principals";

/** What a grant gives, least privilege first. */
export const Preset = {
  /** CONNECT; USAGE on the schemas; SELECT on tables and sequences. */
  Read: "read",
  /** read plus INSERT, UPDATE, DELETE; sequence USAGE and UPDATE; EXECUTE on functions. */
  ReadWrite: "readWrite",
  /** Membership in the database's owner role: DDL on what it owns. */
  Owner: "owner",
} as const;
export type Preset = (typeof Preset)[keyof typeof Preset];

/** Explicit privileges per object kind; every list given must be non-empty. */
export interface ExplicitPrivileges {
  /** From CONNECT, CREATE, TEMPORARY. */
  database?: string[];
  /** From USAGE, CREATE. */
  schema?: string[];
  /** From SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER. */
  table?: string[];
  /** From USAGE, SELECT, UPDATE. */
  sequence?: string[];
  /** EXECUTE. */
  function?: string[];
}

/** A database the component creates and grants on. */
export interface DatabaseArgs {
  /** Database name, at most 63 bytes; not postgres, template0/1 or Azure's own. */
  name: string;
  /**
   * NOLOGIN role that owns the database and its schemas. Default `<name>_owner`. Created by the
   * component; every Entra administrator reaches it through the manager role, so any of them can
   * manage grants, whichever one created the database.
   */
  owner?: string;
  /** Schemas to grant on. Default ["public"]. Schemas other than public are created, owned by `owner`. */
  schemas?: string[];
  /**
   * Further roles whose future tables, sequences and functions get the grantees' default privileges
   * (the owner role is always included). Name a migration role here if it creates objects as itself. Default none.
   */
  objectOwners?: string[];
  /**
   * Extensions to create in the database (CREATE EXTENSION, as the deploying administrator: on Azure
   * only azure_pg_admin members may). On a server of this component each must be in the server's
   * `extensions.allowList`. Default none.
   */
  extensions?: DatabaseExtensionArgs[];
}

/** One grant to a principal on one database. Give a preset or explicit privileges, not both. */
export interface GrantArgs {
  /** A database from `databases`. */
  database: string;
  /** Schemas to grant on; default: all schemas declared on the database. Ignored by preset owner. */
  schemas?: string[];
  /**
   * read: CONNECT, USAGE, SELECT on tables and sequences. readWrite: read plus INSERT, UPDATE, DELETE,
   * sequence USAGE/UPDATE and EXECUTE on functions. owner: membership in the database's owner role (DDL).
   * Existing objects get the grants; objects the owner roles create later get them as default privileges.
   */
  preset?: Preset;
  /** Explicit privileges per object kind (database, schema, table, sequence, function); lists must not be empty. */
  privileges?: ExplicitPrivileges;
}

/**
 * An Entra principal and what it may do. A server administrator is recognised by its name (Azure made
 * its role, so it is only granted to); everyone else gets a LOGIN role with a `pgaadauth` label.
 */
export interface AccessEntryArgs {
  /** The principal; its objectId is required unless it is an administrator or looked up (EntraPostgres). */
  principal: PrincipalArgs;
  /** What the principal gets, per database. At least one. */
  grants: GrantArgs[];
}

/** What to plan: the pure part of the arguments, shared with EntraPostgres. */
export interface AccessInput {
  /** Databases to create and grant on. At least one. */
  databases: DatabaseArgs[];
  /** Principals and their grants; each principal once. Default: none (only databases and owner roles). */
  access?: AccessEntryArgs[];
  /** The Entra administrator (its role name: UPN or display name) the provider connects as. Required. */
  deployer: string;
  /**
   * The administrator that ran the stack's first `pulumi up` and so created its manager role. Default
   * `deployer`. Set it when another administrator takes over running `pulumi up`: PostgreSQL 16+ keeps
   * the creator's implicit ADMIN OPTION, which cannot be granted again, and the new deployer then makes
   * its own access roles (see the README: "The role model").
   */
  roleCreator?: string;
  /**
   * The server's other Entra administrators (role names). Each becomes a member of the manager role,
   * so it can manage, grant, revoke and act as the owner of everything this component made; an access
   * entry naming one is granted to, never created. Default none.
   */
  administrators?: string[];
  /**
   * NOLOGIN role that holds ADMIN OPTION on every role this component creates and is a member of every
   * owner role; the administrators are its members. One per component on a server. Default
   * `<database>_manager`, after the alphabetically first of `databases`.
   */
  managerRole?: string;
  /** Keep PUBLIC from creating objects in schema public (PostgreSQL < 15 allows it). Default true. */
  revokePublicCreate?: boolean;
  /** Revoke PUBLIC's default CONNECT and TEMPORARY on the databases, so only granted roles get in. Default true. */
  revokePublicConnect?: boolean;
}

/** Arguments of EntraDatabaseAccess: the access input plus the provider to apply it with. */
export interface EntraDatabaseAccessArgs extends AccessInput {
  /**
   * Connection to the server as an Entra administrator (superuser false: Azure's administrators are not
   * superusers). Works on any PostgreSQL with Azure's `pgaadauth` label provider.
   */
  provider: postgresql.Provider;
}

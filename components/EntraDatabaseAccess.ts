import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import { ExplicitPrivileges, AccessPlan, Preset, pgaadauthLabel, planAccess } from "./accessPlan";
import { InputError } from "./errors";
import { PrincipalType } from "./principals";

/** A database the component creates and grants on. */
export interface DatabaseArgs {
  /** Database name, at most 63 bytes; not postgres, template0/1 or Azure's own. */
  name: string;
  /**
   * NOLOGIN role that owns the database and its schemas. Default `<name>_owner`. Created by the
   * component; every Entra administrator is made a member (with admin option), so any of them can
   * manage grants, whichever one created the database.
   */
  owner?: string;
  /** Schemas to grant on. Default ["public"]. Schemas other than public are created, owned by `owner`. */
  schemas?: string[];
  /**
   * Further roles whose future tables, sequences and functions get the grantees' default privileges
   * (the owner role is always included). Name a migration role here if it creates objects as itself.
   */
  objectOwners?: string[];
}

/** One grant to a principal on one database. Give a preset or explicit privileges, not both. */
export interface GrantArgs {
  /** A database from `databases`. */
  database: string;
  /** Schemas to grant on; default: all schemas declared on the database. Ignored by preset owner. */
  schemas?: string[];
  /**
   * "read": CONNECT, USAGE, SELECT on tables and sequences. "readWrite": read plus INSERT, UPDATE, DELETE,
   * sequence USAGE/UPDATE and EXECUTE on functions. "owner": membership in the database's owner role (DDL).
   * Existing objects get the grants; objects the owner roles create later get them as default privileges.
   */
  preset?: Preset;
  /** Explicit privileges per object kind (database, schema, table, sequence, function); lists must not be empty. */
  privileges?: ExplicitPrivileges;
}

/** An Entra principal and what it may do. */
export interface AccessEntryArgs {
  principal: {
    /** The role name and login username: a user's UPN, or the display name of a group, service principal or managed identity. */
    name: string;
    /** "User" | "Group" | "ServicePrincipal" | "ManagedIdentity". */
    type: PrincipalType;
    /** Object id (UUID); a managed identity's principal id. Required unless the principal is an administrator. */
    objectId?: pulumi.Input<string>;
  };
  /** True when the principal is an Entra administrator of the server: Azure made its role, so it is only granted to. Default false. */
  administrator?: boolean;
  /** What the principal gets, per database. */
  grants: GrantArgs[];
}

/** What to plan: the pure part of the arguments, shared with EntraPostgres. */
export interface AccessInput {
  /** Databases to create and grant on. At least one. */
  databases: DatabaseArgs[];
  /** Principals and their grants; each principal once. Default: none (only databases and owner roles). */
  access?: AccessEntryArgs[];
  /** Role whose members are the server's Entra administrators. Default "azure_pg_admin" (Azure's). */
  administratorsRole?: string;
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

export const ENTRA_DATABASE_ACCESS_TYPE = "entra-postgres:index:EntraDatabaseAccess";

/**
 * Databases with deterministic owners, Entra principals mapped to PostgreSQL roles with pgaadauth
 * security labels, and least-privilege grants, through the postgresql provider.
 */
export class EntraDatabaseAccess extends pulumi.ComponentResource {
  /** The plan the resources were made from; the login guide reads it. */
  readonly plan: AccessPlan;
  /** Names of the roles this component created for principals (administrators' roles are Azure's). */
  readonly roleNames: string[];

  constructor(name: string, args: EntraDatabaseAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    if (!args?.provider) {
      throw new InputError("EntraDatabaseAccess", [
        { field: "provider", value: args?.provider, allowed: "a postgresql.Provider connected as an Entra administrator" },
      ]);
    }
    const plan = planAccess(args);
    super(ENTRA_DATABASE_ACCESS_TYPE, name, {}, opts);
    this.plan = plan;
    const base = { parent: this, provider: args.provider };
    const on = (...deps: (pulumi.Resource | undefined)[]) => ({
      ...base,
      dependsOn: deps.filter((d): d is pulumi.Resource => d !== undefined),
    });

    const ownerOf = (database: string) => plan.databases.find((d) => d.name === database)!.owner;
    const ownerRoles = new Map<string, postgresql.Role>();
    const databases = new Map<string, postgresql.Database>();
    const schemas = new Map<string, postgresql.Schema>();
    for (const db of plan.databases) {
      const owner = new postgresql.Role(`${name}-owner-${db.key}`, { name: db.owner, login: false }, base);
      ownerRoles.set(db.owner, owner);
      databases.set(db.name, new postgresql.Database(`${name}-db-${db.key}`, { name: db.name, owner: db.owner }, on(owner)));
      for (const schema of db.schemas.filter((s) => s !== "public")) {
        schemas.set(
          `${db.name}\u0000${schema}`,
          new postgresql.Schema(
            `${name}-schema-${db.key}-${schema}`,
            { name: schema, database: db.name, owner: db.owner, dropCascade: true },
            on(databases.get(db.name), owner),
          ),
        );
      }
    }

    // Shared NOLOGIN roles holding each preset's privileges; principals become their members.
    const grantees = new Map<string, pulumi.Resource>(ownerRoles);
    for (const r of plan.accessRoles) {
      grantees.set(r.name, new postgresql.Role(`${name}-access-${r.key}`, { name: r.name, login: false }, base));
    }

    for (const p of plan.principals.filter((x) => !x.administrator)) {
      // Memberships are GrantRole resources; `roles` is ignored so the Role never revokes them, nor
      // the group memberships Azure's group sync adds to an individually mapped principal.
      const role = new postgresql.Role(`${name}-role-${p.key}`, { name: p.name, login: true }, { ...base, ignoreChanges: ["roles"] });
      const label = new postgresql.SecurityLabel(
        `${name}-label-${p.key}`,
        {
          objectType: "role",
          objectName: p.name,
          labelProvider: "pgaadauth",
          label:
            typeof p.objectId === "string"
              ? pgaadauthLabel(p.objectId, p.principalType)
              : pulumi.output(p.objectId).apply((oid) => pgaadauthLabel(oid, p.principalType)),
        },
        on(role),
      );
      grantees.set(p.name, label);
    }

    // Administrators act on a database through its owner role, so nothing is granted on a database
    // before that membership exists: the provider does not borrow the owner role for database grants.
    const adminsAsOwner = new Map<string, pulumi.Resource>();
    for (const m of plan.memberships) {
      const membership = new postgresql.GrantRole(
        `${name}-member-${m.key}`,
        { role: m.role, grantRole: m.grantRole, withAdminOption: m.withAdminOption },
        on(grantees.get(m.grantRole), grantees.get(m.role)),
      );
      if (m.role === plan.administratorsRole) adminsAsOwner.set(m.grantRole, membership);
    }
    for (const g of plan.grants) {
      new postgresql.Grant(
        `${name}-grant-${g.key}`,
        {
          role: g.role,
          database: g.database,
          schema: g.schema,
          objectType: g.objectType,
          // The provider reads an absent list and [] alike as "every object of this kind in the schema".
          ...(g.objectType === "database" || g.objectType === "schema" ? {} : { objects: [] }),
          privileges: g.privileges,
        },
        on(
          databases.get(g.database),
          g.schema ? schemas.get(`${g.database}\u0000${g.schema}`) : undefined,
          grantees.get(g.role),
          adminsAsOwner.get(ownerOf(g.database)),
        ),
      );
    }
    for (const d of plan.defaultPrivileges) {
      new postgresql.DefaultPrivileges(
        `${name}-default-${d.key}`,
        { role: d.role, database: d.database, schema: d.schema, owner: d.owner, objectType: d.objectType, privileges: d.privileges },
        on(
          databases.get(d.database),
          schemas.get(`${d.database}\u0000${d.schema}`),
          grantees.get(d.role),
          grantees.get(d.owner),
          adminsAsOwner.get(ownerOf(d.database)),
        ),
      );
    }

    this.roleNames = plan.principals.filter((p) => !p.administrator).map((p) => p.name);
    this.registerOutputs({ roleNames: this.roleNames, databases: plan.databases.map((d) => d.name) });
  }
}

import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import { ExplicitPrivileges, AccessPlan, PlannedMembership, Preset, pgaadauthLabel, planAccess } from "./accessPlan";
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
   * so it can manage, grant, revoke and act as the owner of everything this component made. Default none.
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

    // Memberships are GrantRole resources, never a Role's `roles` list: that list is authoritative, and
    // an update would revoke every membership the GrantRoles made (and those Azure's group sync adds).
    const manager = new postgresql.Role(`${name}-manager`, { name: plan.manager, login: false }, { ...base, ignoreChanges: ["roles"] });
    // GrantRole is replaced when its admin option drifts; created first (the engine's default), the
    // new GRANT and then the old one's REVOKE hit the same pair and leave no membership at all.
    const grantRole = (m: PlannedMembership, deps: (pulumi.Resource | undefined)[]) =>
      new postgresql.GrantRole(
        `${name}-member-${m.key}`,
        { role: m.role, grantRole: m.grantRole, withAdminOption: m.withAdminOption },
        {
          ...base,
          dependsOn: deps.filter((d): d is pulumi.Resource => d !== undefined),
          deleteBeforeReplace: true,
          ...(m.ignoreAdminOption ? { ignoreChanges: ["withAdminOption"] } : {}),
        },
      );
    // The administrators' way to everything else: whoever runs `pulumi up` or `destroy` keeps it until
    // the end, because everything else waits for (and so is deleted before) these memberships.
    const administrators = plan.memberships.filter((m) => m.grantRole === plan.manager).map((m) => grantRole(m, [manager]));
    const on = (...deps: (pulumi.Resource | undefined)[]) => ({
      ...base,
      dependsOn: [manager, ...administrators, ...deps.filter((d): d is pulumi.Resource => d !== undefined)],
    });
    // Roles, grants, default privileges and databases run one at a time. The provider locks a role and
    // then each of its members (advisory locks, in catalogue order) before it changes a role's grants or
    // the role itself; the manager role and shared principals are members of many roles, so two such
    // steps at once can deadlock ("deadlock detected", seen under the engine's parallelism), and two
    // GRANTs on one object fail with "tuple concurrently updated" (cyrilgdn/terraform-provider-postgresql#178,
    // pulumi/pulumi-postgresql#126). The chain follows the plan's sorted order, so it never depends on
    // the order of the user's lists.
    let previous: pulumi.Resource | undefined;
    const serial = <R extends pulumi.Resource>(make: (after: pulumi.Resource | undefined) => R): R => (previous = make(previous));
    const ours = (after: pulumi.Resource | undefined) => ({ ...on(after), ignoreChanges: ["roles"] });

    const roles = new Map<string, pulumi.Resource>([[plan.manager, manager]]);
    const ownerRoles = new Map<string, postgresql.Role>();
    for (const db of plan.databases) {
      ownerRoles.set(
        db.name,
        serial((after) => new postgresql.Role(`${name}-owner-${db.key}`, { name: db.owner, login: false }, ours(after))),
      );
      roles.set(db.owner, ownerRoles.get(db.name)!);
    }
    // Shared NOLOGIN roles holding each preset's privileges; principals become their members.
    for (const r of plan.accessRoles) {
      roles.set(
        r.name,
        serial((after) => new postgresql.Role(`${name}-access-${r.key}`, { name: r.name, login: false }, ours(after))),
      );
    }
    // One role per distinct set of access roles, so each principal holds one membership (see accessSetFor).
    for (const r of plan.accessSets) {
      roles.set(
        r.name,
        serial((after) => new postgresql.Role(`${name}-access-set-${r.key}`, { name: r.name, login: false }, ours(after))),
      );
    }
    for (const p of plan.principals.filter((x) => !x.administrator)) {
      const role = serial((after) => new postgresql.Role(`${name}-role-${p.key}`, { name: p.name, login: true }, ours(after)));
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
      roles.set(p.name, label);
    }

    const memberships = new Map<string, postgresql.GrantRole>();
    for (const m of plan.memberships.filter((x) => x.grantRole !== plan.manager)) {
      memberships.set(`${m.role}\u0000${m.grantRole}`, grantRole(m, on(roles.get(m.grantRole), roles.get(m.role)).dependsOn));
    }
    // Administrators reach a database through the manager role's membership in its owner role (PUBLIC
    // loses CONNECT): nothing runs inside a database before it exists.
    const databases = new Map<string, postgresql.Database>();
    const schemas = new Map<string, postgresql.Schema>();
    const ready = new Map<string, pulumi.Resource[]>();
    for (const db of plan.databases) {
      const viaManager = memberships.get(`${plan.manager}\u0000${db.owner}`)!;
      const database = serial(
        (after) =>
          new postgresql.Database(
            `${name}-db-${db.key}`,
            { name: db.name, owner: db.owner },
            on(ownerRoles.get(db.name), viaManager, after),
          ),
      );
      databases.set(db.name, database);
      ready.set(db.name, [database, viaManager]);
    }

    for (const db of plan.databases) {
      for (const schema of db.schemas.filter((s) => s !== "public")) {
        schemas.set(
          `${db.name}\u0000${schema}`,
          new postgresql.Schema(
            `${name}-schema-${db.key}-${schema}`,
            { name: schema, database: db.name, owner: db.owner, dropCascade: true },
            on(...ready.get(db.name)!, roles.get(db.owner)),
          ),
        );
      }
    }

    for (const g of plan.grants) {
      serial(
        (after) =>
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
            on(...ready.get(g.database)!, g.schema ? schemas.get(`${g.database}\u0000${g.schema}`) : undefined, roles.get(g.role), after),
          ),
      );
    }
    for (const d of plan.defaultPrivileges) {
      serial(
        (after) =>
          new postgresql.DefaultPrivileges(
            `${name}-default-${d.key}`,
            { role: d.role, database: d.database, schema: d.schema, owner: d.owner, objectType: d.objectType, privileges: d.privileges },
            on(...ready.get(d.database)!, schemas.get(`${d.database}\u0000${d.schema}`), roles.get(d.role), roles.get(d.owner), after),
          ),
      );
    }

    this.roleNames = plan.principals.filter((p) => !p.administrator).map((p) => p.name);
    this.registerOutputs({ roleNames: this.roleNames, databases: plan.databases.map((d) => d.name) });
  }
}

import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import { InputError } from "../errors";
import type { EntraDatabaseAccessArgs } from "./args";
import { AccessPlan, PlannedMembership, pgaadauthLabel, planAccess } from "./plan";

export const ENTRA_DATABASE_ACCESS_TYPE = "entra-postgres:index:EntraDatabaseAccess";

/**
 * Databases with deterministic owners, Entra principals mapped to PostgreSQL roles with pgaadauth
 * security labels, and least-privilege grants, through the postgresql provider.
 */
export class EntraDatabaseAccess extends pulumi.ComponentResource {
  /** Names of the LOGIN roles this component created for principals (administrators' roles are Azure's). */
  readonly roleNames: pulumi.Output<string[]>;
  /** Names of the databases it created. */
  readonly databases: pulumi.Output<string[]>;
  /** The NOLOGIN role through which every administrator manages what it made. */
  readonly managerRole: pulumi.Output<string>;

  /**
   * @param plan The plan of these arguments when the caller has already validated and made it
   *   (EntraPostgres does, so that there is one plan); otherwise it is made here.
   */
  constructor(name: string, args: EntraDatabaseAccessArgs, opts?: pulumi.ComponentResourceOptions, plan?: AccessPlan) {
    if (!args?.provider) {
      throw new InputError("EntraDatabaseAccess", [
        { field: "provider", value: args?.provider, allowed: "a postgresql.Provider connected as an Entra administrator" },
      ]);
    }
    plan ??= planAccess(args);
    super(ENTRA_DATABASE_ACCESS_TYPE, name, {}, opts);
    PLANS.set(this, plan);
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

    // Like the schemas: after the database and its owner, beside the serial chain of roles and grants,
    // in the schema it names (created by us) when it names one.
    for (const x of plan.extensions) {
      new postgresql.Extension(
        `${name}-ext-${x.key}`,
        { name: x.name, database: x.database, ...(x.schema ? { schema: x.schema } : {}) },
        on(...ready.get(x.database)!, x.schema ? schemas.get(`${x.database}\u0000${x.schema}`) : undefined),
      );
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

    this.roleNames = pulumi.output(plan.principals.filter((p) => !p.administrator).map((p) => p.name));
    this.databases = pulumi.output(plan.databases.map((d) => d.name));
    this.managerRole = pulumi.output(plan.manager);
    this.registerOutputs({ roleNames: this.roleNames, databases: this.databases, managerRole: this.managerRole });
  }

  /** TypeScript only: the plan the resources were made from, as data (the login guide reads it). */
  get plan(): AccessPlan {
    return PLANS.get(this)!;
  }
}

// Kept beside the instance rather than on it: a field would be a schema output, and the plan is not a
// value other languages can take (it holds Inputs).
const PLANS = new WeakMap<EntraDatabaseAccess, AccessPlan>();

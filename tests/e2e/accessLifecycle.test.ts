/**
 * EntraDatabaseAccess over the life of a stack, on real PostgreSQL 15 with the pgaadauth stand-in:
 * re-applying converges (every resource unchanged, catalogues identical), out-of-band drift is repaired
 * back to exactly the planned state, a second Entra administrator can take over the deployment, and
 * destroy leaves nothing of ours while never touching the administrators or azure_pg_admin. Every apply
 * runs through the provider translator as an administrator with its token, never as superuser.
 */
import type { PlanInput } from "./support/deploy";
import type { ApplyReport } from "./apply/translator";
import { startCluster, type PgCluster } from "./harness/cluster";
import { accessOf, closeCatalog, diffLines, labelOf, one, privilegesOf, releaseDatabase, snapshot, su } from "./support/catalog";
import {
  T,
  declareAdministrators,
  Stack,
  oid,
  planDeployment,
  writesOf,
  type CapturedResource,
  type Deployment,
  leastFavourableOrder,
  type Identity,
} from "./support/deploy";
import { expectedAccess, type SchemaObjects } from "./support/expected";
import { asRole, attempt } from "./support/login";

const DEPLOYER: Identity = { name: "ci-deployer", oid: oid(1), type: "ServicePrincipal" };
/** Declared later: a second administrator taking over the stack. */
const ADMIN2: Identity = { name: "dba2@contoso.com", oid: oid(2), type: "User" };
const MEMBER = { name: "member@contoso.com", oid: oid(3) };

const DB = "ledger";
const OWNER = "ledger_owner";
const MANAGER = "ledger_manager";
/** Declared from the start, never deploys. */
const OTHER_ADMIN: Identity = { name: "dba@contoso.com", oid: oid(4), type: "User" };
const READER: Identity = { name: "reader@contoso.com", oid: oid(0x10), type: "User" };
const WRITER: Identity = { name: "writer-app", oid: oid(0x11), type: "ServicePrincipal" };
const ANALYSTS: Identity = { name: "Ledger Analysts", oid: oid(0x12), type: "Group" };
const API: Identity = { name: "id-ledger-api", oid: oid(0x13), type: "ManagedIdentity" };
const AUDITOR: Identity = { name: "auditor@contoso.com", oid: oid(0x14), type: "User" };

const entry = (who: Identity, preset: "read" | "readWrite" | "owner", schemas?: string[]) => ({
  principal: { name: who.name, type: who.type, objectId: who.oid },
  grants: [{ database: DB, preset, ...(schemas ? { schemas } : {}) }],
});
const LEDGER: PlanInput = {
  databases: [{ name: DB, schemas: ["public", "audit"] }],
  administrators: [OTHER_ADMIN.name],
  access: [entry(READER, "read"), entry(WRITER, "readWrite"), entry(ANALYSTS, "read"), entry(API, "readWrite")],
};
const OBJECTS: SchemaObjects[] = [
  { schema: "audit", tables: ["entries"], sequences: ["seq"], functions: [] },
  { schema: "public", tables: ["orders"], sequences: ["orders_id_seq"], functions: ["total()"] },
];

let cluster: PgCluster;
let ledger: Deployment;
/** The ledger's stack: its recorded state across the tests below. */
let stack: Stack;

const tokenOf = (who: Identity) =>
  who.type === "Group" ? cluster.token({ oid: MEMBER.oid, groups: [who.oid] }) : cluster.token({ oid: who.oid });

/** Resources whose action was not "unchanged", as name -> action. */
const changes = (r: ApplyReport) => Object.fromEntries(r.resources.filter((x) => x.action !== "unchanged").map((x) => [x.name, x.action]));

/** The one resource of `type` whose inputs include `match`. */
function resource(d: Deployment, type: string, match: Record<string, unknown>): CapturedResource {
  const found = d.resources.filter((r) => r.type === type && Object.entries(match).every(([k, v]) => r.inputs[k] === v));
  if (found.length !== 1) throw new Error(`${found.length} ${type} resources match ${JSON.stringify(match)}`);
  return found[0];
}

/** A Grant giving a read-only privilege set on `schema`'s objects of `objectType` (to whichever role the component chose). */
const readGrant = (d: Deployment, schema: string, objectType: string) =>
  d.resources.find(
    (r) =>
      r.type === T.grant && r.inputs.schema === schema && r.inputs.objectType === objectType && r.inputs.role === roleHolding(d, "read"),
  )!;

/** The role holding a preset's grants: the principal itself, or a shared role it is made a member of. */
function roleHolding(d: Deployment, preset: "read" | "readWrite"): string {
  const who = preset === "read" ? READER.name : WRITER.name;
  const role = resource(d, T.role, { name: who });
  const viaRole = (role.inputs.roles as string[] | undefined) ?? [];
  const viaGrantRole = d.resources.filter((r) => r.type === T.grantRole && r.inputs.role === who).map((r) => String(r.inputs.grantRole));
  const via = [...viaRole, ...viaGrantRole];
  return via.length === 1 ? via[0] : who;
}

/**
 * The membership planned for a principal (in a shared access role), and the resource that manages it:
 * the principal's Role (`roles`, updated on drift) or a GrantRole (re-created on drift).
 */
function plannedMembership(d: Deployment, principal: string): { grantRole: string; resource: CapturedResource; repair: string } {
  const role = resource(d, T.role, { name: principal });
  const viaRole = (role.inputs.roles as string[] | undefined) ?? [];
  if (viaRole.length === 1) return { grantRole: viaRole[0], resource: role, repair: "updated" };
  const grant = resource(d, T.grantRole, { role: principal });
  return { grantRole: String(grant.inputs.grantRole), resource: grant, repair: "created" };
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** PostgreSQL 16 changed the role rules (implicit ADMIN OPTION for a role's creator, grantor-bound REVOKE). */
const pg16 = async () => Number(await one(cluster, "postgres", "SHOW server_version_num")) >= 160000;

beforeAll(async () => {
  cluster = await startCluster();
  await declareAdministrators(cluster, [DEPLOYER, OTHER_ADMIN]);
  ledger = await planDeployment(LEDGER, DEPLOYER.name);
  stack = new Stack(cluster);
  await stack.up(ledger, DEPLOYER);
  // The application's schema, made by an administrator acting as the owner role.
  await asRole(cluster, DEPLOYER.name, tokenOf(DEPLOYER), DB, async (c) => {
    await c.query(`SET ROLE ${OWNER};
      CREATE TABLE public.orders (id bigserial PRIMARY KEY, amount int); INSERT INTO public.orders (amount) VALUES (10), (20);
      CREATE FUNCTION public.total() RETURNS bigint LANGUAGE sql AS 'SELECT sum(amount) FROM public.orders';
      CREATE TABLE audit.entries (at timestamptz DEFAULT now(), what text); INSERT INTO audit.entries (what) VALUES ('created');
      CREATE SEQUENCE audit.seq;`);
  });
});

afterAll(async () => {
  if (cluster) await closeCatalog(cluster);
  await cluster?.stop();
});

describe("convergence", () => {
  let converged: string[];

  test("a second apply reports every resource unchanged, writes nothing and leaves the catalogues identical", async () => {
    const before = await snapshot(cluster, [DB]);
    // `pulumi up` without refresh diffs against the recorded state: no SQL at all.
    expect((await stack.up(ledger, DEPLOYER)).statements).toEqual([]);
    const r = await stack.up(ledger, DEPLOYER, { refresh: true });
    expect(changes(r)).toEqual({});
    expect(writesOf(r)).toEqual([]);
    converged = await snapshot(cluster, [DB]);
    expect(diffLines(before, converged)).toEqual({ added: [], removed: [] });
    // And the plan is really in place (not just stable).
    expect((await accessOf(cluster, READER.name, [DB])).lines).toEqual(expectedAccess("read", DB, OWNER, OBJECTS));
    expect((await accessOf(cluster, WRITER.name, [DB])).lines).toEqual(expectedAccess("readWrite", DB, OWNER, OBJECTS));
  });

  interface Drift {
    title: string;
    /** Out-of-band statements, as the superuser, per database. */
    sql: (d: Deployment) => [db: string, sql: string][];
    /** What the repairing apply must do, resource name -> action. */
    repair: (d: Deployment) => Record<string, string>;
    /**
     * Out-of-band statements undoing the drift (as the superuser) when the repair fails, so a failing
     * case does not leave its drift to the cases after it.
     */
    undo?: [db: string, sql: string][];
  }

  const DRIFTS: Drift[] = [
    {
      title: "a planned table privilege is revoked",
      sql: (d) => [[DB, `REVOKE SELECT ON audit.entries FROM ${q(roleHolding(d, "read"))}`]],
      repair: (d) => ({ [readGrant(d, "audit", "table").name]: "updated" }),
    },
    {
      title: "an extra privilege on a table is granted to the read role",
      sql: (d) => [[DB, `GRANT INSERT, TRUNCATE ON public.orders TO ${q(roleHolding(d, "read"))}`]],
      repair: (d) => ({ [readGrant(d, "public", "table").name]: "updated" }),
    },
    {
      title: "CONNECT on the database is revoked",
      sql: (d) => [["postgres", `REVOKE CONNECT ON DATABASE ${DB} FROM ${q(roleHolding(d, "read"))}`]],
      repair: (d) => ({ [resource(d, T.grant, { objectType: "database", role: roleHolding(d, "read") }).name]: "updated" }),
    },
    {
      title: "default privileges are revoked",
      sql: (d) => [
        [DB, `ALTER DEFAULT PRIVILEGES FOR ROLE ${OWNER} IN SCHEMA audit REVOKE ALL ON TABLES FROM ${q(roleHolding(d, "readWrite"))}`],
      ],
      repair: (d) => ({
        [resource(d, T.defaultPrivileges, { schema: "audit", objectType: "table", role: roleHolding(d, "readWrite") }).name]: "created",
      }),
    },
    {
      title: "a mapped role is dropped",
      sql: () => [
        [DB, `DROP OWNED BY ${q(WRITER.name)}`],
        ["postgres", `DROP OWNED BY ${q(WRITER.name)}; DROP ROLE ${q(WRITER.name)}`],
      ],
      // Everything made for that principal comes back.
      repair: (d) =>
        Object.fromEntries(
          d.resources
            .filter((r) => [r.inputs.name, r.inputs.role, r.inputs.objectName, r.inputs.grantRole].includes(WRITER.name))
            .map((r) => [r.name, "created"]),
        ),
    },
    {
      title: "a label is changed to another object id",
      sql: () => [["postgres", `SECURITY LABEL FOR pgaadauth ON ROLE ${q(READER.name)} IS 'aadauth,oid=${oid(0x666)},type=user'`]],
      repair: (d) => ({ [resource(d, T.label, { objectName: READER.name }).name]: "updated" }),
    },
    {
      title: "a label is removed",
      sql: () => [["postgres", `SECURITY LABEL FOR pgaadauth ON ROLE ${q(API.name)} IS NULL`]],
      repair: (d) => ({ [resource(d, T.label, { objectName: API.name }).name]: "created" }),
    },
    {
      title: "a mapped role's attributes are changed",
      sql: () => [["postgres", `ALTER ROLE ${q(READER.name)} NOLOGIN CREATEDB CONNECTION LIMIT 1`]],
      repair: (d) => ({ [resource(d, T.role, { name: READER.name }).name]: "updated" }),
    },
    {
      title: "a principal loses the membership that gives it its preset",
      sql: (d) => [
        ["postgres", `REVOKE ${q(plannedMembership(d, READER.name).grantRole)} FROM ${q(READER.name)} GRANTED BY ${q(DEPLOYER.name)}`],
      ],
      repair: (d) => ({ [plannedMembership(d, READER.name).resource.name]: plannedMembership(d, READER.name).repair }),
    },
    {
      // GRANTED BY: on PostgreSQL 16+ a REVOKE removes only the grant made by the grantor it names.
      title: "the manager role loses its ADMIN OPTION on a principal's role",
      sql: () => [["postgres", `REVOKE ADMIN OPTION FOR ${q(READER.name)} FROM ${MANAGER} GRANTED BY ${q(DEPLOYER.name)}`]],
      repair: (d) => ({ [resource(d, T.grantRole, { role: MANAGER, grantRole: READER.name }).name]: "replaced" }),
    },
    {
      // With PUBLIC's CONNECT revoked this would cut the deployer off before `up --refresh` could read
      // anything, but for the CONNECT the component also gives the deployer directly.
      title: "the manager role loses its membership in the owner role",
      sql: () => [["postgres", `REVOKE ${OWNER} FROM ${MANAGER} GRANTED BY ${q(DEPLOYER.name)}`]],
      repair: (d) => ({ [resource(d, T.grantRole, { role: MANAGER, grantRole: OWNER }).name]: "created" }),
    },
    {
      title: "the deployer loses its own CONNECT on the database",
      sql: () => [["postgres", `REVOKE CONNECT ON DATABASE ${DB} FROM ${q(DEPLOYER.name)}`]],
      repair: (d) => ({ [resource(d, T.grant, { objectType: "database", role: DEPLOYER.name }).name]: "updated" }),
    },
    {
      title: "another administrator loses its membership in the manager role",
      sql: () => [["postgres", `REVOKE ${MANAGER} FROM ${q(OTHER_ADMIN.name)} GRANTED BY ${q(DEPLOYER.name)}`]],
      repair: (d) => ({ [resource(d, T.grantRole, { role: OTHER_ADMIN.name, grantRole: MANAGER }).name]: "created" }),
    },
    {
      title: "PUBLIC is given CREATE on schema public",
      sql: () => [[DB, "GRANT CREATE ON SCHEMA public TO PUBLIC"]],
      repair: (d) => ({ [resource(d, T.grant, { role: "public", schema: "public", objectType: "schema" }).name]: "updated" }),
    },
    {
      title: "the database and a schema are given to another owner",
      sql: () => [
        ["postgres", `ALTER DATABASE ${DB} OWNER TO ${q(DEPLOYER.name)}`],
        [DB, `ALTER SCHEMA audit OWNER TO ${q(DEPLOYER.name)}`],
      ],
      repair: (d) => ({
        [resource(d, T.database, { name: DB }).name]: "updated",
        [resource(d, T.schema, { name: "audit" }).name]: "updated",
        // As the database's owner the deployer held every privilege on it; back to CONNECT only.
        [resource(d, T.grant, { objectType: "database", role: DEPLOYER.name }).name]: "updated",
      }),
    },
  ];

  test.each(DRIFTS)("drift is repaired to exactly the planned state: $title", async ({ sql, repair, undo }) => {
    expect(converged).toBeDefined();
    for (const [db, text] of sql(ledger)) await su(cluster, db, text);
    expect(diffLines(converged, await snapshot(cluster, [DB]))).not.toEqual({ added: [], removed: [] });

    try {
      const r = await stack.up(ledger, DEPLOYER, { refresh: true });
      expect(changes(r)).toEqual(repair(ledger));
      expect(diffLines(converged, await snapshot(cluster, [DB]))).toEqual({ added: [], removed: [] });
      const again = await stack.up(ledger, DEPLOYER, { refresh: true });
      expect(changes(again)).toEqual({});
    } catch (e) {
      if (undo) {
        for (const [db, text] of undo) await su(cluster, db, text);
        await stack.up(ledger, DEPLOYER, { refresh: true });
      }
      throw e;
    }
  });

  // Only the deployer itself (or a superuser naming it with GRANTED BY) can revoke its own grant of the
  // manager role; another administrator's REVOKE only warns on 16+.
  test("the deployer losing its own membership in the manager role: repaired on 15, on 16+ by the README's GRANT", async () => {
    const membership = resource(ledger, T.grantRole, { role: DEPLOYER.name, grantRole: MANAGER });
    await asRole(cluster, OTHER_ADMIN.name, tokenOf(OTHER_ADMIN), "postgres", async (c) => {
      await c.query(`REVOKE ${MANAGER} FROM ${q(DEPLOYER.name)}`).catch(() => undefined);
    });
    if (await pg16()) expect(diffLines(converged, await snapshot(cluster, [DB]))).toEqual({ added: [], removed: [] });
    await su(cluster, "postgres", `REVOKE ${MANAGER} FROM ${q(DEPLOYER.name)} GRANTED BY ${q(DEPLOYER.name)}`);
    expect(diffLines(converged, await snapshot(cluster, [DB])).removed).toEqual([`membership ${DEPLOYER.name} in ${MANAGER}`]);
    const r = await stack.up(ledger, DEPLOYER, { refresh: true });
    if (await pg16()) {
      // The provider reads the creator's implicit ADMIN-only row PostgreSQL keeps and sees no drift.
      expect(changes(r)).toEqual({});
      await asRole(cluster, DEPLOYER.name, tokenOf(DEPLOYER), "postgres", async (c) => {
        await c.query(`GRANT ${MANAGER} TO ${q(DEPLOYER.name)}`);
      });
    } else {
      expect(changes(r)).toEqual({ [membership.name]: "created" });
    }
    expect(diffLines(converged, await snapshot(cluster, [DB]))).toEqual({ added: [], removed: [] });
    expect(changes(await stack.up(ledger, DEPLOYER, { refresh: true }))).toEqual({});
  });

  test("the owner preset converges too: a second apply changes nothing", async () => {
    const owned = await planDeployment(
      {
        databases: [{ name: "owned" }],
        access: [
          { principal: { name: "lead@contoso.com", type: "User", objectId: oid(0x30) }, grants: [{ database: "owned", preset: "owner" }] },
        ],
      },
      DEPLOYER.name,
      "owned",
    );
    const ownedStack = new Stack(cluster);
    await ownedStack.up(owned, DEPLOYER);
    const r = await ownedStack.up(owned, DEPLOYER, { refresh: true });
    expect({ changes: changes(r), writes: writesOf(r) }).toEqual({ changes: {}, writes: [] });
    expect(await one(cluster, "postgres", "SELECT pg_has_role('lead@contoso.com', 'owned_owner', 'MEMBER')")).toBe(true);
  });
});

/** LEDGER changed: a new principal (the auditor), and the analysts moved from read to readWrite. */
const LEDGER_V2: PlanInput = {
  ...LEDGER,
  access: [
    entry(READER, "read"),
    entry(WRITER, "readWrite"),
    entry(ANALYSTS, "readWrite"),
    entry(API, "readWrite"),
    entry(AUDITOR, "read", ["audit"]),
  ],
};

/** LEDGER_V2 without the auditor. */
const LEDGER_V3: PlanInput = { ...LEDGER, access: LEDGER_V2.access!.filter((e) => e.principal.name !== AUDITOR.name) };
/** A program run by the second administrator after it took over. */
const HANDED_OVER = (p: PlanInput): PlanInput => ({ ...p, administrators: [OTHER_ADMIN.name, ADMIN2.name], roleCreator: DEPLOYER.name });

describe("a second administrator", () => {
  // Declared after the first deployment, as when a team hands the stack to a new pipeline identity: the
  // first deployer adds it to the program's administrators (it joins the manager role), then the new
  // one runs `pulumi up` with the changed program, naming the first as the roles' creator.
  const ADMINS_2 = [OTHER_ADMIN.name, ADMIN2.name];
  const P2: PlanInput = { ...LEDGER_V2, administrators: ADMINS_2, roleCreator: DEPLOYER.name };
  let byAdmin2: Deployment;
  let report: ApplyReport;

  beforeAll(async () => {
    await declareAdministrators(cluster, [ADMIN2]);
    await stack.up(await planDeployment({ ...LEDGER, administrators: ADMINS_2 }, DEPLOYER.name), DEPLOYER);
    byAdmin2 = await planDeployment(P2, ADMIN2.name);
    // A `pulumi up` from the first program to this one: also deletes what the first had and this has
    // not, such as the analysts' membership in the read role they moved away from.
    report = await stack.up(byAdmin2, ADMIN2);
  });

  test("applies a changed plan to a database the first administrator created, with no ignored grant", () => {
    expect(Object.values(changes(report)).every((a) => a === "created" || a === "updated" || a === "deleted")).toBe(true);
    expect(resource(byAdmin2, T.role, { name: AUDITOR.name }).name in changes(report)).toBe(true);
    // Without the owner-role membership PostgreSQL only warns and grants nothing on the database.
    expect(report.statements.flatMap((s) => s.notices).filter((n) => /privileges/.test(n))).toEqual([]);
  });

  test("the changes take effect, and no membership the first administrator granted survives a move", async () => {
    expect((await accessOf(cluster, AUDITOR.name, [DB])).lines).toEqual(
      expectedAccess(
        "read",
        DB,
        OWNER,
        OBJECTS.filter((o) => o.schema === "audit"),
      ),
    );
    // On PostgreSQL 16+ the second administrator's REVOKE of the analysts' old membership (granted by the
    // first) only warns; the old access role is dropped instead, and the membership with it.
    expect((await accessOf(cluster, ANALYSTS.name, [DB])).lines).toEqual(expectedAccess("readWrite", DB, OWNER, OBJECTS));
    expect(await su(cluster, "postgres", "SELECT rolname FROM pg_roles WHERE rolname IN ('ledger_read', 'ledger_readwrite')")).toEqual([]);
    // Existing tables are covered, not only future ones.
    await asRole(cluster, AUDITOR.name, tokenOf(AUDITOR), DB, async (c) => {
      expect(await attempt(c, "SELECT what FROM audit.entries")).toBe("ok");
      expect(await attempt(c, "SELECT * FROM public.orders")).toBe("permission denied for table orders");
    });
    await asRole(cluster, ANALYSTS.name, tokenOf(ANALYSTS), DB, async (c) => {
      expect(await attempt(c, "INSERT INTO public.orders (amount) VALUES (5)")).toBe("ok");
    });
  });

  test("its next up changes nothing, and Azure's role for it only gained the manager role", async () => {
    expect(changes(await stack.up(byAdmin2, ADMIN2, { refresh: true }))).toEqual({});
    // As the deployer now, the CONNECT the component gives its deployer; on PostgreSQL 16+ also
    // PostgreSQL's own ADMIN OPTION on every role it created (its access roles, the auditor).
    const created = (await pg16())
      ? byAdmin2.resources
          .filter((r) => r.type === T.role && r.inputs.name !== MANAGER)
          .map((r) => String(r.inputs.name))
          .filter((n) => n.includes("_by_") || n === AUDITOR.name)
      : [];
    expect(await privilegesOf(cluster, ADMIN2.name, [])).toEqual(
      [
        `database ${DB}: CONNECT`,
        "member of azure_pg_admin",
        `member of ${MANAGER} WITH ADMIN OPTION`,
        ...created.map((n) => `member of ${n} WITH ADMIN OPTION`),
      ].sort(),
    );
    if (await pg16()) expect(created.length).toBeGreaterThan(1);
    expect(await labelOf(cluster, ADMIN2.name)).toBe(`aadauth,oid=${ADMIN2.oid},type=user,admin`);
  });

  test("it repairs drift in what the first administrator made: label, attributes, a lost membership", async () => {
    const reader = plannedMembership(byAdmin2, READER.name);
    await su(cluster, "postgres", `SECURITY LABEL FOR pgaadauth ON ROLE ${q(READER.name)} IS 'aadauth,oid=${oid(0x666)},type=user'`);
    await su(cluster, "postgres", `ALTER ROLE ${q(WRITER.name)} NOLOGIN`);
    await su(cluster, "postgres", `REVOKE ${q(reader.grantRole)} FROM ${q(READER.name)} GRANTED BY ${q(ADMIN2.name)}`);
    const r = await stack.up(byAdmin2, ADMIN2, { refresh: true });
    expect(changes(r)).toEqual({
      [resource(byAdmin2, T.label, { objectName: READER.name }).name]: "updated",
      [resource(byAdmin2, T.role, { name: WRITER.name }).name]: "updated",
      [reader.resource.name]: "created",
    });
    expect(changes(await stack.up(byAdmin2, ADMIN2, { refresh: true }))).toEqual({});
    expect((await accessOf(cluster, READER.name, [DB])).lines).toEqual(expectedAccess("read", DB, OWNER, OBJECTS));
  });
});

describe("declared dependencies", () => {
  test("suffice: a fresh deployment in the least favourable order they allow works, with no ignored grant", async () => {
    const input: PlanInput = {
      databases: [{ name: "ordered", schemas: ["public", "s2"] }],
      access: [
        { principal: { name: "o-read@contoso.com", type: "User", objectId: oid(0x50) }, grants: [{ database: "ordered", preset: "read" }] },
        {
          principal: { name: "o-write", type: "ServicePrincipal", objectId: oid(0x51) },
          grants: [{ database: "ordered", preset: "readWrite" }],
        },
        { principal: { name: "o-owner", type: "Group", objectId: oid(0x52) }, grants: [{ database: "ordered", preset: "owner" }] },
        {
          principal: { name: DEPLOYER.name, type: "ServicePrincipal" },
          grants: [{ database: "ordered", preset: "read" }],
        },
      ],
    };
    const d = await planDeployment(input, DEPLOYER.name, "ordered");
    const reordered = leastFavourableOrder(d);
    expect(reordered.resources.map((r) => r.name)).not.toEqual(d.resources.map((r) => r.name));
    const ordered = new Stack(cluster);
    const r = await ordered.up(reordered, DEPLOYER);
    // e.g. `WARNING: no privileges were granted for "ordered"` when a grant runs before the membership
    // that lets an administrator act as the owner. (GrantRole's revoke-before-grant warnings are harmless.)
    expect(r.statements.flatMap((s) => s.notices).filter((n) => /privileges/.test(n))).toEqual([]);
    const none: SchemaObjects[] = [
      { schema: "public", tables: [], sequences: [], functions: [] },
      { schema: "s2", tables: [], sequences: [], functions: [] },
    ];
    expect((await accessOf(cluster, "o-read@contoso.com", ["ordered"])).lines).toEqual(
      expectedAccess("read", "ordered", "ordered_owner", none),
    );
    expect((await accessOf(cluster, "o-write", ["ordered"])).lines).toEqual(expectedAccess("readWrite", "ordered", "ordered_owner", none));
    expect((await accessOf(cluster, "o-owner", ["ordered"])).lines).toEqual(expectedAccess("owner", "ordered", "ordered_owner", none));
    // Besides what the manager roles give every administrator: its read preset, and the CONNECT each
    // component grants its deployer as a second way into each database (not ledger's: handed over above).
    const managers = ["ledger_manager", "owned_manager", "ordered_manager"];
    expect((await accessOf(cluster, DEPLOYER.name, ["ordered"], ["azure_pg_admin", ...managers])).lines).toEqual(
      [...expectedAccess("read", "ordered", "ordered_owner", none), "database ordered: CONNECT", "database owned: CONNECT"].sort(),
    );
    expect(changes(await ordered.up(d, DEPLOYER, { refresh: true }))).toEqual({});
  });
});

describe("removing a principal from the plan", () => {
  test("drops its role and label, and a shared role nobody needs any more, and changes nothing else", async () => {
    const P2 = await planDeployment(HANDED_OVER(LEDGER_V2), ADMIN2.name);
    const P3 = await planDeployment(HANDED_OVER(LEDGER_V3), ADMIN2.name);
    const gone = P2.resources.filter((r) => !P3.resources.some((x) => x.name === r.name));
    const goneRoles = gone.filter((r) => r.type === T.role).map((r) => String(r.inputs.name));
    expect(goneRoles).toContain(AUDITOR.name);
    const before = await snapshot(cluster, [DB]);

    // The stack holds P2 (last applied by the first administrator): `pulumi up` of P3 deletes the rest.
    const applied = await stack.up(P3, ADMIN2);
    expect(changes(applied)).toEqual(Object.fromEntries(gone.map((r) => [r.name, "deleted"])));
    expect(applied.steps.filter((s) => s.op !== "same").map((s) => s.op)).toEqual(gone.map(() => "delete"));
    const mentions = (l: string) => goneRoles.some((n) => l.includes(n));
    expect(
      diffLines(
        before.filter((l) => !mentions(l)),
        await snapshot(cluster, [DB]),
      ),
    ).toEqual({ added: [], removed: [] });
    expect(await su(cluster, "postgres", "SELECT rolname FROM pg_roles WHERE rolname = ANY ($1)", [goneRoles])).toEqual([]);
    expect(changes(await stack.up(P3, ADMIN2, { refresh: true }))).toEqual({});
  });
});

describe("handing the stack back", () => {
  test("the first administrator's up makes its own access roles again, once; the catalogue is as planned", async () => {
    const back = await planDeployment({ ...LEDGER_V3, administrators: [OTHER_ADMIN.name, ADMIN2.name] }, DEPLOYER.name);
    const r = await stack.up(back, DEPLOYER, { refresh: true });
    expect(Object.keys(changes(r)).length).toBeGreaterThan(0);
    expect(changes(await stack.up(back, DEPLOYER, { refresh: true }))).toEqual({});
    expect(await su(cluster, "postgres", "SELECT rolname FROM pg_roles WHERE rolname LIKE 'ledger%_by_%'")).toEqual([]);
    expect((await accessOf(cluster, ANALYSTS.name, [DB])).lines).toEqual(expectedAccess("readWrite", DB, OWNER, OBJECTS));
    expect((await accessOf(cluster, READER.name, [DB])).lines).toEqual(expectedAccess("read", DB, OWNER, OBJECTS));
  });

  test("the second administrator destroys it (with --run-program): nothing of ours is left", async () => {
    const roles = stack.state.resources.filter((r) => r.type === T.role).map((r) => String(r.inputs.name));
    await releaseDatabase(cluster, DB);
    await stack.destroy({ runProgram: ADMIN2 });
    expect(await su(cluster, "postgres", "SELECT rolname FROM pg_roles WHERE rolname = ANY ($1)", [roles])).toEqual([]);
    expect(await one(cluster, "postgres", `SELECT count(*)::int FROM pg_database WHERE datname = '${DB}'`)).toBe(0);
    // (The deployer also belongs to the other stacks of this file, on other databases.)
    for (const admin of [DEPLOYER, OTHER_ADMIN, ADMIN2]) {
      expect((await privilegesOf(cluster, admin.name, [])).filter((l) => l.includes(DB))).toEqual([]);
      expect(await privilegesOf(cluster, admin.name, [])).toContain("member of azure_pg_admin");
    }
  });
});

describe("destroy", () => {
  const ADMINS = () => [DEPLOYER.name, ADMIN2.name, "azure_pg_admin"];
  const scratch = (schemas: string[]): PlanInput => ({
    databases: [{ name: "scratch", schemas }],
    access: [
      { principal: { name: "s-user@contoso.com", type: "User", objectId: oid(0x40) }, grants: [{ database: "scratch", preset: "read" }] },
      { principal: { name: "s-group", type: "Group", objectId: oid(0x41) }, grants: [{ database: "scratch", preset: "readWrite" }] },
      { principal: { name: "s-sp", type: "ServicePrincipal", objectId: oid(0x42) }, grants: [{ database: "scratch", preset: "owner" }] },
      { principal: { name: "s-mi", type: "ManagedIdentity", objectId: oid(0x43) }, grants: [{ database: "scratch", preset: "readWrite" }] },
      // An administrator given grants: only granted to, so only those grants may go.
      { principal: { name: ADMIN2.name, type: "User" }, grants: [{ database: "scratch", preset: "owner" }] },
    ],
    administrators: [ADMIN2.name],
  });

  /** Deploys, lets the application create tables where `tablesIn` says, destroys; returns the destroy report. */
  async function roundTrip(input: PlanInput, tablesIn: string[]): Promise<{ before: string[]; report: ApplyReport; d: Deployment }> {
    const before = await snapshot(cluster, []);
    const d = await planDeployment(input, DEPLOYER.name, "scratch");
    const scratchStack = new Stack(cluster);
    await scratchStack.up(d, DEPLOYER);
    await asRole(cluster, DEPLOYER.name, tokenOf(DEPLOYER), "scratch", async (c) => {
      await c.query("SET ROLE scratch_owner");
      for (const s of tablesIn) await c.query(`CREATE TABLE ${s}.t (id serial, v text); CREATE VIEW ${s}.v AS SELECT * FROM ${s}.t`);
    });
    await releaseDatabase(cluster, "scratch");
    const report = await scratchStack.destroy();
    return { before, report, d };
  }

  test("removes every role, membership, label, grant and default ACL of ours, and nothing of the administrators'", async () => {
    const { before, report, d } = await roundTrip(scratch(["public", "work"]), ["public"]);
    // Every resource deleted (the order, reverse dependency order, is the translator's: apply.test.ts).
    expect([...report.deleted].sort()).toEqual(d.resources.map((r) => r.name).sort());
    // Shared catalogues exactly as before: roles, attributes, memberships, labels, databases and their ACLs.
    expect(diffLines(before, await snapshot(cluster, []))).toEqual({ added: [], removed: [] });
    const ours = d.resources.filter((r) => r.type === T.role).map((r) => String(r.inputs.name));
    expect(await su(cluster, "postgres", "SELECT rolname FROM pg_roles WHERE rolname = ANY ($1)", [ours])).toEqual([]);
    expect(await one(cluster, "postgres", "SELECT count(*)::int FROM pg_database WHERE datname = 'scratch'")).toBe(0);
    // Administrators' roles are never altered, dropped or relabelled; memberships are only ours or transient.
    const touching = writesOf(report).filter((w) => ADMINS().some((a) => w.includes(`"${a}"`)));
    // (The provider's Role delete also hands what a dropped role owned in its database to the deployer.)
    // (And the deployer's own CONNECT on the database is revoked with it.)
    for (const w of touching) {
      expect(w).toMatch(
        /: ((GRANT|REVOKE) "[^"]+" (TO|FROM)|REASSIGN OWNED BY "[^"]+" TO|REVOKE ALL PRIVILEGES ON DATABASE "scratch" FROM) "[^"]+"$/,
      );
    }
    const reassigned = touching.flatMap((w) => /REASSIGN OWNED BY "([^"]+)"/.exec(w)?.[1] ?? []);
    expect(reassigned.filter((r) => !ours.includes(r))).toEqual([]);
    expect(touching.filter((w) => /: REVOKE "[^"]+" FROM "(azure_pg_admin|dba2@contoso\.com)"$/.test(w)).length).toBeGreaterThan(0);
  });

  // The component creates schemas other than public, and the provider drops them RESTRICT before it drops
  // the database (which would take the tables with it anyway).
  test("succeeds when a schema the component created holds the application's tables", async () => {
    const { before, report } = await roundTrip(scratch(["public", "work"]), ["public", "work"]).catch((e) => {
      throw new Error(
        `${(e as Error).message}\n${writesOf((e as { report: ApplyReport }).report)
          .slice(-3)
          .join("\n")}`,
      );
    });
    expect(report.deleted.length).toBeGreaterThan(0);
    expect(diffLines(before, await snapshot(cluster, []))).toEqual({ added: [], removed: [] });
  });
});

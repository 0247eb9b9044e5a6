/**
 * Self-check of the provider translator (tests/e2e/apply) on a throwaway PostgreSQL (PG_MAJOR, 15 or 17): the SQL it
 * issues must leave the catalogues the way the real @pulumi/postgresql provider would. Assertions
 * read catalogues (pg_roles, has_*_privilege, pg_default_acl, aclexplode), not statement text.
 * Admins are Azure's Entra administrators, declared through the shared harness (tests/e2e/harness):
 * CREATEROLE CREATEDB members of azure_pg_admin, not superusers, logging in with their tokens.
 * SecurityLabel is exercised by the EntraDatabaseAccess tests (access*.test.ts).
 * The tests share one cluster and run in order.
 * PostgreSQL 16 changed the rules for CREATEROLE roles, and the setups below follow them where a test
 * needs it: CREATE ROLE also makes the (non-superuser) creator a member WITH ADMIN OPTION (createdBy),
 * another administrator may manage those roles only once given that ADMIN OPTION (shareAdminOption), and
 * a superuser's REVOKE or GRANT of a membership an administrator granted must name it (GRANTED BY).
 */
import { Client } from "pg";
import { startCluster, type PgCluster } from "./harness/cluster";
import { quoteIdent as qi } from "./apply/helpers";
import {
  ApplyError,
  applyResources,
  destroyResources,
  emptyState,
  refreshResources,
  type ApplyReport,
  type ProviderSettings,
  type RegisteredResource,
  type StackState,
  type UpOptions,
} from "./apply/translator";

const T = {
  role: "postgresql:index/role:Role",
  database: "postgresql:index/database:Database",
  schema: "postgresql:index/schema:Schema",
  grant: "postgresql:index/grant:Grant",
  defaultPrivileges: "postgresql:index/defaultPrivileges:DefaultPrivileges",
  grantRole: "postgresql:index/grantRole:GrantRole",
  extension: "postgresql:index/extension:Extension",
};
const res = (type: string, name: string, inputs: Record<string, unknown>, ignoreChanges?: string[]): RegisteredResource => ({
  type,
  name,
  inputs,
  ...(ignoreChanges ? { ignoreChanges } : {}),
});

// Names that need quoting: spaces, quotes, @, #EXT#, non-ASCII.
const OWNER = 'App Owner "Ü" #EXT#';
const READER = "reader@contoso.com";
const WRITER = "Writer Ω#EXT#@contoso.onmicrosoft.com";
const GROUP = "grp readers";
const LEGACY = "legacy app"; // pre-existing principal, not managed by a Role resource
const DB = "app db ü";
const SCH = 'sales "eu"';
const TABLE = "Orders 2024";
const tbl = (t: string) => `${qi(SCH)}.${qi(t)}`;

let cluster: PgCluster;
const ADMINS: Record<string, string> = { admin1: "00000000-0000-4000-8000-0000000000a1", admin2: "00000000-0000-4000-8000-0000000000a2" };

/** One-shot superuser query (connections are closed at once so DROP DATABASE can proceed). */
async function su(database: string, sql: string, params?: unknown[]): Promise<Record<string, unknown>[]> {
  const c = new Client({ host: cluster.socketDir, port: cluster.port, user: "azuresu", database });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows;
  } finally {
    await c.end();
  }
}
const one = async (database: string, sql: string, params?: unknown[]) => Object.values((await su(database, sql, params))[0] ?? {})[0];

/** The server's server_version_num (read in beforeAll): 16 changed the role rules. */
let serverVersion = 0;
const pg16 = () => serverVersion >= 160000;

type Membership = { role: string; grantor: string; admin: boolean; inherit?: boolean; set?: boolean };
const byRoleAndGrantor = (a: Membership, b: Membership) =>
  a.role < b.role ? -1 : a.role > b.role ? 1 : a.grantor < b.grantor ? -1 : a.grantor > b.grantor ? 1 : 0;
/** Every pg_auth_members row of `member` (the roles it is a member of), sorted; 16+ adds the INHERIT and SET options. */
async function membershipsOf(member: string): Promise<Membership[]> {
  const rows = await su(
    "postgres",
    `SELECT pg_get_userbyid(roleid) AS role, pg_get_userbyid(grantor) AS grantor, admin_option AS admin
            ${pg16() ? ", inherit_option AS inherit, set_option AS set" : ""}
       FROM pg_auth_members WHERE member = (SELECT oid FROM pg_roles WHERE rolname = $1)`,
    [member],
  );
  return (rows as Membership[]).sort(byRoleAndGrantor);
}
/** `membershipsOf(admin)` as expected: the stand-in's azure_pg_admin membership plus `others`, sorted. */
const adminMemberships = (...others: Membership[]): Membership[] =>
  [{ role: "azure_pg_admin", grantor: "azuresu", admin: false, ...(pg16() ? { inherit: true, set: true } : {}) }, ...others].sort(
    byRoleAndGrantor,
  );
/**
 * 16+: CREATE ROLE by a non-superuser also grants the creator the new role WITH ADMIN OPTION, INHERIT
 * FALSE, SET FALSE, the bootstrap superuser as grantor (createrole_self_grant is empty); none before 16.
 */
const createdBy = (roles: string[]): Membership[] =>
  pg16() ? roles.map((role) => ({ role, grantor: "azuresu", admin: true, inherit: false, set: false })) : [];
/**
 * 16+: a CREATEROLE role may manage (grant, alter, drop) only roles it holds ADMIN OPTION on, and
 * CREATE ROLE gives that to the creator alone. Administrator `from` passes it on to `to` as it holds it
 * itself (no INHERIT, no SET, so the provider still takes its temporary memberships). Before 16,
 * CREATEROLE let every administrator manage every non-superuser role: nothing to do.
 */
async function shareAdminOption(from: string, to: string, roles: string[]): Promise<Membership[]> {
  if (!pg16()) return [];
  const c = await connectAs(from)("postgres");
  try {
    await c.query(`GRANT ${roles.map(qi).join(", ")} TO ${qi(to)} WITH ADMIN OPTION, INHERIT FALSE, SET FALSE`);
  } finally {
    await c.end();
  }
  return roles.map((role) => ({ role, grantor: from, admin: true, inherit: false, set: false }));
}

const settings = (user: string) => ({ username: user, superuser: false, databaseDefault: "postgres" });
/** The provider logs in as an administrator with its token (azureIdentityAuth). */
const connectAs = (user: string) => (db: string) => cluster.connectAs(user, cluster.token({ oid: ADMINS[user] }), db);
/** Who connects: the administrator named by the provider settings (recorded ones for refresh/destroy). */
const connect = (s: ProviderSettings) => connectAs(s.username);
/** `pulumi up` of `rs` on the stack `state`, the program's provider logging in as `user`. */
const up = (state: StackState, rs: RegisteredResource[], user = "admin1", options: UpOptions = {}) =>
  applyResources(rs, state, connect, settings(user), options);
/** `pulumi destroy` of the stack `state` (as the administrator its state records). */
const destroy = (state: StackState, options: Parameters<typeof destroyResources>[2] = {}) => destroyResources(state, connect, options);
const writes = (r: ApplyReport) => r.statements.filter((s) => s.kind === "write");
const names = (rs: RegisteredResource[]) => rs.map((r) => r.name);

/** Everything the translator can touch, as text, for before/after comparisons. */
async function snapshot(): Promise<string> {
  const shared = await su(
    "postgres",
    `SELECT json_build_object(
       'roles', (SELECT json_agg(r ORDER BY rolname) FROM (SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb,
                 rolcanlogin, rolconnlimit, rolvaliduntil::text, rolconfig, rolreplication, rolbypassrls FROM pg_roles) r),
       'members', (SELECT json_agg(m ORDER BY m::text) FROM (SELECT roleid::regrole::text r, member::regrole::text m, admin_option
                 FROM pg_auth_members) m),
       'dbs', (SELECT json_agg(d ORDER BY datname) FROM (SELECT datname, datdba::regrole::text, datconnlimit, datacl::text
                 FROM pg_database) d)) AS s`,
  );
  const local = await su(
    DB,
    `SELECT json_build_object(
       'ns', (SELECT json_agg(n ORDER BY nspname) FROM (SELECT nspname, nspowner::regrole::text, nspacl::text FROM pg_namespace) n),
       'rel', (SELECT json_agg(c ORDER BY relname) FROM (SELECT relname, relacl::text FROM pg_class WHERE relacl IS NOT NULL) c),
       'proc', (SELECT json_agg(p ORDER BY proname) FROM (SELECT proname, proacl::text FROM pg_proc WHERE proacl IS NOT NULL) p),
       'defacl', (SELECT json_agg(d ORDER BY d::text) FROM (SELECT defaclrole::regrole::text, defaclnamespace, defaclobjtype,
                 defaclacl::text FROM pg_default_acl) d)) AS s`,
  );
  return JSON.stringify([shared[0].s, local[0].s]);
}

/** Privileges `role` holds *explicitly* on `sql`'s aclitem[] (PUBLIC's implicit defaults would fool has_*_privilege). */
async function explicit(database: string, aclSql: string, role: string): Promise<string[]> {
  const rows = await su(
    database,
    `SELECT privilege_type FROM (${aclSql}) x(acl), aclexplode(x.acl) a
      WHERE a.grantee = CASE WHEN $1 = 'public' THEN 0 ELSE (SELECT oid FROM pg_roles WHERE rolname = $1) END ORDER BY 1`,
    [role],
  );
  return rows.map((r) => r.privilege_type as string);
}

beforeAll(async () => {
  cluster = await startCluster();
  for (const [name, oid] of Object.entries(ADMINS)) await cluster.declareAdministrator(name, oid, "User");
  // As Azure requires, the extension this suite creates is allow-listed first (server parameter azure.extensions).
  await cluster.setServerParameter("azure.extensions", "pgcrypto");
  serverVersion = Number(await one("postgres", "SHOW server_version_num"));
  // azure_pg_admin itself comes from the stand-in; on Azure its members may create extensions in postgres.
  await su(
    "postgres",
    `GRANT CREATE ON DATABASE postgres TO azure_pg_admin;
     CREATE ROLE ${qi(LEGACY)} LOGIN;`,
  );
});

afterAll(async () => {
  await cluster?.stop();
});

const base = [
  res(T.role, "owner", { name: OWNER }),
  res(T.role, "group", { name: GROUP }),
  res(T.role, "reader", { name: READER, login: true, connectionLimit: 5, searchPaths: ["$user", "Sales EU"] }),
  res(T.role, "writer", { name: WRITER, login: true, inherit: false, roles: [GROUP] }),
  res(T.database, "db", { name: DB, owner: OWNER, connectionLimit: 10 }),
  res(T.schema, "schema", { name: SCH, database: DB, owner: OWNER, dropCascade: true }),
];
const grants = [
  res(T.grant, "reader-usage", { role: READER, database: DB, schema: SCH, objectType: "schema", privileges: ["USAGE"] }),
  res(T.grant, "reader-tables", { role: READER, database: DB, schema: SCH, objectType: "table", objects: [], privileges: ["SELECT"] }),
  res(T.grant, "writer-orders", { role: WRITER, database: DB, schema: SCH, objectType: "table", objects: [TABLE], privileges: ["ALL"] }),
  res(T.grant, "writer-seqs", { role: WRITER, database: DB, schema: SCH, objectType: "sequence", privileges: ["USAGE", "SELECT"] }),
  res(T.grant, "group-funcs", { role: GROUP, database: DB, schema: SCH, objectType: "function", privileges: ["EXECUTE"] }),
  res(T.grant, "public-usage", { role: "public", database: DB, schema: SCH, objectType: "schema", privileges: ["USAGE"] }),
  res(T.defaultPrivileges, "reader-future-tables", {
    role: READER,
    database: DB,
    schema: SCH,
    owner: OWNER,
    objectType: "table",
    privileges: ["SELECT"],
  }),
  res(T.defaultPrivileges, "group-future-funcs", {
    role: GROUP,
    database: DB,
    owner: OWNER,
    objectType: "function",
    privileges: ["EXECUTE"],
  }),
  res(T.grantRole, "legacy-in-group", { role: LEGACY, grantRole: GROUP }),
  res(T.extension, "pgcrypto", { name: "pgcrypto", database: "postgres" }),
];
const all = [...base, ...grants];
/** The stack of `base`/`all`, shared by the tests below in order. */
const main = emptyState();

describe("translator on PostgreSQL, as a non-superuser admin", () => {
  test("creates every kind; re-apply changes nothing", async () => {
    const first = await up(main, base);
    expect(first.created).toEqual(names(base));
    // Objects appear after the schema, owned by the database owner, as an application would create them.
    await su(
      DB,
      `SET ROLE ${qi(OWNER)};
       CREATE TABLE ${tbl(TABLE)} (id serial PRIMARY KEY);
       CREATE TABLE ${tbl("items")} (x int);
       CREATE FUNCTION ${tbl("total")}(i int) RETURNS int LANGUAGE sql AS 'SELECT i';`,
    );

    const second = await up(main, all);
    // Diffed against the recorded state: base is unchanged (no SQL at all), the grants are new.
    expect(second.unchanged).toEqual(names(base));
    expect(second.created).toEqual(names(grants));
    expect(second.resources.filter((r) => r.action === "unchanged").flatMap((r) => r.statements)).toEqual([]);

    // Roles
    const reader = (await su("postgres", "SELECT * FROM pg_roles WHERE rolname = $1", [READER]))[0];
    expect(reader).toMatchObject({ rolcanlogin: true, rolconnlimit: 5, rolinherit: true, rolsuper: false, rolcreaterole: false });
    expect(reader.rolconfig).toEqual([`search_path="$user", "Sales EU"`]);
    expect(await one("postgres", "SELECT rolinherit FROM pg_roles WHERE rolname = $1", [WRITER])).toBe(false);
    expect(await one("postgres", "SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", [OWNER])).toBe(false);
    expect(await one("postgres", "SELECT pg_has_role($1, $2, 'MEMBER')", [WRITER, GROUP])).toBe(true);
    expect(await one("postgres", "SELECT pg_has_role($1, $2, 'MEMBER')", [LEGACY, GROUP])).toBe(true);
    // Database, schema, extension
    expect(await su("postgres", "SELECT datdba::regrole::text AS o, datconnlimit FROM pg_database WHERE datname = $1", [DB])).toEqual([
      { o: qi(OWNER), datconnlimit: 10 },
    ]);
    expect(await one(DB, "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = $1", [SCH])).toBe(qi(OWNER));
    expect(await one("postgres", "SELECT count(*)::int FROM pg_extension WHERE extname = 'pgcrypto'")).toBe(1);
    // Grants
    const priv = (fn: string, role: string, obj: string, p: string) => one(DB, `SELECT ${fn}($1, $2, $3)`, [role, obj, p]);
    expect(await priv("has_schema_privilege", READER, SCH, "USAGE")).toBe(true);
    expect(await priv("has_schema_privilege", READER, SCH, "CREATE")).toBe(false);
    for (const t of [TABLE, "items"]) {
      expect(await priv("has_table_privilege", READER, tbl(t), "SELECT")).toBe(true);
      expect(await priv("has_table_privilege", READER, tbl(t), "INSERT")).toBe(false);
    }
    expect(await priv("has_table_privilege", WRITER, tbl(TABLE), "SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER")).toBe(true);
    expect(await priv("has_table_privilege", WRITER, tbl("items"), "SELECT")).toBe(false);
    expect(await priv("has_sequence_privilege", WRITER, tbl(`${TABLE}_id_seq`), "USAGE")).toBe(true);
    expect(await explicit(DB, `SELECT proacl FROM pg_proc WHERE proname = 'total'`, GROUP)).toEqual(["EXECUTE"]);
    expect(await explicit(DB, `SELECT nspacl FROM pg_namespace WHERE nspname = '${SCH.replace(/'/g, "''")}'`, "public")).toEqual(["USAGE"]);
    // Default privileges: recorded with the owner as grantor, and effective for a new table.
    const defacl = await su(
      DB,
      `SELECT defaclobjtype AS t, coalesce(n.nspname, '') AS n, a.grantor::regrole::text AS g, a.privilege_type AS p
         FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace, aclexplode(d.defaclacl) a
        WHERE a.grantee IN (SELECT oid FROM pg_roles WHERE rolname IN ($1, $2)) ORDER BY 1`,
      [READER, GROUP],
    );
    expect(defacl).toEqual([
      { t: "f", n: "", g: qi(OWNER), p: "EXECUTE" },
      { t: "r", n: SCH, g: qi(OWNER), p: "SELECT" },
    ]);
    await su(DB, `SET ROLE ${qi(OWNER)}; CREATE TABLE ${tbl("late")} (x int)`);
    expect(await priv("has_table_privilege", READER, tbl("late"), "SELECT")).toBe(true);
    // The temporary memberships withRolesGranted took are gone again (16+: only the creator's remain).
    expect(await membershipsOf("admin1")).toEqual(adminMemberships(...createdBy([OWNER, GROUP, READER, WRITER])));

    const before = await snapshot();
    const third = await up(main, all, "admin1", { refresh: true });
    expect(third.unchanged).toEqual(names(all));
    expect(writes(third)).toEqual([]);
    expect(await snapshot()).toBe(before);
    // Without --refresh a converged stack issues no SQL at all.
    expect((await up(main, all)).statements).toEqual([]);
  });

  test("repairs drift made out of band", async () => {
    await su(
      DB,
      `REVOKE SELECT ON ${tbl(TABLE)} FROM ${qi(READER)};
       GRANT INSERT ON ${tbl("items")} TO ${qi(READER)};
       ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(OWNER)} IN SCHEMA ${qi(SCH)} REVOKE ALL ON TABLES FROM ${qi(READER)};
       DROP OWNED BY ${qi(GROUP)};`,
    );
    await su(
      "postgres",
      `DROP ROLE ${qi(GROUP)};
       ALTER ROLE ${qi(READER)} NOLOGIN CONNECTION LIMIT 1;`,
    );

    const r = await up(main, all, "admin1", { refresh: true });
    // Everything is read before anything is written: a Grant whose role is gone reads as gone (created
    // again), even though the Role it needs is re-created in the same run.
    expect(r.created.sort()).toEqual(["group", "group-funcs", "group-future-funcs", "legacy-in-group", "reader-future-tables"].sort());
    expect(r.updated.sort()).toEqual(["reader", "reader-tables", "writer"].sort());
    expect(r.resources.find((x) => x.name === "reader")?.changed).toEqual(["connectionLimit", "login"]);

    const priv = (fn: string, role: string, obj: string, p: string) => one(DB, `SELECT ${fn}($1, $2, $3)`, [role, obj, p]);
    expect(await priv("has_table_privilege", READER, tbl(TABLE), "SELECT")).toBe(true);
    expect(await priv("has_table_privilege", READER, tbl("items"), "INSERT")).toBe(false);
    expect(await explicit(DB, `SELECT proacl FROM pg_proc WHERE proname = 'total'`, GROUP)).toEqual(["EXECUTE"]);
    expect(await su("postgres", "SELECT rolcanlogin, rolconnlimit FROM pg_roles WHERE rolname = $1", [READER])).toEqual([
      { rolcanlogin: true, rolconnlimit: 5 },
    ]);
    expect(await one("postgres", "SELECT pg_has_role($1, $2, 'MEMBER')", [WRITER, GROUP])).toBe(true);
    expect(await one("postgres", "SELECT pg_has_role($1, $2, 'MEMBER')", [LEGACY, GROUP])).toBe(true);
    expect(await one(DB, "SELECT count(*)::int FROM pg_default_acl")).toBe(2);

    const before = await snapshot();
    const again = await up(main, all, "admin1", { refresh: true });
    expect(writes(again)).toEqual([]);
    expect(await snapshot()).toBe(before);
  });

  test("database attribute drift needs the owner: upstream's ALTER DATABASE takes no membership", async () => {
    // (Not below the 8 connections the concurrent refresh reads may open to it: those would be refused.)
    await su("postgres", `ALTER DATABASE ${qi(DB)} CONNECTION LIMIT 9`);
    await expect(up(main, all, "admin1", { refresh: true })).rejects.toThrow(/Database db: must be owner of database/);
    await su("postgres", `ALTER DATABASE ${qi(DB)} CONNECTION LIMIT 10`);
  });

  test('role "PUBLIC" is an ordinary (missing) role to the provider; only "public" means PUBLIC', async () => {
    const upper = res(T.grant, "upper", { role: "PUBLIC", database: DB, schema: SCH, objectType: "schema", privileges: ["USAGE"] });
    await expect(up(emptyState(), [upper])).rejects.toThrow(/role "PUBLIC" does not exist/);
  });

  test("a search_path entry containing a double quote never converges (readSearchPath trims quotes)", async () => {
    const sp = res(T.role, "sp", { name: "sp role", searchPaths: [SCH] });
    const st = emptyState();
    await up(st, [sp]);
    // The value read back after Create is recorded: even a plain `up` sees the difference.
    const again = await up(st, [sp]);
    expect(again.updated).toEqual(["sp"]);
    expect(again.resources[0].changed).toEqual(["searchPaths"]);
    await destroy(st);
  });

  test("Role.roles fights GrantRole unless roles is ignored (upstream docs)", async () => {
    const m = res(T.role, "m", { name: "member m" });
    const g = res(T.role, "g", { name: "group g" });
    const link = res(T.grantRole, "link", { role: "member m", grantRole: "group g" });
    const st = emptyState();
    await up(st, [m, g, link]);
    const member = () => one("postgres", `SELECT count(*)::int FROM pg_auth_members WHERE member = '"member m"'::regrole`);
    for (let i = 0; i < 2; i++) {
      // Refresh reads both before either applies: one run revokes the membership (Role m sees
      // roles = ["group g"], config says []), the next grants it back (GrantRole finds nothing).
      const revoking = await up(st, [m, g, link], "admin1", { refresh: true });
      expect({ updated: revoking.updated, created: revoking.created }).toEqual({ updated: ["m"], created: [] });
      expect(await member()).toBe(0);
      const granting = await up(st, [m, g, link], "admin1", { refresh: true });
      expect({ updated: granting.updated, created: granting.created }).toEqual({ updated: [], created: ["link"] });
      expect(await member()).toBe(1);
    }
    const ignoring = await up(st, [res(T.role, "m", { name: "member m" }, ["roles"]), g, link], "admin1", { refresh: true });
    expect(writes(ignoring)).toEqual([]);
    // with_admin_option is ForceNew and read back: drift means replace, create-before-delete (GrantRole is
    // not delete-before-replace): REVOKE + GRANT for the replacement, then the original's REVOKE, which
    // takes the membership away altogether, as the real engine does.
    // GRANTED BY: on 16+ a superuser's GRANT would add a second row (its own) beside admin1's, not change it.
    await su("postgres", `GRANT "group g" TO "member m" WITH ADMIN OPTION GRANTED BY "admin1"`);
    expect(await membershipsOf("member m")).toEqual([
      { role: "group g", grantor: "admin1", admin: true, ...(pg16() ? { inherit: true, set: true } : {}) },
    ]);
    const replaced = await up(st, [res(T.role, "m", { name: "member m" }, ["roles"]), g, link], "admin1", { refresh: true });
    expect(replaced.replaced).toEqual(["link"]);
    expect(await member()).toBe(0);
    await destroy(st, { refresh: true });
    expect(await su("postgres", "SELECT rolname FROM pg_roles WHERE rolname IN ('member m', 'group g')")).toEqual([]);
  });

  test("a second admin manages grants in a database another admin created for owner X", async () => {
    const X = "Team X owner";
    const R2 = "Reader Two";
    const D2 = "x db";
    const S2 = "x data";
    const byAdmin1 = [
      res(T.role, "x", { name: X }),
      res(T.role, "r2", { name: R2, login: true }),
      res(T.database, "d2", { name: D2, owner: X }),
      res(T.schema, "s2", { name: S2, database: D2, owner: X, dropCascade: true }),
    ];
    const stack1 = emptyState();
    await up(stack1, byAdmin1, "admin1");
    await su(D2, `SET ROLE ${qi(X)}; CREATE TABLE ${qi(S2)}.t (x int)`);
    // 16+: admin2 may grant X (to itself) only with the ADMIN OPTION on X that admin1, X's creator, holds.
    const shared = await shareAdminOption("admin1", "admin2", [X]);

    const byAdmin2 = [
      res(T.grant, "usage", { role: R2, database: D2, schema: S2, objectType: "schema", privileges: ["USAGE"] }),
      res(T.grant, "select", { role: R2, database: D2, schema: S2, objectType: "table", privileges: ["SELECT"] }),
      res(T.defaultPrivileges, "future", { role: R2, database: D2, schema: S2, owner: X, objectType: "table", privileges: ["SELECT"] }),
      res(T.grant, "connect", { role: R2, database: D2, objectType: "database", privileges: ["CONNECT"] }),
    ];
    const stack2 = emptyState();
    const r = await up(stack2, byAdmin2, "admin2"); // first deployment of admin2's stack: plain Create
    expect(r.created).toEqual(names(byAdmin2));
    // Schema/table/default privileges work because admin2 temporarily becomes a member of X ...
    const tableSql = r.resources[1].statements.filter((s) => s.kind === "write").map((s) => s.sql);
    expect(tableSql).toEqual([
      `GRANT ${qi(X)} TO "admin2"`,
      `REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA ${qi(S2)} FROM ${qi(R2)}`,
      `GRANT SELECT ON ALL TABLES IN SCHEMA ${qi(S2)} TO ${qi(R2)}`,
      `REVOKE ${qi(X)} FROM "admin2"`,
    ]);
    expect(await one(D2, "SELECT has_schema_privilege($1, $2, 'USAGE')", [R2, S2])).toBe(true);
    expect(await one(D2, "SELECT has_table_privilege($1, $2, 'SELECT')", [R2, `${qi(S2)}.t`])).toBe(true);
    expect(
      await su(
        D2,
        `SELECT a.grantor::regrole::text AS g, a.privilege_type AS p FROM pg_default_acl, aclexplode(defaclacl) a
          WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1)`,
        [R2],
      ),
    ).toEqual([{ g: qi(X), p: "SELECT" }]);
    // admin2's temporary memberships are gone again; only the ADMIN OPTION of the setup remains.
    expect(await membershipsOf("admin2")).toEqual(adminMemberships(...shared));

    // ... but Grant(object_type=database) takes no owner membership upstream: PostgreSQL only warns,
    // nothing is granted, and every refresh sees the drift again.
    expect(r.resources[3].statements.flatMap((s) => s.notices)).toContain(`WARNING: no privileges were granted for "${D2}"`);
    expect(await explicit("postgres", `SELECT datacl FROM pg_database WHERE datname = '${D2}'`, R2)).toEqual([]);
    // The Read after Create recorded no privileges: even a plain `up` wants to update it again.
    const again = await up(stack2, byAdmin2, "admin2");
    expect(again.unchanged).toEqual(["usage", "select", "future"]);
    expect(again.updated).toEqual(["connect"]);

    const gone = await destroy(stack2);
    expect(gone.deleted).toEqual(names(byAdmin2).reverse());
    expect(await one(D2, "SELECT has_table_privilege($1, $2, 'SELECT')", [R2, `${qi(S2)}.t`])).toBe(false);
    expect(await one(D2, "SELECT count(*)::int FROM pg_default_acl")).toBe(0);
    await destroy(stack1);
    expect(await su("postgres", "SELECT rolname FROM pg_roles WHERE rolname IN ($1, $2)", [X, R2])).toEqual([]);
  });

  test("destroy removes everything it created", async () => {
    const recorded = structuredClone(main);
    const r = await destroy(main);
    expect([...r.deleted].sort()).toEqual(names(all).sort());
    expect(main.resources).toEqual([]);
    const ours = [OWNER, GROUP, READER, WRITER];
    expect(await su("postgres", "SELECT rolname FROM pg_roles WHERE rolname = ANY($1)", [ours])).toEqual([]);
    expect(await su("postgres", "SELECT datname FROM pg_database WHERE datname = $1", [DB])).toEqual([]);
    expect(await su("postgres", "SELECT extname FROM pg_extension WHERE extname = 'pgcrypto'")).toEqual([]);
    expect(await one("postgres", "SELECT count(*)::int FROM pg_auth_members WHERE member = $1::regrole", [qi(LEGACY)])).toBe(0);
    // Every role admin1 created is dropped, and with it the membership 16+ gave admin1 in it.
    expect(await membershipsOf("admin1")).toEqual(adminMemberships());
    // `destroy --refresh` of the old state finds nothing (Schema's Exists checks the database first,
    // so no connection error).
    const again = await destroy(recorded, { refresh: true });
    expect(again.gone.sort()).toEqual(names(all).sort());
    expect(again.deleted).toEqual([]);
    expect(writes(again)).toEqual([]);
  });

  test("Role delete honours skipDropRole and only cleans the provider's database", async () => {
    await su("postgres", "CREATE DATABASE other");
    const st = emptyState();
    await up(st, [res(T.role, "kept", { name: "kept role", skipDropRole: true }), res(T.role, "busy", { name: "busy role" })]);
    await su("other", `CREATE TABLE t (x int); GRANT SELECT ON t TO "busy role"`);

    // Removing it from the program deletes it.
    await up(st, [res(T.role, "busy", { name: "busy role" })]);
    expect(await one("postgres", "SELECT count(*)::int FROM pg_roles WHERE rolname = 'kept role'")).toBe(1);

    // REASSIGN OWNED / DROP OWNED run in the provider's database only: privileges elsewhere block DROP ROLE.
    const err = await destroy(st).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyError);
    expect(String((err as ApplyError).message)).toMatch(/cannot be dropped because some objects depend on it/);
    await su("other", `DROP OWNED BY "busy role"`);
    await destroy(st);
    expect(await one("postgres", "SELECT count(*)::int FROM pg_roles WHERE rolname = 'busy role'")).toBe(0);
  });
});

/** A resource with an explicit URN and dependencies (by name), so independent ones run concurrently. */
const node = (
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  deps: string[] = [],
  extra: Partial<RegisteredResource> = {},
) => ({
  ...res(type, name, inputs),
  urn: `urn:pulumi:test::engine::${type}::${name}`,
  dependencies: deps.map((d) => `urn:pulumi:test::engine::${T[d.split(":")[0] as keyof typeof T]}::${d.split(":")[1]}`),
  ...extra,
});
const ENG_DB = "eng db";
/**
 * Roles (r2 after r1; the owner independent of both), a database and schema owned by one of them, a
 * grant and a membership. r1 and r2 are not independent: r1 is a member of r2, and the provider's role
 * locks deadlock when both are updated at once (seen with TRANSLATOR_SEED=3546318807), as the
 * component's own roles would, which is why it chains them.
 */
const engine = (link: Record<string, unknown> = {}, linkOptions: Partial<RegisteredResource> = {}, grantRole = "eng r1") => [
  node(T.role, "r1", { name: "eng r1" }),
  node(T.role, "r2", { name: "eng r2" }, ["role:r1"]),
  node(T.role, "owner", { name: "eng owner" }),
  node(T.database, "db", { name: ENG_DB, owner: "eng owner" }, ["role:owner"]),
  node(T.schema, "s", { name: "s", database: ENG_DB, owner: "eng owner" }, ["database:db"]),
  node(T.grant, "usage", { role: grantRole, database: ENG_DB, schema: "s", objectType: "schema", privileges: ["USAGE"] }, [
    "role:r1",
    "role:r2",
    "schema:s",
  ]),
  node(T.grantRole, "link", { role: "eng r1", grantRole: "eng r2", ...link }, ["role:r1", "role:r2"], linkOptions),
];
const writeSql = (r: ApplyReport, resource: string) =>
  r.steps.filter((s) => s.resource === resource).flatMap((s) => s.statements.filter((st) => st.kind === "write").map((st) => st.sql));
const stepsOf = (r: ApplyReport) => r.steps.map((s) => `${s.resource}:${s.op}`);
const membership = () =>
  su("postgres", `SELECT admin_option FROM pg_auth_members WHERE member = '"eng r1"'::regrole AND roleid = '"eng r2"'::regrole`);

describe("the engine around the provider (pulumi CLI 3.274 behaviour)", () => {
  test("independent steps run concurrently, and the same seed gives the same steps and statements", async () => {
    const runs: ApplyReport[] = [];
    for (let i = 0; i < 2; i++) {
      const st = emptyState();
      runs.push(await up(st, engine(), "admin1", { seed: 42 }));
      await destroy(st, { seed: 7 });
    }
    const [a, b] = runs;
    expect(a.created).toEqual(names(engine()));
    // At least two steps overlapped in time (the owner role and r1 are ready at once).
    const overlaps = a.steps.filter((x) => a.steps.some((y) => y !== x && x.start < y.end && y.start < x.end));
    expect(overlaps.length).toBeGreaterThanOrEqual(2);
    // A step never starts before the steps of what it depends on are done.
    const byName = new Map(a.steps.map((s) => [s.resource, s]));
    for (const r of engine()) {
      for (const d of r.dependencies) expect(byName.get(d.split("::").pop()!)!.end).toBeLessThan(byName.get(r.name)!.start);
    }
    expect(stepsOf(b)).toEqual(stepsOf(a));
    expect(b.statements.map((s) => s.sql)).toEqual(a.statements.map((s) => s.sql));
    // One at a time, nothing overlaps.
    const st = emptyState();
    const serial = await up(st, engine(), "admin1", { parallel: 1 });
    expect(serial.steps.every((x, i) => i === 0 || serial.steps[i - 1].end < x.start)).toBe(true);
    await destroy(st);
  });

  test("the seed is printed in every ApplyError", async () => {
    const err = await up(
      emptyState(),
      [node(T.grant, "bad", { role: "nobody", database: "postgres", objectType: "database", privileges: ["CONNECT"] })],
      "admin1",
      {
        seed: 1234,
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyError);
    expect((err as ApplyError).message).toMatch(/TRANSLATOR_SEED=1234\b/);
    expect((err as ApplyError).seed).toBe(1234);
  });

  test("plain up diffs against the recorded state: drift in the database is not seen, unchanged resources issue no SQL", async () => {
    const st = emptyState();
    await up(st, engine());
    await su("postgres", `ALTER ROLE "eng r2" CONNECTION LIMIT 4`);
    const plain = await up(st, engine());
    expect(plain.statements).toEqual([]);
    expect(plain.unchanged).toEqual(names(engine()));
    // A changed input is applied, and only it.
    const changed = engine().map((r) => (r.name === "r1" ? { ...r, inputs: { ...r.inputs, connectionLimit: 2 } } : r));
    const r = await up(st, changed);
    expect({ updated: r.updated, sql: r.steps.filter((s) => s.statements.length).map((s) => s.resource) }).toEqual({
      updated: ["r1"],
      sql: ["r1"],
    });
    await destroy(st, { refresh: true });
  });

  test("up --refresh reads every resource before it writes anything", async () => {
    const st = emptyState();
    await up(st, engine());
    // GRANTED BY: on 16+ a superuser's REVOKE without it only warns that it granted no such membership.
    await su("postgres", `ALTER ROLE "eng r2" CONNECTION LIMIT 4; REVOKE "eng r2" FROM "eng r1" GRANTED BY "admin1"`);
    expect(await membership()).toEqual([]);
    const r = await up(st, engine(), "admin1", { refresh: true });
    expect({ updated: r.updated, created: r.created }).toEqual({ updated: ["r2"], created: ["link"] });
    const reads = r.steps.filter((s) => s.op === "read");
    expect(reads.map((s) => s.resource).sort()).toEqual(names(engine()).sort());
    const firstWrite = Math.min(...r.statements.filter((s) => s.kind === "write").map((s) => s.seq));
    expect(Math.max(...reads.map((s) => s.end))).toBeLessThan(firstWrite);
    await destroy(st);
  });

  test("a refresh read failure fails the run before anything is written", async () => {
    const st = emptyState();
    await up(st, engine());
    // The deployer reaches "eng db" only through PUBLIC's CONNECT: take it away, and drift a role.
    await su("postgres", `REVOKE CONNECT ON DATABASE "${ENG_DB}" FROM PUBLIC; ALTER ROLE "eng r2" CONNECTION LIMIT 4`);
    const err = await up(st, engine(), "admin1", { refresh: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyError);
    expect((err as ApplyError).message).toMatch(/permission denied for database "eng db".*TRANSLATOR_SEED=\d+/);
    expect(writes((err as ApplyError).report)).toEqual([]);
    expect(await one("postgres", `SELECT rolconnlimit FROM pg_roles WHERE rolname = 'eng r2'`)).toBe(4);
    await su("postgres", `GRANT CONNECT ON DATABASE "${ENG_DB}" TO PUBLIC`);
    await destroy(st);
  });

  test("replacement is create-before-delete: GrantRole's new GRANT, then the original's REVOKE (the membership is gone)", async () => {
    const st = emptyState();
    await up(st, engine());
    const r = await up(st, engine({ withAdminOption: true }));
    expect(r.replaced).toEqual(["link"]);
    expect(r.steps.filter((s) => s.resource === "link").map((s) => s.op)).toEqual(["create-replacement", "delete-replaced"]);
    // The original is deleted with the deletes, after every other step.
    expect(r.steps[r.steps.length - 1].op).toBe("delete-replaced");
    expect(writeSql(r, "link")).toEqual([
      `REVOKE "eng r2" FROM "eng r1"`,
      `GRANT "eng r2" TO "eng r1" WITH ADMIN OPTION`,
      `REVOKE "eng r2" FROM "eng r1"`,
    ]);
    expect(await membership()).toEqual([]);
    await destroy(st, { refresh: true });
  });

  test("replacement is delete-before-replace with the deleteBeforeReplace option", async () => {
    const st = emptyState();
    await up(st, engine({}, { deleteBeforeReplace: true }));
    const r = await up(st, engine({ withAdminOption: true }, { deleteBeforeReplace: true }));
    expect(r.steps.filter((s) => s.resource === "link").map((s) => s.op)).toEqual(["replace"]);
    expect(writeSql(r, "link")).toEqual([
      `REVOKE "eng r2" FROM "eng r1"`,
      `REVOKE "eng r2" FROM "eng r1"`,
      `GRANT "eng r2" TO "eng r1" WITH ADMIN OPTION`,
    ]);
    expect(await membership()).toEqual([{ admin_option: true }]);
    await destroy(st);
  });

  test("a Grant is replaced delete-before-replace (the provider marks postgresql_grant so)", async () => {
    const st = emptyState();
    await up(st, engine());
    const r = await up(st, engine({}, {}, "eng r2"));
    expect(r.replaced).toEqual(["usage"]);
    expect(r.steps.filter((s) => s.resource === "usage").map((s) => s.op)).toEqual(["replace"]);
    const sql = writeSql(r, "usage").filter((w) => /ON SCHEMA/.test(w));
    expect(sql).toEqual([
      `REVOKE ALL PRIVILEGES ON SCHEMA "s" FROM "eng r1"`,
      `REVOKE ALL PRIVILEGES ON SCHEMA "s" FROM "eng r2"`,
      `GRANT USAGE ON SCHEMA "s" TO "eng r2"`,
    ]);
    const acl = "SELECT nspacl FROM pg_namespace WHERE nspname = 's'";
    expect({ r1: await explicit(ENG_DB, acl, "eng r1"), r2: await explicit(ENG_DB, acl, "eng r2") }).toEqual({ r1: [], r2: ["USAGE"] });
    await destroy(st);
  });

  test("destroy deletes in reverse dependency order: nothing before what depends on it", async () => {
    const st = emptyState();
    await up(st, engine());
    const r = await destroy(st);
    expect([...r.deleted].sort()).toEqual(names(engine()).sort());
    const byName = new Map(r.steps.map((s) => [s.resource, s]));
    for (const x of engine()) {
      for (const d of x.dependencies) expect(byName.get(x.name)!.end).toBeLessThan(byName.get(d.split("::").pop()!)!.start);
    }
    expect(st).toEqual(emptyState());
  });

  test("refresh, up --refresh's refresh and destroy connect as the username the state records, unless runProgram", async () => {
    const st = emptyState();
    await up(st, engine(), "admin1");
    // 16+: admin2 (which destroys the stack below) may drop admin1's roles only with their ADMIN OPTION.
    const engRoles = engine()
      .filter((r) => r.type === T.role)
      .map((r) => String(r.inputs.name));
    await shareAdminOption("admin1", "admin2", engRoles);
    // admin2 runs `up` (nothing to change): the state now records admin2's provider.
    expect((await up(st, engine(), "admin2")).statements).toEqual([]);
    expect(st.provider?.username).toBe("admin2");
    const users = (r: ApplyReport, op: string) => [...new Set(r.steps.filter((s) => s.op === op).map((s) => s.username))];

    // admin1's `up --refresh`: reads as admin2 (the state's), updates as admin1 (the program's).
    await su("postgres", `ALTER ROLE "eng r2" CONNECTION LIMIT 4`);
    const r = await up(st, engine(), "admin1", { refresh: true });
    expect({ read: users(r, "read"), update: users(r, "update") }).toEqual({ read: ["admin2"], update: ["admin1"] });
    expect(st.provider?.username).toBe("admin1");

    expect(users(await refreshResources(st, connect), "read")).toEqual(["admin1"]);
    expect(users(await refreshResources(st, connect, { runProgram: settings("admin2") }), "read")).toEqual(["admin2"]);

    await up(st, engine(), "admin2");
    const gone = await destroy(st);
    expect(users(gone, "delete")).toEqual(["admin2"]);
    // Role delete's REASSIGN OWNED goes to the recorded provider's username too.
    expect(writes(gone).some((w) => w.sql.includes(`TO "admin2"`))).toBe(true);

    // `destroy --run-program` with admin1's program: a stack last applied by admin2, destroyed as admin1.
    const again = emptyState();
    await up(again, engine(), "admin2");
    await shareAdminOption("admin2", "admin1", engRoles);
    const viaAdmin1 = await destroy(again, { runProgram: settings("admin1") });
    expect(users(viaAdmin1, "delete")).toEqual(["admin1"]);
  });
});

/**
 * EntraDatabaseAccess on real PostgreSQL 15 (with the pgaadauth stand-in): every principal type x every
 * preset, once as a principal the component maps to a new LOGIN role and once as an Entra administrator
 * (which Azure made, so it is only granted to). One deployment, applied by the provider translator
 * connected as the deploying administrator with its token; then the catalogues must show exactly the
 * planned privileges, and each mapped principal, logged in with its token, can do what its preset allows
 * and nothing more. Also default privileges: objects the owner role creates later need no new grant.
 */
import type { Client } from "pg";
import type { Preset } from "../../components/access/args";
import type { AccessEntryArgs } from "../../components/access/args";
import { loginGuide } from "../../components/loginGuide";
import type { PrincipalType } from "../../components/principals";
import type { ApplyReport } from "./apply/translator";
import { startCluster, type PgCluster } from "./harness/cluster";
import { accessOf, closeCatalog, labelOf, privilegesOf, roleRow, type RoleRow } from "./support/catalog";
import { Stack, T, declareAdministrators, oid, planDeployment, type Deployment, type Identity } from "./support/deploy";
import { expectedAccess, expectedLabel, type SchemaObjects } from "./support/expected";
import { asRole, attempt, loginError } from "./support/login";

const DB = "matrix";
/** A second database of the same deployment on which nobody is granted anything. */
const OTHER = "matrix_other";
const OWNER = "matrix_owner";
const MANAGER = `${DB}_manager`;
const SCHEMAS = ["app", "public"];

const DEPLOYER: Identity = { name: "ci-deployer", oid: oid(1), type: "ServicePrincipal" };
/** A member of every group below (groups log in with the group's name and the member's token). */
const MEMBER: Identity = { name: "member@contoso.com", oid: oid(2), type: "User" };

const TYPES: PrincipalType[] = ["User", "Group", "ServicePrincipal", "ManagedIdentity"];
const PRESETS: Preset[] = ["read", "readWrite", "owner"];
const SHORT: Record<PrincipalType, string> = { User: "user", Group: "group", ServicePrincipal: "sp", ManagedIdentity: "mi" };

interface Case {
  title: string;
  who: Identity;
  preset: Preset;
  admin: boolean;
}

const CASES: Case[] = TYPES.flatMap((type, t) =>
  PRESETS.flatMap((preset, p) =>
    [false, true].map((admin) => {
      const base = `${admin ? "adm-" : ""}${preset}-${SHORT[type]}`;
      const name = type === "User" ? `${base}@contoso.com` : base;
      return {
        title: `${type} ${preset}${admin ? " (administrator)" : ""}`,
        who: { name, oid: oid(0x100 + t * 0x10 + p * 2 + (admin ? 1 : 0)), type },
        preset,
        admin,
      };
    }),
  ),
);
const MAPPED = CASES.filter((c) => !c.admin);
const ADMINS = CASES.filter((c) => c.admin);
/** A read principal limited to one schema. */
const SCOPED: Identity = { name: "scoped-reader@contoso.com", oid: oid(0x200), type: "User" };

const byName = (name: string) => CASES.find((c) => c.who.name === name)!;
const tokenFor = (cluster: PgCluster, who: Identity) =>
  who.type === "Group" ? cluster.token({ oid: MEMBER.oid, groups: [who.oid] }) : cluster.token({ oid: who.oid });

/** What the owner role creates in each schema after the first deployment. */
const OBJECTS: SchemaObjects[] = SCHEMAS.map((schema) => ({
  schema,
  tables: ["t"],
  sequences: ["counter", "t_id_seq"],
  functions: ["f()"],
}));

let cluster: PgCluster;
let deployment: Deployment;
/** The stack the deployment lives in (its recorded state). */
let stack: Stack;
let first: ApplyReport;
let second: ApplyReport;
const adminsBefore = new Map<string, { row?: RoleRow; label?: string; privileges: string[] }>();

/** As the deploying administrator, acting as the database's owner role (what a migration would do). */
async function asOwnerRole(sql: string, db = DB): Promise<void> {
  await asRole(cluster, DEPLOYER.name, cluster.token({ oid: DEPLOYER.oid }), db, async (c) => {
    await c.query(`SET ROLE "${OWNER}"`);
    await c.query(sql);
  });
}

beforeAll(async () => {
  cluster = await startCluster();
  await declareAdministrators(cluster, [DEPLOYER, ...ADMINS.map((c) => c.who)]);
  for (const c of ADMINS) {
    const name = c.who.name;
    adminsBefore.set(name, {
      row: await roleRow(cluster, name),
      label: await labelOf(cluster, name),
      privileges: await privilegesOf(cluster, name, []),
    });
  }
  const access: AccessEntryArgs[] = CASES.map((c) => ({
    principal: { name: c.who.name, type: c.who.type, ...(c.admin ? {} : { objectId: c.who.oid }) },
    grants: [{ database: DB, preset: c.preset }],
  }));
  access.push({
    principal: { name: SCOPED.name, type: SCOPED.type, objectId: SCOPED.oid },
    grants: [{ database: DB, schemas: ["app"], preset: "read" }],
  });
  // Administrators are recognised by name: listed here, they are granted to and never created.
  const administrators = [...new Set(CASES.filter((c) => c.admin).map((c) => c.who.name))];
  deployment = await planDeployment(
    { databases: [{ name: DB, schemas: ["public", "app"] }, { name: OTHER }], access, administrators },
    DEPLOYER.name,
  );
  stack = new Stack(cluster);
  first = await stack.up(deployment, DEPLOYER);
  await asOwnerRole(
    SCHEMAS.map(
      (s) => `CREATE TABLE ${s}.t (id bigserial PRIMARY KEY, v text);
              INSERT INTO ${s}.t (v) VALUES ('a'), ('b');
              CREATE SEQUENCE ${s}.counter;
              CREATE FUNCTION ${s}.f() RETURNS int LANGUAGE sql AS 'SELECT 1';`,
    ).join("\n"),
  );
  second = await stack.up(deployment, DEPLOYER, { refresh: true });
});

afterAll(async () => {
  if (cluster) await closeCatalog(cluster);
  await cluster?.stop();
});

describe("deployment", () => {
  test("every postgresql resource goes through the program's provider, and the first apply creates them all", () => {
    expect(deployment.resources.length).toBeGreaterThan(CASES.length);
    const elsewhere = deployment.resources.filter((r) => !r.provider?.startsWith(`${deployment.providerUrn}::`));
    expect(elsewhere.map((r) => r.name)).toEqual([]);
    expect(first.created).toEqual(deployment.resources.map((r) => r.name));
  });

  test("tables, sequences and functions the owner role creates later cause no grant drift", () => {
    const grants = second.resources.filter((r) => r.type === T.grant || r.type === T.defaultPrivileges);
    expect(grants.filter((r) => r.action !== "unchanged").map((r) => `${r.name}: ${r.action} ${r.changed.join(",")}`)).toEqual([]);
  });

  test("no Role or SecurityLabel resource names an administrator", () => {
    const touched = deployment.resources
      .filter((r) => r.type === T.role || r.type === T.label)
      .map((r) => String(r.inputs.name ?? r.inputs.objectName));
    for (const c of ADMINS) expect(touched).not.toContain(c.who.name);
  });
});

describe("catalogues show exactly the planned privileges", () => {
  test.each(CASES)("$title", async ({ who, preset, admin }) => {
    // Administrators can do everything through the manager role anyway: look at what was granted besides.
    const access = await accessOf(cluster, who.name, [DB, OTHER, "postgres"], admin ? ["azure_pg_admin", MANAGER] : []);
    expect(access.lines).toEqual(expectedAccess(preset, DB, OWNER, OBJECTS));
    // Whatever roles the privileges travel through are the component's own: nobody logs in as them.
    for (const r of access.through) {
      expect({ role: r, login: (await roleRow(cluster, r))?.rolcanlogin, label: await labelOf(cluster, r) }).toEqual({
        role: r,
        login: false,
        label: undefined,
      });
    }

    if (admin) {
      // Azure made the role: no new role, no label change, attributes and memberships as before (plus grants).
      const before = adminsBefore.get(who.name)!;
      expect(await roleRow(cluster, who.name)).toEqual(before.row);
      expect(await labelOf(cluster, who.name)).toBe(before.label);
      expect(before.label).toBe(`${expectedLabel(who.oid, who.type)},admin`);
      expect(await privilegesOf(cluster, who.name, [])).toEqual(expect.arrayContaining(before.privileges));
    } else {
      expect(await roleRow(cluster, who.name)).toEqual({
        rolname: who.name,
        rolsuper: false,
        rolinherit: true,
        rolcreaterole: false,
        rolcreatedb: false,
        rolcanlogin: true,
        rolreplication: false,
        rolbypassrls: false,
        rolconnlimit: -1,
      });
      expect(await labelOf(cluster, who.name)).toBe(expectedLabel(who.oid, who.type));
    }
  });

  test("a grant limited to one schema gives nothing on the others", async () => {
    const scoped = await accessOf(cluster, SCOPED.name, [DB, OTHER, "postgres"]);
    expect(scoped.lines).toEqual(
      expectedAccess(
        "read",
        DB,
        OWNER,
        OBJECTS.filter((o) => o.schema === "app"),
      ),
    );
    await asRole(cluster, SCOPED.name, cluster.token({ oid: SCOPED.oid }), DB, async (c) => {
      expect(await attempt(c, "SELECT count(*) FROM app.t")).toBe("ok");
      expect(await attempt(c, "SELECT count(*) FROM public.t")).toBe("permission denied for table t");
    });
  });

  test("azure_pg_admin gets nothing; the manager role administers every role of ours and nothing else", async () => {
    // Azure refuses any grant to its restricted role (see the stand-in), so the component sends none.
    // (Only what Azure itself gives it: the public schema it owns in every database.)
    expect(await privilegesOf(cluster, "azure_pg_admin", [DB, OTHER, "postgres"])).toEqual(
      [DB, OTHER, "postgres"].flatMap((db) => [`[${db}] schema public: CREATE`, `[${db}] schema public: USAGE`]).sort(),
    );
    const ours = [
      `${OTHER}_owner`,
      OWNER,
      `${DB}_read`,
      `${DB}_readwrite`,
      `${DB}_read_app`,
      `${DB}_owner_members`,
      ...CASES.filter((c) => !c.admin).map((c) => c.who.name),
      SCOPED.name,
    ];
    expect(await privilegesOf(cluster, MANAGER, [DB, OTHER, "postgres"])).toEqual(
      [...new Set(ours)].map((r) => `member of ${r} WITH ADMIN OPTION`).sort(),
    );
    // PUBLIC keeps USAGE on schema public (not CREATE) and PostgreSQL's default EXECUTE on functions.
    expect((await privilegesOf(cluster, "PUBLIC", [DB])).filter((l) => l.startsWith(`[${DB}]`))).toEqual([
      `[${DB}] function app.f(): EXECUTE`,
      `[${DB}] function public.f(): EXECUTE`,
      `[${DB}] schema public: USAGE`,
    ]);
  });
});

/** Every action on each schema's objects, and whether the preset allows it. */
const ACTIONS: Record<string, (s: string) => string> = {
  select: (s) => `SELECT count(*) FROM ${s}.t`,
  insert: (s) => `INSERT INTO ${s}.t (v) VALUES ('x')`,
  update: (s) => `UPDATE ${s}.t SET v = 'y'`,
  delete: (s) => `DELETE FROM ${s}.t`,
  nextval: (s) => `SELECT nextval('${s}.counter')`,
  execute: (s) => `SELECT ${s}.f()`,
  create: (s) => `CREATE TABLE ${s}.made_here (x int)`,
  drop: (s) => `DROP TABLE ${s}.t`,
  truncate: (s) => `TRUNCATE ${s}.t`,
};
// EXECUTE on functions is PostgreSQL's default for PUBLIC, so read may call functions too.
const ALLOWED: Record<Preset, string[]> = {
  read: ["select", "execute"],
  readWrite: ["select", "insert", "update", "delete", "nextval", "execute"],
  owner: Object.keys(ACTIONS),
};

async function outcomes(c: Client): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const s of SCHEMAS) {
    for (const [action, sql] of Object.entries(ACTIONS)) {
      const result = await attempt(c, sql(s));
      out[`${s}.${action}`] = result === "ok" ? "ok" : /^(permission denied|must be owner)/.test(result) ? "denied" : result;
    }
  }
  return out;
}

describe("least privilege, logged in with the principal's own token", () => {
  test.each(MAPPED)("$title", async ({ who, preset }) => {
    const expected = Object.fromEntries(
      SCHEMAS.flatMap((s) => Object.keys(ACTIONS).map((a) => [`${s}.${a}`, ALLOWED[preset].includes(a) ? "ok" : "denied"])),
    );
    const got = await asRole(cluster, who.name, tokenFor(cluster, who), DB, async (c) => {
      const me = (await c.query("SELECT current_user AS u")).rows[0].u;
      return { me, outcomes: await outcomes(c) };
    });
    expect(got).toEqual({ me: who.name, outcomes: expected });
  });

  // PostgreSQL gives PUBLIC CONNECT on every new database; unless the component revokes it, any
  // mapped principal can connect to databases it was granted nothing on.
  test("a principal granted nothing on a database cannot connect to it", async () => {
    const reader = byName("read-user@contoso.com").who;
    expect(await loginError(cluster, reader.name, tokenFor(cluster, reader), DB)).toBe("ok");
    expect(await loginError(cluster, reader.name, tokenFor(cluster, reader), OTHER)).toMatch(/permission denied for database/);
  });
});

describe("default privileges", () => {
  beforeAll(async () => {
    // An administrator acting as the owner role, as a migration would, after the deployment.
    await asOwnerRole(`CREATE TABLE app.later (id int, v text); INSERT INTO app.later VALUES (1, 'a');
                       CREATE TABLE public.later (id int); CREATE SEQUENCE public.later_seq; CREATE SEQUENCE app.later_seq;`);
  });

  const LATER: Record<Exclude<Preset, "owner">, Record<string, string>> = {
    read: {
      "SELECT v FROM app.later": "ok",
      "SELECT count(*) FROM public.later": "ok",
      "SELECT last_value FROM public.later_seq": "ok",
      "INSERT INTO app.later VALUES (2, 'b')": "denied",
      "SELECT nextval('public.later_seq')": "denied",
      "SELECT nextval('app.later_seq')": "denied",
    },
    readWrite: {
      "SELECT v FROM app.later": "ok",
      "SELECT count(*) FROM public.later": "ok",
      "SELECT last_value FROM public.later_seq": "ok",
      "INSERT INTO app.later VALUES (2, 'b')": "ok",
      "SELECT nextval('public.later_seq')": "ok",
      "SELECT nextval('app.later_seq')": "ok",
    },
  };

  test.each(MAPPED.filter((c) => c.preset !== "owner"))(
    "$title uses the owner role's new objects with no further grant",
    async ({ who, preset }) => {
      const expected = LATER[preset as Exclude<Preset, "owner">];
      const got = await asRole(cluster, who.name, tokenFor(cluster, who), DB, async (c) => {
        const out: Record<string, string> = {};
        for (const sql of Object.keys(expected)) {
          const r = await attempt(c, sql);
          out[sql] = r === "ok" ? "ok" : /^permission denied/.test(r) ? "denied" : r;
        }
        return out;
      });
      expect(got).toEqual(expected);
    },
  );

  test("an owner principal following the guide's SET ROLE note makes tables readers can read; without it they cannot", async () => {
    const owner = byName("owner-user@contoso.com").who;
    const reader = byName("read-sp").who;
    const entry = loginGuide(deployment.plan, { host: "127.0.0.1", port: cluster.port, groupSync: false }, []).find(
      (e) => e.principal === owner.name,
    )!;
    const setRole = entry.notes.map((n) => /(SET ROLE "(?:[^"]|"")+";)/.exec(n)?.[1]).find(Boolean);
    expect(setRole).toBe(`SET ROLE "${OWNER}";`);

    await asRole(cluster, owner.name, tokenFor(cluster, owner), DB, async (c) => {
      await c.query("CREATE TABLE app.made_as_myself (x int)");
      await c.query(setRole!);
      await c.query("CREATE TABLE app.made_as_owner (x int)");
    });
    try {
      await asRole(cluster, reader.name, tokenFor(cluster, reader), DB, async (c) => {
        expect(await attempt(c, "SELECT * FROM app.made_as_owner")).toBe("ok");
        expect(await attempt(c, "SELECT * FROM app.made_as_myself")).toBe("permission denied for table made_as_myself");
      });
    } finally {
      await asRole(cluster, owner.name, tokenFor(cluster, owner), DB, (c) =>
        c.query("DROP TABLE app.made_as_myself; DROP TABLE app.made_as_owner"),
      );
    }
  });
});

/**
 * Tests of the pgaadauth stand-in itself (tests/e2e/standin) on real PostgreSQL (PG_MAJOR): if these
 * pass, the other e2e tests can trust what the stand-in says about role mapping and logins.
 * Needs root (PAM) and scripts/install-pg.sh.
 */
import { randomBytes } from "crypto";
import { Client } from "pg";
import { PgCluster, startCluster } from "./harness/cluster";
import { makeToken } from "./harness/tokens";

/** Readable, distinct object ids: id(1) = 00000000-0000-4000-8000-000000000001. */
const id = (n: number): string => `00000000-0000-4000-8000-${n.toString().padStart(12, "0")}`;

const ADMIN = "entra-admin@contoso.com";
const ADMIN_OID = id(1);

let cluster: PgCluster;
let su: Client;
let admin: Client;

beforeAll(async () => {
  cluster = await startCluster();
  su = await cluster.superuser();
  await cluster.declareAdministrator(ADMIN, ADMIN_OID, "User");
  // Entra roles are managed the way Azure users do it: as the Entra administrator, by token.
  admin = await cluster.connectAs(ADMIN, cluster.token({ oid: ADMIN_OID }));
  await su.query("CREATE TABLE public.orders (id int)");
  await su.query("INSERT INTO public.orders VALUES (1), (2)");
});

afterAll(async () => {
  await cluster?.stop();
});

/** Logs in, returns current_user, disconnects. */
async function loginAs(role: string, token: string): Promise<string> {
  const client = await cluster.connectAs(role, token);
  try {
    return (await client.query<{ u: string }>("SELECT current_user AS u")).rows[0].u;
  } finally {
    await client.end();
  }
}

async function labelOf(role: string): Promise<string | undefined> {
  const { rows } = await su.query<{ label: string }>(
    "SELECT label FROM pg_seclabels WHERE objtype = 'role' AND provider = 'pgaadauth' AND objname = quote_ident($1)",
    [role],
  );
  return rows[0]?.label;
}

const REFUSED = /PAM authentication failed/;

describe("security labels", () => {
  beforeAll(async () => {
    // Created by the administrator who labels it: from PostgreSQL 16 on, SECURITY LABEL ON ROLE
    // needs ADMIN OPTION on the role, which a role's non-superuser creator gets.
    await admin.query("CREATE ROLE labelled LOGIN");
  });

  test.each([
    `aadauth,oid=${id(10)},type=user`,
    `aadauth,oid=${id(10)},type=group`,
    `aadauth,oid=${id(10)},type=service`,
    `aadauth,oid=${id(10)},type=user,admin`,
    "aadauth,oid=0A1B2C3D-4E5F-4A6B-8C7D-8E9FA0B1C2D3,type=service",
  ])("accepts Azure's form %s", async (label) => {
    await admin.query(`SECURITY LABEL FOR "pgaadauth" ON ROLE labelled IS '${label}'`);
    expect(await labelOf("labelled")).toBe(label);
  });

  test("allows removing a label", async () => {
    await admin.query(`SECURITY LABEL FOR "pgaadauth" ON ROLE labelled IS 'aadauth,oid=${id(10)},type=user'`);
    await admin.query(`SECURITY LABEL FOR "pgaadauth" ON ROLE labelled IS NULL`);
    expect(await labelOf("labelled")).toBeUndefined();
  });

  test.each([
    "aadauth",
    `oid=${id(10)},type=user`,
    `aadauth,type=user,oid=${id(10)}`,
    "aadauth,oid=not-a-uuid,type=user",
    `aadauth,oid=${id(10).slice(1)},type=user`,
    `aadauth,oid=${id(10).replace(/-/g, "")},type=user`,
    `aadauth,oid=${id(10)},type=application`,
    `aadauth,oid=${id(10)},type=User`,
    `aadauth,oid=${id(10)},type=user,mfa`,
    `aadauth,oid=${id(10)},type=user,admin,admin`,
    `aadauth,oid=${id(10)},type=user `,
    `aadauth,oid=${id(10)}`,
    "",
  ])("rejects %p", async (label) => {
    await expect(admin.query(`SECURITY LABEL FOR "pgaadauth" ON ROLE labelled IS '${label}'`)).rejects.toThrow(
      /invalid pgaadauth security label/,
    );
  });

  test.each(["TABLE public.orders", "SCHEMA public", "DATABASE postgres"])("rejects labels on %s", async (object) => {
    await expect(su.query(`SECURITY LABEL FOR "pgaadauth" ON ${object} IS 'aadauth,oid=${id(10)},type=user'`)).rejects.toThrow(
      /can only be set on roles/,
    );
  });

  test("only Entra administrators may map roles, not any CREATEROLE role", async () => {
    // Azure's password administrator has CREATEROLE but cannot manage Entra roles.
    await su.query("CREATE ROLE password_admin CREATEROLE");
    await su.query("SET ROLE password_admin");
    try {
      // A role it created, so PostgreSQL's own check (ADMIN OPTION from 16 on) lets it through to the stand-in's.
      await su.query("CREATE ROLE password_admins_role");
      await expect(
        su.query(`SECURITY LABEL FOR "pgaadauth" ON ROLE password_admins_role IS 'aadauth,oid=${id(10)},type=user'`),
      ).rejects.toThrow(/permission denied to manage Microsoft Entra roles/);
    } finally {
      await su.query("RESET ROLE");
    }
  });
});

describe("declareAdministrator", () => {
  test("leaves the role Azure leaves: LOGIN CREATEROLE CREATEDB, in azure_pg_admin, labelled admin", async () => {
    const { rows } = await su.query(
      `SELECT rolcanlogin, rolcreaterole, rolcreatedb, rolsuper, rolreplication, rolbypassrls,
              pg_has_role($1, 'azure_pg_admin', 'MEMBER') AS in_admin_group
       FROM pg_roles WHERE rolname = $1`,
      [ADMIN],
    );
    expect(rows).toEqual([
      {
        rolcanlogin: true,
        rolcreaterole: true,
        rolcreatedb: true,
        rolsuper: false,
        rolreplication: false,
        rolbypassrls: false,
        in_admin_group: true,
      },
    ]);
    expect(await labelOf(ADMIN)).toBe(`aadauth,oid=${ADMIN_OID},type=user,admin`);
    const azurePgAdmin = await su.query("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'azure_pg_admin'");
    expect(azurePgAdmin.rows).toEqual([{ rolcanlogin: false }]);
  });

  test.each([
    ["Group", "group"],
    ["ServicePrincipal", "service"],
  ])("maps ARM principalType %s to label type %s", async (armType, labelType) => {
    const name = `DBA ${armType}`;
    await cluster.declareAdministrator(name, id(20), armType as "Group" | "ServicePrincipal");
    expect(await labelOf(name)).toBe(`aadauth,oid=${id(20)},type=${labelType},admin`);
    await cluster.removeAdministrator(name);
    expect((await su.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [name])).rowCount).toBe(0);
  });

  test("a group administrator's members log in as the group and can map principals", async () => {
    await cluster.declareAdministrator("DBA Team", id(22), "Group");
    const dba = await cluster.connectAs("DBA Team", cluster.token({ oid: id(23), groups: [id(22)] }));
    try {
      await dba.query(`SELECT pgaadauth_create_principal_with_oid('mapped-by-group-admin', '${id(24)}', 'user', false, false)`);
    } finally {
      await dba.end();
    }
    expect(await labelOf("mapped-by-group-admin")).toBe(`aadauth,oid=${id(24)},type=user`);
    await cluster.removeAdministrator("DBA Team");
  });

  test("rejects principal types ARM would not send", async () => {
    await expect(cluster.declareAdministrator("x", id(21), "Unknown" as "User")).rejects.toThrow(/principalType/);
  });
});

describe("token logins", () => {
  const USER = "alice@contoso.com";
  const USER_OID = id(100);

  beforeAll(async () => {
    await admin.query("SELECT pgaadauth_create_principal_with_oid($1, $2, 'user', false, false)", [USER, USER_OID]);
    await su.query("CREATE ROLE local_only LOGIN PASSWORD 'secret'");
  });

  test("a user role logs in with a token carrying its object id, over TLS", async () => {
    const client = await cluster.connectAs(USER, cluster.token({ oid: USER_OID }));
    const { rows } = await client.query("SELECT current_user AS u, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
    await client.end();
    expect(rows).toEqual([{ u: USER, ssl: true }]);
  });

  test("another principal's token is refused", async () => {
    await expect(cluster.connectAs(USER, cluster.token({ oid: id(101) }))).rejects.toThrow(REFUSED);
    expect(cluster.checkerLog()).toContain(`deny ${USER}: token oid is not the role's object id`);
  });

  test("a token signed with another key is refused", async () => {
    const forged = makeToken(randomBytes(32), { oid: USER_OID, tid: cluster.tenantId, exp: Date.now() / 1000 + 600 });
    await expect(cluster.connectAs(USER, forged)).rejects.toThrow(REFUSED);
  });

  test("a token whose claims were edited is refused", async () => {
    const [v, , sig] = cluster.token({ oid: id(101) }).split(".");
    const payload = Buffer.from(JSON.stringify({ oid: USER_OID, tid: cluster.tenantId, exp: 4102444800 })).toString("base64url");
    await expect(cluster.connectAs(USER, `${v}.${payload}.${sig}`)).rejects.toThrow(REFUSED);
    expect(cluster.checkerLog()).toContain(`deny ${USER}: bad signature`);
  });

  test("an expired token is refused", async () => {
    await expect(cluster.connectAs(USER, cluster.token({ oid: USER_OID, ttlSeconds: -1 }))).rejects.toThrow(REFUSED);
    expect(cluster.checkerLog()).toContain(`deny ${USER}: token expired`);
  });

  test("a token from another tenant is refused", async () => {
    await expect(cluster.connectAs(USER, cluster.token({ oid: USER_OID, tid: id(999) }))).rejects.toThrow(REFUSED);
  });

  test("a role without an Entra mapping cannot log in, not even with its password", async () => {
    await expect(cluster.connectAs("local_only", cluster.token({ oid: USER_OID }))).rejects.toThrow(REFUSED);
    await expect(cluster.connectAs("local_only", "secret")).rejects.toThrow(REFUSED);
  });

  test("connections without TLS are refused", async () => {
    const plain = new Client({
      host: cluster.host,
      port: cluster.port,
      user: USER,
      password: cluster.token({ oid: USER_OID }),
      database: "postgres",
    });
    await expect(plain.connect()).rejects.toThrow(/no encryption/);
    await plain.end().catch(() => undefined);
  });
});

describe("group roles (group sync off)", () => {
  const GROUP = "Orders Readers";
  const GROUP_OID = id(200);
  const MEMBER = "bob@contoso.com";
  const MEMBER_OID = id(201);

  beforeAll(async () => {
    await admin.query("SELECT pgaadauth_create_principal_with_oid($1, $2, 'group', false, false)", [GROUP, GROUP_OID]);
    await su.query(`GRANT SELECT ON public.orders TO "${GROUP}"`);
  });

  test("a member logs in as the group, with their own token, and gets the group's grants", async () => {
    const client = await cluster.connectAs(GROUP, cluster.token({ oid: MEMBER_OID, groups: [id(299), GROUP_OID] }));
    const { rows } = await client.query("SELECT current_user AS u, (SELECT count(*)::int FROM public.orders) AS n");
    await client.end();
    expect(rows).toEqual([{ u: GROUP, n: 2 }]);
  });

  test("the same member cannot log in with their own name: there is no role of their own", async () => {
    await expect(cluster.connectAs(MEMBER, cluster.token({ oid: MEMBER_OID, groups: [GROUP_OID] }))).rejects.toThrow(REFUSED);
  });

  test("a non-member is refused as the group", async () => {
    await expect(cluster.connectAs(GROUP, cluster.token({ oid: id(202), groups: [id(299)] }))).rejects.toThrow(REFUSED);
    expect(cluster.checkerLog()).toContain(`deny ${GROUP}: token groups do not include the group's object id`);
  });

  test("a token with the group's object id as its own oid is refused (groups do not sign in)", async () => {
    await expect(cluster.connectAs(GROUP, cluster.token({ oid: GROUP_OID }))).rejects.toThrow(REFUSED);
  });

  test("group sync is refused while pgaadauth.enable_group_sync is off, and creates nothing", async () => {
    await cluster.setDirectory([{ oid: MEMBER_OID, name: MEMBER, type: "user", memberOf: [GROUP_OID] }]);
    await expect(admin.query("SELECT * FROM pgaadauth_sync_roles_for_group_members()")).rejects.toThrow(/group sync is disabled/);
    expect((await su.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [MEMBER])).rowCount).toBe(0);
  });
});

describe("service principals and managed identities", () => {
  test("log in by display name; pgaadauth_create_principal finds the object id in the directory", async () => {
    const MI = "mi-orders-api";
    await cluster.setDirectory([{ oid: id(300), name: MI, type: "service" }]);
    expect((await admin.query("SELECT pgaadauth_create_principal($1, false, false) AS r", [MI])).rows).toEqual([
      { r: `Created role for ${MI}` },
    ]);
    expect(await labelOf(MI)).toBe(`aadauth,oid=${id(300)},type=service`);
    expect(await loginAs(MI, cluster.token({ oid: id(300) }))).toBe(MI);
  });

  test("pgaadauth_create_principal refuses unknown and ambiguous names, and isMfa", async () => {
    await cluster.setDirectory([
      { oid: id(301), name: "twin", type: "service" },
      { oid: id(302), name: "twin", type: "service" },
    ]);
    await expect(admin.query("SELECT pgaadauth_create_principal('nobody', false, false)")).rejects.toThrow(
      /Could not find Microsoft Entra principal/,
    );
    await expect(admin.query("SELECT pgaadauth_create_principal('twin', false, false)")).rejects.toThrow(/name isn't unique/);
    await expect(admin.query(`SELECT pgaadauth_create_principal_with_oid('mfa user', '${id(303)}', 'user', false, true)`)).rejects.toThrow(
      /isMfa/,
    );
    await expect(
      admin.query(`SELECT pgaadauth_create_principal_with_oid('app', '${id(304)}', 'application', false, false)`),
    ).rejects.toThrow(/objectType must be user, group or service/);
  });
});

describe("group sync on", () => {
  const GROUP = "Orders Writers";
  const GROUP_OID = id(400);
  const CAROL = "carol@contoso.com";
  const CAROL_OID = id(401);
  const APP = "orders-batch";
  const APP_OID = id(402);

  beforeAll(async () => {
    await admin.query("SELECT pgaadauth_create_principal_with_oid($1, $2, 'group', false, false)", [GROUP, GROUP_OID]);
    await su.query(`GRANT INSERT, SELECT ON public.orders TO "${GROUP}"`);
    await cluster.setDirectory([
      { oid: GROUP_OID, name: GROUP, type: "group" },
      { oid: CAROL_OID, name: CAROL, type: "user", memberOf: [GROUP_OID] },
      { oid: APP_OID, name: APP, type: "service", memberOf: [GROUP_OID] },
      { oid: id(403), name: "Nested Group", type: "group", memberOf: [GROUP_OID] },
    ]);
    await cluster.setGroupSync(true);
  });

  afterAll(async () => {
    await cluster.setGroupSync(false);
  });

  test("creates a role per member, labelled with the member's own oid, in the group role", async () => {
    const { rows } = await admin.query(
      "SELECT rolename, groupname, action FROM pgaadauth_sync_roles_for_group_members() WHERE groupname = $1",
      [GROUP],
    );
    expect(rows).toEqual([
      { rolename: CAROL, groupname: GROUP, action: "created" },
      { rolename: CAROL, groupname: GROUP, action: "granted" },
      { rolename: APP, groupname: GROUP, action: "created" },
      { rolename: APP, groupname: GROUP, action: "granted" },
    ]);
    expect(await labelOf(CAROL)).toBe(`aadauth,oid=${CAROL_OID},type=user`);
    expect(await labelOf(APP)).toBe(`aadauth,oid=${APP_OID},type=service`);
    expect((await su.query("SELECT 1 FROM pg_roles WHERE rolname = 'Nested Group'")).rowCount).toBe(0);
  });

  test("members then log in with their own name and use the group's grants", async () => {
    const client = await cluster.connectAs(CAROL, cluster.token({ oid: CAROL_OID }));
    await client.query("INSERT INTO public.orders VALUES (3)");
    const { rows } = await client.query("SELECT current_user AS u");
    await client.end();
    expect(rows).toEqual([{ u: CAROL }]);
    expect(await loginAs(APP, cluster.token({ oid: APP_OID }))).toBe(APP);
  });

  test("the group name still works", async () => {
    expect(await loginAs(GROUP, cluster.token({ oid: CAROL_OID, groups: [GROUP_OID] }))).toBe(GROUP);
  });

  test("a second sync changes nothing; a member who left the group loses the group role", async () => {
    const again = await admin.query("SELECT * FROM pgaadauth_sync_roles_for_group_members() WHERE groupname = $1", [GROUP]);
    expect(again.rows).toEqual([]);

    await cluster.setDirectory([
      { oid: GROUP_OID, name: GROUP, type: "group" },
      { oid: CAROL_OID, name: CAROL, type: "user", memberOf: [] },
      { oid: APP_OID, name: APP, type: "service", memberOf: [GROUP_OID] },
    ]);
    const { rows } = await admin.query("SELECT rolename, action FROM pgaadauth_sync_roles_for_group_members() WHERE groupname = $1", [
      GROUP,
    ]);
    expect(rows).toEqual([{ rolename: CAROL, action: "revoked" }]);
    const client = await cluster.connectAs(CAROL, cluster.token({ oid: CAROL_OID }));
    await expect(client.query("SELECT * FROM public.orders")).rejects.toThrow(/permission denied/);
    await client.end();
  });
});

describe("names Azure allows", () => {
  test.each([
    ["Zoë O'Brien@contoso.com", "user", id(501)],
    ["guest_fabrikam.com#EXT#@contoso.onmicrosoft.com", "user", id(502)],
    ['Data Readers "EU"', "group", id(503)],
    ["Ünïcödé App 名前", "service", id(504)],
  ])("%s (%s) maps, lists and logs in", async (name, type, oid) => {
    await admin.query("SELECT pgaadauth_create_principal_with_oid($1, $2, $3, false, false)", [name, oid, type]);
    const listed = await su.query("SELECT principaltype, objectid FROM pgaadauth_list_principals(false) WHERE rolename = $1", [name]);
    expect(listed.rows).toEqual([{ principaltype: type, objectid: oid }]);
    const token = type === "group" ? cluster.token({ oid: id(599), groups: [oid] }) : cluster.token({ oid });
    expect(await loginAs(name, token)).toBe(name);
    await expect(cluster.connectAs(name, cluster.token({ oid: id(598) }))).rejects.toThrow(REFUSED);
  });
});

describe("pgaadauth_list_principals", () => {
  beforeAll(async () => {
    await admin.query(`SELECT pgaadauth_create_principal_with_oid('list-user', '${id(600)}', 'user', false, false)`);
    await admin.query(`SELECT pgaadauth_create_principal_with_oid('list-admin', '${id(601)}', 'service', true, false)`);
  });

  test("lists every mapped role with Azure's columns", async () => {
    const { rows, fields } = await su.query(
      "SELECT * FROM pgaadauth_list_principals(false) WHERE rolename IN ('list-user', 'list-admin', $1)",
      [ADMIN],
    );
    // Azure declares the columns unquoted, so PostgreSQL folds them to lower case.
    expect(fields.map((f) => f.name)).toEqual(["rolename", "principaltype", "objectid", "tenantid", "ismfa", "isadmin"]);
    const row = (rolename: string, principaltype: string, objectid: string, isadmin: number) => ({
      rolename,
      principaltype,
      objectid,
      tenantid: cluster.tenantId,
      ismfa: 0,
      isadmin,
    });
    expect(rows).toEqual([
      row(ADMIN, "user", ADMIN_OID, 1),
      row("list-admin", "service", id(601), 1),
      row("list-user", "user", id(600), 0),
    ]);
  });

  test("is available in databases created after setup (installed in template1)", async () => {
    await su.query("CREATE DATABASE app");
    const app = await cluster.superuser("app");
    const { rows } = await app.query("SELECT rolename FROM pgaadauth_list_principals(true) WHERE rolename = $1", [ADMIN]);
    expect(rows).toEqual([{ rolename: ADMIN }]);
  });

  test("isAdminValue => true lists administrators only", async () => {
    const { rows } = await su.query<{ rolename: string }>("SELECT rolename FROM pgaadauth_list_principals(true)");
    const names = rows.map((r) => r.rolename);
    expect(names).toEqual(expect.arrayContaining([ADMIN, "list-admin"]));
    expect(names).not.toContain("list-user");
  });

  test("an admin created by pgaadauth_create_principal_with_oid gets what ARM's administrators get", async () => {
    const { rows } = await su.query(
      "SELECT rolcreaterole, rolcreatedb, pg_has_role('list-admin', 'azure_pg_admin', 'MEMBER') AS m FROM pg_roles WHERE rolname = 'list-admin'",
    );
    expect(rows).toEqual([{ rolcreaterole: true, rolcreatedb: true, m: true }]);
  });
});

/*
 * What Azure refuses an Entra administrator (Microsoft's "Access management" article,
 * articles/postgresql/security/security-access-control.md in MicrosoftDocs/azure-databases-docs,
 * unless a test says otherwise). Everything here runs as the Entra administrator, by token.
 */
const RESTRICTED = (role: string): RegExp => new RegExp(`permission denied to alter restricted role "${role}"`);
// PostgreSQL 15: "must be superuser to ..."; 16 and later: "permission denied to alter/create role".
const NOT_SUPERUSER = /must be superuser|permission denied to (alter|create) role/;

describe('restricted roles ("PostgreSQL 16 changes with role based security")', () => {
  beforeAll(async () => {
    await admin.query("CREATE ROLE app_role");
    await admin.query("CREATE ROLE app_member");
  });

  test.each([
    ["GRANT app_role TO azure_pg_admin", "azure_pg_admin"],
    ["GRANT app_role TO app_member, azure_pg_admin", "azure_pg_admin"],
    ["GRANT azure_pg_admin TO app_member", "azure_pg_admin"],
    ["REVOKE app_role FROM azure_pg_admin", "azure_pg_admin"],
    ["REVOKE azure_pg_admin FROM app_member", "azure_pg_admin"],
    ["ALTER ROLE azure_pg_admin LOGIN", "azure_pg_admin"],
    ["ALTER USER azure_pg_admin CONNECTION LIMIT 5", "azure_pg_admin"],
    ["ALTER ROLE azure_pg_admin SET work_mem = '64MB'", "azure_pg_admin"],
    ["ALTER ROLE azure_pg_admin RESET ALL", "azure_pg_admin"],
    ["ALTER ROLE azure_pg_admin RENAME TO pg_admin_renamed", "azure_pg_admin"],
    ["ALTER GROUP azure_pg_admin ADD USER app_member", "azure_pg_admin"],
    ["ALTER GROUP app_role ADD USER azure_pg_admin", "azure_pg_admin"],
    ["CREATE ROLE new_in_admin IN ROLE azure_pg_admin", "azure_pg_admin"],
    ["CREATE ROLE new_with_admin ROLE azure_pg_admin", "azure_pg_admin"],
    ["CREATE ROLE new_admin_member ADMIN azure_pg_admin", "azure_pg_admin"],
    ["DROP ROLE azure_pg_admin", "azure_pg_admin"],
    [`SECURITY LABEL FOR "pgaadauth" ON ROLE azure_pg_admin IS 'aadauth,oid=${id(650)},type=group'`, "azure_pg_admin"],
    ["COMMENT ON ROLE azure_pg_admin IS 'mine now'", "azure_pg_admin"],
    ["DROP OWNED BY azure_pg_admin", "azure_pg_admin"],
    ["REASSIGN OWNED BY azure_pg_admin TO app_role", "azure_pg_admin"],
    ["GRANT app_role TO azuresu", "azuresu"],
    ["GRANT azuresu TO app_member", "azuresu"],
    ["ALTER ROLE azuresu PASSWORD 'guessed'", "azuresu"],
    ["ALTER ROLE azuresu SET work_mem = '64MB'", "azuresu"],
    ["COMMENT ON ROLE azuresu IS 'mine now'", "azuresu"],
    ["DROP ROLE azuresu", "azuresu"],
    ["GRANT app_role TO azure_superuser", "azure_superuser"],
    ["GRANT app_role TO replication", "replication"],
    ["ALTER ROLE localadmin LOGIN", "localadmin"],
  ])("%s fails: permission denied to alter restricted role", async (sql, role) => {
    await expect(admin.query(sql)).rejects.toThrow(RESTRICTED(role));
  });

  test.each(["CREATE ROLE localadmin", "ALTER ROLE app_member RENAME TO azure_superuser"])(
    "%s fails: Azure reserves the name",
    async (sql) => {
      await expect(admin.query(sql)).rejects.toThrow(/permission denied to create restricted role/);
    },
  );

  test("also when the restricted role is named as CURRENT_USER", async () => {
    await admin.query("SET ROLE azure_pg_admin");
    try {
      await expect(admin.query("ALTER ROLE CURRENT_USER CONNECTION LIMIT 5")).rejects.toThrow(RESTRICTED("azure_pg_admin"));
    } finally {
      await admin.query("RESET ROLE");
    }
  });

  test("nothing was changed: azure_pg_admin has no members but the administrators, no LOGIN, no comment", async () => {
    const { rows } = await su.query(
      `SELECT r.rolcanlogin, r.rolconnlimit, r.rolconfig, shobj_description(r.oid, 'pg_authid') AS comment,
              (SELECT count(*)::int FROM pg_auth_members m WHERE m.member = r.oid) AS member_of,
              (SELECT array_agg(u.rolname ORDER BY u.rolname) FROM pg_auth_members m JOIN pg_roles u ON u.oid = m.member
               WHERE m.roleid = r.oid AND u.rolname LIKE 'app%') AS app_members
       FROM pg_roles r WHERE r.rolname = 'azure_pg_admin'`,
    );
    expect(rows).toEqual([{ rolcanlogin: false, rolconnlimit: -1, rolconfig: null, comment: null, member_of: 0, app_members: null }]);
  });

  test("the harness's superuser (Azure's control plane) is not restricted", async () => {
    await su.query("COMMENT ON ROLE azure_pg_admin IS 'control plane'");
    await su.query("COMMENT ON ROLE azure_pg_admin IS NULL");
  });

  test("an administrator created by pgaadauth_create_principal_with_oid still joins azure_pg_admin", async () => {
    await admin.query(`SELECT pgaadauth_create_principal_with_oid('second-admin-sp', '${id(651)}', 'service', true, false)`);
    const { rows } = await su.query("SELECT pg_has_role('second-admin-sp', 'azure_pg_admin', 'MEMBER') AS m");
    expect(rows).toEqual([{ m: true }]);
  });
});

describe('pg_write_all_data ("Improved control for azure_pg_admin")', () => {
  test("cannot be granted, by GRANT or CREATE ROLE ... IN ROLE", async () => {
    await admin.query("CREATE ROLE would_write");
    await expect(admin.query("GRANT pg_write_all_data TO would_write")).rejects.toThrow(
      /permission denied to grant role "pg_write_all_data"/,
    );
    await expect(admin.query("CREATE ROLE writer IN ROLE pg_write_all_data")).rejects.toThrow(
      /permission denied to grant role "pg_write_all_data"/,
    );
    const { rows } = await su.query(
      "SELECT pg_has_role('would_write', 'pg_write_all_data', 'MEMBER') AS m, (SELECT count(*)::int FROM pg_roles WHERE rolname = 'writer') AS n",
    );
    expect(rows).toEqual([{ m: false, n: 0 }]);
  });
});

describe("SUPERUSER cannot be assigned", () => {
  test("not by ALTER ROLE (another role or oneself), not by CREATE ROLE", async () => {
    await admin.query("CREATE ROLE would_be_super");
    await expect(admin.query("ALTER ROLE would_be_super SUPERUSER")).rejects.toThrow(NOT_SUPERUSER);
    await expect(admin.query("ALTER ROLE CURRENT_USER SUPERUSER")).rejects.toThrow(NOT_SUPERUSER);
    await expect(admin.query("CREATE ROLE born_super SUPERUSER")).rejects.toThrow(NOT_SUPERUSER);
    const { rows } = await su.query("SELECT rolname FROM pg_roles WHERE rolsuper ORDER BY rolname");
    expect(rows).toEqual([{ rolname: "azuresu" }]);
  });
});

describe("outside the postgres database", () => {
  let appAdmin: Client;

  beforeAll(async () => {
    // The Entra administrator has CREATEDB, as on Azure.
    await admin.query("CREATE DATABASE standin_app");
    appAdmin = await cluster.connectAs(ADMIN, cluster.token({ oid: ADMIN_OID }), "standin_app");
  });

  afterAll(async () => {
    await appAdmin?.end();
  });

  // Microsoft's "Connect with managed identity" article (security-connect-with-managed-identity.md):
  // pgaadauth_create_principal "must be run on the Postgres database"; elsewhere "No function matches...".
  test("pgaadauth_create_principal and _with_oid do not exist", async () => {
    await cluster.setDirectory([{ oid: id(660), name: "mi-elsewhere", type: "service" }]);
    await expect(appAdmin.query("SELECT pgaadauth_create_principal('mi-elsewhere', false, false)")).rejects.toMatchObject({
      code: "42883",
      message: "function pgaadauth_create_principal(text, boolean, boolean) does not exist",
      hint: expect.stringMatching(/^No function matches the given name and argument types/),
    });
    await expect(
      appAdmin.query(`SELECT pgaadauth_create_principal_with_oid('mi-elsewhere', '${id(660)}', 'service', false, false)`),
    ).rejects.toMatchObject({
      code: "42883",
      message: "function pgaadauth_create_principal_with_oid(text, text, text, boolean, boolean) does not exist",
    });
    expect((await su.query("SELECT 1 FROM pg_roles WHERE rolname = 'mi-elsewhere'")).rowCount).toBe(0);
  });

  // "Access management" article, "Public schema ownership changes in Azure Database for PostgreSQL".
  test("the public schema is owned by azure_pg_admin, in postgres and in new databases, not by the database owner", async () => {
    const owner = "SELECT nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = 'public'";
    expect((await admin.query(owner)).rows).toEqual([{ owner: "azure_pg_admin" }]);
    expect((await appAdmin.query(owner)).rows).toEqual([{ owner: "azure_pg_admin" }]);
    const dbOwner = await appAdmin.query("SELECT pg_get_userbyid(datdba) AS o FROM pg_database WHERE datname = current_database()");
    expect(dbOwner.rows).toEqual([{ o: ADMIN }]);
    // The postgresql provider creates databases from template0 (its default template).
    await su.query("CREATE DATABASE t0_probe TEMPLATE template0");
    const probe = await cluster.superuser("t0_probe");
    expect((await probe.query(owner)).rows).toEqual([{ owner: "azure_pg_admin" }]);
    expect((await su.query("SELECT datallowconn FROM pg_database WHERE datname = 'template0'")).rows).toEqual([{ datallowconn: false }]);
  });
});

describe("declaring an administrator", () => {
  test("fails for an object id that already has a mapped non-admin role: Updating an existing principal isn't supported", async () => {
    const USER = "mapped-first@contoso.com";
    await admin.query("SELECT pgaadauth_create_principal_with_oid($1, $2, 'user', false, false)", [USER, id(670)]);
    await expect(cluster.declareAdministrator(USER, id(670), "User")).rejects.toThrow(/Updating an existing principal isn't supported/);
    await expect(cluster.declareAdministrator("Renamed Admin", id(670).toUpperCase(), "User")).rejects.toThrow(
      /Updating an existing principal isn't supported/,
    );
    expect(await labelOf(USER)).toBe(`aadauth,oid=${id(670)},type=user`);
    const { rows } = await su.query(
      "SELECT pg_has_role($1, 'azure_pg_admin', 'MEMBER') AS m, (SELECT count(*)::int FROM pg_roles WHERE rolname = 'Renamed Admin') AS n",
      [USER],
    );
    expect(rows).toEqual([{ m: false, n: 0 }]);
  });

  test("re-declaring an existing administrator still succeeds (an ARM PUT is idempotent)", async () => {
    await cluster.declareAdministrator(ADMIN, ADMIN_OID, "User");
    expect(await labelOf(ADMIN)).toBe(`aadauth,oid=${ADMIN_OID},type=user,admin`);
  });
});

describe("managing another administrator's roles", () => {
  test("without the azureAdminExtension mode, PostgreSQL's own rules apply (16+: only with ADMIN OPTION)", async () => {
    await cluster.declareAdministrator("other-admin@contoso.com", id(680), "User");
    await admin.query("CREATE ROLE made_by_first_admin");
    const other = await cluster.connectAs("other-admin@contoso.com", cluster.token({ oid: id(680) }));
    try {
      const version = Number((await other.query("SHOW server_version_num")).rows[0].server_version_num);
      expect((await other.query("SELECT current_setting('pgaadauth_standin.azure_admin_extension') AS v")).rows).toEqual([{ v: "off" }]);
      if (version >= 160000) {
        await expect(other.query("DROP ROLE made_by_first_admin")).rejects.toThrow(/permission denied to drop role/);
      } else {
        // PostgreSQL 15: CREATEROLE manages every non-superuser role.
        await other.query("DROP ROLE made_by_first_admin");
      }
    } finally {
      await other.end();
    }
  });
});

/*
 * Microsoft's "Access management" article, "Improved control for azure_pg_admin": members of
 * azure_pg_admin "can manage roles and access objects owned by any nonrestricted role, even if
 * those roles are also members of azure_pg_admin". Off by default; what is emulated is in
 * pgaadauth_standin.c.
 */
describe("azureAdminExtension mode", () => {
  let ext: PgCluster;
  let first: Client;
  let second: Client;

  beforeAll(async () => {
    ext = await startCluster({ azureAdminExtension: true });
    await ext.declareAdministrator("first-admin@contoso.com", id(800), "User");
    await ext.declareAdministrator("second-admin@contoso.com", id(801), "User");
    first = await ext.connectAs("first-admin@contoso.com", ext.token({ oid: id(800) }));
    second = await ext.connectAs("second-admin@contoso.com", ext.token({ oid: id(801) }));
    // Roles the first administrator created: ADMIN OPTION is the first's only (PostgreSQL 16+).
    await first.query(`SELECT pgaadauth_create_principal_with_oid('peer-admin', '${id(802)}', 'user', true, false)`);
    await first.query("CREATE ROLE first_group");
    await first.query("CREATE ROLE first_role LOGIN");
  });

  afterAll(async () => {
    await ext?.stop();
  });

  test("a member of azure_pg_admin manages roles another administrator created, even members of azure_pg_admin", async () => {
    expect((await second.query("SELECT current_setting('pgaadauth_standin.azure_admin_extension') AS v")).rows).toEqual([{ v: "on" }]);
    await second.query(`ALTER ROLE "peer-admin" CONNECTION LIMIT 3`);
    await second.query(`COMMENT ON ROLE "peer-admin" IS 'managed by the second administrator'`);
    await second.query(`GRANT first_group TO "peer-admin"`);
    await second.query(`SECURITY LABEL FOR "pgaadauth" ON ROLE first_role IS 'aadauth,oid=${id(803)},type=service'`);
    await second.query("ALTER ROLE first_role RENAME TO first_role_renamed");
    const esu = await ext.superuser();
    const { rows } = await esu.query(
      `SELECT rolconnlimit, shobj_description(oid, 'pg_authid') AS comment, pg_has_role(oid, 'first_group', 'MEMBER') AS in_group
       FROM pg_roles WHERE rolname = 'peer-admin'`,
    );
    expect(rows).toEqual([{ rolconnlimit: 3, comment: "managed by the second administrator", in_group: true }]);
    const label = await esu.query("SELECT label FROM pg_seclabels WHERE objtype = 'role' AND objname = 'first_role_renamed'");
    expect(label.rows).toEqual([{ label: `aadauth,oid=${id(803)},type=service` }]);

    await second.query(`REVOKE first_group FROM "peer-admin"`);
    await second.query("DROP ROLE first_role_renamed");
    const after = await esu.query(
      "SELECT pg_has_role('peer-admin', 'first_group', 'MEMBER') AS in_group, (SELECT count(*)::int FROM pg_roles WHERE rolname = 'first_role_renamed') AS n",
    );
    expect(after.rows).toEqual([{ in_group: false, n: 0 }]);
  });

  test("restricted roles, SUPERUSER, pg_write_all_data and the Entra-administrator check stay as without it", async () => {
    await expect(second.query(`GRANT first_group TO azure_pg_admin`)).rejects.toThrow(RESTRICTED("azure_pg_admin"));
    await expect(second.query(`ALTER ROLE azuresu NOLOGIN`)).rejects.toThrow(RESTRICTED("azuresu"));
    await expect(second.query(`ALTER ROLE "peer-admin" SUPERUSER`)).rejects.toThrow(NOT_SUPERUSER);
    await expect(second.query("GRANT pg_write_all_data TO first_group")).rejects.toThrow(
      /permission denied to grant role "pg_write_all_data"/,
    );
    // A password administrator is in azure_pg_admin but is no Entra administrator.
    const esu = await ext.superuser();
    await esu.query("CREATE ROLE password_admin CREATEROLE IN ROLE azure_pg_admin");
    await esu.query("SET ROLE password_admin");
    try {
      await expect(esu.query(`SECURITY LABEL FOR "pgaadauth" ON ROLE first_group IS 'aadauth,oid=${id(804)},type=group'`)).rejects.toThrow(
        /permission denied to manage Microsoft Entra roles/,
      );
      // ...but manages the nonrestricted role all the same.
      await esu.query("COMMENT ON ROLE first_group IS 'by the password administrator'");
    } finally {
      await esu.query("RESET ROLE");
    }
    const { rows } = await esu.query("SELECT rolsuper FROM pg_roles WHERE rolname = 'peer-admin'");
    expect(rows).toEqual([{ rolsuper: false }]);
  });
});

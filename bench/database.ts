/**
 * The database side on real PostgreSQL, for N principals over 3 databases (run by bench/run.ts):
 *   tsx bench/database.ts <principals>
 * Applies EntraDatabaseAccess's resources as the provider would, then, on a second fresh cluster,
 * the fewest statements a DBA would write by hand for the same catalogue state (the floor). Checks
 * the two catalogues are the same and prints one JSON line with counts and times.
 */
import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import { Client } from "pg";
import { AccessEntryArgs, EntraDatabaseAccess } from "../components";
import { AccessPlan, PlannedMembership, buildAccessPlan, pgaadauthLabel } from "../components/access/plan";
import { quoteIdent } from "../components/loginGuide";
import { fakeUuid, installMockCloud, settle } from "../scripts/offline/mockCloud";
import { dependencyOrder, longestChain } from "../scripts/offline/planReport";
import { PgCluster, describeServer, startCluster } from "../tests/e2e/harness/cluster";
import { applyResources, countStatements, emptyState } from "../tests/e2e/apply/translator";

const DEPLOYER = { name: "bench-deployer", oid: fakeUuid("bench-deployer") };
const DATABASES = ["app1", "app2", "app3"].map((name) => ({ name, schemas: ["public", "sales"] }));
const TYPES = ["User", "Group", "ServicePrincipal", "ManagedIdentity"] as const;
const PRESETS = ["read", "readWrite", "owner"] as const;

export function principals(n: number): AccessEntryArgs[] {
  return Array.from({ length: n }, (_, i) => {
    const type = TYPES[i % TYPES.length];
    return {
      principal: {
        name: type === "User" ? `user${i}@contoso.com` : `${type.toLowerCase()}-${i}`,
        type,
        objectId: fakeUuid(`principal-${i}`),
      },
      grants: DATABASES.map((d) => ({ database: d.name, preset: PRESETS[i % PRESETS.length] })),
    };
  });
}

/**
 * The hand-written floor: batched statements a DBA would run for the same plan. With `inCreateRole`,
 * the tighter variant: each principal's membership and the manager role's ADMIN OPTION on it go into
 * its CREATE ROLE (`IN ROLE ... ADMIN ...`), two statements a principal instead of three.
 */
export function floorStatements(plan: AccessPlan, inCreateRole = false): { database: string; sql: string }[] {
  const out: { database: string; sql: string }[] = [];
  const q = quoteIdent;
  const list = (names: string[]) => names.map(q).join(", ");
  const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
  // The roles first (memberships need both ends), then every membership of the plan in one GRANT per
  // member and admin option: the manager role's ADMIN OPTION, the administrators', the principals'.
  const roles = [
    plan.manager,
    ...plan.databases.map((d) => d.owner),
    ...plan.accessRoles.map((r) => r.name),
    ...plan.accessSets.map((r) => r.name),
  ];
  out.push({ database: "postgres", sql: roles.map((r) => `CREATE ROLE ${q(r)} NOLOGIN`).join("; ") });
  const folded = new Set<PlannedMembership>();
  for (const p of plan.principals.filter((x) => !x.administrator)) {
    const clauses: string[] = [];
    if (inCreateRole) {
      const of = plan.memberships.filter((m) => m.role === p.name && !m.withAdminOption);
      const admin = plan.memberships.filter((m) => m.grantRole === p.name && m.withAdminOption);
      if (of.length) clauses.push(`IN ROLE ${list(of.map((m) => m.grantRole))}`);
      if (admin.length) clauses.push(`ADMIN ${list(admin.map((m) => m.role))}`);
      for (const m of [...of, ...admin]) folded.add(m);
    }
    out.push({ database: "postgres", sql: `CREATE ROLE ${q(p.name)} LOGIN${clauses.map((c) => ` ${c}`).join("")}` });
    out.push({
      database: "postgres",
      sql: `SECURITY LABEL FOR pgaadauth ON ROLE ${q(p.name)} IS ${lit(pgaadauthLabel(String(p.objectId), p.principalType))}`,
    });
  }
  const grants = new Map<string, string[]>();
  for (const m of plan.memberships.filter((x) => !folded.has(x))) {
    const key = `${q(m.role)}${m.withAdminOption ? " WITH ADMIN OPTION" : ""}`;
    grants.set(key, [...(grants.get(key) ?? []), m.grantRole]);
  }
  for (const [to, granted] of grants) out.push({ database: "postgres", sql: `GRANT ${list(granted)} TO ${to}` });
  for (const db of plan.databases) {
    out.push({ database: "postgres", sql: `CREATE DATABASE ${q(db.name)} OWNER ${q(db.owner)}` });
    const extra = db.schemas.filter((s) => s !== "public");
    if (extra.length)
      out.push({ database: db.name, sql: extra.map((s) => `CREATE SCHEMA ${q(s)} AUTHORIZATION ${q(db.owner)}`).join("; ") });
    // Same privilege set to several roles: one statement per (object kind, privileges).
    const groups = new Map<string, string[]>();
    for (const g of plan.grants.filter((x) => x.database === db.name && x.role !== "public")) {
      const on =
        g.objectType === "database"
          ? `DATABASE ${q(db.name)}`
          : g.objectType === "schema"
            ? `SCHEMA ${q(g.schema!)}`
            : `ALL ${g.objectType === "table" ? "TABLES" : g.objectType === "sequence" ? "SEQUENCES" : "FUNCTIONS"} IN SCHEMA ${q(g.schema!)}`;
      const key = `GRANT ${g.privileges.join(", ")} ON ${on}`;
      groups.set(key, [...(groups.get(key) ?? []), g.role]);
    }
    for (const [grant, to] of groups) out.push({ database: db.name, sql: `${grant} TO ${list(to)}` });
    // PostgreSQL 15 already keeps PUBLIC to USAGE on schema public; only the database needs revoking.
    if (plan.grants.some((g) => g.database === db.name && g.role === "public" && g.objectType === "database")) {
      out.push({ database: "postgres", sql: `REVOKE ALL ON DATABASE ${q(db.name)} FROM PUBLIC` });
    }
    const defaults = new Map<string, string[]>();
    for (const d of plan.defaultPrivileges.filter((x) => x.database === db.name)) {
      const kind = d.objectType === "table" ? "TABLES" : d.objectType === "sequence" ? "SEQUENCES" : "FUNCTIONS";
      const key = `ALTER DEFAULT PRIVILEGES FOR ROLE ${q(d.owner)} IN SCHEMA ${q(d.schema)} GRANT ${d.privileges.join(", ")} ON ${kind}`;
      defaults.set(key, [...(defaults.get(key) ?? []), d.role]);
    }
    for (const [grant, to] of defaults) out.push({ database: db.name, sql: `${grant} TO ${list(to)}` });
  }
  return out;
}

/** Everything the plan decides, as comparable text: roles, memberships, labels, ACLs, default ACLs. */
async function catalogue(cluster: PgCluster, databases: string[]): Promise<string[]> {
  const rows: string[] = [];
  const su = await cluster.superuser();
  const ours = "rolname not like 'pg\\_%' and rolname not in ('azuresu', 'azure_pg_admin', 'bench-deployer')";
  for (const r of (await su.query(`select rolname, rolcanlogin, rolinherit from pg_roles where ${ours} order by 1`)).rows)
    rows.push(`role ${JSON.stringify(r)}`);
  for (const r of (
    await su.query(
      `select r.rolname as role, m.rolname as member, a.admin_option from pg_auth_members a join pg_roles r on r.oid = a.roleid join pg_roles m on m.oid = a.member where m.rolname <> 'bench-deployer' order by 1, 2`,
    )
  ).rows)
    rows.push(`member ${JSON.stringify(r)}`);
  for (const r of (
    await su.query(`select objname, label from pg_seclabels where provider = 'pgaadauth' and objname <> '"bench-deployer"' order by 1`)
  ).rows)
    rows.push(`label ${JSON.stringify(r)}`);
  const acl = (col: string) =>
    `(select coalesce(json_agg(x order by x), '[]') from (select case when a.grantee = 0 then 'PUBLIC' else pg_get_userbyid(a.grantee) end || ':' || a.privilege_type as x from aclexplode(${col}) a) s)`;
  for (const db of databases) {
    rows.push(
      `db ${db} ${JSON.stringify((await su.query(`select ${acl("datacl")} as acl, pg_get_userbyid(datdba) as owner from pg_database where datname = $1`, [db])).rows[0])}`,
    );
    const c: Client = await cluster.superuser(db);
    for (const r of (
      await c.query(
        `select nspname, pg_get_userbyid(nspowner) as owner, ${acl("nspacl")} as acl from pg_namespace where nspname in ('public', 'sales') order by 1`,
      )
    ).rows)
      rows.push(`schema ${db} ${JSON.stringify(r)}`);
    for (const r of (
      await c.query(
        `select pg_get_userbyid(defaclrole) as owner, defaclnamespace::regnamespace::text as schema, defaclobjtype, ${acl("defaclacl")} as acl from pg_default_acl order by 1, 2, 3`,
      )
    ).rows)
      rows.push(`default ${db} ${JSON.stringify(r)}`);
  }
  return rows;
}

async function withCluster<T>(fn: (c: PgCluster, connect: (db: string) => Promise<Client>) => Promise<T>): Promise<T> {
  const cluster = await startCluster();
  try {
    await cluster.declareAdministrator(DEPLOYER.name, DEPLOYER.oid, "ServicePrincipal");
    const token = cluster.token({ oid: DEPLOYER.oid });
    return await fn(cluster, (db) => cluster.connectAs(DEPLOYER.name, token, db));
  } finally {
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  const n = Number(process.argv[2]);
  const access = principals(n);
  const input = { databases: DATABASES, access, deployer: DEPLOYER.name };
  const plan = buildAccessPlan(input);

  const cloud = installMockCloud({});
  await cloud.ready;
  const provider = new postgresql.Provider("bench", { host: "127.0.0.1", username: DEPLOYER.name, superuser: false });
  new EntraDatabaseAccess("bench", { provider, ...input }, { providers: [provider] as pulumi.ProviderResource[] });
  await settle();
  const resources = dependencyOrder(cloud.resources).filter((r) => r.type.startsWith("postgresql:index/"));

  const component = await withCluster(async (cluster, connect) => {
    const start = process.hrtime.bigint();
    const report = await applyResources(resources, emptyState(), () => connect, {
      username: DEPLOYER.name,
      superuser: false,
      databaseDefault: "postgres",
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    return {
      ms,
      parallel: report.parallel,
      byType: countStatements(report),
      statements: report.statements.length,
      writes: report.statements.filter((s) => s.kind === "write").length,
      catalogue: await catalogue(
        cluster,
        DATABASES.map((d) => d.name),
      ),
    };
  });

  const applyFloor = (sql: { database: string; sql: string }[]) =>
    withCluster(async (cluster, connect) => {
      const clients = new Map<string, Client>();
      const start = process.hrtime.bigint();
      for (const s of sql) {
        if (!clients.has(s.database)) clients.set(s.database, await connect(s.database));
        await clients.get(s.database)!.query(s.sql);
      }
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      for (const c of clients.values()) await c.end();
      return {
        ms,
        catalogue: await catalogue(
          cluster,
          DATABASES.map((d) => d.name),
        ),
      };
    });
  const floorSql = floorStatements(plan);
  const floor = await applyFloor(floorSql);
  const tightSql = floorStatements(plan, true);
  const tight = await applyFloor(tightSql);

  const a = new Set(component.catalogue);
  const b = new Set(floor.catalogue);
  const onlyComponent = component.catalogue.filter((x) => !b.has(x));
  const onlyFloor = floor.catalogue.filter((x) => !a.has(x));
  const byType: Record<string, number> = {};
  for (const r of resources) byType[r.type.split(":").pop()!] = (byType[r.type.split(":").pop()!] ?? 0) + 1;
  const count = (sql: { sql: string }[]) => sql.reduce((k, s) => k + s.sql.split("; ").length, 0);
  const floorCount = count(floorSql);
  const same = (x: string[]) => x.length === component.catalogue.length && x.every((line) => a.has(line));
  process.stdout.write(
    `${JSON.stringify({
      principals: n,
      server: describeServer(),
      databases: DATABASES.length,
      // Steps that must run one after another (the serial chain of roles, grants, default privileges).
      sqlChain: longestChain(resources, () => true).length,
      resources: resources.length,
      resourcesByType: byType,
      componentMs: component.ms,
      parallel: component.parallel,
      statementsByType: Object.fromEntries(Object.entries(component.byType).map(([t, c]) => [t.split(":").pop()!, c])),
      componentStatements: component.statements,
      componentWrites: component.writes,
      floorStatements: floorCount,
      floorMs: floor.ms,
      tightFloorStatements: count(tightSql),
      tightFloorMs: tight.ms,
      tightSameCatalogue: same(tight.catalogue),
      sameCatalogue: onlyComponent.length === 0 && onlyFloor.length === 0,
      differences: [
        ...onlyComponent.slice(0, 5).map((x) => `component only: ${x}`),
        ...onlyFloor.slice(0, 5).map((x) => `floor only: ${x}`),
      ],
    })}\n`,
  );
  process.exit(0);
}

if (require.main === module)
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });

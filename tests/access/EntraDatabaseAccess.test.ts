import * as postgresql from "@pulumi/postgresql";
import { EntraDatabaseAccess } from "../../components/access/EntraDatabaseAccess";
import type { AccessEntryArgs, EntraDatabaseAccessArgs } from "../../components/access/args";
import { InputError } from "../../components/errors";
import { MockCloud, RecordedResource } from "../../scripts/offline/mockCloud";
import { IDS, evaluate } from "../support/fixtures";

const T = {
  role: "postgresql:index/role:Role",
  label: "postgresql:index/securityLabel:SecurityLabel",
  db: "postgresql:index/database:Database",
  schema: "postgresql:index/schema:Schema",
  grant: "postgresql:index/grant:Grant",
  defaults: "postgresql:index/defaultPrivileges:DefaultPrivileges",
  member: "postgresql:index/grantRole:GrantRole",
};

const READERS: AccessEntryArgs = {
  principal: { name: "Data Readers", type: "Group", objectId: IDS.readers },
  grants: [{ database: "orders", preset: "read" }],
};
const API: AccessEntryArgs = {
  principal: { name: "id-orders-api", type: "ManagedIdentity", objectId: IDS.ciApp },
  grants: [{ database: "orders", preset: "readWrite" }],
};
const DBA: AccessEntryArgs = {
  principal: { name: "pg-dba", type: "Group" },
  grants: [{ database: "orders", preset: "owner" }],
};

async function build(access: AccessEntryArgs[], extra: Partial<EntraDatabaseAccessArgs> = {}) {
  let provider: postgresql.Provider | undefined;
  const { cloud, error } = await evaluate(() => {
    provider = new postgresql.Provider("pg", { host: "127.0.0.1", username: "ci-deployer", superuser: false });
    new EntraDatabaseAccess("orders", {
      provider,
      deployer: "ci-deployer",
      administrators: ["pg-dba"],
      databases: [{ name: "orders", schemas: ["public", "reporting"] }],
      access,
      ...extra,
    });
  });
  if (error) throw error;
  return cloud;
}

const depsOf = (cloud: MockCloud, r: RecordedResource) =>
  r.dependencies.map((d) => cloud.resources.find((x) => x.urn === d)).filter((x): x is RecordedResource => !!x);

describe("EntraDatabaseAccess", () => {
  it("creates the owner role, the database owned by it, and the non-public schemas", async () => {
    const cloud = await build([READERS]);
    expect(cloud.byType(T.db).map((r) => r.inputs)).toEqual([{ name: "orders", owner: "orders_owner" }]);
    expect(cloud.byType(T.schema).map((r) => r.inputs)).toEqual([
      { name: "reporting", database: "orders", owner: "orders_owner", dropCascade: true },
    ]);
    expect(cloud.byType(T.role).find((r) => r.inputs.name === "orders_owner")?.inputs).toEqual({ name: "orders_owner", login: false });
  });

  it("sends nothing to azure_pg_admin: administrators manage through a manager role of ours", async () => {
    const cloud = await build([READERS], { administrators: ["dba@contoso.com"] });
    const sql = cloud.resources.filter((r) => r.type.startsWith("postgresql:index/"));
    expect(sql.filter((r) => JSON.stringify(r.inputs).includes("azure_pg_admin"))).toEqual([]);
    expect(cloud.byType(T.role).find((r) => r.inputs.name === "orders_manager")?.inputs).toEqual({ name: "orders_manager", login: false });
    const members = cloud.byType(T.member).map((r) => r.inputs);
    // ADMIN OPTION on every role we create, and the owner's privileges.
    for (const role of ["orders_owner", "orders_read", "Data Readers"]) {
      expect(members).toContainEqual({ role: "orders_manager", grantRole: role, withAdminOption: true });
    }
    // Administrators are its members; the deployer without ADMIN OPTION, which it holds as the creator.
    expect(members).toContainEqual({ role: "dba@contoso.com", grantRole: "orders_manager", withAdminOption: true });
    expect(members).toContainEqual({ role: "ci-deployer", grantRole: "orders_manager", withAdminOption: false });
  });

  it("replaces memberships delete-first, and leaves the admin option of the creator's own rows alone", async () => {
    const cloud = await build([READERS, DBA]);
    const options = (role: string, grantRole: string) => {
      const r = cloud.byType(T.member).find((m) => m.inputs.role === role && m.inputs.grantRole === grantRole);
      return r && { deleteBeforeReplace: r.deleteBeforeReplace, ignoreChanges: r.ignoreChanges ?? [] };
    };
    expect(options("ci-deployer", "orders_manager")).toEqual({ deleteBeforeReplace: true, ignoreChanges: ["withAdminOption"] });
    expect(options("pg-dba", "orders_owner_members")).toEqual({ deleteBeforeReplace: true, ignoreChanges: ["withAdminOption"] });
    // A mapped principal's admin option is watched: with it, the principal could grant the role on.
    expect(options("Data Readers", "orders_read")).toEqual({ deleteBeforeReplace: true, ignoreChanges: [] });
  });

  it("maps a non-administrator with a LOGIN role and a pgaadauth label", async () => {
    const cloud = await build([READERS]);
    expect(cloud.byType(T.role).find((r) => r.inputs.name === "Data Readers")?.inputs).toEqual({ name: "Data Readers", login: true });
    expect(cloud.byType(T.member).map((r) => r.inputs)).toContainEqual({
      role: "Data Readers",
      grantRole: "orders_read",
      withAdminOption: false,
    });
    expect(cloud.byType(T.label).map((r) => r.inputs)).toEqual([
      { objectType: "role", objectName: "Data Readers", labelProvider: "pgaadauth", label: `aadauth,oid=${IDS.readers},type=group` },
    ]);
  });

  it("never creates, labels or alters an administrator's role; it only grants to it", async () => {
    const cloud = await build([DBA]);
    expect(cloud.byType(T.role).map((r) => r.inputs.name)).toEqual(["orders_manager", "orders_owner", "orders_owner_members"]);
    expect(cloud.byType(T.role).some((r) => r.inputs.name === "pg-dba")).toBe(false);
    expect(cloud.byType(T.label)).toEqual([]);
    expect(cloud.byType(T.member).map((r) => r.inputs)).toContainEqual({
      role: "pg-dba",
      grantRole: "orders_owner_members",
      withAdminOption: false,
    });
  });

  it.each([
    ["read", READERS, "orders_read", { grants: 7, defaults: 4 }],
    ["readWrite", API, "orders_readwrite", { grants: 9, defaults: 6 }],
  ])(
    "%s: one grant per database, schema and object kind on the shared access role, not one per table or principal",
    async (_p, entry, accessRole, expected) => {
      const cloud = await build([entry]);
      const of = (t: string, role: string) => cloud.byType(t).filter((r) => r.inputs.role === role);
      expect(of(T.grant, accessRole)).toHaveLength(expected.grants);
      expect(of(T.defaults, accessRole)).toHaveLength(expected.defaults);
      expect(of(T.grant, entry.principal.name)).toEqual([]);
      for (const g of of(T.grant, accessRole).filter((r) => ["table", "sequence", "function"].includes(String(r.inputs.objectType)))) {
        expect(g.inputs.objects).toEqual([]);
      }
      const second = await build([
        entry,
        { ...entry, principal: { ...entry.principal, name: `${entry.principal.name} 2`, objectId: IDS.bob } },
      ]);
      expect(second.byType(T.grant)).toHaveLength(cloud.byType(T.grant).length);
      // Its Role, its label, its membership, and the manager role's ADMIN OPTION on it.
      expect(second.resources.length - cloud.resources.length).toBe(4);
    },
  );

  it("sends every SQL resource through the given provider", async () => {
    const cloud = await build([READERS, API, DBA]);
    const sql = cloud.resources.filter((r) => r.type.startsWith("postgresql:index/"));
    expect(sql.length).toBeGreaterThan(10);
    for (const r of sql) expect(r.provider).toMatch(/::pg::/);
  });

  it("grants only after the grantee, the database and schema exist, and the deployer acts as the owner", async () => {
    const cloud = await build([READERS]);
    const membership = cloud.byType(T.member).find((r) => r.inputs.role === "Data Readers")!;
    expect(depsOf(cloud, membership).map((d) => `${d.type} ${d.inputs.name ?? d.inputs.objectName}`)).toEqual(
      expect.arrayContaining([`${T.role} orders_read`, `${T.label} Data Readers`]),
    );
    for (const g of cloud.byType(T.grant).filter((r) => r.inputs.role === "orders_read")) {
      const deps = depsOf(cloud, g).map((d) => d.type);
      expect(deps).toContain(T.role);
      expect(deps).toContain(T.db);
      const memberships = depsOf(cloud, g)
        .filter((d) => d.type === T.member)
        .map((d) => `${d.inputs.role} in ${d.inputs.grantRole}`);
      expect(memberships).toEqual(expect.arrayContaining(["ci-deployer in orders_manager", "orders_manager in orders_owner"]));
      if (g.inputs.schema === "reporting") expect(deps).toContain(T.schema);
    }
    for (const d of cloud.byType(T.defaults))
      expect(depsOf(cloud, d).map((x) => x.type)).toEqual(expect.arrayContaining([T.db, T.member, T.role]));
  });

  it("names resources by principal, database and schema, so reordering the list changes nothing", async () => {
    const a = await build([READERS, API, DBA]);
    const b = await build([DBA, API, READERS]);
    const view = (c: MockCloud) => c.resources.map((r) => `${r.type} ${r.name} ${JSON.stringify(r.inputs)}`).sort();
    expect(view(b)).toEqual(view(a));
    expect(a.resources.some((r) => /-\d+$/.test(r.name))).toBe(false);
  });

  it("adding a principal adds only that principal's resources", async () => {
    const before = new Set((await build([READERS])).resources.map((r) => `${r.name} ${JSON.stringify(r.inputs)}`));
    const after = (await build([READERS, API])).resources.map((r) => `${r.name} ${JSON.stringify(r.inputs)}`);
    const added = after.filter((x) => !before.has(x));
    expect(added.length).toBeGreaterThan(0);
    for (const x of added) expect(x).toMatch(/id-orders-api|readwrite/);
  });

  it("registers nothing for bad input", async () => {
    const { cloud, error } = await evaluate(() => {
      const provider = new postgresql.Provider("pg", { host: "127.0.0.1" });
      new EntraDatabaseAccess("orders", {
        provider,
        deployer: "ci-deployer",
        databases: [{ name: "orders" }],
        access: [{ ...READERS, grants: [{ database: "sales", preset: "read" }] }],
      });
    });
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toContain('access[0].grants[0].database = "sales"');
    expect(cloud.resources.map((r) => r.type)).toEqual(["pulumi:providers:postgresql"]);
  });
});

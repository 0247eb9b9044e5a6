/**
 * Access sets on real PostgreSQL (15 or 17, the pgaadauth stand-in, the provider translator): a
 * principal whose grants need several access roles joins one NOLOGIN role that is a member of each.
 * What it may do must be exactly the union of its grants, through one membership; moving it between
 * sets, dropping a set nobody needs and another administrator taking over must leave exactly the
 * planned catalogue, on 16+ too, where only the grantor of a membership can revoke it.
 */
import type { ApplyReport } from "./apply/translator";
import { startCluster, type PgCluster } from "./harness/cluster";
import { accessOf, closeCatalog, releaseDatabase, su } from "./support/catalog";
import {
  T,
  declareAdministrators,
  Stack,
  oid,
  planDeployment,
  writesOf,
  type Deployment,
  type Identity,
  type PlanInput,
} from "./support/deploy";
import { expectedAccess, type SchemaObjects } from "./support/expected";
import { asRole, attempt } from "./support/login";

const DEPLOYER: Identity = { name: "ci-deployer", oid: oid(1), type: "ServicePrincipal" };
const ADMIN2: Identity = { name: "dba2@contoso.com", oid: oid(2), type: "User" };
const MEMBER = { name: "member@contoso.com", oid: oid(3) };
const CROSS: Identity = { name: "Cross Team", oid: oid(0x20), type: "Group" };
const TWIN: Identity = { name: "twin@contoso.com", oid: oid(0x21), type: "User" };
const BUILDER: Identity = { name: "builder-app", oid: oid(0x22), type: "ServicePrincipal" };
const SINGLE: Identity = { name: "id-single", oid: oid(0x23), type: "ManagedIdentity" };
const DBS = ["north", "south"];
const OBJECTS: SchemaObjects[] = [
  { schema: "app", tables: ["items"], sequences: [], functions: [] },
  { schema: "public", tables: ["orders"], sequences: [], functions: [] },
];

type Preset = "read" | "readWrite" | "owner";
const entry = (who: Identity, grants: Partial<Record<string, Preset>>) => ({
  principal: { name: who.name, type: who.type, objectId: who.oid },
  grants: Object.entries(grants).map(([database, preset]) => ({ database, preset })),
});
const plan = (access: ReturnType<typeof entry>[], extra: Partial<PlanInput> = {}): PlanInput => ({
  databases: DBS.map((name) => ({ name, schemas: ["public", "app"] })),
  administrators: [ADMIN2.name],
  access,
  ...extra,
});
const V1 = plan([
  entry(CROSS, { north: "read", south: "readWrite" }),
  entry(TWIN, { north: "read", south: "readWrite" }),
  entry(BUILDER, { north: "owner", south: "owner" }),
  entry(SINGLE, { north: "read" }),
]);

let cluster: PgCluster;
let stack: Stack;

const tokenOf = (who: Identity) =>
  who.type === "Group" ? cluster.token({ oid: MEMBER.oid, groups: [who.oid] }) : cluster.token({ oid: who.oid });

/** What `who` may do in both databases, against the README's presets written out by hand. */
async function expectExactly(who: Identity, grants: Partial<Record<string, Preset>>): Promise<void> {
  const expected = Object.entries(grants).flatMap(([db, preset]) => expectedAccess(preset!, db, `${db}_owner`, OBJECTS));
  expect((await accessOf(cluster, who.name, DBS)).lines).toEqual(expected.sort());
}

/** The GrantRoles whose member is `who`: one per principal is the point of access sets. */
const membershipsOf = (d: Deployment, who: Identity) =>
  d.resources.filter((r) => r.type === T.grantRole && r.inputs.role === who.name).map((r) => String(r.inputs.grantRole));

const changes = (r: ApplyReport) => Object.fromEntries(r.resources.filter((x) => x.action !== "unchanged").map((x) => [x.name, x.action]));
const setsInCatalogue = async () =>
  (await su(cluster, "postgres", "SELECT rolname FROM pg_roles WHERE rolname LIKE '%+%' ORDER BY 1")).map((r) => String(r.rolname));

beforeAll(async () => {
  cluster = await startCluster();
  await declareAdministrators(cluster, [DEPLOYER, ADMIN2]);
  stack = new Stack(cluster);
  await stack.up(await planDeployment(V1, DEPLOYER.name), DEPLOYER);
  for (const db of DBS) {
    await asRole(cluster, DEPLOYER.name, cluster.token({ oid: DEPLOYER.oid }), db, (c) =>
      c.query(
        `SET ROLE ${db}_owner; CREATE TABLE public.orders (id int); CREATE TABLE app.items (id int); INSERT INTO app.items VALUES (1);`,
      ),
    );
  }
});

afterAll(async () => {
  if (cluster) await closeCatalog(cluster);
  await cluster?.stop();
});

describe("one membership per principal", () => {
  test("each principal holds one membership and may do exactly the union of its grants", async () => {
    const d = await planDeployment(V1, DEPLOYER.name);
    expect(membershipsOf(d, CROSS)).toEqual(["north_read+south_readwrite"]);
    expect(membershipsOf(d, TWIN)).toEqual(["north_read+south_readwrite"]);
    expect(membershipsOf(d, BUILDER)).toEqual(["north_owner_members+south_owner_members"]);
    expect(membershipsOf(d, SINGLE)).toEqual(["north_read"]);
    await expectExactly(CROSS, { north: "read", south: "readWrite" });
    await expectExactly(TWIN, { north: "read", south: "readWrite" });
    await expectExactly(BUILDER, { north: "owner", south: "owner" });
    await expectExactly(SINGLE, { north: "read" });
  });

  test("a group member logs in with the group's name and gets both presets; the owner preset works through the set", async () => {
    await asRole(cluster, CROSS.name, tokenOf(CROSS), "south", async (c) => {
      expect(await attempt(c, "INSERT INTO app.items VALUES (2)")).toBe("ok");
    });
    await asRole(cluster, CROSS.name, tokenOf(CROSS), "north", async (c) => {
      expect(await attempt(c, "SELECT * FROM app.items")).toBe("ok");
      expect(await attempt(c, "INSERT INTO app.items VALUES (2)")).toBe("permission denied for table items");
    });
    // SET ROLE follows the chain principal > set > <db>_owner_members > <db>_owner; what it creates is
    // covered for the readers by the default privileges.
    await asRole(cluster, BUILDER.name, tokenOf(BUILDER), "north", (c) => c.query("SET ROLE north_owner; CREATE TABLE app.later (id int)"));
    await asRole(cluster, CROSS.name, tokenOf(CROSS), "north", async (c) => {
      expect(await attempt(c, "SELECT * FROM app.later")).toBe("ok");
    });
    await asRole(cluster, SINGLE.name, tokenOf(SINGLE), "north", async (c) => {
      expect(await attempt(c, "CREATE TABLE app.nope (id int)")).toBe("permission denied for schema app");
    });
    await su(cluster, "north", "DROP TABLE app.later");
  });

  test("a second apply with refresh changes nothing and writes nothing", async () => {
    const r = await stack.up(await planDeployment(V1, DEPLOYER.name), DEPLOYER, { refresh: true });
    expect(changes(r)).toEqual({});
    expect(writesOf(r)).toEqual([]);
  });
});

describe("changing grant sets", () => {
  test("a principal moving to another set loses the old one's privileges; the set stays for the other principal", async () => {
    const v2 = plan([
      entry(CROSS, { north: "read", south: "read" }),
      entry(TWIN, { north: "read", south: "readWrite" }),
      entry(BUILDER, { north: "owner", south: "owner" }),
      entry(SINGLE, { north: "read" }),
    ]);
    await stack.up(await planDeployment(v2, DEPLOYER.name), DEPLOYER);
    await expectExactly(CROSS, { north: "read", south: "read" });
    await expectExactly(TWIN, { north: "read", south: "readWrite" });
    expect(await setsInCatalogue()).toEqual([
      "north_owner_members+south_owner_members",
      "north_read+south_read",
      "north_read+south_readwrite",
    ]);
  });

  test("a set nobody needs any more is dropped, with its memberships", async () => {
    const v3 = plan([
      entry(CROSS, { north: "read", south: "read" }),
      entry(TWIN, { south: "readWrite" }),
      entry(BUILDER, { north: "owner", south: "owner" }),
      entry(SINGLE, { north: "read" }),
    ]);
    await stack.up(await planDeployment(v3, DEPLOYER.name), DEPLOYER);
    await expectExactly(TWIN, { south: "readWrite" });
    expect(await setsInCatalogue()).toEqual(["north_owner_members+south_owner_members", "north_read+south_read"]);
  });
});

describe("another administrator takes over", () => {
  const V4 = plan(
    [
      entry(CROSS, { north: "readWrite", south: "read" }),
      entry(TWIN, { south: "readWrite" }),
      entry(BUILDER, { north: "owner", south: "owner" }),
      entry(SINGLE, { north: "read" }),
    ],
    { roleCreator: DEPLOYER.name },
  );
  let d: Deployment;

  beforeAll(async () => {
    d = await planDeployment(V4, ADMIN2.name);
    // `pulumi up` with the changed program, as the README's hand-over says (refresh reads as the recorded deployer).
    await stack.up(d, ADMIN2);
  });

  test("it makes its own sets from its own access roles; the first administrator's are gone", async () => {
    const sets = await setsInCatalogue();
    expect(sets).toHaveLength(2);
    expect(sets.every((s) => s.split("+").every((r) => /_by_[0-9a-f]{6}$/.test(r)))).toBe(true);
    expect(membershipsOf(d, CROSS)).toEqual([sets.find((s) => s.startsWith("north_readwrite"))]);
  });

  test("every principal may do exactly what the new plan says, whoever granted the old memberships", async () => {
    await expectExactly(CROSS, { north: "readWrite", south: "read" });
    await expectExactly(TWIN, { south: "readWrite" });
    await expectExactly(BUILDER, { north: "owner", south: "owner" });
    await expectExactly(SINGLE, { north: "read" });
  });

  test("its next up with refresh changes nothing", async () => {
    expect(changes(await stack.up(d, ADMIN2, { refresh: true }))).toEqual({});
  });

  test("destroy leaves no set behind", async () => {
    // The checks' superuser connections would keep DROP DATABASE from terminating them as an administrator.
    for (const db of DBS) await releaseDatabase(cluster, db);
    await stack.destroy({ runProgram: ADMIN2 });
    expect(await setsInCatalogue()).toEqual([]);
  });
});

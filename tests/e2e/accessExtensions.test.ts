/**
 * Extensions in the component's databases (issue 15.6), on real PostgreSQL with the stand-in, which
 * refuses what azure.extensions does not allow-list with Azure's error text. The component creates
 * them as the deploying Entra administrator (on Azure only azure_pg_admin members may), in the schema
 * it names, after the database and that schema.
 */
import { startCluster, type PgCluster } from "./harness/cluster";
import { closeCatalog, su } from "./support/catalog";
import { Stack, T, declareAdministrators, oid, planDeployment, type Deployment, type Identity } from "./support/deploy";
import { asRole, attempt } from "./support/login";

const DEPLOYER: Identity = { name: "ci-deployer", oid: oid(1), type: "ServicePrincipal" };
const DB = "catalog";
const NOT_ALLOWED = /extension "pg_trgm" is not allow-listed for "azure_pg_admin" users in Azure Database for PostgreSQL/;

let cluster: PgCluster;
let deployment: Deployment;
/** One stack for the refused apply and the one after it, as one Pulumi stack would be. */
let stack: Stack;

beforeAll(async () => {
  cluster = await startCluster();
  await declareAdministrators(cluster, [DEPLOYER]);
  // On Azure, azure_pg_admin's members may create extensions in postgres; the stand-in makes it so here.
  await su(cluster, "postgres", "GRANT CREATE ON DATABASE postgres TO azure_pg_admin");
  deployment = await planDeployment(
    { databases: [{ name: DB, schemas: ["public", "search"], extensions: [{ name: "pg_trgm", schema: "search" }, { name: "citext" }] }] },
    DEPLOYER.name,
  );
  stack = new Stack(cluster);
});

afterAll(async () => {
  if (cluster) await closeCatalog(cluster);
  await cluster?.stop();
});

const installed = async () =>
  (
    await su(
      cluster,
      DB,
      "SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql' ORDER BY 1",
    )
  ).map((r) => `${r.extname as string} in ${r.nspname as string}`);

describe("the stand-in's allow-list", () => {
  test("an administrator's CREATE EXTENSION fails as on Azure until the extension is allow-listed", async () => {
    await cluster.setServerParameter("azure.extensions", "");
    const token = cluster.token({ oid: DEPLOYER.oid });
    await asRole(cluster, DEPLOYER.name, token, "postgres", async (c) => {
      expect(await attempt(c, "CREATE EXTENSION pg_trgm")).toMatch(NOT_ALLOWED);
    });
    await cluster.setServerParameter("azure.extensions", "PG_TRGM");
    await asRole(cluster, DEPLOYER.name, token, "postgres", async (c) => {
      // Azure's portal lists names in upper case; they compare without regard to case.
      expect(await attempt(c, "CREATE EXTENSION pg_trgm")).toBe("ok");
      expect(await attempt(c, "CREATE EXTENSION citext")).toMatch(/extension "citext" is not allow-listed/);
    });
  });
});

describe("databases[].extensions", () => {
  test("are planned as Extension resources in the named schema", () => {
    const ext = deployment.resources.filter((r) => r.type === "postgresql:index/extension:Extension");
    expect(ext.map((r) => r.inputs)).toEqual([
      { name: "citext", database: DB },
      { name: "pg_trgm", database: DB, schema: "search" },
    ]);
    // After the schema they go into.
    const schema = deployment.resources.find((r) => r.type === T.schema && r.inputs.name === "search")!;
    expect(ext.find((r) => r.inputs.name === "pg_trgm")!.dependencies).toContain(schema.urn);
  });

  test("fail the deployment when the server has not allow-listed them", async () => {
    await cluster.setServerParameter("azure.extensions", "citext");
    await expect(stack.up(deployment, DEPLOYER)).rejects.toThrow(NOT_ALLOWED);
    expect(await installed()).not.toContain("pg_trgm in search");
  });

  test("are created once allow-listed, and a second apply changes nothing", async () => {
    await cluster.setServerParameter("azure.extensions", "citext,pg_trgm");
    await stack.up(deployment, DEPLOYER);
    expect(await installed()).toEqual(["citext in public", "pg_trgm in search"]);
    const again = await stack.up(deployment, DEPLOYER, { refresh: true });
    expect(again.resources.filter((r) => r.action !== "unchanged")).toEqual([]);
  });
});

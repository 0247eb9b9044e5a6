/** The login guide's PgBouncer and read-replica routes (components/features/loginRoutes.ts). */
import { parse as parseUri } from "pg-connection-string";
import { planAccess } from "../../components/access/plan";
import { EntraPostgres } from "../../components/postgres/EntraPostgres";
import { loginGuide, renderLoginGuide } from "../../components/loginGuide";
import { valueOf } from "../../scripts/offline/mockCloud";
import { IDS, evaluate } from "../support/fixtures";

const HOST = "pg-orders-prod.postgres.database.azure.com";
const plan = planAccess({
  databases: [{ name: "orders" }],
  access: [{ principal: { name: "Data Readers", type: "Group", objectId: IDS.readers }, grants: [{ database: "orders", preset: "read" }] }],
  deployer: "pg-dba",
});
const readers = (settings: Parameters<typeof loginGuide>[1]) =>
  loginGuide(plan, settings, [{ name: "pg-dba", type: "Group" }]).find((e) => e.principal === "Data Readers")!;

describe("login routes", () => {
  it("offer nothing more when PgBouncer is off and there are no replicas", () => {
    const e = readers({ host: HOST, groupSync: false });
    expect(e).not.toHaveProperty("pgBouncer");
    expect(e).not.toHaveProperty("readReplicas");
    expect(renderLoginGuide([e])).not.toMatch(/6432|replica/i);
  });

  it("offer port 6432 on the same host with PgBouncer, and say which port to use when", () => {
    const e = readers({ host: HOST, groupSync: false, pgBouncer: true });
    expect(e.port).toBe(5432);
    expect(e.pgBouncer).toMatchObject({ host: HOST, port: 6432 });
    // The URI is what a driver parses: the same user and database, on port 6432.
    const uri = parseUri(e.pgBouncer!.uri);
    expect({ host: uri.host, port: uri.port, user: uri.user, database: uri.database }).toEqual({
      host: HOST,
      port: "6432",
      user: "Data Readers",
      database: "orders",
    });
    expect(e.pgBouncer!.psql).toContain("port=6432");
    const text = renderLoginGuide([e]);
    expect(text).toMatch(/through PgBouncer \(port 6432\)/);
    expect(text).toMatch(/use 5432 for migrations/);
    expect(text).toMatch(/many short connections/);
  });

  it("list each replica's host as read-only, with the same username", () => {
    const e = readers({
      host: HOST,
      groupSync: false,
      readReplicas: [{ host: "pg-orders-ro.postgres.database.azure.com", location: "northeurope" }],
    });
    expect(e.readReplicas).toHaveLength(1);
    const uri = parseUri(e.readReplicas![0].uri);
    expect({ host: uri.host, port: uri.port, user: uri.user }).toEqual({
      host: "pg-orders-ro.postgres.database.azure.com",
      port: "5432",
      user: "Data Readers",
    });
    const text = renderLoginGuide([e]);
    expect(text).toMatch(/read-only replica `pg-orders-ro\.postgres\.database\.azure\.com` \(northeurope\)/);
    expect(text).toMatch(/READ-ONLY/);
  });

  it("come from the server component: EntraPostgres passes PgBouncer and the replicas to the guide", async () => {
    let pg: EntraPostgres | undefined;
    const { error } = await evaluate(
      () =>
        (pg = new EntraPostgres("orders", {
          server: {
            resourceGroupName: "rg-orders-prod",
            serverName: "pg-orders-prod",
            administrators: [{ name: "pg-dba", type: "Group", objectId: IDS.dbaGroup }],
            pgBouncer: { enabled: true },
            readReplicas: [{ serverName: "pg-orders-ro" }],
          },
          deployer: { name: "ci-deployer", type: "ServicePrincipal" },
          databases: [{ name: "orders" }],
          access: [
            { principal: { name: "Data Readers", type: "Group", objectId: IDS.readers }, grants: [{ database: "orders", preset: "read" }] },
          ],
        })),
    );
    expect(error).toBeUndefined();
    const entries = await valueOf(pg!.loginGuide);
    const e = entries.find((x) => x.principal === "Data Readers")!;
    expect(e.pgBouncer?.port).toBe(6432);
    expect(e.readReplicas?.map((r) => r.host)).toEqual(["pg-orders-ro.postgres.database.azure.com"]);
  });
});

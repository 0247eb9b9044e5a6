/**
 * One measured program evaluation under the mocks, in its own process so memory is its own:
 *   tsx bench/fleet.ts component <servers> <dump.json>   EntraPostgres per server; dumps what it registered
 *   tsx bench/fleet.ts direct <servers> <dump.json>      the same resources declared directly with the SDK classes
 * Prints one JSON line: { ms, cpuMs, resources, maxRssMb, heapMb }.
 */
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import { dbforpostgresql } from "@pulumi/azure-native";
import { EntraPostgres, EntraPostgresArgs } from "../components";
import { fakeUuid, installMockCloud, settle } from "../scripts/offline/mockCloud";
import { dependencyOrder } from "../scripts/offline/planReport";

const FLEET_TENANT = fakeUuid("fleet-tenant");

/** 5 administrators (the deployer among them) and 10 access entries over the three presets. */
export function fleetServer(i: number): EntraPostgresArgs {
  const admins = ["User", "Group", "ServicePrincipal", "ManagedIdentity"].map((type, k) => ({
    name: type === "User" ? `admin${k}-${i}@contoso.com` : `admin${k}-${i}`,
    type: type as "User",
    objectId: fakeUuid(`admin${k}-${i}`),
  }));
  const presets = ["read", "readWrite", "owner"] as const;
  return {
    // The tenant and the deployer's object id in config, as the README advises for previews.
    server: {
      resourceGroupName: "rg-fleet",
      location: "westeurope",
      serverName: `pg-fleet-${i}`,
      administrators: admins,
      tenantId: FLEET_TENANT,
    },
    deployer: { name: `deployer-${i}`, type: "ServicePrincipal", objectId: fakeUuid(`deployer-${i}`) },
    deployerIpAddress: "203.0.113.7",
    databases: [{ name: "app", schemas: ["public", "reporting"] }],
    access: Array.from({ length: 10 }, (_, k) => ({
      principal: {
        name: `app-principal-${k}`,
        type: k % 2 ? ("Group" as const) : ("ManagedIdentity" as const),
        objectId: fakeUuid(`p${k}-${i}`),
      },
      grants: [{ database: "app", preset: presets[k % 3] }],
    })),
  };
}

type Ctor = new (name: string, args: never, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;
const CLASSES: Record<string, Ctor> = {
  "azure-native:dbforpostgresql:Server": dbforpostgresql.Server as unknown as Ctor,
  "azure-native:dbforpostgresql:Configuration": dbforpostgresql.Configuration as unknown as Ctor,
  "azure-native:dbforpostgresql:FirewallRule": dbforpostgresql.FirewallRule as unknown as Ctor,
  "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra": dbforpostgresql.AdministratorsMicrosoftEntra as unknown as Ctor,
  "postgresql:index/role:Role": postgresql.Role as unknown as Ctor,
  "postgresql:index/securityLabel:SecurityLabel": postgresql.SecurityLabel as unknown as Ctor,
  "postgresql:index/database:Database": postgresql.Database as unknown as Ctor,
  "postgresql:index/schema:Schema": postgresql.Schema as unknown as Ctor,
  "postgresql:index/grant:Grant": postgresql.Grant as unknown as Ctor,
  "postgresql:index/defaultPrivileges:DefaultPrivileges": postgresql.DefaultPrivileges as unknown as Ctor,
  "postgresql:index/grantRole:GrantRole": postgresql.GrantRole as unknown as Ctor,
};

interface Dumped {
  type: string;
  name: string;
  urn: string;
  inputs: Record<string, unknown>;
  dependencies: string[];
  provider?: string;
}

async function main(): Promise<void> {
  const [mode, countText, dump] = process.argv.slice(2);
  const servers = Number(countText);
  let loaded: Dumped[] = [];
  if (mode === "direct") loaded = dependencyOrder(JSON.parse(fs.readFileSync(dump, "utf8")) as never) as Dumped[];
  const cloud = installMockCloud({});
  await cloud.ready;
  const start = process.hrtime.bigint();
  // CPU time as well as wall time: on a shared machine it is the steadier of the two.
  const cpuStart = process.cpuUsage();
  if (mode === "component") {
    for (let i = 0; i < servers; i++) new EntraPostgres(`fleet${i}`, fleetServer(i));
  } else {
    // Hand-declared: the same types, names, inputs and dependencies, with no component around them.
    const made = new Map<string, pulumi.Resource>();
    for (const r of loaded) {
      if (r.type === "pulumi:providers:postgresql") {
        made.set(r.urn, new postgresql.Provider(r.name, r.inputs as never, { dependsOn: deps(r, made) }));
        continue;
      }
      const ctor = CLASSES[r.type];
      if (!ctor) continue; // components
      const provider = r.provider ? (made.get(r.provider.split("::").slice(0, -1).join("::")) as pulumi.ProviderResource) : undefined;
      made.set(r.urn, new ctor(r.name, r.inputs as never, { dependsOn: deps(r, made), provider }));
    }
  }
  await settle();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const cpu = process.cpuUsage(cpuStart);
  if (mode === "component" && dump) fs.writeFileSync(dump, JSON.stringify(cloud.resources));
  const custom = cloud.resources.filter((r) => r.custom).length;
  process.stdout.write(
    `${JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, resources: custom, maxRssMb: process.resourceUsage().maxRSS / 1024, heapMb: process.memoryUsage().heapUsed / 2 ** 20 })}\n`,
  );
  process.exit(0);
}

function deps(r: Dumped, made: Map<string, pulumi.Resource>): pulumi.Resource[] {
  return r.dependencies.map((d) => made.get(d)).filter((x): x is pulumi.Resource => x !== undefined);
}

if (require.main === module) void main();

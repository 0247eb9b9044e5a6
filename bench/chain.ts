/**
 * The critical path of one program under the mocks, in its own process (run by bench/run.ts):
 *   tsx bench/chain.ts admins <n>          fleet.ts's server with n administrators, public network
 *   tsx bench/chain.ts network <mode>      the same with 5 administrators on a vnet or private endpoint
 *   tsx bench/chain.ts stack <name>        index.ts with Pulumi.<name>.yaml, as `npm run plan` evaluates it
 * Prints one JSON line: the longest chain of Azure operations (reads that gate the server included) and of SQL steps, and the floors Azure's
 * rules force: the server then each administrator, and every operation on the server one at a time.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { EntraPostgres } from "../components";
import { installMockCloud, settle } from "../scripts/offline/mockCloud";
import { longestChain } from "../scripts/offline/planReport";
import { fleetServer } from "./fleet";

const ROOT = path.resolve(__dirname, "..");

/** "Server > 2 x Configuration > ..." from a list of step names. */
export function steps(names: string[]): string {
  const out: string[] = [];
  for (let i = 0; i < names.length;) {
    let j = i;
    while (j < names.length && names[j] === names[i]) j++;
    out.push(j - i > 1 ? `${j - i} x ${names[i]}` : names[i]);
    i = j;
  }
  return out.join(" > ");
}

function withAdmins(n: number) {
  const args = fleetServer(0);
  args.server!.administrators = Array.from({ length: n - 1 }, (_, k) => ({
    name: `admin${k}@contoso.com`,
    type: "User" as const,
    objectId: `00000000-0000-4000-8000-${String(k).padStart(12, "0")}`,
  }));
  return args;
}

async function main(): Promise<void> {
  const [mode, arg] = process.argv.slice(2);
  let cloud;
  let scenario: string;
  if (mode === "stack") {
    const config = (parse(fs.readFileSync(path.join(ROOT, `Pulumi.${arg}.yaml`), "utf8"))?.config ?? {}) as Record<string, unknown>;
    cloud = installMockCloud({ config, stack: arg });
    await cloud.ready;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(path.join(ROOT, "index.ts"));
    scenario = `stack ${arg} (index.ts, Pulumi.${arg}.yaml)`;
  } else if (mode === "admins") {
    cloud = installMockCloud({});
    await cloud.ready;
    const args = withAdmins(Number(arg));
    args.server!.serverName = `pg-chain-${arg}`;
    new EntraPostgres(`chain${arg}`, args);
    scenario = `${arg} administrators, public network`;
  } else if (mode === "network") {
    cloud = installMockCloud({});
    await cloud.ready;
    const args = withAdmins(5);
    const subnet =
      "/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets";
    const zones = "/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/privateDnsZones";
    args.server!.network =
      arg === "vnet"
        ? { mode: "vnet", delegatedSubnetId: `${subnet}/pg`, privateDnsZoneId: `${zones}/pg-chain.postgres.database.azure.com` }
        : {
            mode: "privateEndpoint",
            subnetId: `${subnet}/endpoints`,
            privateDnsZoneId: `${zones}/privatelink.postgres.database.azure.com`,
          };
    delete args.deployerIpAddress;
    new EntraPostgres("chain", args);
    scenario = `5 administrators, ${arg} network`;
  } else throw new Error(`usage: chain.ts admins <n> | network <vnet|privateEndpoint> | stack <name>`);
  await settle();
  const azure = longestChain(cloud.resources, (r) => r.custom && r.type.startsWith("azure-native:"));
  const sql = longestChain(cloud.resources, (r) => r.type.startsWith("postgresql:index/"));
  const count = (prefix: string) => cloud.resources.filter((r) => r.custom && r.type.startsWith(prefix)).length;
  const name = (t: string) => t.split(":").pop()!;
  // Reads that gate the server (Entra lookups, the live server's create-only check) run side by side,
  // one step before it; the client configuration is local credentials, not a call to Azure.
  const reads = [...new Set(cloud.invokes.map((i) => name(i.token)).filter((t) => t !== "getClientConfig"))].sort();
  process.stdout.write(
    `${JSON.stringify({
      scenario,
      administrators: count("azure-native:dbforpostgresql:AdministratorsMicrosoftEntra"),
      azureChain: azure.length + (reads.length ? 1 : 0),
      readsBeforeServer: reads,
      // The issue's floor: the server, then each administrator one at a time.
      floorServerAndAdmins: 1 + count("azure-native:dbforpostgresql:AdministratorsMicrosoftEntra"),
      // Azure runs one operation at a time per server: everything we send to this server, in a row.
      floorAllServerOperations: count("azure-native:dbforpostgresql:"),
      azureOperations: count("azure-native:"),
      azureChainSteps: `${reads.length ? `read (${reads.join(", ")}) > ` : ""}${steps(azure.map((r) => name(r.type)))}`,
      sqlResources: count("postgresql:index/"),
      sqlChain: sql.length,
      sqlChainSteps: steps(sql.map((r) => name(r.type))),
    })}\n`,
  );
  process.exit(0);
}

if (require.main === module)
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });

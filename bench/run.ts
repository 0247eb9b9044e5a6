/**
 * `npm run bench`: writes bench/results.json and the tables in bench/README.md.
 * Every timed figure is the median of several runs, with min and max; ratios are measured side by
 * side in the same run. Nothing here is a test: these machines are noisy.
 * BENCH_RUNS=n sets the runs per figure (default 3); BENCH_QUICK=1 skips the largest sizes.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EntraPostgres } from "../components";
import { installMockCloud, settle } from "../scripts/offline/mockCloud";
import { longestChain } from "../scripts/offline/planReport";
import { fleetServer } from "./fleet";
import { describeServer } from "../tests/e2e/harness/cluster";

const ROOT = path.resolve(__dirname, "..");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const QUICK = process.env.BENCH_QUICK === "1";
/** BENCH_ONLY=database,suites re-measures only those parts and keeps the others from results.json. */
const ONLY = process.env.BENCH_ONLY?.split(",");

interface Stat {
  median: number;
  min: number;
  max: number;
}

function stat(values: number[]): Stat {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median: round(median), min: round(s[0]), max: round(s[s.length - 1]) };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function child(args: string[]): Record<string, number> {
  const r = spawnSync(TSX, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26 });
  const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
  if (r.status !== 0 || !line) throw new Error(`${args.join(" ")} failed: ${r.stderr}`);
  return JSON.parse(line);
}

function fleet() {
  const sizes = QUICK ? [1, 10] : [1, 10, 100];
  const dump = path.join(os.tmpdir(), `bench-fleet-${process.pid}.json`);
  const rows = sizes.map((servers) => {
    const component: Record<string, number>[] = [];
    const direct: Record<string, number>[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Side by side: each component run is followed by the hand-declared replay of what it registered.
      component.push(child(["bench/fleet.ts", "component", String(servers), dump]));
      direct.push(child(["bench/fleet.ts", "direct", String(servers), dump]));
      process.stderr.write(`fleet ${servers}: run ${i + 1}/${RUNS}\n`);
    }
    const resources = component[0].resources;
    const perResource = (runs: Record<string, number>[], k: string) => stat(runs.map((r) => r[k] / resources));
    return {
      servers,
      resources,
      componentMs: stat(component.map((r) => r.ms)),
      directMs: stat(direct.map((r) => r.ms)),
      ratio: stat(component.map((r, i) => r.ms / direct[i].ms)),
      componentMsPerResource: perResource(component, "ms"),
      directMsPerResource: perResource(direct, "ms"),
      componentMaxRssMb: stat(component.map((r) => r.maxRssMb)),
      directMaxRssMb: stat(direct.map((r) => r.maxRssMb)),
    };
  });
  fs.rmSync(dump, { force: true });
  return rows;
}

/** The longest chain of Azure operations and of SQL steps, against what Azure's rules force. */
async function criticalPath() {
  const rows = [];
  for (const admins of [1, 5, 20]) {
    const cloud = installMockCloud({});
    await cloud.ready;
    const args = fleetServer(0);
    args.server!.administrators = Array.from({ length: admins - 1 }, (_, k) => ({
      name: `admin${k}@contoso.com`,
      type: "User" as const,
      objectId: `00000000-0000-4000-8000-${String(k).padStart(12, "0")}`,
    }));
    args.server!.serverName = `pg-chain-${admins}`;
    new EntraPostgres(`chain${admins}`, args);
    await settle();
    const azure = longestChain(cloud.resources, (r) => r.custom && r.type.startsWith("azure-native:"));
    const sql = longestChain(cloud.resources, (r) => r.type.startsWith("postgresql:index/"));
    const serverOps = cloud.resources.filter((r) => r.type.startsWith("azure-native:dbforpostgresql:")).length;
    rows.push({
      administrators: admins,
      azureChain: azure.length,
      // The floor: the server, then each administrator one at a time.
      floorServerAndAdmins: 1 + admins,
      // What Azure's one-operation-per-server rule forces for everything we send to this server.
      floorAllServerOperations: serverOps,
      azureChainSteps: steps(azure.map((r) => r.type.split(":").pop()!)),
      sqlChain: sql.length,
      sqlChainSteps: steps(sql.map((r) => r.type.split(":").pop()!)),
    });
  }
  return rows;
}

/** "Server > 2 x Configuration > ..." from a list of step names. */
function steps(names: string[]): string {
  const out: string[] = [];
  for (let i = 0; i < names.length;) {
    let j = i;
    while (j < names.length && names[j] === names[i]) j++;
    out.push(j - i > 1 ? `${j - i} x ${names[i]}` : names[i]);
    i = j;
  }
  return out.join(" > ");
}

function database() {
  const sizes = QUICK ? [10, 100] : [10, 100, 500];
  return sizes.map((n) => {
    const runs = Array.from({ length: RUNS }, (_, i) => {
      process.stderr.write(`database ${n}: run ${i + 1}/${RUNS}\n`);
      return child(["bench/database.ts", String(n)]) as unknown as Record<string, unknown>;
    });
    const first = runs[0];
    const num = (k: string) => runs.map((r) => Number(r[k]));
    return {
      principals: n,
      databases: first.databases,
      resources: first.resources,
      resourcesByType: first.resourcesByType,
      floorStatements: first.floorStatements,
      resourcesPerFloorStatement: round(Number(first.resources) / Number(first.floorStatements)),
      componentWrites: first.componentWrites,
      writesPerFloorStatement: round(Number(first.componentWrites) / Number(first.floorStatements)),
      componentStatements: first.componentStatements,
      statementsPerFloorStatement: round(Number(first.componentStatements) / Number(first.floorStatements)),
      componentMs: stat(num("componentMs")),
      floorMs: stat(num("floorMs")),
      sameCatalogue: runs.every((r) => r.sameCatalogue === true),
    };
  });
}

function suites() {
  const time = (args: string[]) => {
    const start = Date.now();
    const r = spawnSync("npx", args, { cwd: ROOT, encoding: "utf8" });
    // A failing suite's time means little; say so rather than hide it.
    if (r.status !== 0) process.stderr.write(`bench: ${args.join(" ")} failed; its time is still recorded\n`);
    return (Date.now() - start) / 1000;
  };
  const runs = (args: string[]) => stat(Array.from({ length: RUNS }, () => time(args)));
  return {
    unitColdS: runs(["jest", "--no-cache"]),
    unitWarmS: runs(["jest"]),
    pgColdS: runs(["jest", "-c", "jest.e2e.config.js", "--no-cache"]),
    pgWarmS: runs(["jest", "-c", "jest.e2e.config.js"]),
  };
}

function machine() {
  const pg = describeServer();
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGb: round(os.totalmem() / 2 ** 30),
    node: process.version,
    postgres: pg,
    platform: `${os.platform()} ${os.release()}`,
  };
}

async function main(): Promise<void> {
  const file = path.join(__dirname, "results.json");
  const previous = ONLY && fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
  const part = async <T>(name: string, measure: () => T | Promise<T>): Promise<T> =>
    ONLY && !ONLY.includes(name) ? previous[name] : await measure();
  const results = {
    date: new Date().toISOString(),
    runsPerFigure: RUNS,
    machine: machine(),
    criticalPath: await part("criticalPath", criticalPath),
    fleet: await part("fleet", fleet),
    database: await part("database", database),
    suites: await part("suites", suites),
  };
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  writeReadme(results);
  process.stdout.write(`bench: wrote bench/results.json and bench/README.md\n`);
}

type Results =
  Awaited<ReturnType<typeof criticalPath>> extends infer C
    ? {
        date: string;
        runsPerFigure: number;
        machine: ReturnType<typeof machine>;
        criticalPath: C;
        fleet: ReturnType<typeof fleet>;
        database: ReturnType<typeof database>;
        suites: ReturnType<typeof suites>;
      }
    : never;

function marginalMemory(rows: ReturnType<typeof fleet>): string {
  const a = rows[0];
  const b = rows[rows.length - 1];
  const kb = ((b.componentMaxRssMb.median - a.componentMaxRssMb.median) * 1024) / (b.resources - a.resources);
  return `Memory grows by about ${Math.round(kb)} KiB of peak RSS per registered resource (from ${a.resources} to ${b.resources} resources).`;
}

function fmt(s: Stat, unit = ""): string {
  return `${s.median}${unit} (${s.min}-${s.max})`;
}

/** Rewrites the generated part of bench/README.md, between the markers, keeping the prose around it. */
function writeReadme(r: Results): void {
  const file = path.join(__dirname, "README.md");
  const lines = [
    `Measured ${r.date} on ${r.machine.cpus} x ${r.machine.cpuModel}, ${r.machine.memoryGb} GiB, Node ${r.machine.node}, ${r.machine.postgres}. Median of ${r.runsPerFigure} runs (min-max).`,
    "",
    "### 1. Program cost under mocks (EntraPostgres per server: 5 administrators, 10 access entries)",
    "",
    "| servers | resources | component | direct | ratio component/direct | ms per resource (component) | ms per resource (direct) | peak RSS component / direct |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...r.fleet.map(
      (f) =>
        `| ${f.servers} | ${f.resources} | ${fmt(f.componentMs, " ms")} | ${fmt(f.directMs, " ms")} | ${fmt(f.ratio)} | ${fmt(f.componentMsPerResource)} | ${fmt(f.directMsPerResource)} | ${f.componentMaxRssMb.median} / ${f.directMaxRssMb.median} MiB |`,
    ),
    "",
    marginalMemory(r.fleet),
    "",
    "### 2. Critical path",
    "",
    "| administrators | Azure chain | floor: server + admins | floor: every server operation | Azure chain | SQL chain |",
    "| --- | --- | --- | --- | --- | --- |",
    ...r.criticalPath.map(
      (c) =>
        `| ${c.administrators} | ${c.azureChain} | ${c.floorServerAndAdmins} | ${c.floorAllServerOperations} | ${c.azureChainSteps} | ${c.sqlChain}: ${c.sqlChainSteps} |`,
    ),
    "",
    "### 3. Database side on real PostgreSQL (3 databases, 2 schemas each; presets and principal types in rotation)",
    "",
    "| principals | resources | floor statements | resources / floor | writes / floor | all statements / floor | apply (component) | apply (floor) | same catalogue |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...r.database.map(
      (d) =>
        `| ${d.principals} | ${d.resources} | ${d.floorStatements} | ${d.resourcesPerFloorStatement} | ${d.writesPerFloorStatement} | ${d.statementsPerFloorStatement} | ${fmt(d.componentMs, " ms")} | ${fmt(d.floorMs, " ms")} | ${d.sameCatalogue} |`,
    ),
    "",
    "### 4. Test suites (wall time)",
    "",
    `| suite | cold (--no-cache) | warm |`,
    `| --- | --- | --- |`,
    `| unit + mocks + contract (npm run test:unit) | ${fmt(r.suites.unitColdS, " s")} | ${fmt(r.suites.unitWarmS, " s")} |`,
    `| real PostgreSQL (npm run test:pg) | ${fmt(r.suites.pgColdS, " s")} | ${fmt(r.suites.pgWarmS, " s")} |`,
  ];
  const begin = "<!-- results:begin -->";
  const end = "<!-- results:end -->";
  const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : `${begin}\n${end}\n`;
  const [head, rest] = current.split(begin);
  const tail = rest?.split(end)[1] ?? "\n";
  fs.writeFileSync(file, `${head}${begin}\n${lines.join("\n")}\n${end}${tail}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

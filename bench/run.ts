/**
 * `npm run bench`: writes bench/results.json and the tables in bench/README.md.
 * Every timed figure is the median of several runs, with min and max; ratios are measured side by
 * side in the same run. Nothing here is a test: these machines are noisy.
 * BENCH_RUNS=n sets the runs per figure (default 3); BENCH_QUICK=1 skips the largest sizes;
 * BENCH_MAJORS=15,17 the PostgreSQL majors of the database side (default both). Every run records the
 * load average it started under: on a shared machine a figure is only as good as its load.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const QUICK = process.env.BENCH_QUICK === "1";
/** BENCH_ONLY=database,suites re-measures only those parts and keeps the others from results.json. */
const ONLY = process.env.BENCH_ONLY?.split(",");
const MAJORS = (process.env.BENCH_MAJORS ?? "15,17").split(",").map((m) => m.trim());
/** Test suites take minutes a run: one each by default, so a full bench stays under 20 minutes on 2 cores. */
const SUITE_RUNS = Number(process.env.BENCH_SUITE_RUNS ?? 1);
/**
 * Runs of the fleet's small sizes: a 1- or 10-server program takes a second or a few, and its ratio swings
 * by ±20% from run to run even on an idle machine (measured 2026-12-01), against a goal 10% above 1.
 * More runs there cost little and steady the median; 100 servers keep RUNS (a minute a run).
 */
const SMALL_FLEET_RUNS = Number(process.env.BENCH_SMALL_FLEET_RUNS ?? 2 * RUNS + 1);

/** The 1-, 5- and 15-minute load averages now. */
function load(): number[] {
  return fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);
}

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

function child(args: string[], env: Record<string, string> = {}): Record<string, number> {
  const r = spawnSync(TSX, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26, env: { ...process.env, ...env } });
  if (r.error) throw new Error(`${args.join(" ")} could not run: ${r.error.message}`);
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
    const loads: number[] = [];
    const n = servers <= 10 ? SMALL_FLEET_RUNS : RUNS;
    for (let i = 0; i < n; i++) {
      loads.push(load()[0]);
      // Side by side: each component run is followed by the hand-declared replay of what it registered.
      component.push(child(["bench/fleet.ts", "component", String(servers), dump]));
      direct.push(child(["bench/fleet.ts", "direct", String(servers), dump]));
      process.stderr.write(`fleet ${servers}: run ${i + 1}/${n}\n`);
    }
    const resources = component[0].resources;
    const perResource = (runs: Record<string, number>[], k: string) => stat(runs.map((r) => r[k] / resources));
    return {
      servers,
      runs: n,
      resources,
      componentMs: stat(component.map((r) => r.ms)),
      directMs: stat(direct.map((r) => r.ms)),
      ratio: stat(component.map((r, i) => r.ms / direct[i].ms)),
      // CPU time of the same runs: steadier than wall time when other work shares the cores.
      cpuRatio: stat(component.map((r, i) => r.cpuMs / direct[i].cpuMs)),
      componentMsPerResource: perResource(component, "ms"),
      directMsPerResource: perResource(direct, "ms"),
      componentMaxRssMb: stat(component.map((r) => r.maxRssMb)),
      directMaxRssMb: stat(direct.map((r) => r.maxRssMb)),
      load1: stat(loads),
    };
  });
  fs.rmSync(dump, { force: true });
  return rows;
}

/** The longest chain of Azure operations and of SQL steps, against what Azure's rules force (bench/chain.ts). */
function criticalPath() {
  const scenarios = [
    ["admins", "1"],
    ["admins", "5"],
    ["admins", "20"],
    ["network", "vnet"],
    ["network", "privateEndpoint"],
    ["stack", "dev"],
    ["stack", "prod"],
  ];
  return scenarios.map((a) => child(["bench/chain.ts", ...a]) as unknown as ChainRow);
}

interface ChainRow {
  scenario: string;
  administrators: number;
  azureChain: number;
  readsBeforeServer: string[];
  floorServerAndAdmins: number;
  floorAllServerOperations: number;
  azureOperations: number;
  azureChainSteps: string;
  sqlResources: number;
  sqlChain: number;
  sqlChainSteps: string;
}

function database() {
  const sizes = QUICK ? [10, 100] : [10, 100, 500];
  return MAJORS.flatMap((major) =>
    sizes.map((n) => {
      const loads: number[] = [];
      const runs = Array.from({ length: RUNS }, (_, i) => {
        process.stderr.write(`database PG ${major}, ${n} principals: run ${i + 1}/${RUNS}\n`);
        loads.push(load()[0]);
        return child(["bench/database.ts", String(n)], { PG_MAJOR: major }) as unknown as Record<string, unknown>;
      });
      const first = runs[0];
      const num = (k: string) => runs.map((r) => Number(r[k]));
      const floorStatements = Number(first.floorStatements);
      return {
        pgMajor: Number(major),
        server: String(first.server),
        principals: n,
        databases: first.databases,
        translatorParallel: first.parallel,
        resources: first.resources,
        resourcesByType: first.resourcesByType,
        statementsByType: first.statementsByType,
        sqlChain: first.sqlChain,
        floorStatements,
        resourcesPerFloorStatement: round(Number(first.resources) / floorStatements),
        componentWrites: first.componentWrites,
        writesPerFloorStatement: round(Number(first.componentWrites) / floorStatements),
        componentStatements: first.componentStatements,
        statementsPerFloorStatement: round(Number(first.componentStatements) / floorStatements),
        componentMs: stat(num("componentMs")),
        floorMs: stat(num("floorMs")),
        // Each run's component time over the floor's, both measured in that run on the same major.
        applyRatio: stat(runs.map((r) => Number(r.componentMs) / Number(r.floorMs))),
        sameCatalogue: runs.every((r) => r.sameCatalogue === true),
        // The tighter floor: memberships and the manager's ADMIN OPTION inside CREATE ROLE (bench/database.ts).
        tightFloorStatements: Number(first.tightFloorStatements),
        resourcesPerTightFloorStatement: round(Number(first.resources) / Number(first.tightFloorStatements)),
        writesPerTightFloorStatement: round(Number(first.componentWrites) / Number(first.tightFloorStatements)),
        tightFloorMs: stat(num("tightFloorMs")),
        tightApplyRatio: stat(runs.map((r) => Number(r.componentMs) / Number(r.tightFloorMs))),
        tightSameCatalogue: runs.every((r) => r.tightSameCatalogue === true),
        differences: runs.flatMap((r) => r.differences as string[]).slice(0, 10),
        load1: stat(loads),
      };
    }),
  );
}

function suites() {
  const time = (args: string[]) => {
    const start = Date.now();
    const r = spawnSync(args[0] === "npm" ? "npm" : "npx", args[0] === "npm" ? args.slice(1) : args, { cwd: ROOT, encoding: "utf8" });
    // A failing suite's time means little; say so rather than hide it.
    if (r.status !== 0) {
      const tail = `${r.stdout ?? ""}${r.stderr ?? ""}`.split("\n").slice(-30).join("\n");
      process.stderr.write(`bench: ${args.join(" ")} failed; its time is still recorded. Its last lines:\n${tail}\n`);
    }
    return (Date.now() - start) / 1000;
  };
  const loads: number[] = [];
  const runs = (args: string[], n = SUITE_RUNS) =>
    stat(
      Array.from({ length: n }, () => {
        loads.push(load()[0]);
        return time(args);
      }),
    );
  return {
    runs: SUITE_RUNS,
    unitColdS: runs(["jest", "--no-cache"], 1),
    unitWarmS: runs(["jest"]),
    // npm run test:pg:run: the real-PostgreSQL suite on 15, then on 17.
    pgWarmS: runs(["npm", "run", "test:pg:run"]),
    load1: stat(loads),
  };
}

function machine() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGb: round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAtStart: load(),
  };
}

async function main(): Promise<void> {
  const file = path.join(__dirname, "results.json");
  const previous = ONLY && fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
  const seconds: Record<string, number> = { ...(previous.partSeconds ?? {}) };
  const part = async <T>(name: string, measure: () => T | Promise<T>): Promise<T> => {
    if (ONLY && !ONLY.includes(name)) return previous[name];
    const t = Date.now();
    const out = await measure();
    seconds[name] = round((Date.now() - t) / 1000);
    return out;
  };
  const started = Date.now();
  const date = new Date().toISOString();
  const host = machine();
  const parts = {
    criticalPath: await part("criticalPath", criticalPath),
    fleet: await part("fleet", fleet),
    database: await part("database", database),
    suites: await part("suites", suites),
  };
  const results = {
    date,
    // Wall time of this invocation (with BENCH_ONLY, of the parts it measured).
    benchSeconds: round((Date.now() - started) / 1000),
    only: ONLY ?? null,
    // Wall time of each part when it was last measured: their sum is what a full `npm run bench` takes.
    partSeconds: seconds,
    runsPerFigure: RUNS,
    machine: { ...host, loadAtEnd: load() },
    // Each part keeps the date it was measured (BENCH_ONLY carries the others over).
    measured: Object.fromEntries(
      Object.keys(parts).map((k) => [k, ONLY && !ONLY.includes(k) ? (previous.measured?.[k] ?? previous.date) : date]),
    ),
    ...parts,
  };
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  writeReadme(results);
  process.stdout.write(`bench: wrote bench/results.json and bench/README.md\n`);
}

interface Results {
  date: string;
  benchSeconds: number;
  only: string[] | null;
  partSeconds: Record<string, number>;
  runsPerFigure: number;
  machine: ReturnType<typeof machine> & { loadAtEnd: number[] };
  measured: Record<string, string>;
  criticalPath: ChainRow[];
  fleet: ReturnType<typeof fleet>;
  database: ReturnType<typeof database>;
  suites: ReturnType<typeof suites>;
}

function marginalMemory(rows: ReturnType<typeof fleet>): string {
  const a = rows[0];
  const b = rows[rows.length - 1];
  const kb = ((b.componentMaxRssMb.median - a.componentMaxRssMb.median) * 1024) / (b.resources - a.resources);
  return `Memory grows by about ${Math.round(kb)} KiB of peak RSS per registered resource (from ${a.resources} to ${b.resources} resources).`;
}

/** A figure from an older results.json may lack a field: shown as "-". */
function fmt(s: Stat | undefined, unit = ""): string {
  return s ? `${s.median}${unit} (${s.min}-${s.max})` : "-";
}

const meets = (value: number, goal: number) => (value <= goal ? "yes" : "no");

/** Rewrites the generated part of bench/README.md, between the markers, keeping the prose around it. */
function writeReadme(r: Results): void {
  const file = path.join(__dirname, "README.md");
  const when = (part: string) => (r.measured[part] && r.measured[part] !== r.date ? ` (measured ${r.measured[part]})` : "");
  const majors = [...new Set(r.database.map((d) => d.pgMajor))];
  const big = r.database.filter((d) => d.pgMajor === majors[majors.length - 1]).at(-1);
  const perType = Object.entries((big?.statementsByType ?? {}) as Record<string, { resources: number; total: number; writes: number }>);
  const lines = [
    `Measured ${r.date} on ${r.machine.cpus} x ${r.machine.cpuModel}, ${r.machine.memoryGb} GiB, Node ${r.machine.node}; load average ${r.machine.loadAtStart.join(" ")} at the start, ${r.machine.loadAtEnd.join(" ")} at the end. Median of ${r.runsPerFigure} runs (min-max) unless a table says otherwise; "load" is the 1-minute load average each run started under. This run took ${r.benchSeconds} s${r.only ? ` (only ${r.only.join(", ")})` : ""}; the parts, as last measured: ${Object.entries(
      r.partSeconds,
    )
      .map(([k, v]) => `${k} ${v} s`)
      .join(", ")}.`,
    "",
    `### 1. Program cost under mocks (EntraPostgres per server: 5 administrators, 10 access entries; tenant and deployer object id in config)${when("fleet")}`,
    "",
    "| servers | runs | resources | component | direct | ratio component/direct | goal ≤ 1.1 | CPU-time ratio | ms per resource (component) | ms per resource (direct) | peak RSS component / direct | load |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...r.fleet.map(
      (f) =>
        `| ${f.servers} | ${f.runs ?? r.runsPerFigure} | ${f.resources} | ${fmt(f.componentMs, " ms")} | ${fmt(f.directMs, " ms")} | ${fmt(f.ratio)} | ${meets(f.ratio.median, 1.1)} | ${fmt(f.cpuRatio)} | ${fmt(f.componentMsPerResource)} | ${fmt(f.directMsPerResource)} | ${f.componentMaxRssMb.median} / ${f.directMaxRssMb.median} MiB | ${f.load1 ? fmt(f.load1) : "-"} |`,
    ),
    "",
    marginalMemory(r.fleet),
    "",
    `### 2. Critical path${when("criticalPath")}`,
    "",
    "| scenario | Azure chain | floor: server + admins | floor: every server operation | Azure chain steps | SQL resources | SQL chain | SQL chain steps |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...r.criticalPath.map(
      (c) =>
        `| ${c.scenario} | ${c.azureChain} | ${c.floorServerAndAdmins} | ${c.floorAllServerOperations} | ${c.azureChainSteps} | ${c.sqlResources} | ${c.sqlChain} | ${c.sqlChainSteps} |`,
    ),
    "",
    `### 3. Database side on real PostgreSQL (3 databases, 2 schemas each; presets and principal types in rotation; translator parallelism ${r.database[0]?.translatorParallel ?? "-"})${when("database")}`,
    "",
    ...majors.map((m) => `- PostgreSQL ${m}: ${r.database.find((d) => d.pgMajor === m)?.server}`),
    "",
    "| PG | principals | resources | floor statements | resources / floor (goal ≤ 1.2) | writes / floor (goal ≤ 1.2) | all statements / floor | serial SQL chain | apply (component) | apply (floor) | apply ratio (goal ≤ 1.5) | same catalogue | load |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...r.database.map(
      (d) =>
        `| ${d.pgMajor} | ${d.principals} | ${d.resources} | ${d.floorStatements} | ${d.resourcesPerFloorStatement} (${meets(d.resourcesPerFloorStatement, 1.2)}) | ${d.writesPerFloorStatement} (${meets(d.writesPerFloorStatement, 1.2)}) | ${d.statementsPerFloorStatement} | ${d.sqlChain} | ${fmt(d.componentMs, " ms")} | ${fmt(d.floorMs, " ms")} | ${fmt(d.applyRatio)} (${meets(d.applyRatio.median, 1.5)}) | ${d.sameCatalogue} | ${fmt(d.load1)} |`,
    ),
    "",
    "The tighter floor (each principal's membership and the manager role's ADMIN OPTION inside its `CREATE ROLE ... IN ROLE ... ADMIN`):",
    "",
    "| PG | principals | tight floor statements | resources / tight floor | writes / tight floor | apply (tight floor) | apply ratio | same catalogue |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...r.database.map(
      (d) =>
        `| ${d.pgMajor} | ${d.principals} | ${d.tightFloorStatements} | ${d.resourcesPerTightFloorStatement} | ${d.writesPerTightFloorStatement} | ${fmt(d.tightFloorMs, " ms")} | ${fmt(d.tightApplyRatio)} | ${d.tightSameCatalogue} |`,
    ),
    "",
    `Statements per provider resource (PostgreSQL ${big?.pgMajor}, ${big?.principals} principals):`,
    "",
    "| resource type | resources | writes | writes per resource | all statements per resource |",
    "| --- | --- | --- | --- | --- |",
    ...perType.map(
      ([t, c]) => `| ${t} | ${c.resources} | ${c.writes} | ${round(c.writes / c.resources)} | ${round(c.total / c.resources)} |`,
    ),
    "",
    `### 4. Test suites (wall time; ${r.suites.runs ?? r.runsPerFigure} run${(r.suites.runs ?? r.runsPerFigure) === 1 ? "" : "s"} each, the cold unit run once)${when("suites")}`,
    "",
    `| suite | cold (--no-cache) | warm | load |`,
    `| --- | --- | --- | --- |`,
    `| unit + mocks + contract (npm run test:unit) | ${fmt(r.suites.unitColdS, " s")} | ${fmt(r.suites.unitWarmS, " s")} | ${fmt(r.suites.load1)} |`,
    `| real PostgreSQL 15 then 17 (npm run test:pg:run) | - | ${fmt(r.suites.pgWarmS, " s")} | |`,
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

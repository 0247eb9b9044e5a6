/**
 * Throwaway PostgreSQL clusters with the pgaadauth stand-in (tests/e2e/standin), so jest tests
 * can check Entra role mapping, grants and token logins on a real server.
 *
 * The major is PG_MAJOR: 17 (the default, Azure's default major) or 15 (Debian 12's).
 *  - 15 runs the host's /usr/lib/postgresql/15/bin.
 *  - 17 runs /usr/lib/postgresql/17/bin of a Debian 13 root (scripts/install-pg.sh makes it, in
 *    ${XDG_CACHE_HOME:-$HOME/.cache}/entra-postgres/pg17-root or $PG17_ROOT) via chroot. The
 *    server then sees the root's files only: its temp dirs are under <root>/tmp, its PAM config in
 *    <root>/etc/pam.d, and the token checker runs the root's psql and openssl. The tests still
 *    connect from the host, over 127.0.0.1 and over the socket at the host path <root>/tmp/....
 *    chroot needs root.
 * The stand-in module is built per major (tests/e2e/standin/build/pg<major>/), 17's with the
 * root's compiler and headers.
 *
 * Each cluster lives in its own temp dir: data directory, Unix socket, TLS certificate, token
 * key, a copy of the stand-in module and of the token checker (copies, so the server's OS user
 * needs no access to the repository). TCP logins go through PAM:
 *   pg_hba: hostssl all all 127.0.0.1/32 pam pamservice=<per-cluster name>
 *   /etc/pam.d/<name>: pam_exec runs token-checker.sh with the role name and the token.
 * Why PAM and not a ClientAuthentication_hook in the stand-in: the hook only runs after the
 * pg_hba method has already decided, so it would need `trust` plus a C copy of the password
 * exchange that auth.c keeps static, and any bug there lets every login in. With PAM the server
 * does the password exchange itself and refuses the login unless the checker says yes. The
 * price is root: /etc/pam.d is root-owned (CI runs as root).
 *
 * The server runs as the `postgres` OS user when we are root (PostgreSQL refuses to run as
 * root), as the current user otherwise.
 */
import { execFileSync } from "child_process";
import { randomBytes, randomUUID } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as vm from "vm";
import { Client, ClientConfig } from "pg";
import { makeToken } from "./tokens";

export type PrincipalType = "user" | "group" | "service";
/** `principalType` values of ARM's flexibleServers/administrators (managed identities are ServicePrincipal). */
export type ArmPrincipalType = "User" | "Group" | "ServicePrincipal";

/** One principal of the test directory (what Azure would look up in Microsoft Graph). */
export interface DirectoryEntry {
  oid: string;
  /** UPN for users, display name for groups and service principals. */
  name: string;
  type: PrincipalType;
  /** Object ids of the groups this principal is a direct member of. */
  memberOf?: string[];
}

export interface TokenOptions {
  oid: string;
  groups?: string[];
  /** Defaults to 3600; negative gives an expired token. */
  ttlSeconds?: number;
  /** Defaults to the cluster's tenant. */
  tid?: string;
}

export interface PgCluster {
  readonly host: string;
  readonly port: number;
  /** Directory of the Unix socket (the `host` for superuser connections). */
  readonly socketDir: string;
  /** The tenant the cluster trusts (pgaadauth.tenant_id); tokens default to it. */
  readonly tenantId: string;
  /** Connected as the bootstrap superuser azuresu over the Unix socket; one cached client per database. */
  superuser(db?: string): Promise<Client>;
  /** Logs in over TCP+TLS as `role` with `token` as password; throws the server's error if refused. */
  connectAs(role: string, token: string, db?: string): Promise<Client>;
  /** What Azure does when ARM adds a Microsoft Entra administrator. */
  declareAdministrator(name: string, oid: string, type: ArmPrincipalType): Promise<void>;
  /** What Azure does when ARM deletes the administrator: drops its role. */
  removeAdministrator(name: string): Promise<void>;
  /** Replaces the test directory read by pgaadauth_create_principal and group sync. */
  setDirectory(entries: DirectoryEntry[]): Promise<void>;
  /** Sets the server parameter pgaadauth.enable_group_sync (ALTER SYSTEM + reload). */
  setGroupSync(on: boolean): Promise<void>;
  /** Sets a server parameter as Azure applies a configurations/<name> resource, e.g. azure.extensions (ALTER SYSTEM + reload). */
  setServerParameter(name: string, value: string): Promise<void>;
  /** A token signed with this cluster's key. */
  token(opts: TokenOptions): string;
  /** Why the token checker refused logins (one line per refusal), for failing tests' messages. */
  checkerLog(): string;
  /** Closes clients, stops the server, removes the temp dir and the pam.d file. */
  stop(): Promise<void>;
}

const STANDIN_SRC = path.resolve(__dirname, "../standin");
const PAM_DIR = "/etc/pam.d";
const PREFIX = "pgstandin-";
const isRoot = process.getuid?.() === 0;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAJORS = [15, 17] as const;
type Major = (typeof MAJORS)[number];

/** `label` names the command in errors (the program, not the chroot or runuser around it). */
function run(cmd: string, args: string[], label = cmd): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${label} failed: ${err.stderr || err.stdout || err.message}`);
  }
}

/**
 * Where one major's server runs: the host (root "") or a chroot. Paths the server sees
 * ("server paths") are host paths with `root` stripped.
 */
interface Runtime {
  readonly major: Major;
  /** Host path of the root the server runs in; "" for the host itself. */
  readonly root: string;
  /** Server path of initdb, pg_ctl, psql and pg_config. */
  readonly bin: string;
  /** Host path of the pam.d the server's PAM reads. */
  readonly pamDir: string;
  /** `user:group` (names on the host, numeric ids in a chroot) of the server's OS user. */
  readonly owner: string;
  /** Runs `cmd` (a server path) where the server runs, as the server's OS user if asked. */
  run(cmd: string, args: string[], asServerUser?: boolean): string;
}

function serverPath(rt: Runtime, hostPath: string): string {
  if (!rt.root) return hostPath;
  if (!hostPath.startsWith(rt.root + "/")) throw new Error(`${hostPath} is outside the PostgreSQL ${rt.major} root ${rt.root}`);
  return hostPath.slice(rt.root.length);
}

function hostPath(rt: Runtime, serverPath: string): string {
  return rt.root + serverPath;
}

/** Where scripts/install-pg.sh puts the PostgreSQL 17 root. */
function pg17Root(): string {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.resolve(process.env.PG17_ROOT || path.join(cache, "entra-postgres", "pg17-root"));
}

const runtimes = new Map<Major, Runtime>();

function runtimeFor(major: Major): Runtime {
  let rt = runtimes.get(major);
  if (rt) return rt;
  if (major === 15) {
    const debian = "/usr/lib/postgresql/15/bin";
    const bin = fs.existsSync(path.join(debian, "initdb")) ? debian : run("pg_config", ["--bindir"]).trim();
    rt = {
      major,
      root: "",
      bin,
      pamDir: PAM_DIR,
      owner: "postgres:postgres",
      run: (cmd, args, asServerUser = false) =>
        asServerUser && isRoot ? run("runuser", ["-u", "postgres", "--", cmd, ...args], cmd) : run(cmd, args),
    };
  } else {
    const root = pg17Root();
    const bin = "/usr/lib/postgresql/17/bin";
    if (!fs.existsSync(path.join(root, bin, "initdb"))) {
      throw new Error(`PG_MAJOR=17: no PostgreSQL 17 root at ${root}; run scripts/install-pg.sh (as root), or set PG_MAJOR=15`);
    }
    if (!isRoot) throw new Error("PG_MAJOR=17 runs PostgreSQL in a chroot, which needs root; or set PG_MAJOR=15");
    // The root's own postgres user (its ids need not match the host's).
    const entry = fs
      .readFileSync(path.join(root, "etc/passwd"), "utf8")
      .split("\n")
      .map((l) => l.split(":"))
      .find((f) => f[0] === "postgres");
    if (!entry) throw new Error(`${root}/etc/passwd has no postgres user`);
    const owner = `${entry[2]}:${entry[3]}`;
    rt = {
      major,
      root,
      bin,
      pamDir: path.join(root, PAM_DIR),
      owner,
      run: (cmd, args, asServerUser = false) => run("chroot", [...(asServerUser ? [`--userspec=${owner}`] : []), root, cmd, ...args], cmd),
    };
  }
  runtimes.set(major, rt);
  return rt;
}

/** The major under test: PG_MAJOR, default 17. */
function selectedRuntime(): Runtime {
  const want = process.env.PG_MAJOR?.trim() || "17";
  const major = MAJORS.find((m) => String(m) === want);
  if (major === undefined) throw new Error(`PG_MAJOR=${want}: the harness runs PostgreSQL ${MAJORS.join(" or ")}`);
  const rt = runtimeFor(major);
  announce(rt);
  return rt;
}

function describeRuntime(rt: Runtime): string {
  const version = rt.run(path.join(rt.bin, "postgres"), ["--version"]).trim();
  return `PG_MAJOR=${rt.major}: ${version} (${rt.root ? `chroot ${rt.root}, ${rt.bin}` : rt.bin})`;
}

/** The server startCluster() runs, e.g. for benchmark reports: `PG_MAJOR=17: postgres (PostgreSQL) 17.12 (...)`. */
export function describeServer(): string {
  return describeRuntime(selectedRuntime());
}

/** Once per process (jest runs the e2e files in one), so CI logs say which server ran. */
function announce(rt: Runtime): void {
  const flag = "__pgStandinAnnounced";
  const g = realProcess as unknown as Record<string, unknown>;
  if (g[flag]) return;
  g[flag] = true;
  realProcess.stderr.write(`e2e harness: ${describeRuntime(rt)}\n`);
}

/** Build inputs of the stand-in module. */
function standinSources(): string[] {
  return fs.readdirSync(STANDIN_SRC).filter((f) => f === "Makefile" || /\.[ch]$/.test(f));
}

/**
 * The stand-in module for `rt`'s major, in tests/e2e/standin/build/pg<major>/: `make` (in a copy
 * of the sources, with that major's pg_config, inside its root) only when the .so is missing or
 * older than a source.
 */
function buildStandin(rt: Runtime): string {
  const out = path.join(STANDIN_SRC, "build", `pg${rt.major}`);
  const so = path.join(out, "pgaadauth_standin.so");
  const sources = standinSources();
  const newest = Math.max(...sources.map((f) => fs.statSync(path.join(STANDIN_SRC, f)).mtimeMs));
  if (fs.existsSync(so) && fs.statSync(so).mtimeMs >= newest) return so;
  const work = fs.mkdtempSync(path.join(rt.root ? path.join(rt.root, "tmp") : os.tmpdir(), `${PREFIX}build-`));
  try {
    for (const f of sources) fs.copyFileSync(path.join(STANDIN_SRC, f), path.join(work, f));
    rt.run("make", ["-s", "-C", serverPath(rt, work), `PG_CONFIG=${path.join(rt.bin, "pg_config")}`]);
    fs.mkdirSync(out, { recursive: true });
    // Rename into place so a concurrent run never loads a half-written module.
    const tmp = `${so}.${process.pid}.tmp`;
    fs.copyFileSync(path.join(work, "pgaadauth_standin.so"), tmp);
    fs.renameSync(tmp, so);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return so;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function pidAlive(pid: number): boolean {
  try {
    realProcess.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

// ---- teardown that survives failing tests, Ctrl-C and kill ----

const running = new Set<Cluster>();
// jest gives each test file a copy of `process` whose events never fire; the handlers must go
// on the real one, which code compiled in Node's main context still sees.
const realProcess = vm.runInThisContext("process") as NodeJS.Process;

function stopAllNow(): void {
  for (const c of [...running]) c.stopNow("immediate");
}

function onSignal(signal: NodeJS.Signals): void {
  stopAllNow();
  // Then die of the signal as we would have without this handler.
  realProcess.removeListener(signal, onSignal);
  realProcess.kill(realProcess.pid, signal);
}

function track(c: Cluster): void {
  if (running.size === 0) {
    realProcess.on("exit", stopAllNow);
    realProcess.on("SIGINT", onSignal);
    realProcess.on("SIGTERM", onSignal);
    realProcess.on("SIGHUP", onSignal);
  }
  running.add(c);
}

function untrack(c: Cluster): void {
  running.delete(c);
  if (running.size === 0) {
    realProcess.removeListener("exit", stopAllNow);
    realProcess.removeListener("SIGINT", onSignal);
    realProcess.removeListener("SIGTERM", onSignal);
    realProcess.removeListener("SIGHUP", onSignal);
  }
}

/**
 * Clusters left by a process that was SIGKILLed, of either major: pam.d names carry the creating
 * pid (the host's pam.d for 15, the root's for 17).
 */
function reapStale(): void {
  const candidates: [Major, string][] = [
    [15, PAM_DIR],
    [17, path.join(pg17Root(), PAM_DIR)],
  ];
  for (const [major, pamDir] of candidates) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(pamDir).filter((n) => n.startsWith(PREFIX));
    } catch {
      continue;
    }
    for (const name of names) {
      const pid = Number(name.slice(PREFIX.length).split("-")[0]);
      if (!Number.isInteger(pid) || pidAlive(pid)) continue;
      const pamFile = path.join(pamDir, name);
      const checker = / (\/\S+)\/token-checker\.sh /.exec(fs.readFileSync(pamFile, "utf8"));
      if (checker && path.basename(checker[1]).startsWith(PREFIX)) {
        const rt = runtimeFor(major);
        stopAndRemove(hostPath(rt, checker[1]), rt, "immediate");
      }
      fs.rmSync(pamFile, { force: true });
    }
  }
}

/** `dir` is a host path. */
function stopAndRemove(dir: string, rt: Runtime, mode: "fast" | "immediate"): void {
  const data = path.join(dir, "data");
  if (fs.existsSync(path.join(data, "postmaster.pid"))) {
    try {
      rt.run(path.join(rt.bin, "pg_ctl"), ["-D", serverPath(rt, data), "-m", mode, "-w", "-t", "30", "stop"], true);
    } catch {
      const pid = Number(fs.readFileSync(path.join(data, "postmaster.pid"), "utf8").split("\n")[0]);
      if (pid > 0 && pidAlive(pid)) realProcess.kill(pid, "SIGKILL");
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

// ---- the cluster ----

class Cluster implements PgCluster {
  readonly host = "127.0.0.1";
  port = 0;
  readonly tenantId = randomUUID();
  private readonly key = randomBytes(32);
  private readonly clients = new Set<Client>();
  private readonly superusers = new Map<string, Promise<Client>>();
  // Linux-PAM lower-cases service names, so no mkdtemp suffix here. The pid lets reapStale()
  // tell live clusters from those of killed processes.
  private readonly pamService = `${PREFIX}${process.pid}-${randomBytes(6).toString("hex")}`;
  private stopped = false;

  /** `socketDir` is the host path of the cluster's temp dir (inside the root for 17). */
  constructor(
    readonly socketDir: string,
    private readonly rt: Runtime,
  ) {}

  private get dataDir(): string {
    return path.join(this.socketDir, "data");
  }

  private get pamFile(): string {
    return path.join(this.rt.pamDir, this.pamService);
  }

  /** What the server calls `hostFile` (the same path unless it runs in a chroot). */
  private srv(hostFile: string): string {
    return serverPath(this.rt, hostFile);
  }

  /** Files the server's OS user must read or write. */
  private own(file: string): void {
    if (isRoot) run("chown", ["-R", this.rt.owner, file]);
  }

  async init(so: string, groupSync: boolean, azureAdminExtension = false): Promise<void> {
    const dir = this.socketDir;
    // Paths written into the server's config, as the server sees them.
    const sdir = this.srv(dir);
    fs.copyFileSync(so, path.join(dir, "pgaadauth_standin.so"));
    fs.copyFileSync(path.join(STANDIN_SRC, "token-checker.sh"), path.join(dir, "token-checker.sh"));
    fs.chmodSync(path.join(dir, "token-checker.sh"), 0o755);
    fs.writeFileSync(path.join(dir, "token.key"), this.key.toString("hex"), { mode: 0o600 });
    // Throwaway certificate: Azure requires TLS, so the logins under test use it too.
    const openssl = "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1";
    run("openssl", [...openssl.split(" "), "-keyout", path.join(dir, "server.key"), "-out", path.join(dir, "server.crt")]);
    fs.chmodSync(path.join(dir, "server.key"), 0o600);
    this.own(dir);

    this.rt.run(
      path.join(this.rt.bin, "initdb"),
      ["-D", this.srv(this.dataDir), "-U", "azuresu", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"],
      true,
    );

    fs.writeFileSync(
      path.join(this.dataDir, "pg_hba.conf"),
      [
        "# Unix socket: only the harness's superuser (setup, and the token checker's label lookups).",
        "local all azuresu trust",
        "# TCP: TLS only, like Azure's require_secure_transport default; every role by test token.",
        `hostssl all all 127.0.0.1/32 pam pamservice=${this.pamService}`,
        "",
      ].join("\n"),
    );
    fs.appendFileSync(
      path.join(this.dataDir, "postgresql.conf"),
      [
        "",
        "# tests/e2e/harness/cluster.ts",
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${sdir}'`,
        `shared_preload_libraries = '${path.join(sdir, "pgaadauth_standin.so")}'`,
        "ssl = on",
        `ssl_cert_file = '${path.join(sdir, "server.crt")}'`,
        `ssl_key_file = '${path.join(sdir, "server.key")}'`,
        `pgaadauth.tenant_id = '${this.tenantId}'`,
        `pgaadauth.enable_group_sync = ${groupSync ? "on" : "off"}`,
        // Stand-in only: Azure's documented extension of azure_pg_admin (see pgaadauth_standin.c).
        `pgaadauth_standin.azure_admin_extension = ${azureAdminExtension ? "on" : "off"}`,
        // A throwaway cluster: durability only costs time.
        "fsync = off",
        "synchronous_commit = off",
        "full_page_writes = off",
        "",
      ].join("\n"),
    );
    fs.writeFileSync(
      this.pamFile,
      [
        `auth required pam_exec.so expose_authtok quiet log=${path.join(sdir, "token-checker.log")} ` +
          `${path.join(sdir, "token-checker.sh")} ${path.join(sdir, "checker.env")}`,
        "account required pam_permit.so",
        "",
      ].join("\n"),
    );

    await this.startServer();
    for (const db of ["template1", "postgres"]) {
      const client = await this.connect({ host: dir, port: this.port, user: "azuresu", database: db });
      try {
        await client.query(fs.readFileSync(path.join(STANDIN_SRC, "standin.sql"), "utf8"));
      } finally {
        // CREATE DATABASE refuses to copy a template1 that has connections.
        await client.end();
      }
    }
    // The provider creates databases from template0 (its `template` default), and on Azure the public
    // schema of every database is azure_pg_admin's (see standin.sql): make template0's so too.
    const admin = await this.connect({ host: dir, port: this.port, user: "azuresu", database: "postgres" });
    try {
      await admin.query("UPDATE pg_database SET datallowconn = true WHERE datname = 'template0'");
      const t0 = await this.connect({ host: dir, port: this.port, user: "azuresu", database: "template0" });
      try {
        await t0.query("ALTER SCHEMA public OWNER TO azure_pg_admin");
      } finally {
        await t0.end();
      }
    } finally {
      await admin.query("UPDATE pg_database SET datallowconn = false WHERE datname = 'template0'");
      await admin.end();
    }
  }

  /** Picks a free port; retries if another process takes it before the server binds it. */
  private async startServer(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.port = await freePort();
      // Read by the token checker, which runs where the server runs.
      const env = {
        STANDIN_PGBIN: this.rt.bin,
        STANDIN_SOCKET_DIR: this.srv(this.socketDir),
        STANDIN_PORT: String(this.port),
        STANDIN_KEY_FILE: this.srv(path.join(this.socketDir, "token.key")),
      };
      const envFile = path.join(this.socketDir, "checker.env");
      fs.writeFileSync(
        envFile,
        Object.entries(env)
          .map(([k, v]) => `${k}=${shellQuote(v)}\n`)
          .join(""),
      );
      this.own(envFile);
      try {
        this.rt.run(
          path.join(this.rt.bin, "pg_ctl"),
          [
            "-D",
            this.srv(this.dataDir),
            "-l",
            this.srv(path.join(this.socketDir, "server.log")),
            "-o",
            `-p ${this.port}`,
            "-w",
            "-t",
            "60",
            "start",
          ],
          true,
        );
        return;
      } catch (e) {
        const log = fs.readFileSync(path.join(this.socketDir, "server.log"), "utf8");
        if (attempt < 3 && /could not bind|Address already in use/.test(log)) continue;
        throw new Error(`${(e as Error).message}\nserver.log:\n${log.slice(-3000)}`);
      }
    }
  }

  private async connect(config: ClientConfig): Promise<Client> {
    const client = new Client(config);
    // A server stopping under an idle client must not become an unhandled 'error' event.
    client.on("error", () => undefined);
    try {
      await client.connect();
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
    this.clients.add(client);
    client.on("end", () => this.clients.delete(client));
    return client;
  }

  superuser(db = "postgres"): Promise<Client> {
    let client = this.superusers.get(db);
    if (!client) {
      client = this.connect({ host: this.socketDir, port: this.port, user: "azuresu", database: db });
      this.superusers.set(db, client);
      client.then(
        (c) => c.on("end", () => this.superusers.delete(db)),
        () => this.superusers.delete(db),
      );
    }
    return client;
  }

  connectAs(role: string, token: string, db = "postgres"): Promise<Client> {
    return this.connect({
      host: this.host,
      port: this.port,
      user: role,
      password: token,
      database: db,
      ssl: { rejectUnauthorized: false },
    });
  }

  async declareAdministrator(name: string, oid: string, type: ArmPrincipalType): Promise<void> {
    const su = await this.superuser();
    await su.query("SELECT standin_declare_administrator($1, $2, $3)", [name, oid, type]);
  }

  async removeAdministrator(name: string): Promise<void> {
    const su = await this.superuser();
    await su.query("SELECT standin_remove_administrator($1)", [name]);
  }

  async setDirectory(entries: DirectoryEntry[]): Promise<void> {
    for (const e of entries) {
      for (const id of [e.oid, ...(e.memberOf ?? [])]) {
        if (!UUID.test(id)) throw new Error(`setDirectory: ${JSON.stringify(id)} (${e.name}) is not an object id`);
      }
      if (!["user", "group", "service"].includes(e.type)) {
        throw new Error(`setDirectory: type of ${e.name} must be user, group or service`);
      }
    }
    // Read with pg_read_file, relative to the data directory (see standin.sql).
    const file = path.join(this.dataDir, "pgaadauth_standin_directory.json");
    fs.writeFileSync(file, JSON.stringify(entries), { mode: 0o644 });
    this.own(file);
  }

  async setGroupSync(on: boolean): Promise<void> {
    await this.setServerParameter("pgaadauth.enable_group_sync", on ? "on" : "off");
  }

  /**
   * Sets a server parameter the way Azure's control plane applies a `configurations/<name>` resource:
   * ALTER SYSTEM and a reload, e.g. `azure.extensions` (the stand-in's allow-list, see pgaadauth_standin.c).
   */
  async setServerParameter(name: string, value: string): Promise<void> {
    const su = await this.superuser();
    const ident = name
      .split(".")
      .map((part) => `"${part.replace(/"/g, '""')}"`)
      .join(".");
    await su.query(`ALTER SYSTEM SET ${ident} = '${value.replace(/'/g, "''")}'`);
    await su.query("SELECT pg_reload_conf()");
    // The reload is asynchronous; once this backend sees it, the postmaster has signalled all.
    for (let i = 0; i < 250; i++) {
      const { rows } = await su.query("SELECT current_setting($1) AS v", [name]);
      if (rows[0].v === value) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`setServerParameter: the server did not pick up ${name} = ${value} within 5 s`);
  }

  token(opts: TokenOptions): string {
    return makeToken(this.key, {
      oid: opts.oid,
      tid: opts.tid ?? this.tenantId,
      exp: Math.floor(Date.now() / 1000) + (opts.ttlSeconds ?? 3600),
      ...(opts.groups ? { groups: opts.groups } : {}),
    });
  }

  checkerLog(): string {
    try {
      return fs.readFileSync(path.join(this.socketDir, "token-checker.log"), "utf8");
    } catch {
      return "";
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    await Promise.allSettled([...this.clients].map((c) => c.end()));
    this.stopNow("fast");
  }

  /** Synchronous so it can run from process 'exit' and signal handlers. */
  stopNow(mode: "fast" | "immediate"): void {
    if (this.stopped) return;
    this.stopped = true;
    untrack(this);
    try {
      stopAndRemove(this.socketDir, this.rt, mode);
    } finally {
      fs.rmSync(this.pamFile, { force: true });
    }
  }
}

/**
 * `azureAdminExtension`: emulate Microsoft's addition to azure_pg_admin (members manage any
 * nonrestricted role without ADMIN OPTION); off by default, see pgaadauth_standin.c.
 */
export async function startCluster(opts: { groupSync?: boolean; azureAdminExtension?: boolean } = {}): Promise<PgCluster> {
  if (!isRoot) {
    try {
      fs.accessSync(PAM_DIR, fs.constants.W_OK);
    } catch {
      throw new Error(
        `startCluster: token logins go through PAM, which needs a file in ${PAM_DIR}; ` +
          "run the real-PostgreSQL tests as root (CI does, e.g. in a container or with sudo)",
      );
    }
  }
  const rt = selectedRuntime();
  reapStale();
  const so = buildStandin(rt);
  // In the root for 17 (the server sees nothing else). As root, /tmp rather than $TMPDIR: the
  // postgres OS user must be able to reach the dir.
  const tmp = rt.root ? path.join(rt.root, "tmp") : isRoot ? "/tmp" : os.tmpdir();
  const dir = fs.mkdtempSync(path.join(tmp, `${PREFIX}${process.pid}-`));
  const cluster = new Cluster(dir, rt);
  track(cluster);
  try {
    await cluster.init(so, opts.groupSync ?? false, opts.azureAdminExtension ?? false);
  } catch (e) {
    cluster.stopNow("immediate");
    throw e;
  }
  return cluster;
}

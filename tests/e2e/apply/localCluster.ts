/**
 * Throwaway PostgreSQL 15 cluster for the translator's self-check (tests/e2e/apply.test.ts).
 *
 * Deliberately tiny and local: the shared cluster harness (tests/e2e/harness/) is being written in
 * parallel and will replace this. initdb runs with `-U azuresu` (the superuser name Azure uses), trust
 * auth, loopback TCP on a free port and the unix socket inside the temp dir, so nothing touches the
 * machine's own clusters. As root, initdb/pg_ctl must run as `postgres` (initdb refuses root).
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { Client } from "pg";

const run = promisify(execFile);

export interface LocalCluster {
  readonly host: string;
  readonly port: number;
  readonly superuser: string;
  /** A connected client; the caller ends it. */
  connect(user: string, database?: string): Promise<Client>;
  /** Stops the server and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

function binDir(): string {
  const candidates = [process.env.PG_BINDIR, "/usr/lib/postgresql/15/bin"].filter(Boolean) as string[];
  for (const c of candidates) if (fs.existsSync(path.join(c, "initdb"))) return c;
  throw new Error("PostgreSQL 15 binaries not found (apt-get install -y postgresql-15, or set PG_BINDIR)");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function startLocalCluster(): Promise<LocalCluster> {
  const bin = binDir();
  const asRoot = process.getuid?.() === 0;
  const exec = (prog: string, args: string[]) =>
    asRoot ? run("runuser", ["-u", "postgres", "--", path.join(bin, prog), ...args]) : run(path.join(bin, prog), args);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-apply-"));
  const data = path.join(dir, "data");
  if (asRoot) await run("chown", ["postgres:postgres", dir]);
  const superuser = "azuresu";
  let started = false;
  const stop = async () => {
    if (started) {
      started = false;
      await exec("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => undefined);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    await exec("initdb", ["-D", data, "-U", superuser, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
    const port = await freePort();
    const opts = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c full_page_writes=off`;
    started = true;
    await exec("pg_ctl", ["-D", data, "-l", path.join(dir, "server.log"), "-o", opts, "-w", "-t", "60", "start"]);
    return {
      host: "127.0.0.1",
      port,
      superuser,
      async connect(user, database = "postgres") {
        const client = new Client({ host: "127.0.0.1", port, user, database });
        await client.connect();
        return client;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

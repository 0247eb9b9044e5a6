/**
 * Logging in as an Entra principal: through the pg client (fast, for privilege checks), and by running
 * the login guide's own shell command verbatim with psql, with a fake `az` first on PATH that prints the
 * test identity's token (so `PGPASSWORD="$(az account get-access-token ...)" psql '<conninfo>'` runs as
 * written). SQL goes to psql on stdin, so the guide's command text is never touched.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Client } from "pg";
import { TOKEN_COMMAND } from "../../../components/loginGuide";
import type { PgCluster } from "../harness/cluster";

/** Runs `sql` in a transaction that is rolled back; "ok" or the server's error message. */
export async function attempt(client: Client, sql: string): Promise<string> {
  await client.query("BEGIN");
  try {
    await client.query(sql);
    return "ok";
  } catch (e) {
    return (e as Error).message;
  } finally {
    await client.query("ROLLBACK");
  }
}

/** Logs in, runs `fn`, logs out. */
export async function asRole<T>(cluster: PgCluster, role: string, token: string, db: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = await cluster.connectAs(role, token, db);
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The login's error message, or "ok". */
export async function loginError(cluster: PgCluster, role: string, token: string, db: string): Promise<string> {
  try {
    await asRole(cluster, role, token, db, async () => undefined);
    return "ok";
  } catch (e) {
    return (e as Error).message;
  }
}

export interface ShellResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A directory with a fake `az` that answers exactly the guide's token command with $FAKE_AZ_TOKEN. */
export class FakeAz {
  readonly dir: string;

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-az-"));
    const expected = TOKEN_COMMAND.replace(/^az /, "");
    fs.writeFileSync(
      path.join(this.dir, "az"),
      [
        "#!/bin/bash",
        "# Test stand-in for the Azure CLI: only the login guide's token command is answered.",
        `if [[ "$*" != ${JSON.stringify(expected)} ]]; then`,
        '  echo "fake az: unexpected arguments: $*" >&2',
        "  exit 2",
        "fi",
        'if [[ -z "${FAKE_AZ_TOKEN:-}" ]]; then echo "fake az: please run az login" >&2; exit 1; fi',
        'printf "%s\\n" "$FAKE_AZ_TOKEN"',
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
  }

  /** A clean environment: no PG* variables or psqlrc from the machine, UTF-8, fake az first. */
  env(extra: Record<string, string>): NodeJS.ProcessEnv {
    return { PATH: `${this.dir}:/usr/bin:/bin`, HOME: this.dir, PSQLRC: "/dev/null", LC_ALL: "C.UTF-8", ...extra };
  }

  /** Runs a shell command line (e.g. a guide entry's `psql`) with bash as `token`'s identity, `stdin` piped in. */
  runShell(command: string, token: string, stdin: string): Promise<ShellResult> {
    return run("bash", ["-c", command], this.env({ FAKE_AZ_TOKEN: token }), stdin);
  }

  /** `psql "<uri>"` with the token in PGPASSWORD (as the guide says for the URI). */
  runPsqlUri(uri: string, token: string, stdin: string): Promise<ShellResult> {
    return run("psql", [uri], this.env({ PGPASSWORD: token }), stdin);
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, stdin: string): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

/** SQL for psql's stdin: stop at the first error, print who we are, then `extra`. */
export function whoamiScript(extra = ""): string {
  return ["\\set ON_ERROR_STOP on", "SELECT 'whoami=' || current_user || '|db=' || current_database() AS x;", extra, ""].join("\n");
}

/** current_user and current_database() printed by whoamiScript, or undefined. */
export function whoami(out: string): { user: string; db: string } | undefined {
  const m = /whoami=(.*)\|db=(.*)$/m.exec(out);
  return m ? { user: m[1], db: m[2].trimEnd() } : undefined;
}

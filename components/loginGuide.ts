/**
 * The login guide: for every principal, exactly what to type to get in. A pure function of the access
 * plan and the server settings, so the real-PostgreSQL tests can log in by following it line by line.
 *
 * The rules it encodes (Microsoft Entra authentication for Azure Database for PostgreSQL):
 * - the password is an Entra access token for the `oss-rdbms` resource, passed in PGPASSWORD;
 * - the username is the role name: a user's UPN, or a group's, service principal's or managed
 *   identity's display name; case-sensitive;
 * - a group member logs in with the GROUP's name and their own token, unless group sync is on and
 *   Azure has made them a role of their own.
 */
import type { AccessPlan } from "./access/plan";
import { LoginRoute, LoginRouteSettings, extraRoutes } from "./features/loginRoutes";
import type { PrincipalArgs, PrincipalType } from "./principals";

/** The server facts the login guide depends on; PgBouncer and read replicas add routes (features/loginRoutes). */
export interface LoginServerSettings extends LoginRouteSettings {
  /** Host name clients connect to, e.g. the server's FQDN. */
  host: string;
  /** Default 5432. */
  port?: number;
  /** Whether `pgaadauth.enable_group_sync` is on. */
  groupSync: boolean;
}

/** An administrator as the guide needs it: its name and type. */
export type GuideAdministrator = Pick<PrincipalArgs, "name" | "type">;

/** How one principal logs in. */
export interface LoginGuideEntry {
  principal: string;
  principalType: PrincipalType;
  administrator: boolean;
  /** Exactly what to put in the username field. */
  username: string;
  host: string;
  port: number;
  /** Databases the principal may use, first one used in the commands. */
  databases: string[];
  /** Always "require": Azure accepts only TLS connections. */
  sslmode: string;
  /** How this kind of identity signs in to Azure before asking for a token. */
  signIn: string;
  /** Prints an access token; its output is the password. */
  tokenCommand: string;
  /** libpq connection string for the first database, without any secret. */
  conninfo: string;
  /** Ready-to-run psql command: fetches a token into PGPASSWORD and connects. */
  psql: string;
  /** libpq URI for the first database, without any secret. */
  uri: string;
  /** What else this principal must know (group rules, least-privilege advice). */
  notes: string[];
  /** With PgBouncer on: the same login on port 6432. */
  pgBouncer?: LoginRoute;
  /** Each read replica's host: the same login, read-only. */
  readReplicas?: LoginRoute[];
}

export const TOKEN_COMMAND = "az account get-access-token --resource-type oss-rdbms --query accessToken -o tsv";

const SIGN_IN: Record<PrincipalType, string> = {
  User: "az login",
  Group: "az login  (each member signs in as themselves)",
  ServicePrincipal:
    "az login --service-principal --username <client id> --tenant <tenant id> --federated-token <token>  (or --certificate / --password)",
  ManagedIdentity:
    "az login --identity --username <client id>  (on the Azure resource that has the identity; in code, DefaultAzureCredential / ManagedIdentityCredential with scope https://ossrdbms-aad.database.windows.net/.default)",
};

/** Builds the guide: every administrator and every principal of the plan, sorted by name. */
export function loginGuide(plan: AccessPlan, server: LoginServerSettings, administrators: GuideAdministrator[] = []): LoginGuideEntry[] {
  const port = server.port ?? 5432;
  const byName = new Map<string, { type: PrincipalType; administrator: boolean; databases: string[] }>();
  const allDatabases = plan.databases.map((d) => d.name);
  for (const a of administrators) {
    byName.set(a.name, { type: a.type, administrator: true, databases: [...allDatabases, "postgres"] });
  }
  for (const p of plan.principals) {
    const databases = plan.access.filter((a) => a.role === p.name).map((a) => a.database);
    const known = byName.get(p.name);
    if (known) known.administrator = true;
    else byName.set(p.name, { type: p.principalType, administrator: p.administrator, databases });
  }
  return [...byName.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, p]) => {
      const database = p.databases[0] ?? "postgres";
      const route = (host: string, at: number) => {
        const info = [
          `host=${conninfoValue(host)}`,
          `port=${at}`,
          `dbname=${conninfoValue(database)}`,
          `user=${conninfoValue(name)}`,
          "sslmode=require",
        ].join(" ");
        return {
          conninfo: info,
          psql: `PGPASSWORD="$(${TOKEN_COMMAND})" psql ${shellQuote(info)}`,
          uri: `postgresql://${encodeURIComponent(name)}@${host}:${at}/${encodeURIComponent(database)}?sslmode=require`,
        };
      };
      const { conninfo, psql, uri } = route(server.host, port);
      const extra = extraRoutes(server.host, server, route);
      return {
        principal: name,
        principalType: p.type,
        administrator: p.administrator,
        username: name,
        host: server.host,
        port,
        databases: p.databases,
        sslmode: "require" as const,
        signIn: SIGN_IN[p.type],
        tokenCommand: TOKEN_COMMAND,
        conninfo,
        psql,
        uri,
        notes: [...notesFor(name, p.type, p.administrator, server.groupSync, plan, p.databases), ...extra.notes],
        ...(extra.pgBouncer ? { pgBouncer: extra.pgBouncer } : {}),
        ...(extra.readReplicas.length > 0 ? { readReplicas: extra.readReplicas } : {}),
      };
    });
}

function notesFor(
  name: string,
  type: PrincipalType,
  administrator: boolean,
  groupSync: boolean,
  plan: AccessPlan,
  databases: string[],
): string[] {
  const notes: string[] = [];
  if (type === "Group") {
    notes.push(
      `Members of the group log in with the group's name, ${typed(name)}, as username and their OWN token. ` +
        "Logging in with your own name fails unless you have a role of your own.",
    );
    notes.push(
      groupSync
        ? "Group sync is ON: Azure also creates a role for each member (every 30 minutes, or at once when an administrator runs " +
            "SELECT * FROM pgaadauth_sync_roles_for_group_members();), after which members may log in with their own UPN and get the group's privileges."
        : "Group sync is OFF: no per-member roles exist, so only the group's name works.",
    );
  }
  if (type === "ServicePrincipal" || type === "ManagedIdentity") {
    notes.push(`Log in with the display name ${typed(name)}, not the client id or object id.`);
  }
  if (administrator) {
    notes.push(
      "This is a server administrator (member of azure_pg_admin). Use it to manage the server, not for everyday work; grant applications least privilege.",
    );
    if (plan.administrators.includes(name)) {
      notes.push(
        `Through ${quoteIdent(plan.manager)} it manages every role this stack made and may act as each database's owner ` +
          `(SET ROLE ${quoteIdent(plan.databases[0]?.owner ?? "")}; before DDL).`,
      );
    }
    if (name === plan.roleCreator) {
      notes.push("It created this stack's roles: keep it an Entra administrator while the stack exists (README: The role model).");
    }
  }
  const owned = plan.access.filter((a) => a.role === name && a.preset === "owner").map((a) => a.database);
  for (const db of owned) {
    const owner = plan.databases.find((d) => d.name === db)?.owner;
    notes.push(
      `In ${db}, run SET ROLE ${quoteIdent(owner ?? "")}; before DDL, so new objects belong to the database owner and readers get them automatically.`,
    );
  }
  if (databases.length > 1) notes.push(`Other databases: ${databases.slice(1).join(", ")} (change dbname).`);
  if (/[\s'"\\#@]/.test(name))
    notes.push(
      "The username contains spaces or special characters: type it exactly as shown between the backticks (the psql command and URI already quote it).",
    );
  return notes;
}

/**
 * A name as the user types it, for prose: a Markdown code span, never escaped, so `Data "Ops" Team`
 * reads exactly so (JSON.stringify would print `"Data \"Ops\" Team"`, and nobody types the
 * backslashes). The fence is one backtick longer than the longest run of backticks in the name, and
 * a space pads it when the name starts or ends with a backtick or with spaces on both ends
 * (CommonMark strips one such space pair), so the rendered text is the name itself.
 */
export function typed(name: string): string {
  const longest = Math.max(0, ...(name.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = name.startsWith("`") || name.endsWith("`") || (/^ .* $/.test(name) && name.trim() !== "") ? " " : "";
  return `${fence}${pad}${name}${pad}${fence}`;
}

/** A libpq connection-string value, single-quoted when it needs to be (spaces, quotes, backslashes). */
export function conninfoValue(value: string): string {
  if (value !== "" && !/[\s'\\]/.test(value)) return value;
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** A POSIX shell word that stands for exactly `value`: single quotes, or double quotes when it holds one. */
export function shellQuote(value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  return `"${value.replace(/([\\"$`])/g, "\\$1")}"`;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The guide as Markdown, with a troubleshooting section for the usual failures. */
export function renderLoginGuide(entries: LoginGuideEntry[]): string {
  const lines: string[] = ["# How to log in", ""];
  lines.push("Every login uses a Microsoft Entra access token as the password. There are no passwords to store.", "");
  for (const e of entries) {
    lines.push(`## ${e.principal} (${e.principalType}${e.administrator ? ", administrator" : ""})`, "");
    lines.push(`- username: ${typed(e.username)}`);
    lines.push(`- host: \`${e.host}\`, port ${e.port}, sslmode=${e.sslmode}`);
    lines.push(`- databases: ${e.databases.join(", ") || "(none granted)"}`);
    lines.push(`- sign in: \`${e.signIn}\``);
    lines.push(`- token (the password): \`${e.tokenCommand}\``);
    lines.push(`- psql: \`${e.psql}\``);
    lines.push(`- URI (put the token in PGPASSWORD): \`${e.uri}\``);
    if (e.pgBouncer) lines.push(`- through PgBouncer (port ${e.pgBouncer.port}): \`${e.pgBouncer.psql}\``);
    for (const r of e.readReplicas ?? [])
      lines.push(`- read-only replica \`${r.host}\`${r.location ? ` (${r.location})` : ""}: \`${r.psql}\``);
    for (const n of e.notes) lines.push(`- ${n}`);
    lines.push("");
  }
  lines.push(...TROUBLESHOOTING);
  return lines.join("\n");
}

const TROUBLESHOOTING = [
  "## Troubleshooting",
  "",
  '- `FATAL: password authentication failed for user "<you>"`: the token is missing, expired (tokens live 5-60 minutes: fetch a new one), ' +
    "for the wrong resource (use `--resource-type oss-rdbms`), or for a different identity than the username. " +
    "A group member who typed their own name gets this too: use the group's name as username.",
  '- `FATAL: role "<name>" does not exist`: the username is not a mapped role. Check spelling and case (UPN for users, display name ' +
    "otherwise), and for group members use the group's name; with group sync on, wait for the next sync or ask an administrator to run it.",
  "- `no pg_hba.conf entry ... no encryption` / SSL errors: add `sslmode=require`; the server refuses unencrypted connections.",
  "- Connection timeout: your address is not in the server's firewall rules, or the server is only reachable inside its virtual network.",
  "- `permission denied for table ...`: the role logs in but lacks a grant; check its preset. Tables created by a role that is not the " +
    "database owner are not covered by default privileges (run SET ROLE to the owner before DDL).",
  "",
];

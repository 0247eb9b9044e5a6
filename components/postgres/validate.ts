/**
 * Validation of EntraPostgres's arguments, every part at once, before anything registers: the server's
 * and the access checks, reported under the fields the user wrote, plus what only the composition knows
 * (the deployer among the administrators, the deployer's firewall rule, ids used twice).
 */
import type { AccessEntryArgs, AccessInput } from "../access/args";
import { validateAccessInput } from "../access/validate";
import { InputIssue, throwIfIssues } from "../errors";
import { DEPLOYER_PRINCIPAL_TYPES, PRINCIPAL_TYPES, PrincipalArgs, isUuid, roleNameProblem } from "../principals";
import type { EntraPostgresServerArgs } from "../server/args";
import { azureNameKey, firewallRangeIssues, validateServerArgs } from "../server/validate";
import type { EntraPostgresArgs, ExistingServerArgs } from "./args";

/** The administrators of the server, by name and type (the deployer among them). */
export type NamedPrincipal = Pick<PrincipalArgs, "name" | "type">;

/** EntraPostgres's arguments, validated: the server's administrators and the access entries. */
export interface ValidatedPostgres {
  administrators: NamedPrincipal[];
  access: AccessEntryArgs[];
}

/** The database side's input: the administrators by role name, the creator of the roles, the grants. */
export function accessInput(args: EntraPostgresArgs, administrators: NamedPrincipal[], access: AccessEntryArgs[]): AccessInput {
  return {
    databases: args.databases,
    access,
    deployer: args.deployer?.name ?? "",
    roleCreator: args.roleCreator,
    administrators: administrators.map((a) => a.name),
    revokePublicCreate: args.revokePublicCreate,
    revokePublicConnect: args.revokePublicConnect,
  };
}

/** The firewall rule EntraPostgres adds for deployerIpAddress. */
export const DEPLOYER_RULE = "deployer";

// A host name: dot-separated labels of letters, digits and inner hyphens (RFC 1123), at most 253 characters.
const HOST_NAME = /^(?=.{1,253}$)([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$/;

type Add = (field: string, value: unknown, allowed: string) => void;

/** existingServer's fields, checked as a new server's are; returns its administrators. */
function validateExistingServer(existing: ExistingServerArgs, add: Add): NamedPrincipal[] {
  const f = "existingServer";
  if (existing === null || typeof existing !== "object") {
    add(f, existing, "an object with fqdn and administrators");
    return [];
  }
  if (existing.fqdn === undefined || existing.fqdn === null) {
    add(`${f}.fqdn`, existing.fqdn, "the server's host name, e.g. <server>.postgres.database.azure.com");
  } else if (typeof existing.fqdn === "string" && !HOST_NAME.test(existing.fqdn)) {
    add(
      `${f}.fqdn`,
      existing.fqdn,
      "a host name such as <server>.postgres.database.azure.com: no scheme (https://), port, path, spaces or trailing dot",
    );
  }
  if (typeof existing.tenantId === "string" && !isUuid(existing.tenantId)) {
    add(`${f}.tenantId`, existing.tenantId, "a tenant id (UUID), or leave unset to use the deploying identity's tenant");
  }
  if (existing.groupSync !== undefined && typeof existing.groupSync !== "boolean") {
    add(`${f}.groupSync`, existing.groupSync, "true or false: whether pgaadauth.enable_group_sync is on on that server");
  }
  if (existing.waitFor !== undefined && !Array.isArray(existing.waitFor)) {
    add(`${f}.waitFor`, existing.waitFor, "a list of outputs to wait for, e.g. [rule.id]");
  }
  if (!Array.isArray(existing.administrators)) {
    add(`${f}.administrators`, existing.administrators, "a list of the server's Entra administrators: [{ name, type }]");
    return [];
  }
  const names = new Map<string, string>();
  const valid: NamedPrincipal[] = [];
  existing.administrators.forEach((a, i) => {
    const af = `${f}.administrators[${i}]`;
    if (a === null || typeof a !== "object") return add(af, a, "an object with name and type");
    let ok = true;
    if (!PRINCIPAL_TYPES.includes(a.type)) {
      add(`${af}.type`, a.type, `one of ${PRINCIPAL_TYPES.join(", ")}`);
      ok = false;
    }
    if (typeof a.name !== "string") {
      add(`${af}.name`, a.name, "the user's UPN, or the display name of a group, service principal or managed identity");
      return;
    }
    const problem = roleNameProblem(a.name);
    if (problem) {
      add(`${af}.name`, a.name, problem);
      ok = false;
    } else if (a.type === "User" && !a.name.includes("@")) {
      add(`${af}.name`, a.name, "a user principal name (UPN) such as alice@contoso.com; users log in with their UPN");
      ok = false;
    }
    const lower = a.name.toLowerCase();
    if (names.has(lower)) {
      add(`${af}.name`, a.name, `an administrator listed once (Entra ignores case; it is also ${names.get(lower)})`);
      ok = false;
    }
    names.set(lower, af);
    if (ok) valid.push({ name: a.name, type: a.type });
  });
  return valid;
}

/** Whether EntraPostgres adds the deployer's firewall rule: an address is given and the network is public. */
export function addsDeployerRule(args: EntraPostgresArgs): boolean {
  return args.deployerIpAddress !== undefined && args.server !== undefined && (args.server.network?.mode ?? "public") === "public";
}

/** The server's arguments as EntraPostgresServer takes them: the deployer declared, its rule added. */
export function withDeployer(
  args: EntraPostgresArgs,
  deployerIp: EntraPostgresArgs["deployerIpAddress"] = args.deployerIpAddress,
): EntraPostgresServerArgs {
  const server = args.server!;
  const network = server.network ?? {};
  const withRule = addsDeployerRule(args)
    ? {
        ...network,
        firewallRules: [...(network.firewallRules ?? []), { name: DEPLOYER_RULE, startIpAddress: deployerIp!, endIpAddress: deployerIp! }],
      }
    : network;
  const d = args.deployer;
  return {
    ...server,
    ...(server.network !== undefined || addsDeployerRule(args) ? { network: withRule } : {}),
    deployerAdministrator: {
      name: d?.name,
      type: d?.type,
      ...(d?.objectId !== undefined ? { objectId: d.objectId } : {}),
    } as PrincipalArgs,
  };
}

/** The deployer's own fields. */
function validateDeployer(args: EntraPostgresArgs, add: Add): void {
  const d = args.deployer;
  if (!d || typeof d.name !== "string" || d.name.length === 0) {
    add("deployer.name", d?.name, "the deploying identity's login name (UPN or display name)");
  }
  if (d && !DEPLOYER_PRINCIPAL_TYPES.includes(d.type)) {
    add("deployer.type", d.type, `one of ${DEPLOYER_PRINCIPAL_TYPES.join(", ")}`);
  }
  for (const key of ["clientId", "managedIdentity"] as const) {
    if (d && d[key] !== undefined)
      add(`deployer.${key}`, "(set)", "unset: the deployer is the identity running the program; give its objectId, or none");
  }
  const ip = args.deployerIpAddress;
  if (ip === undefined) return;
  if (args.existingServer !== undefined) {
    add("deployerIpAddress", ip, "unset with existingServer: its firewall is managed where the server is");
  } else if ((args.server?.network?.mode ?? "public") !== "public") {
    add("deployerIpAddress", ip, "unset unless network.mode is public: in VNet and private-endpoint modes, deploy from inside the network");
  } else {
    for (const i of deployerIpIssues(ip)) add(i.field, i.value, i.allowed);
  }
}

/** Problems with the deployer's address; an Output is checked when it resolves (deployerIpIssues again). */
export function deployerIpIssues(ip: unknown): InputIssue[] {
  return firewallRangeIssues("deployerIpAddress", ip, ip)
    .filter((i, k, all) => all.findIndex((x) => x.allowed.split(" such as")[0] === i.allowed.split(" such as")[0]) === k)
    .map((i) => ({ ...i, field: "deployerIpAddress", value: ip }));
}

/** Every check of every part, before anything registers; one error with all problems. */
export function validateEntraPostgres(name: string, args: EntraPostgresArgs): ValidatedPostgres {
  const issues: InputIssue[] = [];
  const add: Add = (field, value, allowed) => issues.push({ field, value, allowed });
  if (!args || typeof args !== "object") {
    throwIfIssues("EntraPostgres", [
      { field: "args", value: args, allowed: "an object with server or existingServer, deployer and databases" },
    ]);
  }
  if ((args.server === undefined) === (args.existingServer === undefined)) {
    add("server / existingServer", "(both or neither)", "exactly one: server to create one, existingServer to use one");
  }
  validateDeployer(args, add);
  const d = args.deployer;

  let administrators: NamedPrincipal[] = [];
  if (args.server) {
    const userRules = args.server.network?.firewallRules;
    const userRuleCount = Array.isArray(userRules) ? userRules.length : 0;
    const deployerRule = `network.firewallRules[${userRuleCount}]`;
    if (addsDeployerRule(args)) {
      (Array.isArray(userRules) ? userRules : []).forEach((r, i) => {
        // ARM compares firewall rule names without regard to case: "Deployer" is the same resource.
        if (typeof r?.name === "string" && azureNameKey(r.name) === azureNameKey(DEPLOYER_RULE)) {
          add(
            `server.network.firewallRules[${i}].name`,
            r.name,
            `another name: the component adds a firewall rule named "${DEPLOYER_RULE}" for deployerIpAddress (Azure ignores case in rule names)`,
          );
        }
      });
    }
    for (const i of validateServerArgs(name, withDeployer(args))) {
      if (i.field.startsWith("deployerAdministrator")) {
        // Reported by validateDeployer when it is the deployer's own field.
        const field = i.field.replace("deployerAdministrator", "deployer");
        if (!issues.some((x) => x.field === field)) issues.push({ ...i, field });
      } else if (i.field === deployerRule || i.field.startsWith(`${deployerRule}.`)) {
        // The rule for deployerIpAddress, reported above where the user wrote the address.
      } else issues.push({ ...i, field: `server.${i.field}` });
    }
    // Azure refuses CREATE EXTENSION for what the server has not allow-listed; say so before anything runs.
    const allowList = args.server.extensions?.allowList;
    (Array.isArray(args.databases) ? args.databases : []).forEach((db, i) =>
      (Array.isArray(db?.extensions) ? db.extensions : []).forEach((x, j) => {
        if (typeof x?.name === "string" && !(Array.isArray(allowList) && allowList.includes(x.name)))
          add(
            `databases[${i}].extensions[${j}].name`,
            x.name,
            `an extension in server.extensions.allowList (${Array.isArray(allowList) ? allowList.join(", ") : "unset"}): Azure refuses CREATE EXTENSION for one that is not allow-listed`,
          );
      }),
    );
    administrators = (Array.isArray(args.server.administrators) ? args.server.administrators : []).map((a) => ({
      name: a?.name,
      type: a?.type,
    }));
    if (d) administrators.push({ name: d.name, type: d.type });
  } else if (args.existingServer) {
    administrators = validateExistingServer(args.existingServer, add);
    const port = args.existingServer.port;
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535))
      add("existingServer.port", port, "a TCP port, 1-65535 (5432, or 6432 for PgBouncer)");
    const declared = Array.isArray(args.existingServer.administrators) ? args.existingServer.administrators : [];
    if (d && typeof d.name === "string" && !declared.some((a) => a?.name === d.name)) {
      const other = declared.find((a) => typeof a?.name === "string" && a.name.toLowerCase() === d.name.toLowerCase());
      add(
        "deployer.name",
        d.name,
        other
          ? `the administrator's name exactly as declared, ${JSON.stringify(other.name)}: the provider logs in with it, and PostgreSQL role names are case-sensitive`
          : "one of existingServer.administrators: the provider connects as the deployer, who must be an administrator",
      );
    }
  }
  const adminNames = new Set(administrators.map((a) => a.name));
  const serverAdmins = Array.isArray(args.server?.administrators) ? args.server!.administrators : [];
  // One identity, two entries: an access entry with an administrator's object id under another name.
  const adminIds = new Map<string, string>();
  serverAdmins.forEach((a, i) => {
    const id = typeof a?.objectId === "string" ? a.objectId : a?.managedIdentity?.principalId;
    if (typeof id === "string" && isUuid(id)) adminIds.set(id.toLowerCase(), `server.administrators[${i}] (${a.name})`);
  });
  // Client ids known as plain strings: an access entry's object id must not be one of them.
  const clientIds = new Map<string, string>();
  serverAdmins.forEach((a, i) => {
    for (const [key, id] of [
      ["clientId", a?.clientId],
      ["managedIdentity.clientId", a?.managedIdentity?.clientId],
    ] as const)
      if (typeof id === "string" && isUuid(id)) clientIds.set(id.toLowerCase(), `server.administrators[${i}].${key} (${a.name})`);
  });
  (Array.isArray(args.access) ? args.access : []).forEach((e, i) => {
    const id = e?.principal?.objectId;
    if (typeof id !== "string" || !isUuid(id)) return;
    const client = clientIds.get(id.toLowerCase());
    if (client !== undefined) {
      add(
        `access[${i}].principal.objectId`,
        id,
        `the principal's object id (for a managed identity, its principal id), not a client id: it is ${client}`,
      );
      return;
    }
    const admin = adminIds.get(id.toLowerCase());
    if (admin !== undefined && !admin.endsWith(`(${e.principal.name})`))
      add(
        `access[${i}].principal.objectId`,
        id,
        `the object id of this principal only: it is the id of administrator ${admin}; give the entry that administrator's name`,
      );
  });
  const access = Array.isArray(args.access) ? args.access : (args.access ?? []);
  const accessIssues = validateAccessInput(accessInput(args, administrators, access), { objectIdsLookedUp: true })
    // The administrators' checks are reported above, under the user's field names.
    .filter((i) => !i.field.startsWith("administrators["))
    // The deployer is deployer.name in the user's input; report a problem with it once.
    .map((i) => (i.field === "deployer" ? { ...i, field: "deployer.name", value: d?.name } : i))
    .filter((i) => i.field !== "deployer.name" || !issues.some((x) => x.field === "deployer.name"));
  // A role creator that is no name at all is reported once, by the access checks.
  if (args.roleCreator !== undefined && !adminNames.has(args.roleCreator) && !accessIssues.some((i) => i.field === "roleCreator")) {
    const other =
      typeof args.roleCreator === "string"
        ? [...adminNames].find((n) => typeof n === "string" && n.toLowerCase() === args.roleCreator!.toLowerCase())
        : undefined;
    add(
      "roleCreator",
      args.roleCreator,
      other
        ? `the administrator's name exactly as declared, ${JSON.stringify(other)} (PostgreSQL role names are case-sensitive)`
        : "one of the server's administrators: the one that ran the stack's first `pulumi up`",
    );
  }
  issues.push(...accessIssues);
  throwIfIssues("EntraPostgres", issues);
  return { administrators, access };
}

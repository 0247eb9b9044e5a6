/**
 * Azure RBAC role assignments on the server (Microsoft.Authorization/roleAssignments), AVM's
 * `roleAssignments` interface: `roleDefinitionIdOrName`, `principalId`, `principalType`,
 * `description`, `condition`, `conditionVersion`, `delegatedManagedIdentityResourceId`, `name`.
 *
 * These govern the Azure resource (who may scale, restart, read its settings), not logins to
 * PostgreSQL, which are the component's administrators and access entries.
 */
import type * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { isUuid } from "../principals";
import { Add, checkArmId } from "./common";

/** Built-in roles by name, as AVM's flexible-server module offers them, with their fixed ids (Azure's "Azure built-in roles"). */
export const BUILT_IN_ROLES: Readonly<Record<string, string>> = {
  Owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  Contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  Reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  "Role Based Access Control Administrator": "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
  "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
};

export const RolePrincipalType = {
  User: "User",
  Group: "Group",
  ServicePrincipal: "ServicePrincipal",
  Device: "Device",
  ForeignGroup: "ForeignGroup",
} as const;
export type RolePrincipalType = (typeof RolePrincipalType)[keyof typeof RolePrincipalType];
export const ROLE_PRINCIPAL_TYPES: readonly RolePrincipalType[] = Object.values(RolePrincipalType);

/** One role assignment on the server. */
export interface RoleAssignmentArgs {
  /**
   * A built-in role's name (Owner, Contributor, Reader, Role Based Access Control Administrator, User
   * Access Administrator), a role definition's GUID, or its resource id
   * (`/subscriptions/<id>/providers/Microsoft.Authorization/roleDefinitions/<guid>` or `/providers/Microsoft.Authorization/roleDefinitions/<guid>`).
   */
  roleDefinitionIdOrName: string;
  /** Object id of the user, group or service principal (a managed identity's principal id). */
  principalId: pulumi.Input<string>;
  /** Its type; set it for a principal created in the same deployment (Entra replication delay). Default: Azure resolves it. */
  principalType?: RolePrincipalType;
  /** Why the assignment exists. */
  description?: string;
  /** An ABAC condition. */
  condition?: string;
  /** "2.0", the only version; required with condition. */
  conditionVersion?: string;
  /** For cross-tenant (Lighthouse) assignments: the delegated managed identity's resource id. */
  delegatedManagedIdentityResourceId?: pulumi.Input<string>;
  /**
   * The assignment's name, a GUID. Default: a GUID derived from the server, role and principal, so it
   * is stable. Required when principalId is another resource's output (the name is then the resource's key).
   */
  name?: string;
}

export interface PlannedRoleAssignment {
  /** The assignment's GUID, also the stable part of the resource name. */
  name: string;
  /** GUID of the role definition. */
  roleDefinitionGuid?: string;
  /** A full role definition id given by the user. */
  roleDefinitionId?: string;
  principalId: pulumi.Input<string>;
  principalType?: string;
  description?: string;
  condition?: string;
  conditionVersion?: string;
  delegatedManagedIdentityResourceId?: pulumi.Input<string>;
}

const ROLE_DEFINITION_ID = /^(\/subscriptions\/[^/]+)?\/providers\/Microsoft\.Authorization\/roleDefinitions\/([0-9a-fA-F-]{36})$/i;

export function validateRoleAssignments(list: RoleAssignmentArgs[] | undefined, add: Add): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) {
    add("roleAssignments", list, "a list of { roleDefinitionIdOrName, principalId, principalType?, ... }");
    return;
  }
  const keys = new Map<string, string>();
  list.forEach((r, i) => {
    const f = `roleAssignments[${i}]`;
    if (r === null || typeof r !== "object") {
      add(f, r, "an object with roleDefinitionIdOrName and principalId");
      return;
    }
    const role = r.roleDefinitionIdOrName;
    if (typeof role !== "string" || !(role in BUILT_IN_ROLES || isUuid(role) || ROLE_DEFINITION_ID.test(role))) {
      const near = Object.keys(BUILT_IN_ROLES).find((n) => n.toLowerCase() === String(role).toLowerCase());
      add(
        `${f}.roleDefinitionIdOrName`,
        role,
        near
          ? `the built-in role's name as Azure spells it, ${JSON.stringify(near)}`
          : `a built-in role (${Object.keys(BUILT_IN_ROLES).join(", ")}), a role definition GUID, or /providers/Microsoft.Authorization/roleDefinitions/<guid>`,
      );
    }
    if (r.principalId === undefined || r.principalId === null || (typeof r.principalId === "string" && !isUuid(r.principalId)))
      add(`${f}.principalId`, r.principalId, "the principal's object id (UUID); for a managed identity its principal id");
    if (r.principalType !== undefined && !ROLE_PRINCIPAL_TYPES.includes(r.principalType))
      add(`${f}.principalType`, r.principalType, `one of ${ROLE_PRINCIPAL_TYPES.join(", ")} (a managed identity is a ServicePrincipal)`);
    if (r.name !== undefined && !isUuid(r.name)) add(`${f}.name`, r.name, "a GUID, as Azure names role assignments");
    if (r.name === undefined && typeof r.principalId !== "string" && r.principalId !== undefined && r.principalId !== null)
      add(
        `${f}.name`,
        undefined,
        "a GUID of your choosing when principalId is another resource's output: it is the assignment's stable key",
      );
    if (r.condition !== undefined && r.conditionVersion !== "2.0")
      add(`${f}.conditionVersion`, r.conditionVersion, '"2.0" together with condition');
    if (r.conditionVersion !== undefined && r.condition === undefined)
      add(`${f}.conditionVersion`, r.conditionVersion, "only together with condition");
    if (r.description !== undefined && (typeof r.description !== "string" || r.description.length > 2048))
      add(`${f}.description`, r.description, "text of at most 2048 characters");
    checkArmId(
      `${f}.delegatedManagedIdentityResourceId`,
      r.delegatedManagedIdentityResourceId,
      "Microsoft.ManagedIdentity/userAssignedIdentities",
      "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>",
      add,
    );
    const key = assignmentKey(r);
    if (key !== undefined) {
      if (keys.has(key)) add(f, `${String(role)} for ${String(r.principalId)}`, `an assignment listed once (it repeats ${keys.get(key)})`);
      keys.set(key, f);
    }
  });
}

function roleGuid(role: string): string | undefined {
  if (role in BUILT_IN_ROLES) return BUILT_IN_ROLES[role];
  if (isUuid(role)) return role.toLowerCase();
  return ROLE_DEFINITION_ID.exec(role)?.[2].toLowerCase();
}

function assignmentKey(r: RoleAssignmentArgs): string | undefined {
  if (r.name !== undefined) return r.name.toLowerCase();
  const guid = typeof r.roleDefinitionIdOrName === "string" ? roleGuid(r.roleDefinitionIdOrName) : undefined;
  return typeof r.principalId === "string" && guid ? `${guid}-${r.principalId.toLowerCase()}` : undefined;
}

/**
 * A role assignment's name: a GUID from the server's name, the role and the principal, as AVM does with
 * Bicep's guid(): the same inputs always give the same assignment, and a different principal a new one.
 */
export function assignmentName(serverName: string, roleGuidOrId: string, principalId: string): string {
  const h = createHash("sha256")
    .update(`${serverName.toLowerCase()}\u0000${roleGuidOrId.toLowerCase()}\u0000${principalId.toLowerCase()}`)
    .digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function planRoleAssignments(list: RoleAssignmentArgs[] | undefined, serverName: string): PlannedRoleAssignment[] {
  return (list ?? [])
    .map((r) => {
      const guid = roleGuid(r.roleDefinitionIdOrName);
      const fullId =
        ROLE_DEFINITION_ID.test(r.roleDefinitionIdOrName) && r.roleDefinitionIdOrName.startsWith("/subscriptions/")
          ? r.roleDefinitionIdOrName
          : undefined;
      // Validation made sure that without a name the principal id is a plain string.
      const name = r.name?.toLowerCase() ?? assignmentName(serverName, guid ?? "", r.principalId as string);
      return {
        name,
        ...(fullId ? { roleDefinitionId: fullId } : { roleDefinitionGuid: guid }),
        principalId: typeof r.principalId === "string" ? r.principalId.toLowerCase() : r.principalId,
        principalType: r.principalType,
        description: r.description,
        condition: r.condition,
        conditionVersion: r.conditionVersion,
        delegatedManagedIdentityResourceId: r.delegatedManagedIdentityResourceId,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * A management lock on the server (Microsoft.Authorization/locks), AVM's `lock` interface.
 *
 * Only CanNotDelete is offered. A ReadOnly lock on a flexible server blocks every write to it and
 * to its children, so the component's own next `pulumi up` (a parameter, a firewall rule, an
 * administrator) would fail; Microsoft's "Lock your resources to protect your infrastructure" also
 * warns that it blocks some operations that are POSTs though they change nothing. Locks are inherited by
 * child resources, so even CanNotDelete refuses the deletion of a firewall rule or an administrator
 * while it is on; see the README ("Guard rails on the server").
 */
import type { Add } from "./common";
import { CONTROL_CHARACTER } from "../principals";

/** "CanNotDelete": the server can be changed but not deleted; "None": no lock. */
export const LockKind = { CanNotDelete: "CanNotDelete", None: "None" } as const;
export type LockKind = (typeof LockKind)[keyof typeof LockKind];

/** A lock on the server. Default: none (production stacks set `{ kind: "CanNotDelete" }`). */
export interface LockArgs {
  /** "CanNotDelete" or "None". */
  kind: LockKind;
  /** Lock name, 1-90 characters without < > * % & : \ ? / + or control characters. Default `<server name>-lock`. */
  name?: string;
  /** Why the lock is there, at most 512 characters. Default: a note naming the component. */
  notes?: string;
}

export interface PlannedLock {
  name: string;
  notes: string;
}

// Microsoft.Authorization/locks names: "Lock names can't contain < > * % & : \ ? / + or control characters", at most 90 characters
// (Microsoft's "Naming rules and restrictions for Azure resources", Microsoft.Authorization).
const BAD_LOCK_CHAR = /[<>*%&:\\?/+]/;

export function validateLock(lock: LockArgs | undefined, add: Add): void {
  if (lock === undefined) return;
  if (lock === null || typeof lock !== "object") {
    add("lock", lock, '{ kind: "CanNotDelete" } or { kind: "None" }');
    return;
  }
  if (lock.kind !== "CanNotDelete" && lock.kind !== "None") {
    add(
      "lock.kind",
      lock.kind,
      lock.kind === ("ReadOnly" as string)
        ? '"CanNotDelete" or "None": a ReadOnly lock would refuse the component\'s own later changes to the server and its children'
        : '"CanNotDelete" or "None"',
    );
  }
  if (
    lock.name !== undefined &&
    (typeof lock.name !== "string" ||
      lock.name.length < 1 ||
      lock.name.length > 90 ||
      BAD_LOCK_CHAR.test(lock.name) ||
      CONTROL_CHARACTER.test(lock.name) ||
      lock.name.endsWith(".") ||
      lock.name.endsWith(" "))
  ) {
    add("lock.name", lock.name, "1-90 characters without < > * % & : \\ ? / + or control characters, not ending in '.' or a space");
  }
  if (lock.notes !== undefined && (typeof lock.notes !== "string" || lock.notes.length > 512)) {
    add("lock.notes", typeof lock.notes === "string" ? `${lock.notes.slice(0, 20)}...` : lock.notes, "text of at most 512 characters");
  }
}

export function planLock(lock: LockArgs | undefined, serverName: string): PlannedLock | undefined {
  if (lock === undefined || lock.kind === "None") return undefined;
  return {
    name: lock.name ?? `${serverName}-lock`,
    notes:
      lock.notes ?? "Set by pulumi-entra-postgres: the server holds the data. Remove the lock option and run pulumi up before deleting it.",
  };
}

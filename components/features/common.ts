/**
 * What the feature modules share: how they report a problem, and the checks of ARM resource ids
 * that several of them take. Plain functions; nothing here imports a component or the Pulumi runtime.
 */

/** Records one problem: the field as the user wrote it, the value, and what is allowed. */
export type Add = (field: string, value: unknown, allowed: string) => void;

/** Facts about the server that a feature's rules depend on, with the component's defaults applied. */
export interface ServerContext {
  /** Compute tier: Burstable, GeneralPurpose or MemoryOptimized. */
  tier: string;
  /** Whether backups are geo-redundant. */
  geoRedundantBackup: boolean;
  /** Disabled, ZoneRedundant or SameZone. */
  highAvailability: string;
  /** public, vnet or privateEndpoint. */
  networkMode: string;
  /** The server's own name. */
  serverName: string;
}

/**
 * An ARM resource id of the given provider type, e.g. `Microsoft.OperationalInsights/workspaces`:
 * `/subscriptions/<id>/resourceGroups/<group>/providers/<type>/<name>` (ARM compares them without
 * regard to case). `type` may name a child, e.g. `Microsoft.EventHub/namespaces/authorizationRules`.
 */
export function armIdPattern(type: string): RegExp {
  const segments = type
    .split("/")
    .map((s, i) => (i === 0 ? s.replace(/\./g, "\\.") : `${s}/[^/]+`))
    .join("/");
  return new RegExp(`^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/${segments}$`, "i");
}

/** Checks an id when it is a plain string; Outputs are only known at deployment and pass. */
export function checkArmId(field: string, id: unknown, type: string, example: string, add: Add): void {
  if (id === undefined || typeof id !== "string") return;
  if (!armIdPattern(type).test(id)) add(field, id, `a resource id of a ${type} (${example})`);
}

/** True when a value is given as a plain string, so it can be checked before deployment. */
export const isPlain = (v: unknown): v is string => typeof v === "string";

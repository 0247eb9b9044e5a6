/**
 * Read replicas of the server: new flexible servers created with `createMode: "Replica"` from the
 * primary, in its region or another.
 *
 * Microsoft's "Read replicas in Azure Database for PostgreSQL" (MicrosoftDocs/azure-databases-docs,
 * articles/postgresql/read-replica/concepts-read-replicas.md):
 * - "You can replicate from the primary server to up to five replicas";
 * - "Read Replicas are currently supported for the General Purpose and Memory Optimized server compute
 *   tiers. The Burstable server compute tier is not supported";
 * - a replica has no backups (so no geo-backup) and no high availability;
 * - "The replica inherits the admin account from the primary server. All user accounts on the primary
 *   server are replicated": Entra administrators are declared on the primary only;
 * - it inherits the primary's firewall rules when created; its storage is the same as the primary's or
 *   larger (the same for a later switchover);
 * - "When performing replica creation, deletion, and promotion operations, the primary server will enter
 *   an updating state" in which parameters, HA and firewall rules cannot change: creating a replica is
 *   an operation on the primary, so replicas stay in the primary's serial chain.
 * A replica has the primary's major version (physical replication). Replicas of a VNet-integrated
 * server in another region need a subnet of that region, which this component does not take: such a
 * replica is refused, and so is a replica in private-endpoint mode (it would need its own endpoint).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Add, ServerContext } from "./common";

export const MAX_REPLICAS = 5;

/** Tiers that take read replicas (not Burstable). */
export const ReplicaSkuTier = { GeneralPurpose: "GeneralPurpose", MemoryOptimized: "MemoryOptimized" } as const;
export type ReplicaSkuTier = (typeof ReplicaSkuTier)[keyof typeof ReplicaSkuTier];

/** A replica's compute size. */
export interface ReplicaSkuArgs {
  /** Size name, e.g. "Standard_D2ds_v5". */
  name: string;
  /** GeneralPurpose or MemoryOptimized. */
  tier: ReplicaSkuTier;
}

/** One read replica. */
export interface ReadReplicaArgs {
  /** The replica server's name: 3-63 lower-case letters, digits and hyphens, globally unique; its stable key. */
  serverName: string;
  /** Its region, e.g. "northeurope". Default: the primary's. */
  location?: pulumi.Input<string>;
  /** Compute size, same tier rules as the primary (not Burstable). Default: the primary's sku. */
  sku?: ReplicaSkuArgs;
  /** Storage size in GiB, at least the primary's. Default: the primary's. */
  storageSizeGb?: number;
  /** Preferred availability zone: "1", "2" or "3". Default: Azure chooses. */
  availabilityZone?: string;
}

export interface PlannedReplica {
  serverName: string;
  location?: pulumi.Input<string>;
  sku?: { name: string; tier: string };
  storageSizeGb?: number;
  availabilityZone?: string;
}

const SERVER_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export function validateReplicas(
  replicas: ReadReplicaArgs[] | undefined,
  server: ServerContext & { storageSizeGb: number; location?: unknown },
  add: Add,
): void {
  if (replicas === undefined) return;
  if (!Array.isArray(replicas)) {
    add("readReplicas", replicas, "a list of { serverName, location?, sku?, storageSizeGb?, availabilityZone? }");
    return;
  }
  if (replicas.length > MAX_REPLICAS)
    add("readReplicas", `${replicas.length} replicas`, `at most ${MAX_REPLICAS} (Azure's limit per primary)`);
  if (replicas.length > 0 && server.tier === "Burstable")
    add(
      "readReplicas",
      `${replicas.length} replicas`,
      "none on the Burstable tier (Azure offers read replicas on General Purpose and Memory Optimized only)",
    );
  const names = new Map<string, string>([[server.serverName, "the primary"]]);
  replicas.forEach((r, i) => {
    const f = `readReplicas[${i}]`;
    if (r === null || typeof r !== "object") {
      add(f, r, "an object with serverName");
      return;
    }
    if (typeof r.serverName !== "string" || r.serverName.length < 3 || r.serverName.length > 63 || !SERVER_NAME.test(r.serverName))
      add(`${f}.serverName`, r.serverName, "3-63 lower-case letters, digits and hyphens, not starting or ending with a hyphen");
    else if (names.has(r.serverName)) add(`${f}.serverName`, r.serverName, `a name not already used by ${names.get(r.serverName)}`);
    else names.set(r.serverName, f);
    if (r.sku !== undefined) {
      if (r.sku === null || typeof r.sku !== "object" || (r.sku.tier !== "GeneralPurpose" && r.sku.tier !== "MemoryOptimized"))
        add(`${f}.sku.tier`, r.sku?.tier, "GeneralPurpose or MemoryOptimized (no read replicas on Burstable)");
      if (typeof r.sku?.name !== "string" || !/^Standard_[A-Za-z0-9_]+$/.test(r.sku.name) || /^Standard_B/.test(r.sku.name))
        add(`${f}.sku.name`, r.sku?.name, "a General Purpose or Memory Optimized size such as Standard_D2ds_v5");
    }
    if (r.storageSizeGb !== undefined && (!Number.isInteger(r.storageSizeGb) || r.storageSizeGb < server.storageSizeGb))
      add(`${f}.storageSizeGb`, r.storageSizeGb, `a size of at least the primary's ${server.storageSizeGb} GiB`);
    if (r.availabilityZone !== undefined && !["1", "2", "3"].includes(r.availabilityZone))
      add(`${f}.availabilityZone`, r.availabilityZone, '"1", "2" or "3", or leave unset to let Azure choose');
    if (typeof r.location === "string" && !/^[a-z0-9]+$/.test(r.location))
      add(`${f}.location`, r.location, 'an Azure region name such as "northeurope"');
    if (server.networkMode === "privateEndpoint")
      add(
        f,
        r.serverName,
        "no replicas in privateEndpoint mode: a replica has public access disabled too and would need a private endpoint of its own, which this component does not make",
      );
    if (server.networkMode === "vnet" && r.location !== undefined && r.location !== server.location)
      add(
        `${f}.location`,
        r.location,
        "the primary's region: a replica of a VNet-integrated server elsewhere needs a subnet there, which this component does not take",
      );
  });
}

export function planReplicas(replicas: ReadReplicaArgs[] | undefined): PlannedReplica[] {
  return (replicas ?? []).map((r) => ({ ...r })).sort((a, b) => a.serverName.localeCompare(b.serverName));
}

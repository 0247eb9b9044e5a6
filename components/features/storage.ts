/**
 * The server's storage: size, auto-grow, and what the 2025-08-01 spec adds (performance tier, IOPS and
 * throughput, Premium SSD v2). Validation and the ARM `storage` property; plain functions.
 *
 * The rules, from Microsoft's "Premium SSD" and "Premium SSD v2" articles for flexible server
 * (MicrosoftDocs/azure-databases-docs, articles/postgresql/compute-storage/) and the spec's `Storage`:
 * - Premium_LRS (the default) comes in fixed sizes up to 32 TiB; auto-grow is supported only there.
 *   Its IOPS and throughput follow from the performance tier (P4 for 32 GiB up to P80), which can be
 *   raised above the size's own tier but never below it (Azure managed disks' performance tiers).
 * - PremiumV2_LRS: any size from 1 GiB to 64 TiB in 1 GiB steps; IOPS 3,000-80,000, at most 500 per
 *   GiB; throughput 125-1,200 MB/s, at most 0.25 MB/s per IOPS; both required (the spec: "Required
 *   when type of storage is PremiumV2_LRS"); no auto-grow; General Purpose and Memory Optimized only;
 *   no performance tier. Moving between the two types is not an online change (the article: "Online
 *   migration from Premium SSD (PV1) to Premium SSD v2 (PV2) isn't supported"; restore to a new server).
 * - UltraSSD_LRS is in the spec's enum, but no flexible-server article offers it; it is refused.
 */
import type { Add, ServerContext } from "./common";

/** Premium SSD, or Premium SSD v2. */
export const StorageType = { Premium_LRS: "Premium_LRS", PremiumV2_LRS: "PremiumV2_LRS" } as const;
export type StorageType = (typeof StorageType)[keyof typeof StorageType];
/** Premium SSD performance tiers. */
export const PerformanceTier = {
  P4: "P4",
  P6: "P6",
  P10: "P10",
  P15: "P15",
  P20: "P20",
  P30: "P30",
  P40: "P40",
  P50: "P50",
  P60: "P60",
  P70: "P70",
  P80: "P80",
} as const;
export type PerformanceTier = (typeof PerformanceTier)[keyof typeof PerformanceTier];

/** Premium_LRS sizes the portal and ARM accept, in GiB, with each size's own performance tier. */
export const PREMIUM_SIZES_GB: Readonly<Record<number, PerformanceTier>> = {
  32: "P4",
  64: "P6",
  128: "P10",
  256: "P15",
  512: "P20",
  1024: "P30",
  2048: "P40",
  4096: "P50",
  8192: "P60",
  16384: "P70",
  32767: "P80",
};
export const STORAGE_SIZES_GB = Object.keys(PREMIUM_SIZES_GB).map(Number);
export const PERFORMANCE_TIERS: readonly PerformanceTier[] = Object.values(PerformanceTier);

export const STORAGE_DEFAULTS = { type: "Premium_LRS", sizeGb: 128, autoGrow: true } as const;
export const PREMIUM_V2 = {
  maxSizeGb: 65536,
  minIops: 3000,
  maxIops: 80000,
  iopsPerGb: 500,
  minThroughput: 125,
  maxThroughput: 1200,
  throughputPerIops: 0.25,
} as const;

/** Storage. Default: Premium SSD, 128 GiB, auto-grow on. */
export interface StorageArgs {
  /** "Premium_LRS" (Premium SSD, default) or "PremiumV2_LRS" (Premium SSD v2). Changing it needs a new server. */
  type?: StorageType;
  /**
   * Size in GiB. Premium_LRS: 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384 or 32767 (default 128).
   * PremiumV2_LRS: any whole number from 1 to 65536 (default 128). Storage only grows: Azure cannot shrink it.
   */
  sizeGb?: number;
  /** Grow storage when it fills (Premium_LRS only). Default true with Premium_LRS; must be false with PremiumV2_LRS. */
  autoGrow?: boolean;
  /** Premium_LRS: performance tier "P4".."P80", at least the size's own (P10 for 128 GiB). Default: the size's own. */
  tier?: PerformanceTier;
  /** PremiumV2_LRS (required there): provisioned IOPS, 3000-80000 and at most 500 per GiB. */
  iops?: number;
  /** PremiumV2_LRS (required there): throughput in MB/s, 125-1200 and at most 0.25 per IOPS. */
  throughputMBps?: number;
}

/** The ARM property, as azure-native takes it. */
export interface PlannedStorage {
  type?: StorageType;
  storageSizeGB: number;
  autoGrow: "Enabled" | "Disabled";
  tier?: PerformanceTier;
  iops?: number;
  throughput?: number;
}

const isInt = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n);

export function validateStorage(s: StorageArgs | undefined, server: Pick<ServerContext, "tier">, add: Add): void {
  if (s === undefined) return;
  if (s === null || typeof s !== "object") {
    add("storage", s, "{ type?, sizeGb?, autoGrow?, tier?, iops?, throughputMBps? }");
    return;
  }
  if (s.autoGrow !== undefined && typeof s.autoGrow !== "boolean") add("storage.autoGrow", s.autoGrow, "true or false");
  const type = s.type ?? STORAGE_DEFAULTS.type;
  if (type === "PremiumV2_LRS") {
    validatePremiumV2(s, server, add);
    return;
  }
  if (type !== "Premium_LRS") {
    add(
      "storage.type",
      s.type,
      type === "UltraSSD_LRS"
        ? '"Premium_LRS" or "PremiumV2_LRS": the spec lists UltraSSD_LRS, but Azure documents no Ultra Disk for flexible server'
        : '"Premium_LRS" (Premium SSD) or "PremiumV2_LRS" (Premium SSD v2)',
    );
    return;
  }
  const size = s.sizeGb ?? STORAGE_DEFAULTS.sizeGb;
  const ownTier = PREMIUM_SIZES_GB[size];
  if (ownTier === undefined) add("storage.sizeGb", s.sizeGb, `one of ${STORAGE_SIZES_GB.join(", ")} (GiB), the Premium SSD sizes`);
  if (s.tier !== undefined) {
    if (!PERFORMANCE_TIERS.includes(s.tier)) add("storage.tier", s.tier, `one of ${PERFORMANCE_TIERS.join(", ")}`);
    else if (ownTier !== undefined && PERFORMANCE_TIERS.indexOf(s.tier) < PERFORMANCE_TIERS.indexOf(ownTier))
      add(
        "storage.tier",
        s.tier,
        `${ownTier} or higher: a ${size} GiB Premium SSD has tier ${ownTier}, and a tier can only be raised above it`,
      );
  }
  for (const k of ["iops", "throughputMBps"] as const)
    if (s[k] !== undefined)
      add(
        `storage.${k}`,
        s[k],
        "unset with Premium_LRS, whose IOPS and throughput follow from its tier; set tier, or use type PremiumV2_LRS",
      );
}

function validatePremiumV2(s: StorageArgs, server: Pick<ServerContext, "tier">, add: Add): void {
  const v2 = PREMIUM_V2;
  if (server.tier === "Burstable")
    add("storage.type", s.type, "Premium_LRS on the Burstable tier (Premium SSD v2 is for General Purpose and Memory Optimized only)");
  const size = s.sizeGb ?? STORAGE_DEFAULTS.sizeGb;
  const sizeOk = isInt(size) && size >= 1 && size <= v2.maxSizeGb;
  if (!sizeOk) add("storage.sizeGb", s.sizeGb, `a whole number of GiB from 1 to ${v2.maxSizeGb} (Premium SSD v2)`);
  if (s.autoGrow !== false)
    add("storage.autoGrow", s.autoGrow ?? "(default true)", "false with PremiumV2_LRS: Premium SSD v2 has no storage auto-grow");
  if (s.tier !== undefined) add("storage.tier", s.tier, "unset with PremiumV2_LRS, which sets iops and throughputMBps instead of a tier");
  const iops = s.iops;
  const iopsOk = isInt(iops) && iops >= v2.minIops && iops <= v2.maxIops;
  if (!iopsOk) add("storage.iops", iops, `a whole number from ${v2.minIops} to ${v2.maxIops} (required with PremiumV2_LRS)`);
  else if (sizeOk && iops > size * v2.iopsPerGb)
    add("storage.iops", iops, `at most ${size * v2.iopsPerGb} for ${size} GiB (${v2.iopsPerGb} IOPS per GiB; 80000 needs 160 GiB)`);
  const mbps = s.throughputMBps;
  if (!isInt(mbps) || mbps < v2.minThroughput || mbps > v2.maxThroughput)
    add(
      "storage.throughputMBps",
      mbps,
      `a whole number of MB/s from ${v2.minThroughput} to ${v2.maxThroughput} (required with PremiumV2_LRS)`,
    );
  else if (iopsOk && mbps > iops * v2.throughputPerIops)
    add(
      "storage.throughputMBps",
      mbps,
      `at most ${Math.floor(iops * v2.throughputPerIops)} for ${iops} IOPS (${v2.throughputPerIops} MB/s per IOPS)`,
    );
}

export function planStorage(s: StorageArgs | undefined): PlannedStorage {
  const type = s?.type ?? STORAGE_DEFAULTS.type;
  const planned: PlannedStorage = {
    storageSizeGB: s?.sizeGb ?? STORAGE_DEFAULTS.sizeGb,
    autoGrow: (s?.autoGrow ?? (type === "PremiumV2_LRS" ? false : STORAGE_DEFAULTS.autoGrow)) ? "Enabled" : "Disabled",
  };
  // Sent only when asked for, so a stack that never set them sends the same body as before.
  if (s?.type !== undefined) planned.type = s.type;
  if (s?.tier !== undefined) planned.tier = s.tier;
  if (s?.iops !== undefined) planned.iops = s.iops;
  if (s?.throughputMBps !== undefined) planned.throughput = s.throughputMBps;
  return planned;
}

/**
 * How the Pulumi engine runs steps, reduced to what the translator needs, and made reproducible.
 *
 * The engine's step executor (pkg/resource/deploy/step_executor.go) runs independent steps at the same
 * time, at most `--parallel` of them (default 8 in CLI 3.274: pkg/cmd/pulumi/... `defaultParallel`), a
 * step starting once every resource it depends on is done. Which of several ready steps starts first
 * is up to goroutine scheduling and how long provider calls take. Here a seeded PRNG decides it:
 * among the ready steps it picks the next to start, and it gives every started step a virtual duration;
 * a step's slot is freed (and its dependents may start) in virtual-time order, waiting for the real
 * step to finish if needed. So with one seed the same steps start in the same order next to the same
 * other steps, whatever the server's timing; only the interleaving of the SQL of steps running at the
 * same time is left to the server.
 */

/** Engine default `--parallel` (CLI 3.274.1). */
export const DEFAULT_PARALLEL = 8;

/** mulberry32: a small, well-distributed 32-bit PRNG; the same seed gives the same sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed: given, else $TRANSLATOR_SEED, else random (it is printed in every ApplyError to replay a run). */
export function resolveSeed(seed?: number): number {
  if (seed !== undefined) return seed >>> 0;
  const env = process.env.TRANSLATOR_SEED;
  if (env !== undefined && env !== "" && Number.isFinite(Number(env))) return Number(env) >>> 0;
  return Math.floor(Math.random() * 4294967296);
}

/** `--parallel`: given, else $TRANSLATOR_PARALLEL, else the engine default. */
export function resolveParallel(parallel?: number): number {
  const env = Number(process.env.TRANSLATOR_PARALLEL);
  const n = parallel ?? (Number.isInteger(env) && env > 0 ? env : DEFAULT_PARALLEL);
  if (!Number.isInteger(n) || n < 1) throw new Error(`parallel must be a positive integer, got ${n}`);
  return n;
}

export interface Job {
  key: string;
  /** Keys of jobs that must be done first; keys of no job here are ignored. */
  deps: string[];
  run: () => Promise<void>;
}

/**
 * Runs the jobs, respecting deps, at most `parallel` at once. On the first failure (in virtual-time
 * order) no further job starts, the running ones are waited for, and that failure is thrown, as the
 * engine stops scheduling on an error and lets in-flight steps finish.
 */
export async function schedule(jobs: Job[], parallel: number, rand: () => number): Promise<void> {
  const keys = new Set(jobs.map((j) => j.key));
  if (keys.size !== jobs.length) throw new Error("duplicate job keys");
  const deps = new Map(jobs.map((j) => [j.key, j.deps.filter((d) => keys.has(d) && d !== j.key)]));
  const done = new Set<string>();
  const started = new Set<string>();
  const running: { key: string; end: number; order: number; result: Promise<{ error: unknown } | undefined> }[] = [];
  let now = 0;
  let order = 0;
  let failure: { error: unknown } | undefined;

  for (;;) {
    if (!failure) {
      // Ready jobs in the order given (plan order), so the PRNG's choices mean the same thing every run.
      const ready = jobs.filter((j) => !started.has(j.key) && deps.get(j.key)!.every((d) => done.has(d)));
      while (running.length < parallel && ready.length) {
        const [job] = ready.splice(Math.floor(rand() * ready.length), 1);
        started.add(job.key);
        const result = job.run().then(
          () => undefined,
          (error: unknown) => ({ error }),
        );
        running.push({ key: job.key, end: now + 1 + rand() * 99, order: order++, result });
      }
    }
    if (!running.length) break;
    running.sort((a, b) => a.end - b.end || a.order - b.order);
    const next = running.shift()!;
    const outcome = await next.result;
    now = next.end;
    if (outcome) failure ??= outcome;
    else done.add(next.key);
  }
  if (failure) throw failure.error;
  if (done.size < jobs.length) {
    throw new Error(`dependency cycle among ${jobs.filter((j) => !done.has(j.key)).map((j) => j.key)}`);
  }
}

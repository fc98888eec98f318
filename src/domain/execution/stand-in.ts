// The stand-in next firing of a campaign's batch job, kept alive while a firing runs.
//
// The job queue keeps a job locked by a worker that died (SIGKILL, a lost machine) for hours, so
// the locked firing itself never runs again soon. Before any work, a firing therefore plans its
// own successor a little ahead (the stand-in), and pushes it forward every few seconds while it
// works; the real next firing replaces it at the end. Alive, the firing always stays ahead of
// its stand-in (no two firings overlap); dead, it stops pushing, and the stand-in fires within
// STAND_IN_AHEAD_MS: another instance carries on with the PENDING rows, and the rows the dead one
// held become UNCERTAIN when their lease runs out.

// 15 s ahead, pushed every 5 s: a dead worker's campaign waits about 15 s; a live one has 10 s of
// slack (a busy event loop, a slow database) before its stand-in could fire beside it.
export const STAND_IN_AHEAD_MS = 15_000;
const PUSH_EVERY_MS = 5_000;

export interface StandIn {
  /** Stops pushing and waits for a push in progress (so the real next firing is planned last). */
  stop(): Promise<void>;
}

/** `plan(at)` plans the campaign's next firing at `at` (it does nothing once the campaign left RUNNING). */
export async function keepStandIn(plan: (at: Date) => Promise<void>, now: () => Date, aheadMs: number): Promise<StandIn> {
  const push = () => plan(new Date(now().getTime() + aheadMs));
  await push();
  let inFlight: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    // A failed push is retried by the next tick; the previous stand-in still stands meanwhile.
    inFlight = inFlight.then(push).catch(() => {});
  }, PUSH_EVERY_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}

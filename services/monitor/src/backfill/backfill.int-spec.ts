import { measureBackfillEta, type BackfillEtaResult } from '../../../../bench/backfill-eta.measure.js';

/**
 * A real initial table sync: PG17 publisher (≈ 600 MB table + a 50 MB one) → PG15 subscriber, polled every
 * 100 ms by the test-local poller in bench/backfill-eta.measure.ts, which feeds estimateBackfill and stores the
 * tracking through a JSON round trip each poll (as jsonb would).
 */
describe('estimateBackfill on a real PG17 → PG15 initial table sync', () => {
  let result: BackfillEtaResult;

  beforeAll(async () => {
    result = await measureBackfillEta({ log: (line) => console.log(line) });
    const rows = result.checkpoints.map(
      (c) =>
        `  ${c.mark}%: at ${c.at.toFixed(2)} s (${c.percent}%) ETA ${c.etaSeconds} s, real ${c.actualSeconds.toFixed(2)} s, ` +
        `error ${c.errorPct === null ? 'n/a' : `${c.errorPct.toFixed(1)} %`}`,
    );
    console.log(
      `copy of ${((result.bigTableBytes + result.smallTableBytes) / 1048576).toFixed(0)} MB took ` +
        `${result.copySeconds.toFixed(2)} s (all ready at ${result.readySeconds.toFixed(2)} s, ` +
        `${result.samples.length} polls)\n${rows.join('\n')}`,
    );
  }, 420_000);

  it('shows progress rising monotonically from ~0 to 100 %', () => {
    const percents = result.samples.flatMap((s) => (s.view ? [s.view.percent] : []));
    expect(percents[0]).toBeLessThan(5);
    expect(Math.max(...percents)).toBeGreaterThanOrEqual(95);
    for (let i = 1; i < percents.length; i++) expect(percents[i]).toBeGreaterThanOrEqual(percents[i - 1]);
  });

  it('shows an ETA mid-copy, never stalled, and ends with every table ready (view null)', () => {
    const mid = result.samples.filter((s) => s.view && s.view.percent > 20 && s.view.percent < 80);
    expect(mid.length).toBeGreaterThan(3);
    for (const s of mid) {
      expect(s.view?.etaSeconds).toEqual(expect.any(Number));
      expect(s.view?.stalled).toBe(false);
      expect(s.view?.rateBytesPerSecond).toBeGreaterThan(0);
    }
    const last = result.samples[result.samples.length - 1];
    expect(last.states).toBe('rr');
    expect(last.view).toBeNull();
  });

  // The accuracy target (issue 9: within 20 % from 25 % on) is measured by `bench/backfill-eta.ts` on a quiet
  // machine and reported in docs/benchmarks.md: here the copy shares 2 cores with the rest of the suite, whose bursts
  // change the copy rate mid-copy, so this test checks the ETA's shape, not its timing (errors are printed above).
  it('gives an ETA at 25/50/75 % that is positive and lower at 75 % than at 25 %', () => {
    expect(result.copySeconds).toBeGreaterThanOrEqual(3);
    const etas = result.checkpoints.map((c) => c.etaSeconds);
    for (const eta of etas) {
      expect(eta).not.toBeNull();
      expect(eta as number).toBeGreaterThan(0);
    }
    // Half the copy apart, the ETA must have come down (a third of the work is left at 75 % of what was at 25 %);
    // neighbouring checkpoints may not, when the suite's load slows the copy between them.
    expect(etas[2] as number).toBeLessThan(etas[0] as number);
  });
});

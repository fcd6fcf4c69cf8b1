import 'reflect-metadata';
import { register } from 'prom-client';
import { alertsFiring, registerFiringSource } from './metrics.js';

/** The scraped `prm_alerts_firing` samples with a non-zero value, as `kind/severity=value`. */
async function scrapeNonZero(): Promise<string[]> {
  const text = await register.getSingleMetricAsString('prm_alerts_firing');
  return text
    .split('\n')
    .filter((l) => l.startsWith('prm_alerts_firing{') && !l.endsWith(' 0'))
    .map((l) => l.replace(/^prm_alerts_firing\{kind="([^"]+)",severity="([^"]+)"\} /, '$1/$2='));
}

describe('prm_alerts_firing gauge', () => {
  it('is computed from the store on each scrape (not incremented), zero for kinds with nothing firing', async () => {
    let rows = [
      { kind: 'lag', severity: 'critical', n: 2 },
      { kind: 'slot-forecast', severity: 'warning', n: 1 },
    ];
    const unregister = registerFiringSource(async () => rows);
    try {
      expect(await scrapeNonZero()).toEqual(['lag/critical=2', 'slot-forecast/warning=1']);
      const text = await register.getSingleMetricAsString('prm_alerts_firing');
      expect(text).toContain('# TYPE prm_alerts_firing gauge');
      expect(text).toContain('prm_alerts_firing{kind="endpoint-unreachable",severity="critical"} 0');
      // One lag alert resolved and the forecast escalated (another process, or before a restart): the next scrape
      // reads the store again.
      rows = [
        { kind: 'lag', severity: 'critical', n: 1 },
        { kind: 'slot-forecast', severity: 'critical', n: 1 },
      ];
      expect(await scrapeNonZero()).toEqual(['lag/critical=1', 'slot-forecast/critical=1']);
      rows = [];
      expect(await scrapeNonZero()).toEqual([]);
    } finally {
      unregister();
    }
  });

  it('keeps the last values when the store cannot be read, and reads the newest registered app', async () => {
    const first = registerFiringSource(async () => [{ kind: 'lag', severity: 'warning', n: 3 }]);
    expect(await scrapeNonZero()).toEqual(['lag/warning=3']);
    const failing = registerFiringSource(() => Promise.reject(new Error('connection refused')));
    expect(await scrapeNonZero()).toEqual(['lag/warning=3']);
    failing();
    const newest = registerFiringSource(async () => [{ kind: 'apply-error', severity: 'critical', n: 1 }]);
    expect(await scrapeNonZero()).toEqual(['apply-error/critical=1']);
    newest();
    expect(await scrapeNonZero()).toEqual(['lag/warning=3']);
    first();
    expect(alertsFiring).toBe(register.getSingleMetric('prm_alerts_firing'));
  });
});

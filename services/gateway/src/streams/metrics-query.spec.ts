import 'reflect-metadata';
import { DomainError } from '@prm/contracts';
import { MAX_METRIC_POINTS, defaultStepSeconds, metricPointCount, parseMetricsQuery } from './metrics-query.js';

const NOW = new Date('2026-03-01T12:00:00Z');

function details(fn: () => unknown): { field?: string; reason: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('validation-failed');
    return (err as DomainError).details;
  }
  throw new Error('expected a validation error');
}

describe('parseMetricsQuery', () => {
  it('defaults to the last hour with a 10 s step (360 points ≤ 500)', () => {
    const w = parseMetricsQuery({}, NOW);
    expect(w.to.toISOString()).toBe('2026-03-01T12:00:00.000Z');
    expect(w.from.toISOString()).toBe('2026-03-01T11:00:00.000Z');
    expect(w.stepSeconds).toBe(10);
    expect(metricPointCount(w.from, w.to, w.stepSeconds)).toBe(360);
  });

  it('takes explicit ISO times (any zone) and step', () => {
    const w = parseMetricsQuery({ from: '2026-03-01T10:00:00+01:00', to: '2026-03-01T09:30:00.5Z', step: '60' }, NOW);
    expect(w.from.toISOString()).toBe('2026-03-01T09:00:00.000Z');
    expect(w.to.toISOString()).toBe('2026-03-01T09:30:00.500Z');
    expect(w.stepSeconds).toBe(60);
  });

  it('picks a default step that keeps any window at ≤ 500 points', () => {
    for (const hours of [0, 0.1, 1, 6, 24, 24 * 7, 24 * 400]) {
      const from = new Date(NOW.getTime() - hours * 3600_000);
      const step = defaultStepSeconds(from, NOW);
      expect(metricPointCount(from, NOW, step)).toBeLessThanOrEqual(MAX_METRIC_POINTS);
    }
    expect(defaultStepSeconds(new Date(NOW.getTime() - 7 * 86_400_000), NOW)).toBe(1800);
  });

  it('refuses bad times, from after to, bad steps and too many points, naming the field', () => {
    expect(details(() => parseMetricsQuery({ from: 'yesterday' }, NOW))).toEqual([
      expect.objectContaining({ field: 'from' }),
    ]);
    expect(details(() => parseMetricsQuery({ to: '2026-03-01' }, NOW))).toEqual([
      expect.objectContaining({ field: 'to' }),
    ]);
    expect(details(() => parseMetricsQuery({ to: '2026-02-30T10:00:00Z' }, NOW))[0]?.field).toBe('to');
    expect(details(() => parseMetricsQuery({ from: '2026-03-01T12:00:01Z', to: '2026-03-01T12:00:00Z' }, NOW))).toEqual(
      [{ field: 'from', reason: 'from must not be after to' }],
    );
    for (const step of ['0', '-5', '1.5', 'abc', ['10', '20']]) {
      expect(details(() => parseMetricsQuery({ step }, NOW))[0]?.field).toBe('step');
    }
    const tooMany = details(() => parseMetricsQuery({ step: '1' }, NOW));
    expect(tooMany).toEqual([expect.objectContaining({ field: 'step' })]);
    expect(tooMany[0]?.reason).toContain('3600 points');
    expect(tooMany[0]?.reason).toContain('step ≥ 8');
  });

  it('accepts an empty window (from = to) as one bucket', () => {
    const w = parseMetricsQuery({ from: '2026-03-01T12:00:00Z', to: '2026-03-01T12:00:00Z', step: '5' }, NOW);
    expect(metricPointCount(w.from, w.to, w.stepSeconds)).toBe(1);
  });
});

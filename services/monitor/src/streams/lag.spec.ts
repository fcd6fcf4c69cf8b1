import { compareLsn, computeDrift, lagSeconds, lsnToBigInt, thresholdLevel, walsenderLag } from './lag.js';

describe('LSN arithmetic', () => {
  it('parses both hex halves and compares across the 32-bit boundary', () => {
    expect(lsnToBigInt('0/16B3748')).toBe(0x16b3748n);
    expect(lsnToBigInt('1/0')).toBe(1n << 32n);
    expect(compareLsn('1/0', '0/FFFFFFFF')).toBe(1);
    expect(compareLsn('0/A', '0/a')).toBe(0);
    expect(compareLsn('0/9', '0/10')).toBe(-1);
    expect(() => lsnToBigInt('16B3748')).toThrow(RangeError);
  });
});

describe('lagSeconds (idle-safe, monitoring.md §1.3 fix 1)', () => {
  const now = '2026-01-01T00:01:00.000Z';
  it('is 0 when the slot confirmed everything up to the newest sample, however old that sample is', () => {
    expect(lagSeconds('0/5000', '0/5000', null, now)).toBe(0);
    expect(lagSeconds('0/5001', '0/5000', null, now)).toBe(0);
  });
  it('is the age of the earliest unconfirmed sample otherwise', () => {
    expect(lagSeconds('0/4000', '0/5000', { sampledAt: '2026-01-01T00:00:48.500Z', lsn: '0/4100' }, now)).toBe(11.5);
    // clock noise never yields a negative lag
    expect(lagSeconds('0/4000', '0/5000', { sampledAt: '2026-01-01T00:01:01.000Z', lsn: '0/5000' }, now)).toBe(0);
  });
  it('is null when a position is unknown or no sample is stored', () => {
    expect(lagSeconds(null, '0/5000', null, now)).toBeNull();
    expect(lagSeconds('0/1', null, null, now)).toBeNull();
    expect(lagSeconds('0/1', '0/5000', null, now)).toBeNull();
    expect(lagSeconds('0/1', '0/5000', { sampledAt: 'garbage', lsn: '0/2' }, now)).toBeNull();
  });
});

describe('walsenderLag', () => {
  it('reads NULL with lag_bytes 0 as 0, keeps values, NULL otherwise', () => {
    expect(walsenderLag(null, 0)).toBe(0);
    expect(walsenderLag(undefined, 0)).toBe(0);
    expect(walsenderLag(null, 120)).toBeNull();
    expect(walsenderLag(0.25, 120)).toBe(0.25);
  });
});

describe('thresholdLevel', () => {
  const t = { warningBytes: 100, criticalBytes: 1000, warningSeconds: 3, criticalSeconds: 8 };
  it('takes the highest level crossed on either dimension (≥)', () => {
    expect(thresholdLevel({ bytes: 99, seconds: 2.9 }, t)).toBe('ok');
    expect(thresholdLevel({ bytes: 100, seconds: 0 }, t)).toBe('warning');
    expect(thresholdLevel({ bytes: 0, seconds: 3 }, t)).toBe('warning');
    expect(thresholdLevel({ bytes: 500, seconds: 8 }, t)).toBe('critical');
    expect(thresholdLevel({ bytes: 1000, seconds: null }, t)).toBe('critical');
  });
  it('never crosses a null threshold or with a null lag', () => {
    const none = { warningBytes: null, criticalBytes: null, warningSeconds: null, criticalSeconds: null };
    expect(thresholdLevel({ bytes: 1e12, seconds: 1e6 }, none)).toBe('ok');
    expect(thresholdLevel({ bytes: null, seconds: null }, t)).toBe('ok');
  });
});

describe('computeDrift', () => {
  it('lists tables missing on the subscriber and those no longer published, sorted', () => {
    expect(
      computeDrift(['public.b', 'public.a', 'sales."Line Items"'], ['public.a', 'public.old', 'sales."Line Items"']),
    ).toEqual({ missingOnSubscriber: ['public.b'], notInPublication: ['public.old'] });
    expect(computeDrift([], [])).toEqual({ missingOnSubscriber: [], notInPublication: [] });
  });
});

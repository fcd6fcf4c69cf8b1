import {
  currentCorrelationId,
  jobCorrelationId,
  payloadCorrelationId,
  runWithCorrelation,
  runWithMessageCorrelation,
  withCorrelationId,
} from './correlation.js';

// The hand-over of a correlation id across the Redis bus: the sender adds it to the payload (withCorrelationId), the
// handler binds it (runWithMessageCorrelation), a job enqueued inside carries it on (jobCorrelationId).
describe('correlation ids across bus messages', () => {
  it('reads a well-formed correlationId from a payload, nothing else', () => {
    expect(payloadCorrelationId({ correlationId: 'req-1', body: {} })).toBe('req-1');
    expect(payloadCorrelationId({ correlationId: 'has spaces' })).toBeNull();
    expect(payloadCorrelationId({ correlationId: 42 })).toBeNull();
    expect(payloadCorrelationId({ body: {} })).toBeNull();
    expect(payloadCorrelationId(null)).toBeNull();
    expect(payloadCorrelationId(undefined)).toBeNull();
    expect(payloadCorrelationId('req-1')).toBeNull();
  });

  it('binds the sender’s id for the handler, including what it awaits and enqueues', async () => {
    const payload = runWithCorrelation('http-7', () => withCorrelationId({ kind: 'create' }));
    expect(payload).toEqual({ kind: 'create', correlationId: 'http-7' });
    const seen = await runWithMessageCorrelation(payload, async () => {
      await new Promise((r) => setTimeout(r, 5));
      return { bound: currentCorrelationId(), job: withCorrelationId({ runId: 'r1' }) };
    });
    expect(seen).toEqual({ bound: 'http-7', job: { runId: 'r1', correlationId: 'http-7' } });
    expect(jobCorrelationId({ id: 'r1', queueName: 'provisioning', data: seen.job })).toBe('http-7');
    expect(currentCorrelationId()).toBeNull(); // nothing leaks out of the handler
  });

  it('binds the fallback, or nothing, when the payload has no id', () => {
    expect(runWithMessageCorrelation({}, () => currentCorrelationId(), 'provisioning-recovery:r2')).toBe(
      'provisioning-recovery:r2',
    );
    expect(runWithMessageCorrelation({ correlationId: 'bad id' }, () => currentCorrelationId())).toBeNull();
    expect(runWithCorrelation('outer', () => runWithMessageCorrelation({}, () => currentCorrelationId()))).toBe(
      'outer',
    );
  });
});

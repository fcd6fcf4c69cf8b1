import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { register } from 'prom-client';
import { MONITOR_QUEUE_DEPTH_METRIC, MonitorQueueDepthPublisher } from './cloudwatch-queue-depth.js';
import { forgetEndpoint, forgetStream, recordPoll, recordStreamLag } from './monitor-metrics.js';

const text = () => register.metrics();

describe('monitor metrics', () => {
  it('records polls by endpoint name and drops the old series on rename and delete', async () => {
    recordPoll('e1', 'orders-db', 0.2, true);
    expect(await text()).toContain('prm_endpoint_reachable{endpoint="orders-db"} 1');
    expect(await text()).toContain('prm_poll_duration_seconds_count{endpoint="orders-db"} 1');
    recordPoll('e1', 'orders-primary', 5, false);
    expect(await text()).not.toContain('endpoint="orders-db"');
    expect(await text()).toContain('prm_endpoint_reachable{endpoint="orders-primary"} 0');
    forgetEndpoint('e1');
    forgetEndpoint('e1');
    expect(await text()).not.toContain('endpoint="orders-primary"');
  });

  it('sets lag gauges per stream, removes unknown values and forgotten streams', async () => {
    const base = { id: 's1', subscription: 'orders_sub', sourceName: 'pub', targetName: 'rep' };
    recordStreamLag({ ...base, lag: { bytes: 1024, seconds: 2.5 } });
    expect(await text()).toContain('prm_stream_lag_bytes{stream="orders_sub",source="pub",target="rep"} 1024');
    expect(await text()).toContain('prm_stream_lag_seconds{stream="orders_sub",source="pub",target="rep"} 2.5');
    recordStreamLag({ ...base, sourceName: null, lag: { bytes: null, seconds: null } });
    expect(await text()).not.toContain('stream="orders_sub"');
    recordStreamLag({ ...base, lag: { bytes: 1, seconds: 1 } });
    forgetStream('s1');
    forgetStream('s1');
    expect(await text()).not.toContain('stream="orders_sub"');
  });
});

describe('MonitorQueueDepthPublisher', () => {
  const cw = mockClient(CloudWatchClient);
  afterAll(() => cw.restore());

  it('puts prm/MonitorPollQueueDepth (waiting + delayed, dimension RedisPrefix) as the CDK alarms expect', async () => {
    cw.reset();
    cw.on(PutMetricDataCommand).resolves({});
    const queue = { getJobCounts: jest.fn(async () => ({ waiting: 4, delayed: 1 })) };
    const publisher = new MonitorQueueDepthPublisher(queue as never, new CloudWatchClient({ region: 'us-east-1' }), {
      enabled: true,
      redisPrefix: 'prm-prod',
      intervalMs: 60_000,
    });
    await expect(publisher.publishOnce()).resolves.toBe(5);
    const input = cw.commandCalls(PutMetricDataCommand)[0].args[0].input;
    expect(input.Namespace).toBe(MONITOR_QUEUE_DEPTH_METRIC.namespace);
    expect(input.MetricData?.[0]).toMatchObject({
      MetricName: 'MonitorPollQueueDepth',
      Dimensions: [{ Name: 'RedisPrefix', Value: 'prm-prod' }],
      Unit: 'Count',
      Value: 5,
    });
    publisher.onApplicationBootstrap();
    publisher.onApplicationShutdown();
    cw.on(PutMetricDataCommand).rejects(new Error('AccessDenied'));
    await expect(publisher.publishOnce()).resolves.toBeNull();
  });

  it('publishes nothing unless enabled', () => {
    cw.reset();
    const queue = { getJobCounts: jest.fn() };
    const publisher = new MonitorQueueDepthPublisher(queue as never, new CloudWatchClient({ region: 'us-east-1' }), {
      enabled: false,
      redisPrefix: 'prm',
    });
    publisher.onApplicationBootstrap();
    publisher.onApplicationShutdown();
    expect(queue.getJobCounts).not.toHaveBeenCalled();
  });
});

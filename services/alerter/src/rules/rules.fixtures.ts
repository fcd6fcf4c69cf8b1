// Shared fixtures of the alert-rule specs (rules.spec.ts, rules.edge-cases.spec.ts): one publisher, one
// subscriber and one stream between them, healthy unless a test overrides a part. Test-only (not built, not covered).
import type { EndpointStatus, EndpointView, SlotInfo } from '@prm/contracts';
import type { StoredStreamDetail, StreamRecord } from '@prm/persistence';
import { DEFAULT_ALERTER_SETTINGS } from '../alerter.settings.js';

import { type RuleInput, type StreamInput, evaluateRules } from './rules.js';

export const NOW = new Date('2026-03-01T12:00:00.000Z');
export const PUB = 'aaaaaaaa-0000-4000-8000-000000000001';
export const SUB = 'aaaaaaaa-0000-4000-8000-000000000002';
export const STREAM = 'bbbbbbbb-0000-4000-8000-000000000001';

export function endpoint(id: string, name: string): EndpointView {
  return {
    id,
    name,
    host: '10.0.0.1',
    port: 5432,
    dbname: 'app',
    sslmode: 'require',
    cloud: 'aws',
    region: 'us-east-1',
    network: null,
    role: id === PUB ? 'primary' : 'replica',
    credential: { kind: 'env', user: 'postgres', passwordEnv: 'PW' },
    logSource: { kind: 'none' },
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
  };
}

export function status(id: string, over: Partial<EndpointStatus> = {}): EndpointStatus {
  return {
    endpointId: id,
    reachability: 'reachable',
    rttMs: 1,
    serverVersion: '17.2',
    serverVersionNum: 170002,
    walLevel: 'logical',
    serverTime: NOW.toISOString(),
    walLsn: '0/5000000',
    lastError: null,
    lastSeenAt: NOW.toISOString(),
    checkedAt: NOW.toISOString(),
    consecutiveFailures: 0,
    publications: [],
    subscriptions: [],
    slots: [],
    ...over,
  };
}

export function slot(over: Partial<SlotInfo> = {}): SlotInfo {
  return {
    name: 'sub1',
    plugin: 'pgoutput',
    slotType: 'logical',
    database: 'app',
    active: true,
    activePid: 10,
    walStatus: 'reserved',
    restartLsn: '0/1000000',
    confirmedFlushLsn: '0/1000000',
    retainedBytes: 1000,
    lagBytes: 0,
    safeWalSizeBytes: null,
    ...over,
  };
}

export const record: StreamRecord = {
  id: STREAM,
  targetEndpointId: SUB,
  subscriptionName: 'sub1',
  sourceEndpointId: PUB,
  publications: ['pub'],
  slotName: 'sub1',
  origin: 'discovered',
  pausedAt: null,
  pausedBy: null,
  createdAt: NOW.toISOString(),
  updatedAt: NOW.toISOString(),
};

export function detail(over: Partial<StoredStreamDetail> = {}): StoredStreamDetail {
  return {
    id: STREAM,
    sourceEndpointId: PUB,
    targetEndpointId: SUB,
    sourceName: 'pub',
    targetName: 'replica',
    subscription: 'sub1',
    publications: ['pub'],
    slotName: 'sub1',
    state: 'streaming',
    stateReason: null,
    lag: { bytes: 10, seconds: 0, writeLagSeconds: 0, flushLagSeconds: 0, replayLagSeconds: 0 },
    level: 'ok',
    thresholds: { warningBytes: null, criticalBytes: null, warningSeconds: null, criticalSeconds: null },
    thresholdsOverridden: false,
    backfill: null,
    lastErrorAt: null,
    applyErrorCount: 0,
    syncErrorCount: 0,
    drift: { missingOnSubscriber: [], notInPublication: [] },
    conninfoHasPassword: false,
    updatedAt: NOW.toISOString(),
    publicationDetail: null,
    subscriptionDetail: {
      enabled: true,
      workerPid: 42,
      receivedLsn: null,
      latestEndLsn: null,
      lastMsgReceiptTime: null,
      latestEndTime: null,
      options: {},
    },
    slotDetail: {
      name: 'sub1',
      active: true,
      walStatus: 'reserved',
      restartLsn: null,
      confirmedFlushLsn: null,
      retainedBytes: 1,
    },
    tables: [],
    ...over,
  };
}

export function stream(over: Partial<StreamInput> = {}): StreamInput {
  return {
    record,
    detail: detail(),
    tracking: { publisherAt: 'p1', subscriberAt: 's1' },
    thresholds: { warningBytes: 100, criticalBytes: 1000, warningSeconds: null, criticalSeconds: 60 },
    errors: [],
    ...over,
  };
}

export function input(over: Partial<RuleInput> = {}, pubStatus = status(PUB), subStatus = status(SUB)): RuleInput {
  return {
    endpoint: endpoint(PUB, 'pub'),
    status: pubStatus,
    endpoints: new Map([
      [PUB, { view: endpoint(PUB, 'pub'), status: pubStatus }],
      [SUB, { view: endpoint(SUB, 'replica'), status: subStatus }],
    ]),
    streams: [stream()],
    allStreams: [record],
    slotSamples: new Map(),
    now: NOW,
    settings: DEFAULT_ALERTER_SETTINGS,
    ...over,
  };
}

export const kinds = (i: RuleInput) => evaluateRules(i).conditions.map((c) => `${c.kind}:${c.severity}`);

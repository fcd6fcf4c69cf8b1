import { InvalidEnvironmentError, validateEnv } from '@prm/observability';
import { DEFAULT_ALERTER_SETTINGS } from './alerter.settings.js';
import { AlerterEnv, AlerterSettingsEnv, alerterSettings } from './env.js';

describe('alerter env', () => {
  it('defaults to the documented settings; 0 bytes turns a slot threshold off', () => {
    const env = validateEnv(AlerterSettingsEnv, {});
    expect(alerterSettings(env, {}, {})).toEqual({
      ...DEFAULT_ALERTER_SETTINGS,
      awsEndpoint: undefined,
      awsRegion: undefined,
    });
    const off = validateEnv(AlerterSettingsEnv, { PRM_ALERT_SLOT_WARNING_BYTES: '0', PRM_ALERT_LAG_POLLS: '3' });
    const s = alerterSettings(off, { PRM_AWS_ENDPOINT: 'http://127.0.0.1:4566', AWS_REGION: 'eu-west-1' }, { X: '1' });
    expect(s).toMatchObject({
      slotRetentionWarningBytes: null,
      lagPolls: 3,
      awsEndpoint: 'http://127.0.0.1:4566',
      env: { X: '1' },
    });
  });

  it('names every invalid variable, never its value', () => {
    const err = (() => {
      try {
        validateEnv(AlerterEnv, { PRM_ALERT_DOWN_POLLS: '0', PRM_NOTIFY_ATTEMPTS: 'many', PRM_PORT: '70000' });
      } catch (e) {
        return e as InvalidEnvironmentError;
      }
      throw new Error('expected InvalidEnvironmentError');
    })();
    expect(err.problems.map((p) => p.variable).sort()).toEqual([
      'PRM_ALERT_DOWN_POLLS',
      'PRM_NOTIFY_ATTEMPTS',
      'PRM_PORT',
    ]);
    expect(err.message).not.toContain('many');
  });
});

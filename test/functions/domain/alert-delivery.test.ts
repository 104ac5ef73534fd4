import { describe, expect, it } from 'vitest';
import { alertIdFor } from '../../../functions/domain/alert.js';
import {
  DELIVERY_LEASE_SECONDS,
  DELIVERY_STATUSES,
  describePublishError,
  isClaimable,
  pendingDelivery,
  retryDelaySeconds,
  UNDELIVERED_ALARM_SECONDS,
} from '../../../functions/domain/alert-delivery.js';
import { buildPlatformAlarmAlert, PLATFORM_ORGANIZATION } from '../../../functions/domain/alert-platform.js';

describe('alert delivery', () => {
  const now = new Date('2026-03-01T10:00:00.000Z');

  it('starts pending with no attempt; a claim holds a minute, an alert undelivered for 15 minutes alarms', () => {
    expect(pendingDelivery()).toEqual({ status: 'pending', attempts: 0 });
    expect(DELIVERY_STATUSES).toEqual(['pending', 'publishing', 'delivered']);
    expect(DELIVERY_LEASE_SECONDS).toBe(60);
    expect(UNDELIVERED_ALARM_SECONDS).toBe(900);
  });

  it('backs off 30 s, doubling, to at most 10 minutes', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 20].map(retryDelaySeconds)).toEqual([
      30, 30, 60, 120, 240, 480, 600, 600, 600,
    ]);
  });

  it('lets a deliverer claim a pending alert, or a publishing one whose lease ran out, never a delivered one', () => {
    expect(isClaimable({ status: 'pending', attempts: 2 }, '2026-03-01T10:05:00.000Z', now)).toBe(true);
    expect(isClaimable({ status: 'publishing', attempts: 1 }, '2026-03-01T10:00:00.001Z', now)).toBe(false);
    expect(isClaimable({ status: 'publishing', attempts: 1 }, '2026-03-01T10:00:00.000Z', now)).toBe(true);
    expect(isClaimable({ status: 'publishing', attempts: 1 }, '2026-03-01T09:59:00.000Z', now)).toBe(true);
    expect(isClaimable({ status: 'publishing', attempts: 1 }, undefined, now)).toBe(true);
    expect(isClaimable({ status: 'delivered', attempts: 1 }, undefined, now)).toBe(false);
    expect(isClaimable({ status: 'delivered', attempts: 1 }, '2026-03-01T09:00:00.000Z', now)).toBe(false);
  });

  it("records a failed publish's error as name and message, at most 500 characters", () => {
    const error = new Error('Rate exceeded');
    error.name = 'ThrottledException';
    expect(describePublishError(error)).toBe('ThrottledException: Rate exceeded');
    expect(describePublishError('socket hang up')).toBe('socket hang up');
    expect(describePublishError(new Error('x'.repeat(600)))).toBe(`Error: ${'x'.repeat(493)}…`);
    expect(describePublishError('y'.repeat(500))).toBe('y'.repeat(500));
  });
});

describe('buildPlatformAlarmAlert', () => {
  const change = {
    alarmName: 'slipway-dead-letters',
    state: {
      value: 'ALARM',
      reason: 'Threshold crossed: 1 datapoint',
      timestamp: '2026-03-01T10:00:00.000+0000',
    },
    previousState: { value: 'OK' },
    description: 'Messages in the dead-letter queue',
    consoleLink: 'https://console.aws.amazon.com/cloudwatch/home#alarmsV2:alarm/slipway-dead-letters',
  };

  it('raises a critical platform.alarm for the _platform organization, with no environment', () => {
    const dedupKey = 'platform.alarm:slipway-dead-letters:2026-03-01T10:00:00.000+0000';
    expect(buildPlatformAlarmAlert(change)).toEqual({
      id: alertIdFor(dedupKey),
      kind: 'platform.alarm',
      severity: 'critical',
      organization: '_platform',
      summary: 'Slipway platform alarm: slipway-dead-letters',
      detail: 'Messages in the dead-letter queue\nThreshold crossed: 1 datapoint',
      links: [{ label: 'CloudWatch alarm', url: change.consoleLink }],
      occurredAt: '2026-03-01T10:00:00.000+0000',
      dedupKey,
    });
    expect(PLATFORM_ORGANIZATION).toBe('_platform');
    const bare = buildPlatformAlarmAlert({ alarmName: 'a', state: { value: 'ALARM', timestamp: 't' } });
    expect(bare).toMatchObject({ detail: '', links: [] });
    expect(bare).not.toHaveProperty('environment');
  });

  it('raises platform.recovered (info) only when an alarm returns to OK', () => {
    const ok = {
      ...change,
      state: { ...change.state, value: 'OK', reason: 'back under' },
      previousState: { value: 'ALARM' },
    };
    const dedupKey = 'platform.recovered:slipway-dead-letters:2026-03-01T10:00:00.000+0000';
    expect(buildPlatformAlarmAlert(ok)).toEqual({
      id: alertIdFor(dedupKey),
      kind: 'platform.recovered',
      severity: 'info',
      organization: '_platform',
      summary: 'Slipway platform alarm is OK again: slipway-dead-letters',
      detail: 'back under',
      links: [{ label: 'CloudWatch alarm', url: change.consoleLink }],
      occurredAt: '2026-03-01T10:00:00.000+0000',
      dedupKey,
    });
    expect(
      buildPlatformAlarmAlert({
        alarmName: 'a',
        state: { value: 'OK', timestamp: 't' },
        previousState: { value: 'ALARM' },
      }),
    ).toMatchObject({
      detail: '',
      links: [],
    });
    expect(buildPlatformAlarmAlert({ ...ok, previousState: { value: 'INSUFFICIENT_DATA' } })).toBeUndefined();
    expect(buildPlatformAlarmAlert({ ...ok, previousState: undefined })).toBeUndefined();
    expect(
      buildPlatformAlarmAlert({ ...change, state: { ...change.state, value: 'INSUFFICIENT_DATA' } }),
    ).toBeUndefined();
  });
});

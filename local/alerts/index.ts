/** Local mode's alerts topic: what local mode and the tests import. */
export type { FilterCondition, FilterPolicy, MessageAttributes } from './filter-policy.js';
export {
  FilterPolicyError,
  MAX_POLICY_COMBINATIONS,
  MAX_POLICY_KEYS,
  matchesFilterPolicy,
  parseFilterPolicy,
  policyCombinations,
} from './filter-policy.js';
export type {
  AlertLine,
  DeliveryRecord,
  LocalAlertPublisher,
  LocalAlertPublisherOptions,
} from './local-alert-publisher.js';
export { ALERTS_FILE, createLocalAlertPublisher, DELIVERIES_FILE } from './local-alert-publisher.js';
export type { WebhookSubscription } from './subscriptions.js';
export {
  AlertSubscriptionError,
  alertSubscriptionsFromEnv,
  parseSubscriptionList,
  parseWebhookList,
  SUBSCRIPTIONS_ENV,
  WEBHOOKS_ENV,
} from './subscriptions.js';
export type { DeliveryAttempt, DeliveryOutcome, DeliveryPolicy } from './webhook-delivery.js';
export { DEFAULT_DELIVERY_POLICY, deliverWebhook } from './webhook-delivery.js';

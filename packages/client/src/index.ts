export * from './attachments/index.ts';
export { backoffDelay } from './backoff.ts';
export { newClientMessageId } from './ids.ts';
export { findLinks, type TextPart } from './links.ts';
export { Outbox, type PendingSend } from './outbox.ts';
export {
  type ConnectionStatus,
  RealtimeClient,
  RealtimeError,
  type RealtimeEvents,
  type RealtimeOptions,
  type SendHandle,
  type SendInput,
} from './realtime.ts';
export { ApiError, createRestClient, type RestClient, type RestOptions } from './rest.ts';
export * from './room/index.ts';
export { Timeline } from './timeline.ts';

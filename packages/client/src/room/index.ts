export * as roomReducers from './reducers.ts';
export { BLIP_MS, latestSeq } from './reducers.ts';
export { RoomSession, type RoomSessionOptions, type SendResult } from './session.ts';
export {
  initialRoomState,
  type Notice,
  type OpenedMessage,
  type PendingMessage,
  type RoomCrypto,
  type RoomHistory,
  type RoomRealtime,
  type RoomState,
} from './types.ts';
export {
  buildTimeline,
  dayKey,
  displayName,
  firstUnreadSeq,
  GROUP_GAP_MS,
  messageProblem,
  messageText,
  seenByOthers,
  seenSeq,
  type TimelineItem,
  typingLine,
} from './view.ts';

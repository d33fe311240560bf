import type { HistoryResponse, MemberListResponse } from '@tandem/protocol';
import { api, liveChanges, servicesOf } from '../../app/api.ts';
import { settle, toAppError } from '../../app/errors.ts';
import {
  applyJoined,
  applyMessage,
  applyPresence,
  applyRead,
  applyTyping,
  fromSnapshot,
  prependHistory,
  type RoomSession,
} from './roomSession.ts';

export const chatApi = api.injectEndpoints({
  endpoints: (build) => ({
    /**
     * The room the chat page is in: joining it over the socket gives the snapshot; the socket's
     * events then keep it live until the page lets go of it (which leaves the room).
     */
    roomSession: build.query<RoomSession, string>({
      async queryFn(roomId, { extra }) {
        try {
          return { data: fromSnapshot(await servicesOf(extra).realtime.get().join({ roomId })) };
        } catch (error) {
          return { error: toAppError(error) };
        }
      },
      // Leaving the page leaves the room: nothing to keep.
      keepUnusedDataFor: 0,
      async onCacheEntryAdded(roomId, { extra, updateCachedData, cacheDataLoaded, cacheEntryRemoved }) {
        const realtime = servicesOf(extra).realtime.get();
        // Listen from the start, so that nothing between the snapshot and the first event is lost.
        const change = liveChanges(updateCachedData, cacheDataLoaded);
        const typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
        const stopTyping = (userId: string) => {
          clearTimeout(typingTimers.get(userId));
          typingTimers.delete(userId);
        };
        const here = (frame: { roomId: string }) => frame.roomId === roomId;
        const unsubscribe = [
          // A rejoin after a reconnect.
          realtime.on('joined', (frame) => {
            if (frame.room.id === roomId) change((s) => applyJoined(s, frame));
          }),
          realtime.on('message', (message) => {
            if (!here(message)) return;
            stopTyping(message.sender.id);
            change((s) => applyMessage(s, message));
          }),
          realtime.on('presence', (frame) => {
            if (here(frame)) change((s) => applyPresence(s, frame, new Date().toISOString()));
          }),
          realtime.on('read', (frame) => {
            if (here(frame)) change((s) => applyRead(s, frame));
          }),
          realtime.on('typing', (frame) => {
            if (!here(frame)) return;
            stopTyping(frame.user.id);
            change((s) => applyTyping(s, frame.user, frame.active));
            // The lease ends by itself if no refresh comes, even if the "stopped" notice is lost.
            if (frame.active) {
              const timer = setTimeout(() => {
                typingTimers.delete(frame.user.id);
                change((s) => applyTyping(s, frame.user, false));
              }, frame.expiresInMs);
              typingTimers.set(frame.user.id, timer);
            }
          }),
        ];
        await cacheEntryRemoved;
        for (const off of unsubscribe) off();
        for (const timer of typingTimers.values()) clearTimeout(timer);
        // Another room may have been joined meanwhile; only leave this one.
        if (realtime.roomId === roomId) realtime.leave();
      },
    }),
    roomMembers: build.query<MemberListResponse, string>({
      queryFn: (roomId, { extra }) => settle(servicesOf(extra).rest.members(roomId)),
    }),
    /** One page of older history, put in front of the session's messages. */
    loadOlderMessages: build.mutation<HistoryResponse, { roomId: string; before: number }>({
      queryFn: ({ roomId, before }, { extra }) => settle(servicesOf(extra).rest.history(roomId, { before, limit: 50 })),
      async onQueryStarted({ roomId }, { dispatch, queryFulfilled }) {
        const page = await queryFulfilled.then((r) => r.data).catch(() => undefined);
        if (page) dispatch(chatApi.util.updateQueryData('roomSession', roomId, (s) => prependHistory(s, page)));
      },
    }),
  }),
});

export const { useRoomSessionQuery, useRoomMembersQuery, useLoadOlderMessagesMutation } = chatApi;

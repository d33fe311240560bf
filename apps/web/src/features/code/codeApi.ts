import type { GuestRequest, RoomSummary, SessionResponse } from '@tandem/protocol';
import { api, servicesOf, startAfresh } from '../../app/api.ts';
import { settle } from '../../app/errors.ts';
import { authApi } from '../auth/authApi.ts';

export const codeApi = api.injectEndpoints({
  endpoints: (build) => ({
    /** The room behind a `/room/:roomId` link: its name, and whether it is a code room at all. */
    codeRoom: build.query<RoomSummary, string>({
      queryFn: (roomId, { extra }) => settle(servicesOf(extra).rest.getRoom(roomId)),
    }),
    /**
     * Someone who opened a room's link without a session picks a name and becomes a guest (the
     * server sets the cookie). Then, as after any sign-in, start afresh and ask who is signed in:
     * the session state follows `GET /auth/me`.
     */
    joinAsGuest: build.mutation<SessionResponse, GuestRequest>({
      queryFn: (body, { extra }) => settle(servicesOf(extra).rest.guest(body)),
      async onQueryStarted(_arg, { extra, dispatch, queryFulfilled }) {
        const ok = await queryFulfilled.then(
          () => true,
          () => false,
        );
        if (!ok) return;
        startAfresh(extra, dispatch);
        dispatch(authApi.endpoints.me.initiate(undefined, { subscribe: false, forceRefetch: true }));
      },
    }),
  }),
});

export const { useCodeRoomQuery, useJoinAsGuestMutation } = codeApi;

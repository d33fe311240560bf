import type {
  CreateRoomRequest,
  CreateRoomResponse,
  JoinByNameRequest,
  JoinResponse,
  RoomListResponse,
} from '@tandem/protocol';
import { api, liveChanges, servicesOf, startAfresh } from '../../app/api.ts';
import { settle } from '../../app/errors.ts';
import type { RootState } from '../../app/store.ts';
import { applyRoomActivity, unreadCount } from './roomActivity.ts';

export const roomsApi = api.injectEndpoints({
  endpoints: (build) => ({
    /** Every room, kept live by the socket's `roomActivity` events while the list is on screen. */
    rooms: build.query<RoomListResponse, void>({
      queryFn: (_arg, { extra }) => settle(servicesOf(extra).rest.listRooms()),
      providesTags: ['Rooms'],
      async onCacheEntryAdded(_arg, lifecycle) {
        const { extra, dispatch, getCacheEntry, updateCachedData, cacheDataLoaded, cacheEntryRemoved } = lifecycle;
        const realtime = servicesOf(extra).realtime.get();
        const change = liveChanges(updateCachedData, cacheDataLoaded);
        realtime.watchRooms(true);
        const stop = realtime.on('roomActivity', (activity) => {
          const rooms = getCacheEntry().data?.rooms;
          // Activity in a room the list has never seen: someone created it.
          if (rooms && !rooms.some((room) => room.id === activity.roomId)) {
            dispatch(api.util.invalidateTags(['Rooms']));
            return;
          }
          change((draft) => {
            applyRoomActivity(draft.rooms, activity);
          });
        });
        await cacheEntryRemoved;
        stop();
        realtime.watchRooms(false);
      },
    }),
    createRoom: build.mutation<CreateRoomResponse, CreateRoomRequest>({
      queryFn: (body, { extra }) => settle(servicesOf(extra).rest.createRoom(body)),
      invalidatesTags: ['Rooms'],
    }),
    /**
     * Join by name. With `username` and no session this also signs in as a new guest (the server
     * sets the cookie); with `create: false` an unknown name is a 404 whose message we show.
     */
    joinRoomByName: build.mutation<JoinResponse, JoinByNameRequest>({
      queryFn: (body, { extra }) => settle(servicesOf(extra).rest.joinByName(body)),
      async onQueryStarted(_arg, { extra, dispatch, queryFulfilled }) {
        const { data } = await queryFulfilled.catch(() => ({ data: undefined }));
        if (data?.session) startAfresh(extra, dispatch);
      },
      invalidatesTags: ['Rooms'],
    }),
  }),
});

export const { useRoomsQuery, useCreateRoomMutation, useJoinRoomByNameMutation } = roomsApi;

const selectRoomList = roomsApi.endpoints.rooms.select();

/**
 * Unread messages across your rooms, from the room list already loaded (this asks the server
 * nothing): 0 until a page that shows the list has loaded it. `except`: the room on screen,
 * whose messages are being read.
 */
export function selectTotalUnread(state: RootState, except?: string): number {
  let total = 0;
  for (const room of selectRoomList(state).data?.rooms ?? []) {
    if (room.id !== except) total += unreadCount(room) ?? 0;
  }
  return total;
}

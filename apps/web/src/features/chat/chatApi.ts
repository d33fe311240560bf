import type { MemberListResponse } from '@tandem/protocol';
import { api, servicesOf } from '../../app/api.ts';
import { settle } from '../../app/errors.ts';

// The room itself (snapshot, live events, sends, older pages) is the shared RoomSession's:
// see useRoomSession.ts. The member list is plain REST.
export const chatApi = api.injectEndpoints({
  endpoints: (build) => ({
    roomMembers: build.query<MemberListResponse, string>({
      queryFn: (roomId, { extra }) => settle(servicesOf(extra).rest.members(roomId)),
    }),
  }),
});

export const { useRoomMembersQuery } = chatApi;

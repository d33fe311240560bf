import type { LoginRequest, MeResponse, RegisterRequest, SessionResponse } from '@tandem/protocol';
import { api, servicesOf, startAfresh } from '../../app/api.ts';
import { settle } from '../../app/errors.ts';

type Lifecycle = { extra: unknown; dispatch: Parameters<typeof startAfresh>[1]; queryFulfilled: Promise<unknown> };

/** A sign-in that worked changed the session cookie: start afresh as the new person. */
async function afterSignIn({ extra, dispatch, queryFulfilled }: Lifecycle) {
  try {
    await queryFulfilled;
  } catch {
    return;
  }
  startAfresh(extra, dispatch);
}

export const authApi = api.injectEndpoints({
  endpoints: (build) => ({
    /**
     * Restores the session at start: the HttpOnly cookie is invisible to scripts, the server knows
     * it. Signed out is a 200 with `user: null`, so a signed-out page load logs no failed request.
     */
    me: build.query<MeResponse, void>({
      queryFn: (_arg, { extra }) => settle(servicesOf(extra).rest.me()),
    }),
    login: build.mutation<SessionResponse, LoginRequest>({
      queryFn: (body, { extra }) => settle(servicesOf(extra).rest.login(body)),
      onQueryStarted: (_arg, lifecycle) => afterSignIn(lifecycle),
    }),
    /** With a guest cookie present the server upgrades that guest, who keeps its rooms and messages. */
    register: build.mutation<SessionResponse, RegisterRequest>({
      queryFn: (body, { extra }) => settle(servicesOf(extra).rest.register(body)),
      onQueryStarted: (_arg, lifecycle) => afterSignIn(lifecycle),
    }),
    logout: build.mutation<void, void>({
      queryFn: (_arg, { extra }) => settle(servicesOf(extra).rest.logout()),
      async onQueryStarted(_arg, { extra, dispatch, queryFulfilled }) {
        try {
          await queryFulfilled;
        } catch (error) {
          // A session that already ended is as signed out as one we end now.
          if ((error as { error?: { status?: number } }).error?.status !== 401) return;
        }
        startAfresh(extra, dispatch);
      },
    }),
  }),
});

export const { useMeQuery, useLoginMutation, useRegisterMutation, useLogoutMutation } = authApi;

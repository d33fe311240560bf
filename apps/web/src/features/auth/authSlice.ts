import { createSlice, isAnyOf, type PayloadAction } from '@reduxjs/toolkit';
import type { PublicUser } from '@tandem/protocol';
import { roomsApi } from '../rooms/roomsApi.ts';
import { authApi } from './authApi.ts';

type AuthState = {
  /** `unknown` until `GET /auth/me` answers: the cookie is HttpOnly, only the server can tell. */
  status: 'unknown' | 'signedIn' | 'signedOut';
  user: PublicUser | null;
  /** Why the person was signed out, when it was not their own doing. */
  notice: string | null;
  /**
   * Set while the person's own sign-out is on its way: the server closes this session's sockets
   * (4401) before the answer arrives, and that close is then no news to show.
   */
  signingOut?: boolean;
};

const initialState: AuthState = { status: 'unknown', user: null, notice: null };

function signIn(state: AuthState, { id, username, name, guest }: PublicUser) {
  state.status = 'signedIn';
  state.user = { id, username, name, guest };
  state.notice = null;
}

function signOut(state: AuthState) {
  state.status = 'signedOut';
  state.user = null;
}

const isUnauthorized = (payload: unknown) => (payload as { status?: number } | undefined)?.status === 401;

export const authSlice = createSlice({
  name: 'auth',
  initialState,
  reducers: {
    sessionEnded(state, action: PayloadAction<string>) {
      signOut(state);
      state.notice = state.signingOut ? null : action.payload || 'Your session has ended. Sign in again.';
    },
  },
  extraReducers: (builder) => {
    builder
      // `{"user": null}`: no session, or it ended — an answer, not an error. A failure (the
      // server cannot be reached) leaves the status unknown, for the gate to say so and retry.
      .addMatcher(authApi.endpoints.me.matchFulfilled, (state, action) => {
        const { user } = action.payload;
        if (user) signIn(state, user);
        else signOut(state);
      })
      .addMatcher(
        isAnyOf(authApi.endpoints.login.matchFulfilled, authApi.endpoints.register.matchFulfilled),
        (state, action) => signIn(state, action.payload.user),
      )
      .addMatcher(roomsApi.endpoints.joinRoomByName.matchFulfilled, (state, action) => {
        if (action.payload.session) signIn(state, action.payload.session.user);
      })
      .addMatcher(authApi.endpoints.logout.matchPending, (state) => {
        state.signingOut = true;
      })
      .addMatcher(authApi.endpoints.logout.matchFulfilled, (state) => {
        signOut(state);
        state.signingOut = false;
      })
      .addMatcher(authApi.endpoints.logout.matchRejected, (state, action) => {
        state.signingOut = false;
        if (isUnauthorized(action.payload)) signOut(state);
      });
  },
  selectors: {
    selectCurrentUser: (state) => state.user,
    selectAuthStatus: (state) => state.status,
    selectAuthNotice: (state) => state.notice,
  },
});

export const { sessionEnded } = authSlice.actions;
export const { selectCurrentUser, selectAuthStatus, selectAuthNotice } = authSlice.selectors;

/** What to call a person: their name when they gave one, else their username. */
/** The name to show for someone: theirs, else their username (the same on every client). */
export { displayName } from '@tandem/client';

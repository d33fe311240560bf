import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import type { ConnectionStatus } from '@tandem/client';

type ConnectionState = {
  status: ConnectionStatus;
  /** Whether this connection was ever open: a first connect is not a "reconnecting" moment. */
  wasOpen: boolean;
  /** The last thing the server refused outside any form, until dismissed. */
  problem: string | null;
};

const initialState: ConnectionState = { status: 'idle', wasOpen: false, problem: null };

export const connectionSlice = createSlice({
  name: 'connection',
  initialState,
  reducers: {
    connectionChanged(state, action: PayloadAction<ConnectionStatus>) {
      state.status = action.payload;
      if (action.payload === 'open') state.wasOpen = true;
      if (action.payload === 'idle') state.wasOpen = false;
    },
    connectionProblem(state, action: PayloadAction<string>) {
      state.problem = action.payload;
    },
    problemDismissed(state) {
      state.problem = null;
    },
  },
  selectors: {
    /** Shown to people: a connection that dropped and is coming back by itself. */
    selectIsReconnecting: (state) =>
      state.status === 'reconnecting' || (state.wasOpen && state.status === 'connecting'),
    selectIsOnline: (state) => state.status === 'open',
    selectConnectionProblem: (state) => state.problem,
  },
});

export const { connectionChanged, connectionProblem, problemDismissed } = connectionSlice.actions;
export const { selectIsReconnecting, selectIsOnline, selectConnectionProblem } = connectionSlice.selectors;

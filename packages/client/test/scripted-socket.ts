// Moved to the shared fakes (`@tandem/client/testing`); kept here for the RealtimeClient suites.
export * from '../src/testing/scripted-socket.ts';

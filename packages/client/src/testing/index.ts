// Shared fakes for the room model's tests and both apps' binding tests (`@tandem/client/testing`).
export { type FakeHistory, fakeHistory } from './fake-history.ts';
export { FakeRealtime } from './fake-realtime.ts';
export { FakeXhr, fakeXhrClass } from './fake-xhr.ts';
export { helloFrame, joinedFrame, message, roomId, ScriptedSocket, user } from './scripted-socket.ts';

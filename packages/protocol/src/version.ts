/**
 * Version of the Tandem wire contract (REST bodies and WebSocket frames).
 * Bump it when a change is not backwards compatible; clients send it and the
 * server refuses versions it does not speak.
 */
export const PROTOCOL_VERSION = 1;

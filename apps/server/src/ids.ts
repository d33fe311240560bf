import { createHash, randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/** 128 random bits as 22 URL-safe characters: unguessable room and user ids. */
export const randomId = (): string => randomBytes(16).toString('base64url');

/** 256 random bits: session tokens. Only their hash is ever stored. */
export const newSessionToken = (): string => randomBytes(32).toString('base64url');

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('base64url');

/** Time-ordered ids keep the message index append-mostly. */
export const messageId = (): string => uuidv7();

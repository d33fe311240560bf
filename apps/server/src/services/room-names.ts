import { randomInt } from 'node:crypto';

/** The unique key of a room name: "Team  Unicorns" and "team unicorns" are one room. */
export const roomNameKey = (name: string): string => name.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();

export const tidyRoomName = (name: string): string => name.replace(/\s+/g, ' ').trim();

const ADJECTIVES = [
  'amber',
  'brave',
  'calm',
  'clever',
  'cosmic',
  'eager',
  'gentle',
  'golden',
  'happy',
  'lucky',
  'mellow',
  'nimble',
  'quiet',
  'rapid',
  'silver',
  'sunny',
  'swift',
  'tidy',
  'vivid',
  'witty',
];
const NOUNS = [
  'badger',
  'comet',
  'falcon',
  'harbor',
  'heron',
  'lantern',
  'maple',
  'meadow',
  'otter',
  'panda',
  'pebble',
  'quokka',
  'river',
  'rocket',
  'sparrow',
  'summit',
  'tiger',
  'unicorn',
  'walrus',
  'willow',
];

const pick = (words: string[]): string => words[randomInt(words.length)] ?? 'room';

/** A readable name for a room created without one, such as "swift-otter-482". */
export const generateRoomName = (): string => `${pick(ADJECTIVES)}-${pick(NOUNS)}-${randomInt(100, 1000)}`;

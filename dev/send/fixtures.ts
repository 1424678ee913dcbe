import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../infra/project-root.js';

export const EVENTS_DIR = path.join(PROJECT_ROOT, 'test', 'events');

/** The text of a provider fixture, e.g. fixture('village', 'cash-out'). */
export function fixture(provider: string, name: string): string {
  return readFileSync(path.join(EVENTS_DIR, provider, `${name}.json`), 'utf8');
}

export function fixtureNames(provider: string): string[] {
  return readdirSync(path.join(EVENTS_DIR, provider))
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

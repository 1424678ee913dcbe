import { UsageError } from './command-errors.js';

type Env = Record<string, string | undefined>;

/** Where `npm start` serves each part unless its variable says otherwise; the commands look in the same places. */
export const LOCAL_PORTS = { PORT: 3000, DYNAMODB_PORT: 8000, STRIPE_STAND_IN_PORT: 12111 } as const;

export type LocalPortName = keyof typeof LOCAL_PORTS;

export function localPort(env: Env, name: LocalPortName): number {
  return portSetting(env, name, LOCAL_PORTS[name]);
}

/** The DynamoDB a local command uses: DYNAMODB_ENDPOINT, or the DynamoDB Local `npm start` runs on DYNAMODB_PORT. */
export function localDynamoEndpoint(env: Env = process.env): string {
  return env.DYNAMODB_ENDPOINT || `http://127.0.0.1:${localPort(env, 'DYNAMODB_PORT')}`;
}

/** The local gateway `npm start` serves on PORT. */
export function localGatewayUrl(env: Env = process.env): string {
  return `http://127.0.0.1:${localPort(env, 'PORT')}`;
}

/** A local port setting (PORT, DYNAMODB_PORT…): a whole number from 1 to 65535, or the default. */
function portSetting(env: Record<string, string | undefined>, name: string, defaultPort: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return defaultPort;
  const port = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new UsageError(`${name} must be a port number from 1 to 65535, not "${raw}".`);
  }
  return port;
}

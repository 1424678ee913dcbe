import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export { Logger, Metrics, MetricUnit };

export const NAMESPACE = 'PaymentsWebhookGateway';

/** Structured JSON logs (Powertools); the correlation id is set per request by the handler. */
export function makeLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}

/** Metrics as CloudWatch embedded metric format; POWERTOOLS_METRICS_DISABLED silences them locally. */
export function makeMetrics(serviceName: string): Metrics {
  return new Metrics({ namespace: NAMESPACE, serviceName });
}

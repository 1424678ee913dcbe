import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { AMOUNT_COLUMNS } from './report-types.js';
import type { ReportRow } from './report-store.js';

/** A report file that is not the CSV Stripe documents. */
export class ReportFileError extends Error {
  override name = 'ReportFileError';
}

/**
 * A report's CSV (header row, then one row per line) to rows keyed by column name. Amounts
 * stay text, checked to be exact decimals (major units): never a float.
 */
export function parseReportCsv(text: string): ReportRow[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, bom: true, trim: false }) as Record<string, string>[];
  } catch (error) {
    throw new ReportFileError(`The report file is not valid CSV: ${(error as Error).message}`);
  }
  for (const [index, record] of records.entries()) {
    for (const column of Object.keys(record)) {
      const value = record[column]!;
      if (AMOUNT_COLUMNS.has(column) && value !== '' && !isDecimal(value)) {
        throw new ReportFileError(`Row ${index + 1}: ${column} is "${value}", not a decimal amount.`);
      }
    }
  }
  return records;
}

function isDecimal(value: string): boolean {
  if (!/^-?\d+(\.\d+)?$/.test(value)) return false;
  return new Decimal(value).isFinite();
}

import type { ImportCounts, ListOutcome } from './import.js';
import { CATCH_UP_DAYS, type ImportSummary } from './run.js';

/** The import's summary as the operator reads it: per list, per object type, the problems, and what to do next. */
export function formatImportSummary(summary: ImportSummary): string {
  const lines = [`Imported Stripe objects created from ${summary.since} until ${summary.until}:`];
  const width = Math.max(8, ...summary.lists.map((list) => label(list).length));
  for (const list of summary.lists)
    lines.push(`  ${label(list).padEnd(width)}  ${counts(list)}${list.state === 'done' ? '' : `  (${list.state})`}`);
  for (const skipped of summary.skippedSources) lines.push(`  ${skipped.sourceId.padEnd(width)}  skipped: ${skipped.reason}`);
  lines.push('By type:');
  for (const [list, value] of Object.entries(summary.byList)) lines.push(`  ${list.padEnd(16)}  ${counts(value)}`);
  lines.push(`Total: ${counts(summary.totals)}`);
  for (const problem of summary.problems)
    lines.push(
      `  ${problem.objectId ? 'SKIPPED' : 'STOPPED'} ${[problem.sourceId, problem.list, problem.objectId].filter(Boolean).join(' ')}: ${problem.reason}`,
    );
  lines.push(
    summary.complete
      ? `Objects created since ${summary.until} are catch-up's (npm run catch-up -- --since ${CATCH_UP_DAYS}d): their events are still at Stripe.`
      : 'Run the same command again: each list goes on after the last object it applied, and nothing applied is written twice.',
  );
  return lines.join('\n');
}

function label(list: ListOutcome): string {
  return [list.sourceId, list.list, list.account].filter(Boolean).join(' ');
}

function counts(value: ImportCounts): string {
  return `listed ${value.listed} · written ${value.written} · unchanged ${value.unchanged} · skipped ${value.skipped}`;
}

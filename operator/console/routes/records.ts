import type { Hono } from 'hono';
import { LimitsAdmin } from '../../limits.js';
import { readableRecord } from '../../records.js';
import { HttpError } from '../../../functions/shared/errors.js';
import { firstKindWithRecords, recordFilter } from '../filters.js';
import { limitsPage } from '../views/limits.js';
import { recordPage, recordsPage } from '../views/records.js';
import { PAGE_SIZE, type ConsolePages } from './context.js';

/** The provider records (listing, one record) and the limits with what cash-outs have taken of them. */
export function recordAndLimitPages(app: Hono, { deps, page: context }: ConsolePages): void {
  app.get('/records', async (c) => {
    const query = c.req.query();
    const chosen = recordFilter(query);
    const filter = { ...chosen, kind: chosen.kind ?? (await firstKindWithRecords(deps.records)) };
    const page = await deps.records.list(filter, { limit: PAGE_SIZE, cursor: query.cursor });
    return c.html(recordsPage(context, { ...filter, page }));
  });

  app.get('/records/:kind/:id', async (c) => {
    const record = await deps.records.get(c.req.param('id'), c.req.param('kind'));
    if (!record) throw new HttpError(404, 'record_not_found', `No ${c.req.param('kind')} record ${c.req.param('id')}.`);
    return c.html(recordPage(context, readableRecord(record)));
  });

  app.get('/limits', async (c) => {
    const rows = await new LimitsAdmin(deps.db, deps.tables, deps.clock).show();
    return c.html(limitsPage(context, { rows }));
  });
}

import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';
import { InputError } from '../errors.js';
import { ACTIONS } from '../shared/actionRate.js';
import { contactSpec, headerColumn } from '../shared/inputSpecs.js';
import { recordRejects } from './mergeChecked.js';
import { formatOf, missingColumnsMessage, readablePath, readHeader, sha256File } from './resolveInputs.js';
import { stageFile } from './stageFile.js';
import { ISO_VALUES } from '../shared/inputFormats.js';
import { dropStaged, scannedValues, show, validateStage } from './validateStage.js';

/** What a contacts file added to recorded_contacts: rows_read = rows_accepted + rows_rejected + rows_duplicate. */
export interface ContactsIngest {
  file: string;
  load_id: string;
  campaign_id: string;
  campaign: string;
  sha256: string;
  rows_read: number;
  rows_accepted: number;
  rows_rejected: number;
  rows_duplicate: number;
  customers: number;
  /** Accepted contacts by action. */
  by_action: Record<string, number>;
}

export interface ContactsOptions {
  /** The load's id: its rejected rows are filed under it (fidelio rejected --run). */
  loadId: string;
  runTime: Date;
  currency: string;
  earliestDate: string;
  /** The campaign's name (default: the file's name). */
  campaign?: string;
}

/**
 * Reads a contacts file (customer_id, action, contacted_at, channel,
 * optional cost) through the same staging and checks as every input
 * (stageFile, validateStage: a line that cannot be split, a date that is
 * not one, a day after now or before ingest.earliestDate, an id with control
 * characters), then the contacts' own: an action fidelio does not give, a
 * negative cost, a customer the base does not know. Rejected lines go to
 * rejected_rows with their reason; a line repeating an earlier one, or a
 * contact already recorded (same customer, action, day and channel), is a
 * duplicate; the rest land in recorded_contacts beside the page's campaigns,
 * in one transaction.
 */
export async function ingestContacts(db: Database, path: string, o: ContactsOptions): Promise<ContactsIngest> {
  const format = formatOf(path);
  const header = await readHeader(db, path, format, ',', 'utf-8', 'contacts');
  const has = (c: string) => header.includes(headerColumn(contactSpec, c, header, {}));
  const missing = contactSpec.columns.filter((c) => c.required && !has(c.name)).map((c) => c.name);
  if (missing.length) throw new InputError(missingColumnsMessage(path, missing, header, ',', 'contacts'));
  const columnMap = new Map(contactSpec.columns.map((c) => {
    const actual = headerColumn(contactSpec, c.name, header, {});
    return [c.name, header.includes(actual) ? actual : undefined] as const;
  }));
  const sha256 = await sha256File(path);
  const readable = readablePath(path);
  try {
    const staged = await stageFile(db, readable.path, format, columnMap, header, { kind: 'contacts', delimiter: ',', encoding: 'utf-8', displayPath: path });
    const mapped = new Set([...columnMap.entries()].filter(([, a]) => a !== undefined).map(([c]) => c));
    await validateStage(db, contactSpec, { runTime: o.runTime, currency: o.currency, earliestDate: o.earliestDate, grain: 'line', mapped, format: ISO_VALUES, columns: 'all', ...scannedValues(staged) }, staged.relation);
    const reject = (where: string, reason: string, reasonClass: string) => db.run(`UPDATE checked SET status = 'rejected',
        reason = ${reason}, reason_class = '${reasonClass}' WHERE status = 'ok' AND (${where})`, { actions: ACTIONS.join(',') });
    await reject(`NOT list_contains(string_split($actions, ','), lower(trim(action)))`,
      `'action ' || ${show('action')} || ' is not one fidelio gives (' || replace($actions, ',', ', ') || ')'`, 'action_unknown');
    await db.run(`UPDATE checked SET status = 'rejected', reason = 'cost ' || ${show('CAST(cost AS VARCHAR)')} || ' is negative', reason_class = 'cost_negative'
      WHERE status = 'ok' AND cost < 0`);
    await db.run(`UPDATE checked SET status = 'rejected', reason = 'customer_id ' || ${show('customer_id')} || ' is not a customer of the base (no order or customer row)',
        reason_class = 'customer_id_unknown'
      WHERE status = 'ok' AND customer_id NOT IN (SELECT customer_id FROM orders WHERE customer_id IS NOT NULL UNION SELECT customer_id FROM customers)`);
    // Exact repeats, within the file and of what is recorded: the same contact, counted once.
    await db.run(`UPDATE checked c SET status = 'duplicate' FROM (
        SELECT line, row_number() OVER (PARTITION BY customer_id, lower(trim(action)), CAST(contacted_at AS DATE), trim(channel) ORDER BY line) AS nth
        FROM checked WHERE status = 'ok') d
      WHERE d.line = c.line AND (d.nth > 1 OR EXISTS (SELECT 1 FROM recorded_contacts r WHERE r.customer_id = c.customer_id
        AND r.action IS NOT DISTINCT FROM lower(trim(c.action)) AND r.contacted_on = CAST(c.contacted_at AS DATE) AND r.channel = trim(c.channel)))`);
    const campaign = o.campaign ?? basename(path);
    const campaignId = 'file-' + createHash('sha256').update(sha256).update(campaign).digest('hex').slice(0, 12);
    return await db.transaction(async () => {
      await recordRejects(db, 'contacts', path, o.loadId, staged.pendingLines);
      await db.run(`INSERT INTO recorded_contacts (campaign_id, campaign, customer_id, list_name, action, channel, contacted_on, cost_per_contact,
          currency, run_id, as_of, recorded_at, source_file, source_line) ${readSql('ingest/recorded_contacts_from_file.sql')}`, {
        campaign_id: campaignId, campaign, currency: o.currency, recorded_at: o.runTime.toISOString(), file: path,
      });
      const counts = (await db.one<{ ok: number; rejected: number; duplicate: number; customers: number }>(`SELECT
          count(*) FILTER (WHERE status = 'ok') AS ok, count(*) FILTER (WHERE status = 'rejected') AS rejected,
          count(*) FILTER (WHERE status = 'duplicate') AS duplicate, count(DISTINCT customer_id) FILTER (WHERE status = 'ok') AS customers FROM checked`))!;
      const byAction = await db.all<{ action: string; n: number }>(`SELECT lower(trim(action)) AS action, count(*) AS n FROM checked WHERE status = 'ok' GROUP BY 1 ORDER BY 1`);
      const result: ContactsIngest = {
        file: path, load_id: o.loadId, campaign_id: campaignId, campaign, sha256, rows_read: staged.rowsRead,
        rows_accepted: Number(counts.ok), rows_rejected: Number(counts.rejected), rows_duplicate: Number(counts.duplicate), customers: Number(counts.customers),
        by_action: Object.fromEntries(byAction.map((a) => [a.action, Number(a.n)])),
      };
      if (result.rows_read !== result.rows_accepted + result.rows_rejected + result.rows_duplicate) {
        throw new Error(`contacts accounting is off for ${path}: ${JSON.stringify(result)}`);
      }
      return result;
    });
  } finally {
    readable.cleanup();
    await dropStaged(db);
  }
}

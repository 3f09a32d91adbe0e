import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { listValue } from '@duckdb/node-api';
import { Database, dateParam, type Row } from '../db/Database.js';
import { migrate } from '../db/migrations.js';
import { DataError } from '../errors.js';
import { readSql } from '../db/sqlFile.js';

/** The working database could not be opened now: a run holds it. */
export class WorkingDatabaseBusy extends Error {}

/** A campaign as a marketer records it: who of a list was contacted, how, when and at what cost. */
export interface Campaign {
  campaign: string;
  listName: string;
  channel: string;
  contactedOn: string;
  costPerContact: number;
  currency: string | null;
  /** The publication the list was read from. */
  runId: string;
  asOf: string;
  /** The customers contacted, each with the action the publication gave them. */
  customers: { customer_id: string; action: string | null }[];
}

/**
 * The working database, opened only for the moment a request needs it
 * (a run takes it whole while it runs, and a page left open must not stop
 * the morning's run): a customer's orders and recorded contacts, and the
 * one write the page makes, a campaign's contacts.
 */
export class WorkingDatabase {
  constructor(readonly path: string) {}

  private async open<T>(readOnly: boolean, body: (db: Database) => Promise<T>): Promise<T> {
    if (!existsSync(this.path)) throw new DataError(`${this.path} does not exist: run "fidelio run" first, or point --db at the working database`);
    let db: Database;
    try {
      db = await Database.open(this.path, { readOnly });
    } catch (err) {
      if (/locked by another process/.test((err as Error).message)) throw new WorkingDatabaseBusy((err as Error).message);
      throw err;
    }
    try {
      return await body(db);
    } finally {
      db.close();
    }
  }

  /** A customer's orders (every one the database holds, refunds included) and the contacts recorded for them. */
  async customer(customerId: string): Promise<{ orders: Row[]; contacts: Row[] }> {
    return this.open(true, async (db) => ({
      orders: await db.all(readSql('serve/customer_orders.sql'), { customer_id: customerId }),
      contacts: (await db.hasTable('recorded_contacts'))
        ? await db.all('SELECT campaign, list_name, action, channel, contacted_on, cost_per_contact, currency, as_of FROM recorded_contacts WHERE customer_id = $customer_id ORDER BY contacted_on DESC, recorded_at DESC', { customer_id: customerId })
        : [],
    }));
  }

  /** The campaigns recorded, newest first, with their counts and costs. */
  async campaigns(): Promise<Row[]> {
    return this.open(true, async (db) => ((await db.hasTable('recorded_contacts')) ? db.all(readSql('serve/campaigns.sql')) : []));
  }

  /**
   * Records a campaign's contacts in one statement (the customers as one
   * bound list) and returns its id, named after what it holds (the same
   * campaign recorded twice is refused, not counted twice). Migrates an
   * older database first, as every fidelio command does.
   */
  async record(c: Campaign, recordedAt: Date): Promise<string> {
    const id = 'cmp-' + createHash('sha256').update(JSON.stringify([c.runId, c.listName, c.campaign, c.channel, c.contactedOn, c.customers.map((x) => x.customer_id)])).digest('hex').slice(0, 12);
    return this.open(false, async (db) => {
      await migrate(db);
      if ((await db.value<number>('SELECT count(*) FROM recorded_contacts WHERE campaign_id = $id', { id })) > 0) {
        throw new DataError(`this campaign (${c.campaign}, ${c.channel}, ${c.contactedOn}, the same customers) is already recorded as ${id}`);
      }
      await db.run(`INSERT INTO recorded_contacts (campaign_id, campaign, customer_id, list_name, action, channel, contacted_on, cost_per_contact, currency, run_id, as_of, recorded_at)
        SELECT $id, $campaign, u.customer_id, $list_name, u.action, $channel, $contacted_on, $cost, $currency, $run_id, $as_of, $recorded_at
        FROM (SELECT unnest($ids) AS customer_id, unnest($actions) AS action) u`, {
        id, campaign: c.campaign, list_name: c.listName, channel: c.channel, contacted_on: dateParam(c.contactedOn),
        cost: c.costPerContact, currency: c.currency, run_id: c.runId, as_of: dateParam(c.asOf), recorded_at: recordedAt.toISOString(),
        ids: listValue(c.customers.map((x) => x.customer_id)), actions: listValue(c.customers.map((x) => x.action)),
      });
      return id;
    });
  }
}

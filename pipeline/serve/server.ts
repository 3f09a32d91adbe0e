import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { packageRoot } from '../db/sqlFile.js';
import { DataError, FidelioError, InputError, UsageError } from '../errors.js';
import type { Logger } from '../log.js';
import { ACTIONS } from '../shared/actionRate.js';
import { campaignCustomers, campaignFields, campaignForm, campaignsPage, type CampaignForm } from './campaignPages.js';
import { customerPage, customerScores, type CustomerActivity } from './customerPage.js';
import { problem, type Html, type PublicationInfo } from './layout.js';
import { listOptions, listPage, type ListRequest } from './listPage.js';
import type { ListFunctions } from './lists.js';
import { overviewPage } from './overviewPage.js';
import { effectsPage, personasPage } from './personasPage.js';
import { PublishedData, type Snapshot } from './publishedData.js';
import { CsrfGuard, isLoopback, requireLocalHost, requireToken, securityHeaders } from './security.js';
import { WorkingDatabase, WorkingDatabaseBusy } from './workingDatabase.js';

export interface ServeOptions {
  /** The publication folder (--out). */
  out: string;
  /** The working database (--db): customers' orders and the recorded contacts. */
  db: string;
  host: string;
  token?: string;
  minGroup: number;
  log: Logger;
  /** `fidelio list`'s query and writer (cli/listCommand.ts). */
  lists: ListFunctions;
  /** The clock, for the campaign's recorded_at and the form's default day. */
  now?: () => Date;
  /** How often a newly switched-in release is looked for, to make its overview, personas and effects pages ahead (default 5 s). */
  warmSeconds?: number;
}

const LIST_NAMES = ['at-risk-vip', 'ambassador', ...ACTIONS];
const BUSY = 'The working database is busy (a fidelio run holds it): the orders and campaigns are back when it finishes, in a few minutes. The scores shown are the last published.';

/** The assets the pages load, all served from this package (no network at run time). */
function assets(): Record<string, { body: string; type: string }> {
  const chartJs = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
  const own = (name: string) => readFileSync(join(packageRoot, 'pipeline', 'serve', 'static', name), 'utf8');
  return {
    'chart.umd.min.js': { body: readFileSync(chartJs, 'utf8'), type: 'text/javascript; charset=utf-8' },
    'serve.js': { body: own('serve.js'), type: 'text/javascript; charset=utf-8' },
    'serve.css': { body: own('serve.css'), type: 'text/css; charset=utf-8' },
  };
}

/** The champions a release's model_metrics.json names (churn, value, purchase model), or undefined where it does not say. */
function championsOf(file: string): PublicationInfo['models'] {
  if (!existsSync(file)) return undefined;
  const m = JSON.parse(readFileSync(file, 'utf8')) as { churn?: { model?: unknown }; value?: { model?: unknown }; btyd_model?: unknown };
  const [churn, value, purchase] = [m.churn?.model, m.value?.model, m.btyd_model];
  return typeof churn === 'string' && typeof value === 'string' && typeof purchase === 'string' ? { churn, value, purchase } : undefined;
}

/** What a publication's footer says, read once per release from its manifest. */
async function publicationInfo(s: Snapshot, cache: Map<string, PublicationInfo>): Promise<PublicationInfo> {
  let info = cache.get(s.release);
  if (!info) {
    const file = join(s.release, 'run_manifest.json');
    const m = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> : {};
    const row = await s.db.one<{ as_of: string; model_version: string; currency: string | null }>('SELECT as_of, model_version, currency FROM customer_scores LIMIT 1');
    info = {
      runId: s.runId, asOf: String(m.as_of ?? row?.as_of ?? '?'), modelVersion: String(m.model_version ?? row?.model_version ?? '?'),
      currency: String(m.currency ?? row?.currency ?? 'USD'), horizonDays: Number(m.horizon_days ?? 90), cmgr: (m.cmgr as PublicationInfo['cmgr']) ?? null,
    };
    const models = championsOf(join(s.release, 'model_metrics.json'));
    if (models) info.models = models;
    cache.set(s.release, info);
  }
  return info;
}

/**
 * The web application of `fidelio serve`: every page reads one publication
 * (read-only, resolved once per request), the customer's orders and the
 * recorded campaigns come from the working database opened for the moment,
 * and the one write is a campaign's contacts.
 */
export function createApp(o: ServeOptions): { app: Hono; close(): void; ready: Promise<void> } {
  const published = new PublishedData(o.out);
  const working = new WorkingDatabase(o.db);
  const infos = new Map<string, PublicationInfo>();
  const csrf = new CsrfGuard();
  const files = assets();
  const now = o.now ?? (() => new Date());
  const app = new Hono();

  app.use(securityHeaders);
  app.use(requireLocalHost(isLoopback(o.host)));
  app.use(requireToken(o.token));

  const render = async (c: Context, body: (s: Snapshot, info: PublicationInfo) => Promise<Html | Response>) => published.with(async (s) => {
    const info = await publicationInfo(s, infos);
    const out = await body(s, info);
    return out instanceof Response ? out : c.html(await out);
  });
  // The pages drawn from the publication alone (it never changes) are made once per release, and made ahead: at start
  // and whenever a new release is switched in (checked every warmSeconds), so that no visitor waits for them.
  const onceRoutes: Record<string, (s: Snapshot, info: PublicationInfo) => Promise<Html>> = {
    '/': (s, info) => overviewPage(s.db, info, o.minGroup),
    '/personas': (s, info) => personasPage(s.db, info),
    '/effects': (s, info) => effectsPage(s.db, info, o.minGroup),
  };
  // Each page once per release, the making shared by whoever asks while it is made (the warmer or a request).
  const cached = new Map<string, Promise<string>>();
  let cachedRelease = '';
  const build = (path: string, s: Snapshot): Promise<string> => {
    if (cachedRelease !== s.release) {
      cached.clear();
      cachedRelease = s.release;
    }
    let text = cached.get(path);
    if (text === undefined) {
      text = (async () => {
        const made = String(await onceRoutes[path]!(s, await publicationInfo(s, infos)));
        o.log.debug({ page: path, run: s.runId }, 'page made for this release');
        return made;
      })();
      const release = s.release;
      cached.set(path, text);
      // A page that failed is made again by the next request, not kept as a failure.
      text.catch(() => {
        if (cachedRelease === release && cached.get(path) === text) cached.delete(path);
      });
    }
    return text;
  };
  const renderOnce = (c: Context) => published.with(async (s) => c.html(await build(c.req.path, s)));
  let warming = false;
  const warm = async () => {
    if (warming) return;
    warming = true;
    try {
      await published.with(async (s) => {
        for (const path of Object.keys(onceRoutes)) await build(path, s);
      });
    } catch {
      // Nothing published yet, or a release switched under it: the next tick (or the first request) tries again.
    } finally {
      warming = false;
    }
  };
  const ready = warm();
  const warmer = setInterval(() => void warm(), (o.warmSeconds ?? 5) * 1000);
  warmer.unref();
  const listName = (name: string) => {
    if (!LIST_NAMES.includes(name)) throw new NotFound(`there is no list "${name}": the lists are ${LIST_NAMES.join(', ')}`);
    return name;
  };
  const dbFile = (s: Snapshot) => join(s.release, 'fidelio.duckdb');

  app.get('/assets/:file', (c) => {
    const f = files[c.req.param('file')];
    if (!f) return c.text('not found', 404);
    return c.body(f.body, 200, { 'Content-Type': f.type });
  });
  app.get('/', (c) => renderOnce(c));
  app.get('/lists', (c) => c.redirect('/lists/at-risk-vip', 302));
  app.get('/lists/:name', (c) => render(c, async (s, info) => {
    const name = listName(c.req.param('name'));
    const q = c.req.query() as ListRequest & { format?: string; top?: string };
    if (q.format === undefined || q.format === 'html') return listPage(o.lists, s.db, dbFile(s), name, q, info);
    if (q.format !== 'csv' && q.format !== 'json') throw new UsageError(`format: expected csv or json, got "${q.format}"`);
    // The list command's own writer: the download is `fidelio list <name> --format <f> --top <n>` byte for byte.
    const text = await o.lists.listText(s.db, dbFile(s), name, listOptions(q, q.format, q.top === undefined || q.top === '' ? undefined : o.lists.topCount(q.top)));
    return c.body(text, 200, {
      'Content-Type': q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="fidelio-${name}-${info.asOf}.${q.format}"`,
    });
  }));
  app.get('/lists/:name/campaign', (c) => render(c, (s, info) => campaignForm(o.lists, s.db, dbFile(s), listName(c.req.param('name')), c.req.query() as ListRequest, info, csrf.token, now().toISOString().slice(0, 10))));
  app.get('/customers', (c) => {
    const id = (c.req.query('id') ?? '').trim();
    return id ? c.redirect(`/customers/${encodeURIComponent(id)}`, 302) : c.redirect('/', 302);
  });
  app.get('/customers/:id', (c) => render(c, async (s, info) => {
    const id = c.req.param('id');
    const scores = await customerScores(s.db, id);
    if (!scores) throw new NotFound(`no customer "${id}" in the publication as of ${info.asOf}`);
    let activity: CustomerActivity;
    try {
      activity = await working.customer(id);
    } catch (err) {
      if (!(err instanceof WorkingDatabaseBusy || err instanceof DataError)) throw err;
      activity = { orders: [], contacts: [], busy: err instanceof WorkingDatabaseBusy ? BUSY : err.message };
    }
    return customerPage(scores, activity, info);
  }));
  app.get('/personas', (c) => renderOnce(c));
  app.get('/effects', (c) => renderOnce(c));
  app.get('/campaigns', (c) => render(c, async (_s, info) => {
    let campaigns: Awaited<ReturnType<WorkingDatabase['campaigns']>> = [];
    let busy: string | undefined;
    try {
      campaigns = await working.campaigns();
    } catch (err) {
      if (!(err instanceof WorkingDatabaseBusy)) throw err;
      busy = BUSY;
    }
    return campaignsPage(campaigns, info, c.req.query('recorded'), busy);
  }));
  app.post('/campaigns', bodyLimit({ maxSize: 20 * 1024 * 1024, onError: (c) => c.text('413: the campaign form is too large', 413) }), async (c) => {
    const form = (await c.req.parseBody()) as Record<string, string>;
    const refused = csrf.check(form.csrf, c.req.header('origin'), c.req.url);
    if (refused) return c.text(`403: ${refused}`, 403);
    return render(c, async (s, info) => {
      const f = form as CampaignForm;
      listName(f.list ?? '');
      // The first N (or the ids) are the list the marketer saw: a publication switched in since then may list others.
      if (f.run !== s.runId) throw new DataError(`a newer publication (run ${s.runId}, as of ${info.asOf}) came since this form was opened (run ${f.run ?? '?'}): its list may differ; open the list again, check it, and record the campaign from there`);
      const fields = campaignFields(f);
      const customers = await campaignCustomers(o.lists, s.db, dbFile(s), f);
      if (!customers.length) throw new UsageError('no customer of the list to record');
      const id = await working.record({
        campaign: fields.campaign, listName: f.list!, channel: fields.channel, contactedOn: fields.day, costPerContact: fields.cost,
        currency: info.currency, runId: s.runId, asOf: info.asOf, customers,
      }, now());
      o.log.info({ campaign_id: id, customers: customers.length, list: f.list }, 'campaign recorded');
      return c.redirect(`/campaigns?recorded=${encodeURIComponent(id)}`, 303);
    });
  });

  app.notFound(async (c) => c.html(await problem('Not found', `There is no page at ${c.req.path}.`), 404));
  app.onError(async (err, c) => {
    const [status, title] = err instanceof NotFound ? [404, 'Not found'] as const
      : err instanceof UsageError ? [400, 'Not a valid request'] as const
        : err instanceof WorkingDatabaseBusy ? [503, 'Busy'] as const
          : err instanceof InputError ? [503, 'Nothing published yet'] as const
            : err instanceof FidelioError ? [409, 'Not done'] as const : [500, 'Something went wrong'] as const;
    if (status === 500) o.log.error({ err, path: c.req.path }, 'fidelio serve: request failed');
    const message = err instanceof WorkingDatabaseBusy ? BUSY : status === 500 ? 'fidelio could not answer this request; the log says why.' : err.message;
    if (status === 503) c.header('Retry-After', '60');
    return c.html(await problem(title, message), status);
  });
  return {
    app,
    ready,
    close: () => {
      clearInterval(warmer);
      published.close();
    },
  };
}

/** A page that does not exist (an unknown list or customer). */
class NotFound extends Error {}

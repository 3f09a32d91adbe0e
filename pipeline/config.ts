import { readFileSync, existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UsageError } from './errors.js';
import { specs, type InputKind } from './shared/inputSpecs.js';

/**
 * The one configuration schema. Every option of every command can be set
 * here; command-line flags override the file; defaults make the demo run
 * with no file at all. Parsed once, at the CLI, reporting every problem.
 */

/** A real calendar day written YYYY-MM-DD (2026-02-31 and 2026-13-01 are refused). */
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD').refine((d) => {
  const ms = Date.parse(`${d}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === d;
}, 'not a day of the calendar');

/**
 * How one kind of input file is written: its delimiter (csv.delimiter when
 * not given), decimal and thousands separators, date format(s) in strftime
 * style (tried after ISO 8601), text encoding, and, for orders, whether a
 * row is an order or one line item of an order (lines sharing an order_id
 * make one order).
 */
const inputFormat = z
  .object({
    delimiter: z.string().length(1, 'a single character').optional(),
    decimal: z.enum(['.', ',']).default('.'),
    thousands: z.enum(['', ',', '.', ' ', "'"]).default(''),
    dateFormat: z.union([z.string().min(2), z.array(z.string().min(2)).min(1)]).optional(),
    encoding: z.enum(['utf-8', 'latin-1', 'utf-16']).default('utf-8'),
    grain: z.enum(['order', 'line']).default('order'),
    /**
     * Orders as line items: the order's own fields (customer, time, totals,
     * status) on every line, or on the first line of each order only (a
     * hosted shop's "Export orders": later lines carry the order id and the item).
     */
    orderFields: z.enum(['every_row', 'first_row']).default('every_row'),
    /**
     * Orders with order_status mapped: what each status value means, a sale
     * (revenue) or not_sale (an order that never became one: voided,
     * pending, cancelled; left out of every figure and counted). Values are
     * compared without case; listed ones override DEFAULT_ORDER_STATUSES; a
     * value in neither rejects its order's lines.
     */
    statuses: z.record(z.string().min(1), z.enum(['sale', 'not_sale'])).optional(),
  })
  .strict()
  .refine((f) => f.decimal !== f.thousands, { message: 'the decimal and thousands separators must differ', path: ['thousands'] })
  .prefault({});

/**
 * The column mapping of one input kind: each canonical column (declared
 * once, in shared/inputSpecs.ts) defaults to its own name.
 */
const columnMapping = (kind: InputKind) =>
  z.object(Object.fromEntries(specs[kind].columns.map((c) => [c.name, z.string().default(c.name)])) as Record<string, z.ZodDefault<z.ZodString>>)
    .strict()
    .prefault({});

const probability = z.number().min(0).max(1);
/** A SQL condition over a customer's score columns, written by the operator (the config is trusted; one expression, no statements). */
const sqlCondition = z
  .string()
  .min(1)
  .refine((e) => !/;|--|\/\*/.test(e), 'one SQL condition, without ";" or comments');

/** The score stage's settings (scoring.*). */
export const scoringSchema = z
  .object({
    /** churn_probability at or above which churn_risk is medium / high. */
    mediumRisk: probability.default(0.5),
    highRisk: probability.default(0.75),
    /** Annual discount rate for predicted_clv_12m. */
    annualDiscountRate: z.number().min(0).max(1).default(0.1),
    /** Weight of predicted 12-month CLV in the value score; the rest is historic value. */
    predictedWeight: probability.default(0.5),
    vip: z
      .object({
        rule: z.enum(['pareto', 'top_share', 'expression']).default('pareto'),
        /** rule expression: a SQL condition over the score columns, e.g. "historic_value >= 2000 AND orders_count >= 5". */
        expression: sqlCondition.optional(),
        /** pareto: the smallest top group carrying this share of the value score. */
        valueShare: probability.default(0.8),
        /** pareto: never more than this share of customers; top_share: exactly this share. */
        maxCustomerShare: probability.default(0.2),
      })
      .strict()
      .prefault({}),
    /** Days without an order after which a customer counts as lapsed (win_back). */
    lapsedDays: z.number().int().min(1).default(365),
    /**
     * A customer whose last purchase is within this share of their usual gap
     * between purchase days (their own with two gaps or more, else the
     * typical customer's) is too recent to save and gets no silence reason.
     */
    recentShare: probability.default(0.5),
    /** Parameter draws behind the p10/p90 intervals of expected purchases and CLV (0: no intervals). */
    intervalDraws: z.number().int().min(0).max(1000).default(40),
    /** Days since the first order under which a customer counts as new (nurture). */
    newDays: z.number().int().min(1).default(90),
    /** Share of each action's customers kept as an untouched control group (seeded, stable per customer). */
    controlShare: probability.default(0.1),
    /** A customer contacted for an action is not contacted again within this many days. */
    cooldownDays: z.number().int().min(0).default(30),
    /** Optional budget: at most maxActions contacts and/or maxSpend money at costPerAction each, best expected gain first. */
    budget: z
      .object({
        maxActions: z.number().int().min(0).optional(),
        maxSpend: z.number().min(0).optional(),
        costPerAction: z.number().min(0).default(0),
        /** Assumed share of the value at risk an action keeps, until its effect is measured (effects). */
        saveRate: probability.default(0.25),
      })
      .strict()
      .prefault({}),
    /**
     * Ambassadors, to invite into a refer-a-friend programme: valuable (value tier at most maxTier), loyal (at least
     * minPurchaseDays purchase days), long-standing (tenure at least minTenureDays), low churn risk, no unresolved
     * complaint, recently active (an order within maxDaysSinceLastOrder), not opted out.
     */
    ambassador: z
      .object({
        maxTier: z.number().int().min(1).max(5).default(2),
        minPurchaseDays: z.number().int().min(1).default(4),
        minTenureDays: z.number().int().min(0).default(365),
        maxDaysSinceLastOrder: z.number().int().min(0).default(90),
      })
      .strict()
      .prefault({}),
    /**
     * Buyer personas: k-means on behaviour (score/personas.ts), k from min to max chosen by the highest mean
     * silhouette; fitted on a seeded sample of fitCustomers, the silhouette measured on silhouetteCustomers of them.
     */
    personas: z
      .object({
        min: z.number().int().min(2).max(12).default(4),
        max: z.number().int().min(2).max(12).default(8),
        fitCustomers: z.number().int().min(100).default(10_000),
        silhouetteCustomers: z.number().int().min(50).max(10_000).default(2_000),
        restarts: z.number().int().min(1).max(20).default(3),
        maxIterations: z.number().int().min(1).max(1_000).default(100),
      })
      .strict()
      .refine((v) => v.min <= v.max, 'personas.min must be at most personas.max')
      .prefault({}),
    /** Measuring what the actions did: contacted customers against their control group once a run's horizon has passed (action_effects). */
    effects: z
      .object({
        /** Fewer contacted or control customers than this in a run's action: too few to measure. */
        minGroup: z.number().int().min(2).default(30),
        /** A measured save rate replaces saveRate in the budget once its 90% interval is at most this wide on each side. */
        ratePrecision: z.number().positive().max(1).default(0.1),
      })
      .strict()
      .prefault({}),
    /** High-impact flags beyond spend. */
    flags: z
      .object({
        /** Top share of customers by historic value flagged top_value. */
        topValueShare: probability.default(0.01),
        /** Top share by purchase days flagged high_frequency. */
        highFrequencyShare: probability.default(0.05),
        /** VIPs with at least this many unresolved complaints flagged vip_with_complaints. */
        vipUnresolvedComplaints: z.number().int().min(1).default(1),
        /** More flags, each a name and a SQL condition over the score columns (e.g. many complaints on a VIP). */
        custom: z.array(z.object({ name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'a lower-case name such as vip_many_tickets'), expression: sqlCondition }).strict()).default([]),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

/** A size as DuckDB's memory settings take it: a number and a unit of 1000^i (KB...) or 1024^i (KiB...) bytes. */
const SIZE = String.raw`\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)`;

/**
 * duckdb.blockAllocatorMemory's default on a machine of `totalBytes`: 1.5GB, or 40% of the machine's memory where
 * that is less (DuckDB refuses more than 80% of it, and the run needs the rest).
 */
export function defaultBlockAllocatorMemory(totalBytes: number = totalmem()): string {
  const mb = Math.floor((0.4 * totalBytes) / 1e6);
  return mb >= 1500 ? '1.5GB' : `${mb}MB`;
}

export const configSchema = z
  .object({
    orders: z.array(z.string().min(1)).default([]),
    customers: z.array(z.string().min(1)).default([]),
    tickets: z.array(z.string().min(1)).default([]),
    /** Who referred whom: referrer_id, referred_id, referral_date (a header "date" is read as it). */
    referrals: z.array(z.string().min(1)).default([]),
    asOf: isoDate.optional(),
    horizonDays: z.number().int().min(7).max(730).default(90),
    db: z.string().min(1).default('data/fidelio.duckdb'),
    out: z.string().min(1).default('data/out'),
    models: z.string().min(1).default('models'),
    timezone: z.string().min(1).default('UTC'),
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD').default('USD'),
    /** CSV of currency,rate: amounts in that currency are multiplied by rate into `currency`. */
    exchangeRates: z.string().optional(),
    snapshots: z
      .object({
        /** Training cutoffs, stepping back from the holdout cutoff. */
        count: z.number().int().min(1).max(52).default(10),
        spacingDays: z.number().int().min(7).max(730).default(30),
      })
      .strict()
      .prefault({}),
    /** The default delimiter of CSV inputs (formats.<kind>.delimiter overrides it per kind). */
    csv: z
      .object({
        delimiter: z.string().length(1, 'a single character').default(','),
      })
      .strict()
      .prefault({}),
    formats: z
      .object({ orders: inputFormat, customers: inputFormat, tickets: inputFormat, referrals: inputFormat })
      .strict()
      .prefault({}),
    ingest: z
      .object({
        /** A file with more than this share of its lines rejected stops the run before anything is published: it was probably misread. */
        maxRejectedShare: probability.default(0.05),
        /** A file with more than this share of its lines rejected for amounts written as numbers with other separators (`€1.234,50` read with a decimal point) stops the run: its format is misread. */
        maxMisreadAmountShare: probability.default(0.01),
        /** A file whose rejected lines hold more than this share of its value (their amounts read as well as they can be) stops the run: the lines it lost are the ones that count. */
        maxRejectedValueShare: probability.default(0.2),
        /** Dates before this day are implausible (a typo or an export default): rejected with their reason. */
        earliestDate: isoDate.default('1990-01-01'),
        /** Skip an input file whose bytes an earlier run loaded under the same settings (--reingest: read every file again). */
        skipLoaded: z.boolean().default(true),
        /** The shop's PostgreSQL database that inputs named postgres:table=... or postgres:query=... are read from (or FIDELIO_SOURCE_POSTGRES_URL). */
        postgres: z.object({ url: z.string().min(1).optional() }).strict().prefault({}),
      })
      .strict()
      .prefault({}),
    columns: z
      .object({ orders: columnMapping('orders'), customers: columnMapping('customers'), tickets: columnMapping('tickets'), referrals: columnMapping('referrals') })
      .strict()
      .prefault({}),
    duckdb: z
      .object({
        threads: z.number().int().min(1).max(256).optional(),
        /**
         * DuckDB's memory limit; beyond it, it spills to a temp folder beside
         * the database. DuckDB's own default is 80% of the machine's memory;
         * 2GB keeps a million-customer run under 3 GB in all (bench/REPORT-run.md).
         */
        memoryLimit: z
          .string()
          .regex(new RegExp(`^${SIZE}$`, 'i'), 'a size such as 4GB')
          .default('2GB'),
        /**
         * What DuckDB keeps of the memory its blocks used once they are freed, to use again rather than
         * give back to the system and map afresh (DuckDB's block_allocator_memory; 0 gives back every
         * freed block, DuckDB's own default). What is kept stays with the process for the whole run and
         * adds to the later stages' peaks. In a million-customer run that keeps the champion, a quarter of
         * the CPU was the kernel's; keeping up to 1.5GB took about two fifths of its page faults and 8-16%
         * of the bench's runs' time away, and kept the run under 3 GB in all (bench/REPORT-run.md).
         * DuckDB takes at most 80% of the machine's memory: the default is less on a small machine.
         */
        blockAllocatorMemory: z
          .string()
          .regex(new RegExp(`^(0|${SIZE})$`, 'i'), 'a size such as 1GB, or 0')
          .default(() => defaultBlockAllocatorMemory()),
      })
      .strict()
      .prefault({}),
    scoring: scoringSchema,
    retrain: z
      .object({
        /** Always train a challenger (the --retrain flag); otherwise only when the champion is too old or the data drifted. */
        always: z.boolean().default(false),
        /** Retrain when the champion's as-of is more than this many days before this run's. */
        maxAgeDays: z.number().int().min(0).default(30),
        /** Retrain when any main feature's population stability index against the champion's training data exceeds this. */
        maxPsi: z.number().min(0).default(0.2),
      })
      .strict()
      .prefault({}),
    kpis: z
      .object({
        /** Complete months the compound monthly growth rate spans. */
        cmgrMonths: z.number().int().min(1).max(120).default(12),
      })
      .strict()
      .prefault({}),
    /** Optional costs: with them kpis_monthly has cost and net_profit. */
    costs: z
      .object({
        perOrder: z.number().min(0).default(0),
        perActiveCustomer: z.number().min(0).default(0),
        /** CSV of month (YYYY-MM),cost: fixed costs per month. */
        monthlyFile: z.string().optional(),
        /** Share of revenue left after the cost of goods (1: revenue is margin). */
        grossMargin: z.number().min(0).max(1).default(1),
      })
      .strict()
      .optional(),
    training: z
      .object({
        /**
         * Above this many customers, the models learn from a stratified sample
         * of this size (by purchase count and recency at as-of): the training
         * snapshots, the table, the networks, the BTYD fits and the holdout
         * backtest. The scores still cover every customer.
         */
        sampleCustomers: z.number().int().min(1000).default(100_000),
        /** The BTYD models are fitted on at most this many of the sample's customers (and applied to all). */
        btydFitCustomers: z.number().int().min(1000).default(30_000),
        /**
         * The networks fit on at most this many snapshot rows; more are sampled
         * by customer. At a million customers, 50,000 rows gave a holdout AUC of
         * 0.9225 against 0.9240 with 250,000, in a quarter of the time.
         */
        maxRows: z.number().int().min(1000).default(50_000),
        /** The networks are trained only on at least this many snapshot rows (below it a note says so and they are left out). */
        minNetworkRows: z.number().int().min(50).default(1000),
        /**
         * When the networks' architectures are searched: 'when-needed' trains a
         * challenger with the champion's architectures (whether it then wins
         * or not) and searches only when there is no champion with networks;
         * 'always' searches at every retrain.
         */
        architectureSearch: z.enum(['when-needed', 'always']).default('when-needed'),
      })
      .strict()
      .prefault({}),
    publish: z
      .object({
        /** Publish the tables into PostgreSQL too (--postgres, or FIDELIO_POSTGRES_URL so that the password is on no command line). */
        postgres: z
          .object({
            url: z.string().min(1).optional(),
            /** The schema the tables go into (fidelio needs only the rights to it). */
            schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case PostgreSQL name such as fidelio').default('fidelio'),
            /** How long the publication waits for a lock that a reader or another writer holds before it fails (only DDL needs one: a first publication, a table of an older shape). */
            lockTimeoutSeconds: z.number().positive().max(3600).default(60),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    run: z
      .object({
        /** A run past this many minutes is stopped (the --max-minutes flag): it fails with the reason, releases its locks and leaves the publication whole. */
        maxMinutes: z.number().positive().max(7 * 24 * 60).default(240),
      })
      .strict()
      .prefault({}),
    /** The probabilistic models' candidates (docs/models.md). */
    btyd: z
      .object({
        /**
         * Strength, per customer, of the penalty on the log-parameters of the
         * penalized candidates (BG/NBD, MBG/NBD and Pareto/NBD fitted again
         * with it; 0: none). It keeps a fit off a boundary that the data leave
         * undetermined; the holdout likelihood decides whether it helps.
         */
        penalty: z.number().min(0).max(10).default(0.001),
        /** Let the projections follow the history's seasonal profile (learnt from a year of history or more). */
        season: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** Train the TensorFlow.js churn and value models (false: the probabilistic models and the table only). */
    neural: z.boolean().default(true),
    demo: z
      .object({
        customers: z.number().int().min(50).max(5_000_000).default(5000),
        seed: z.number().int().default(42),
        months: z.number().int().min(6).max(120).default(30),
        /** The last day of the demo history (the generator's 2026-09-30 unless given). */
        endDate: isoDate.optional(),
      })
      .strict()
      .prefault({}),
    seed: z.number().int().default(42),
  })
  .strict()
  .superRefine((c, ctx) => {
    // Two contract columns read from one file column: every order its own customer, or an amount read as a price.
    for (const [kind, mapping] of Object.entries(c.columns)) {
      const readers = new Map<string, string[]>();
      for (const [name, column] of Object.entries(mapping as Record<string, string>)) readers.set(column, [...(readers.get(column) ?? []), name]);
      for (const [column, names] of readers) {
        if (names.length < 2) continue;
        ctx.addIssue({
          code: 'custom', path: ['columns', kind, names.find((n) => n !== column) ?? names[0]!],
          message: `${names.join(' and ')} would both be read from the file's column "${column}"; map each contract column to a column of its own`,
        });
      }
    }
    if (c.scoring.vip.rule === 'expression' && !c.scoring.vip.expression) {
      ctx.addIssue({ code: 'custom', path: ['scoring', 'vip', 'expression'], message: 'required when scoring.vip.rule is "expression"' });
    }
    if (c.scoring.mediumRisk >= c.scoring.highRisk) {
      ctx.addIssue({
        code: 'custom',
        path: ['scoring', 'mediumRisk'],
        message: `must be below scoring.highRisk (${c.scoring.highRisk})`,
      });
    }
  });

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** Turns zod's issues into "key: expected ..., found ..." lines. */
function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const key = issue.path.length ? issue.path.join('.') : '(top level)';
    if (issue.code === 'unrecognized_keys') {
      return `${key === '(top level)' ? '' : key + ': '}unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    return `${key}: ${issue.message}`;
  });
}

function readConfigFile(path: string): unknown {
  if (!existsSync(path)) throw new UsageError(`config file ${path} does not exist`);
  const text = readFileSync(path, 'utf8');
  try {
    const ext = extname(path).toLowerCase();
    return ext === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new UsageError(`config file ${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`, [], { cause: err });
  }
}

/** Deep merge of plain objects; arrays and scalars from `over` replace. */
function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
    return out;
  }
  return over;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Builds the configuration from an optional file and the command line's
 * overrides (flags win). Throws a UsageError listing every problem.
 */
export function loadConfig(file: string | undefined, overrides: ConfigInput = {}): Config {
  const fromFile = file ? readConfigFile(file) : {};
  const merged = merge(fromFile ?? {}, stripUndefined(overrides));
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    throw new UsageError(`invalid configuration${file ? ` (${file} and flags)` : ''}`, describeIssues(parsed.error));
  }
  return parsed.data;
}

function stripUndefined(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = stripUndefined(v);
  return out;
}

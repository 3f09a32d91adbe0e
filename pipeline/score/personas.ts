import { UNCOMPRESSED_TEXT, literal, type Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';
import { nearestCentroid } from '../learn/kmeans.js';
import {
  choosePersonas, encode, encoderFromJson, encoderToJson, fitEncoder, type Encoder, type PersonaModel, type PersonaName, type PersonaParams, type Silhouette,
} from '../learn/personaClusters.js';
import { describePersona, type PersonaStats, type TraitScore } from './personaWords.js';

/*
 * Buyer personas (learn/personaClusters.ts encodes the traits and chooses
 * k): every customer takes the nearest centre, personas are numbered by
 * size (1 = the largest), and each is described by what sets it apart.
 *
 * Writes persona_traits, customer_personas (customer_id, persona_id),
 * persona_labels (persona_id, persona, description and its figures) and
 * persona_choice (each k tried, its silhouette, the one chosen, the as-of
 * it was fitted at). The fitted model belongs to the model version that
 * scores (registry.ts keeps it beside it, personas.json): later runs with
 * that version assign customers to its centres instead of refitting.
 */

export interface PersonaFit {
  /** The number of personas; null where the base is too small to cluster (fewer than 10 customers a persona). */
  k: number | null;
  silhouettes: Silhouette[];
  fittedOn: number;
  /** The persona model this run used: fitted now (kept false), or the model version's kept one (kept true); none where k is null. */
  model?: PersonaModel;
  kept: boolean;
}

const TRAITS_SELECT = 'SELECT * FROM persona_traits';

/**
 * The persona of every customer of customer_features as of `asOf`: with
 * `kept` (the model version's persona model) each customer takes the
 * nearest of its centres, keeping its numbers and names; without it the
 * personas are fitted on a sample seeded by `seed`, and the fitted model
 * is returned for the model version to keep.
 */
export async function assignPersonas(db: Database, asOf: string, seed: number, p: PersonaParams, currency: string, batchRows = 65_536, kept?: PersonaModel): Promise<PersonaFit> {
  // A view of customer_features (every trait is one of its columns, computed in its pass over the orders): the
  // traits are read once to assign and twice to describe, cheaper than a million rows written again (a table
  // until issue 25: dropped where an earlier run left one).
  if (await db.isTable('persona_traits')) await db.run('DROP TABLE persona_traits');
  await db.run(`CREATE OR REPLACE VIEW persona_traits AS ${readSql('score/persona_traits.sql')}`);
  await db.run(`CREATE OR REPLACE TABLE customer_personas (customer_id ${UNCOMPRESSED_TEXT}, persona_id INTEGER NOT NULL);
    CREATE OR REPLACE TABLE persona_choice (k INTEGER, silhouette DOUBLE, chosen BOOLEAN, fitted_on BIGINT, fitted_as_of DATE)`);
  if (kept) return applyPersonas(db, kept, currency, batchRows);
  const total = await db.value<number>('SELECT count(*) FROM persona_traits');
  const fitOn = Math.min(total, p.fitCustomers);
  if (fitOn < 10 * p.min) {
    await writeLabels(db, [], currency);
    return { k: null, silhouettes: [], fittedOn: fitOn, kept: false };
  }
  // A seeded sample: the customers first in a hash of their id and the seed.
  const sample = await db.columns(`${TRAITS_SELECT} ORDER BY hash(customer_id || '|persona|' || $seed), customer_id LIMIT $n`, { seed: String(seed), n: fitOn });
  const encoder = fitEncoder(sample, fitOn);
  const { best, silhouettes } = choosePersonas(encode(encoder, sample, fitOn), fitOn, encoder.d, seed, p);
  for (const s of silhouettes) {
    await db.run('INSERT INTO persona_choice VALUES ($1, $2, $3, $4, CAST($5 AS DATE))', [s.k, s.silhouette, s.k === best.k, fitOn, asOf]);
  }
  await assignNearest(db, encoder, best.centroids, best.k, Array.from({ length: best.k }, (_, j) => j + 1), batchRows);
  // Persona 1 is the largest of everyone (ties: the earlier in the sample's order).
  const sizes = await db.all<{ persona_id: number; n: number }>('SELECT persona_id, count(*) AS n FROM customer_personas GROUP BY persona_id');
  const size = (j: number) => sizes.find((s) => s.persona_id === j + 1)?.n ?? 0;
  const order = Array.from({ length: best.k }, (_, j) => j).sort((a, b) => size(b) - size(a) || a - b);
  await db.run(`UPDATE customer_personas SET persona_id = CASE persona_id ${order.map((j, to) => `WHEN ${j + 1} THEN ${to + 1}`).join(' ')} END`);
  const scores: TraitScore[][] = order.map((j) => encoder.numeric.map((f, t) => ({ trait: f.column, z: best.centroids[j * encoder.d + t]! })));
  const names = await writeLabels(db, scores, currency);
  const personaIds = new Array<number>(best.k);
  order.forEach((j, to) => (personaIds[j] = to + 1));
  const model: PersonaModel = {
    format: 1, fitted_as_of: asOf, fitted_on: fitOn, k: best.k, d: encoder.d, silhouettes, encoder: encoderToJson(encoder),
    centroids: Array.from(best.centroids), persona_ids: personaIds, names,
  };
  return { k: best.k, silhouettes, fittedOn: fitOn, model, kept: false };
}

/**
 * Every customer to the nearest centre (ties: the first in `centroids`), numbered by `personaIds`.
 * The ids stay in DuckDB: the traits are read in persona_traits' row order (customer_features', which
 * a scan keeps: preserve_insertion_order) without them, the persona numbers appended alone and joined
 * back by position (a million ids read and appended again cost more than the assignment).
 */
async function assignNearest(db: Database, encoder: Encoder, centroids: Float64Array, k: number, personaIds: readonly number[], batchRows: number): Promise<void> {
  await db.run('CREATE OR REPLACE TEMP TABLE persona_assigned (persona_id DOUBLE)');
  try {
    for await (const batch of db.batches(`SELECT ${encodedTraitsSql(encoder)} FROM persona_traits`, undefined, batchRows)) {
      const x = encode(encoder, batch.columns, batch.n);
      const ids = new Float64Array(batch.n);
      for (let i = 0; i < batch.n; i++) ids[i] = personaIds[nearestCentroid(x, i, centroids, k, encoder.d).index]!;
      await db.appendColumns('persona_assigned', [ids]);
    }
    // customer_personas is read by joins on customer_id.
    await db.run(`INSERT INTO customer_personas SELECT t.customer_id, CAST(a.persona_id AS INTEGER) FROM persona_traits t POSITIONAL JOIN persona_assigned a`);
  } finally {
    await db.run('DROP TABLE IF EXISTS persona_assigned');
  }
}

/**
 * The traits `encoder` reads, as `encode` reads them: the numeric ones as they are, each categorical one as its
 * level's position among the encoder's levels (the first where one repeats; -1 for NULL or a level it does not
 * hold), compared in DuckDB rather than a million customers' texts made into strings to look up: the same rows.
 */
export function encodedTraitsSql(encoder: Encoder): string {
  const codes = encoder.categorical.map((c) => {
    const firsts = c.levels.flatMap((level, j) => (c.levels.indexOf(level) === j ? [`WHEN ${literal(level)} THEN ${j}`] : []));
    return `CAST(CASE ${c.column} ${firsts.join(' ')} ELSE -1 END AS DOUBLE) AS ${c.column}`;
  });
  return [...encoder.numeric.map((f) => f.column), ...codes].join(', ');
}

/** The kept persona model applied: its choice of k as it was made, every customer to its nearest centre, its names kept and today's figures described. */
async function applyPersonas(db: Database, kept: PersonaModel, currency: string, batchRows: number): Promise<PersonaFit> {
  for (const s of kept.silhouettes) {
    await db.run('INSERT INTO persona_choice VALUES ($1, $2, $3, $4, CAST($5 AS DATE))', [s.k, s.silhouette, s.k === kept.k, kept.fitted_on, kept.fitted_as_of]);
  }
  const encoder = encoderFromJson(kept.encoder);
  await assignNearest(db, encoder, Float64Array.from(kept.centroids), kept.k, kept.persona_ids, batchRows);
  const scores: TraitScore[][] = Array.from({ length: kept.k }, (_, to) => {
    const j = kept.persona_ids.indexOf(to + 1);
    return encoder.numeric.map((f, t) => ({ trait: f.column, z: kept.centroids[j * encoder.d + t]! }));
  });
  await writeLabels(db, scores, currency, kept.names);
  return { k: kept.k, silhouettes: kept.silhouettes, fittedOn: kept.fitted_on, model: kept, kept: true };
}

/**
 * persona_labels: each persona's name and description from its centre's
 * traits and its customers' figures; with `kept`, the names a kept model
 * gave (a persona it did not name is named now). Returns the names given.
 */
async function writeLabels(db: Database, scores: TraitScore[][], currency: string, kept: readonly PersonaName[] = []): Promise<PersonaName[]> {
  const stats = await db.all<PersonaStats>(readSql('score/persona_stats.sql'));
  const overall = stats.find((s) => s.persona_id === 0);
  await db.run(`CREATE OR REPLACE TABLE persona_labels (persona_id INTEGER, persona VARCHAR, description VARCHAR,
    orders_per_year DOUBLE, avg_order_value DOUBLE, discount_share DOUBLE, weekend_share DOUBLE, tenure_days DOUBLE,
    top_channel VARCHAR, top_channel_share DOUBLE, top_category VARCHAR, top_category_share DOUBLE, top_country VARCHAR, top_country_share DOUBLE)`);
  const names: PersonaName[] = [];
  const taken = new Set<string>(kept.map((n) => n.name));
  for (const s of stats.filter((x) => x.persona_id > 0)) {
    const given = kept.find((n) => n.persona_id === s.persona_id);
    const words = describePersona(scores[s.persona_id - 1]!, s, overall!, currency, given);
    let name = given?.name ?? words.name;
    if (!given) {
      for (let extra = 2; taken.has(name); extra++) name = `${words.name} (${extra})`;
      taken.add(name);
    }
    names.push({ persona_id: s.persona_id, name, words: words.name, ...words.named });
    await db.run('INSERT INTO persona_labels VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)', [
      s.persona_id, name, words.description, s.orders_per_year, s.avg_order_value, s.discount_share, s.weekend_share, s.tenure_days,
      s.top_channel, s.top_channel_share, s.top_category, s.top_category_share, s.top_country, s.top_country_share,
    ]);
  }
  return names;
}

// Times one version of scoreBtyd (with 40 and 0 interval draws) and buildKpis on a bench database,
// for before/after figures on the same data: build the old version in a clone, then run
//   node bench/compareVersions.mjs bench/.data/bench.duckdb /path/to/old-clone old
//   node bench/compareVersions.mjs bench/.data/bench.duckdb "$PWD" new
// each in a process of its own (each version has its own DuckDB module). Writes work tables micro_<label>_<draws> and kpi_<label>.
const [dbPath, root, label] = process.argv.slice(2);
const { Database } = await import(`${root}/dist/pipeline/db/Database.js`);
const reg = await import(`${root}/dist/pipeline/registry/registry.js`);
const db = await Database.open(dbPath, { threads: 2, memoryLimit: '2GB' });
const current = await reg.champion(db);
const models = await reg.loadModelVersion(current.path);
const asOf = await db.value("SELECT CAST(max(as_of) AS VARCHAR) FROM customer_features");
const time = async (what, f) => { const t = performance.now(); await f(); console.log(label, what, ((performance.now() - t) / 1000).toFixed(2), 's'); };
// Where the modules are since the model libraries were made pure (older versions: btyd/scoreBtyd.js and btyd/summary.js).
const load = async (path, old) => import(`${root}/dist/pipeline/${path}`).catch(() => import(`${root}/dist/pipeline/${old}`));
const m = await load('train/btydScoreTable.js', 'btyd/scoreBtyd.js');
for (const draws of [40, 0]) await time(`BTYD scores, ${draws} draws`, () => m.scoreBtyd(db, models.btyd, asOf, `micro_${label}_${draws}`, { horizonDays: 90, annualDiscountRate: 0.1, seed: 42, batchRows: 65536, model: models.btydModel, intervalDraws: draws }));
const k = await import(`${root}/dist/pipeline/publish/buildKpis.js`);
await time('KPIs', () => k.buildKpis(db, asOf, { horizonDays: 90, currency: 'USD', cmgrMonths: 12 }));
await db.run(`CREATE OR REPLACE TABLE kpi_${label} AS SELECT * FROM kpis_monthly`);
const s = await load('features/btydSummary.js', 'btyd/summary.js');
console.log(label, 'customers', await db.value(`SELECT count(*) FROM (${s.summarySql()})`, s.summaryParams('orders', asOf, models.btyd.unit_days)),
  'histories', await db.value(`SELECT count(*) FROM (SELECT DISTINCT x, t_x, "T" FROM (${s.summarySql()}))`, s.summaryParams('orders', asOf, models.btyd.unit_days)));
db.close();

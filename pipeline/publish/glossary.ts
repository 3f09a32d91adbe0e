/*
 * The report's glossary: every term, figure, segment, action and model
 * name the page uses, in plain words. The report links nothing outside
 * itself, so the definitions are here, not in docs/ (which say the
 * same at more length). Order: as a reader meets them.
 */

export interface GlossaryEntry {
  /** The term as the report writes it. */
  term: string;
  text: string;
}

export const GLOSSARY: readonly GlossaryEntry[] = [
  { term: 'as of', text: 'the day the figures are computed for: the last order day in the data unless set; nothing after it is used.' },
  { term: 'horizon', text: 'the period after as of that churn and value predictions look at (90 days by default).' },
  { term: 'churn probability', text: 'the chance that the customer places no order within the horizon, from the churn model; 80% means 8 in 10 such customers do not buy again in that time.' },
  { term: 'churn risk', text: 'churn probability in three bands: low, medium (from 50%) and high (from 75%), by default.' },
  { term: '12-month CLV', text: 'customer lifetime value over the next 12 months: the spend the models expect from the customer in that year, discounted at 10% a year. It already counts the chance that they leave.' },
  { term: 'historic value', text: 'what the customer has spent to date, refunds deducted.' },
  { term: 'value score', text: 'a blend of 12-month CLV and historic value that orders customers by worth; value tiers and VIPs come from it.' },
  { term: 'value tier', text: 'customers cut into five equal groups by value score; tier 1 is the most valuable fifth.' },
  { term: 'VIP', text: 'one of the smallest group of top customers carrying 80% of the value score, at most 20% of customers (by default).' },
  { term: 'value at risk', text: '12-month CLV x churn probability. Because the CLV already counts the chance of leaving, it undervalues the riskiest customers; lists rank by value at stake or value kept instead.' },
  { term: 'value if retained', text: 'what the customer is worth over 12 months if they stay, at most what they have spent in a year to date or their 12-month CLV, whichever is larger: a save brings a customer back as they were, not better.' },
  { term: 'value at stake', text: 'value if retained x churn probability: what is lost if nothing is done. Shown beside value kept; for a customer almost surely gone it is many times what a save can bring back, so no list ranks by it.' },
  { term: 'value kept', text: "what contacting the customer is expected to keep: value at stake x the action's save rate, never more than their 12-month CLV, less the cost of a contact. The budget, each action's list and the at-risk VIP list rank by it." },
  { term: 'save rate', text: "the share of the value at stake a contact keeps: measured from earlier contacts against their control group once precise enough, otherwise the assumed rate in the configuration (scoring.budget.saveRate, 25% by default)." },
  { term: 'scoring.budget.saveRate', text: 'the configuration setting that gives the assumed save rate (see save rate).' },
  { term: 'CMGR', text: 'compound monthly growth rate of revenue over the last 12 months: the steady monthly growth that would lead from the first month to the last.' },
  { term: 'MoM, YoY', text: 'revenue growth on the month before (month on month) and on the same month a year before (year on year).' },
  { term: 'churn rate', text: 'in the monthly KPIs, the customers whose last purchase turned a horizon old during the month, over the customers who bought in the horizon before the month.' },
  { term: 'partial month', text: 'the month of as of, counted only up to that day.' },
  { term: 'action', text: 'what to do with the customer, the first rule that matches: win_back, save, surprise, nurture, grow or none.' },
  { term: 'win_back', text: 'a customer with no order for a year (by default) who had spent more than the median customer: a win-back offer.' },
  { term: 'save', text: 'a VIP or a tier 1-2 customer at medium or high churn risk who has not bought recently: a personal retention contact.' },
  { term: 'surprise', text: 'a VIP or tier 1 customer at low risk, or who bought recently: a thank-you without an offer.' },
  { term: 'nurture', text: 'a customer whose first purchase was recent: a welcome series towards a second order.' },
  { term: 'grow', text: 'an active tier 2-3 customer (not at high risk, not gone quiet: hibernating or at risk customers are not grown) to cross-sell and upsell to.' },
  { term: 'none', text: 'no action: other lapsed customers, and those no rule above fits.' },
  { term: 'control group', text: 'a seeded 10% of the customers the budget would contact, left untouched so that later runs can measure what the actions do.' },
  { term: 'cooldown', text: 'a customer contacted by an earlier run within the last 30 days (by default) is not contacted again.' },
  { term: 'budget', text: 'the most contacts or money the configuration allows; the customers with the most value kept are contacted first.' },
  { term: 'reasons (why)', text: "the few facts that most raised the customer's churn probability, in words." },
  { term: 'segment', text: 'where the customer stands now by recency (R), frequency and spend (FM), each scored 1 to 5 among all customers. A customer at high churn risk who has not bought recently is read with R at most 2.' },
  { term: 'champions', text: 'bought recently, often and much.' },
  { term: 'loyal', text: 'buy often and much, fairly recently.' },
  { term: 'potential_loyalist', text: 'recent customers with average frequency and spend.' },
  { term: 'new', text: 'first purchase within the last 90 days (by default).' },
  { term: 'promising', text: 'recent customers who have bought little so far.' },
  { term: 'need_attention', text: 'average on recency, frequency and spend.' },
  { term: 'about_to_sleep', text: 'average recency, below-average frequency and spend.' },
  { term: 'at_risk', text: 'used to buy often or much, not recently.' },
  { term: 'cant_lose', text: "among the best customers by frequency and spend, but not recently or at high churn risk: the ones the business can't lose." },
  { term: 'hibernating', text: 'low recency, low frequency and spend.' },
  { term: 'lost', text: 'the lowest recency, frequency and spend.' },
  { term: 'ambassador', text: 'a valuable, loyal, long-standing customer at low risk with no unresolved complaint and a recent order, to invite into a refer-a-friend programme.' },
  { term: 'referred value', text: 'the value scores of the customers an ambassador referred, credited to them.' },
  { term: 'persona', text: 'a group of customers who buy alike (rhythm, basket, discounts, weekend buying, tenure, complaints, channel, category, country), found by clustering and named by what sets it apart.' },
  { term: 'mean silhouette', text: 'how well the customers fall into their persona rather than the next nearest, from -1 to 1 (higher is better); the number of personas with the highest one is chosen.' },
  { term: 'holdout', text: 'the latest full horizon before as of, kept out of training: every model is scored at its start and judged on what customers then did.' },
  { term: 'candidate', text: 'a model tried for a job; the one chosen (the champion) scores the customers.' },
  { term: 'champion', text: 'the model that scores; a newly trained model replaces it only when it does no worse on the same holdout.' },
  { term: 'recency alone', text: 'the baseline ranking by days since the last order; a churn model is worth using only above it.' },
  { term: 'historic value alone', text: 'the baseline ranking by spend to date; a value model is worth using only above it.' },
  { term: 'AUC', text: 'the chance that the model ranks a customer who churned above one who did not: 0.5 is chance, 1 is perfect.' },
  { term: 'PR AUC', text: 'average precision: how pure the top of the ranking is in churners, over every cut-off.' },
  { term: 'Brier', text: 'the mean squared gap between the predicted probability and what happened (0 or 1): lower is better.' },
  { term: 'log loss', text: 'how surprised the model is by what happened, on average (lower is better); it punishes confident mistakes. The churn champion is the candidate with the lowest.' },
  { term: 'lift, top decile', text: 'how many times more churners the riskiest tenth holds than a random tenth.' },
  { term: 'gain', text: 'the share of all churners caught by contacting the riskiest customers first, for each share of customers contacted.' },
  { term: 'calibration', text: 'predicted against observed churn in ten groups by prediction: on the diagonal, 30% means 30%.' },
  { term: 'normalized Gini', text: 'how well a value model orders customers by what they then spent, against the perfect order: 1 is perfect, 0 is chance. The value champion is the candidate with the highest.' },
  { term: 'Spearman', text: 'the rank correlation between predicted and actual spend.' },
  { term: 'decile MAPE', text: 'the mean absolute percentage error of predicted spend in ten groups by prediction (lower is better).' },
  { term: 'BG/NBD, MBG/NBD, Pareto/NBD', text: 'probabilistic models of when customers buy and when they quietly stop, fitted on each customer\'s number of purchases, the last one\'s date and their age; they give P(alive) and expected purchases.' },
  { term: 'Gamma-Gamma', text: 'the probabilistic model of order values that, with a purchase model, gives the CLV.' },
  { term: 'bgnbd, mbgnbd, pareto (and _penalized)', text: 'the purchase models as candidates; _penalized is the same model fitted with a small penalty that keeps its parameters from running to a boundary the data cannot pin down.' },
  { term: 'neural', text: 'the TensorFlow.js networks: one for churn (a calibrated classifier), one for value (a zero-inflated lognormal regression).' },
  { term: 'rf_table', text: 'the recency-frequency table: each cell of recency and purchase-count bands gets its observed churn rate.' },
  { term: 'P(alive)', text: 'the purchase model\'s probability that the customer has not quietly stopped buying.' },
  { term: 'holdout log-likelihood', text: 'how probable a purchase model, fitted before the holdout, made what customers then did (higher is better); the purchase model is chosen on it.' },
  { term: 'sound', text: 'a purchase model fit whose parameters the data determine; an unsound one has P(alive) that says nothing.' },
  { term: 'seasonal profile', text: 'each month\'s weight in the purchase projections, learnt from the history: 1.5 means half as many purchases again as an average month.' },
  { term: 'reason class', text: 'the kind of fault that made an input line unusable, such as an amount that is not a number.' },
];

const esc = (v: string) => v.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** The glossary as the report's last section. */
export function glossarySection(): string {
  return `<h2 id="glossary">Glossary</h2>
<dl class="glossary">
${GLOSSARY.map((g) => `<dt>${esc(g.term)}</dt><dd>${esc(g.text)}</dd>`).join('\n')}
</dl>`;
}

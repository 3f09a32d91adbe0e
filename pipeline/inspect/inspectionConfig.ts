import { resolve } from 'node:path';
import { INPUT_KINDS, type InputKind } from '../shared/inputSpecs.js';
import type { FileInspection, Finding } from './inspectFile.js';

const quoted = (v: string) => JSON.stringify(v);
const comment = (text: string) => `  # ${text.replaceAll('\n', ' ')}`;

/** The formats the files of one kind share; files of a kind written differently are refused (one format per kind). */
function sharedFindings(files: FileInspection[]): { first: FileInspection; refusal?: string } {
  const first = files[0]!;
  for (const f of files.slice(1)) {
    for (const key of ['encoding', 'delimiter', 'decimal', 'thousands', 'dateFormat', 'grain', 'orderFields'] as const) {
      if ((f[key] as Finding<string> | undefined)?.value !== (first[key] as Finding<string> | undefined)?.value) {
        return { first, refusal: `${first.path} and ${f.path} are written differently (${key}): the files of one kind share one format; inspect and load them apart` };
      }
    }
  }
  return { first };
}

/** What each order status means, one line per value with its orders: a sale (revenue) or not_sale (left out of every figure, counted). */
function statusLines(files: FileInspection[]): string[] {
  const f = files[0]!;
  const column = f.columns.order_status?.value ?? 'order_status';
  const orders = (n: number) => `${n.toLocaleString('en-US')} order${n === 1 ? '' : 's'}`;
  // Every file's values, their orders summed: a value one file holds and another not is still said.
  const merged = new Map<string, NonNullable<FileInspection['statuses']>[number]>();
  for (const s of files.flatMap((x) => x.statuses ?? [])) {
    const had = merged.get(s.value);
    merged.set(s.value, had ? { ...had, orders: had.orders + s.orders } : { ...s });
  }
  const statuses = [...merged.values()].sort((a, b) => b.orders - a.orders || a.value.localeCompare(b.value));
  return [
    `    statuses:${comment(`what each "${column}" means: sale (revenue) or not_sale (an order that never became a sale: left out of every figure, counted in the manifest); change any`)}`,
    ...statuses.map((s) => `      ${quoted(s.value)}: ${quoted(s.meaning)}${comment(s.known
      ? `${orders(s.orders)}${s.meaning === 'not_sale' ? ': never paid, or voided or cancelled' : ''}`
      : `${orders(s.orders)}: not a word inspect knows, taken as a sale; say not_sale if these orders never became sales`)}`),
  ];
}

/**
 * A complete configuration for the inspected files, as YAML: the inputs,
 * the currency, each kind's formats and column mapping, every guess with
 * its evidence in a comment, and what was left undecided. It runs as it
 * is (`fidelio run --config FILE`).
 */
export function inspectionConfig(inspections: Partial<Record<InputKind, FileInspection[]>>, today: string): { yaml: string; refusals: string[] } {
  const refusals: string[] = [];
  const lines: string[] = [
    `# fidelio configuration written by "fidelio inspect" on ${today}, from:`,
    ...Object.values(inspections).flat().map((f) => `#   ${f.kind}: ${resolve(f.path)} (${f.lines.toLocaleString('en-US')} rows)`),
    '# Every setting guessed from the data says why. It runs as it is: npx fidelio run --config <this file>',
    '',
  ];
  const kinds = INPUT_KINDS.filter((k) => inspections[k]?.length);
  for (const kind of kinds) {
    lines.push(`${kind}:`, ...inspections[kind]!.map((f) => `  - ${quoted(resolve(f.path))}`));
  }
  const currency = inspections.orders?.[0]?.currency;
  if (currency) lines.push(`currency: ${quoted(currency.value)}${comment(currency.evidence)}`);
  const undecided: string[] = [];
  lines.push('formats:');
  const columnLines: string[] = ['columns:'];
  for (const kind of kinds) {
    const { first, refusal } = sharedFindings(inspections[kind]!);
    if (refusal) refusals.push(refusal);
    for (const f of inspections[kind]!) {
      refusals.push(...f.refusals);
      undecided.push(...f.undecided.map((u) => `${kind} (${f.path}): ${u}`));
    }
    lines.push(`  ${kind}:`);
    const format: [string, Finding<string> | undefined][] = [
      ['encoding', first.encoding], ['delimiter', first.delimiter], ['decimal', first.decimal], ['thousands', first.thousands],
      ['dateFormat', first.dateFormat], ...(kind === 'orders' ? [['grain', first.grain] as [string, Finding<string> | undefined]] : []),
    ];
    if (kind === 'orders' && first.orderFields) format.push(['orderFields', first.orderFields]);
    const written = format.filter(([, f]) => f !== undefined);
    if (!written.length && !(kind === 'orders' && first.statuses?.length)) lines[lines.length - 1] += ' {}';
    for (const [key, f] of written) lines.push(`    ${key}: ${quoted(f!.value)}${comment(f!.evidence)}`);
    if (kind === 'orders' && first.statuses?.length) lines.push(...statusLines(inspections[kind]!));
    const mapped = Object.entries(first.columns);
    columnLines.push(`  ${kind}:${mapped.length ? '' : ' {}'}`);
    for (const [canonical, f] of mapped) columnLines.push(`    ${canonical}: ${quoted(f.value)}${comment(f.evidence)}`);
  }
  lines.push(...columnLines);
  if (undecided.length) lines.push('', '# Not decided from the data (left at their defaults):', ...undecided.map((u) => `#   - ${u}`));
  return { yaml: lines.join('\n') + '\n', refusals };
}

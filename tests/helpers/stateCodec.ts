import { isDeepStrictEqual } from 'node:util';

/**
 * What the stages hand each other (RunState), as text and back, for the
 * staged runs a suite shares between its worker processes: plain objects
 * and arrays, strings, booleans, null, numbers (NaN, infinities and -0
 * too), undefined, bigints and Maps. Anything else (a class instance such
 * as a network, a Date, a function) cannot cross a process that way:
 * encodeState returns undefined for it.
 */
export function encodeState(state: object): string | undefined {
  if (!plain(state)) return undefined;
  const text = JSON.stringify(tag(state));
  // The codec's own check: what comes back is the state, exactly.
  if (!isDeepStrictEqual(decodeState(text), state)) throw new Error('stateCodec: the state does not come back equal from its text');
  return text;
}

export function decodeState<T = Record<string, unknown>>(text: string): T {
  return untag(JSON.parse(text)) as T;
}

/** The marker of a value JSON has no form for. */
const CODEC = '$stateCodec';

function plain(v: unknown): boolean {
  if (v === null || ['string', 'number', 'boolean', 'undefined', 'bigint'].includes(typeof v)) return true;
  if (Array.isArray(v)) return v.every(plain);
  if (v instanceof Map) return [...v].every(([k, x]) => plain(k) && plain(x));
  if (typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return false;
  return Object.keys(v).every((k) => k !== CODEC && plain((v as Record<string, unknown>)[k]));
}

function tag(v: unknown): unknown {
  if (v === undefined) return { [CODEC]: 'undefined' };
  if (typeof v === 'bigint') return { [CODEC]: 'bigint', v: String(v) };
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0) ? v : { [CODEC]: 'number', v: Object.is(v, -0) ? '-0' : String(v) };
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(tag);
  if (v instanceof Map) return { [CODEC]: 'map', v: [...v].map(([k, x]) => [tag(k), tag(x)]) };
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tag(x)]));
}

function untag(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(untag);
  const o = v as Record<string, unknown>;
  switch (o[CODEC]) {
    case undefined: return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, untag(x)]));
    case 'undefined': return undefined;
    case 'bigint': return BigInt(o.v as string);
    case 'number': return Number(o.v);
    case 'map': return new Map((o.v as [unknown, unknown][]).map(([k, x]) => [untag(k), untag(x)]));
    default: throw new Error(`stateCodec: unknown tag ${String(o[CODEC])}`);
  }
}

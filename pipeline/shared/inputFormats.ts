// How values are written in an input file: shared by the ingest stage that
// reads them and `fidelio inspect` that proposes the settings to read them.

/** How values are written in a file: its decimal and thousands separators and date formats (strftime style). */
export interface ValueFormat {
  decimal: '.' | ',';
  thousands: string;
  /** Tried after ISO 8601, in order. */
  dateFormats: string[];
}

export const ISO_VALUES: ValueFormat = { decimal: '.', thousands: '', dateFormats: [] };

/** The texts a yes/no column takes (trimmed, in any case), and what each means: what `run` reads and `inspect` recognises. */
export const BOOLEAN_WORDS = [
  ['true', true], ['t', true], ['1', true], ['yes', true], ['y', true],
  ['false', false], ['f', false], ['0', false], ['no', false], ['n', false],
] as const;

/**
 * Date formats a value may be written in, to say in a rejection which of
 * them would have read it (so that the fix, formats.<kind>.dateFormat, is
 * one line away).
 */
export const CANDIDATE_DATE_FORMATS = [
  '%m/%d/%Y %H:%M', '%d/%m/%Y %H:%M', '%m/%d/%Y %H:%M:%S', '%d/%m/%Y %H:%M:%S', '%m/%d/%Y', '%d/%m/%Y',
  '%d.%m.%Y %H:%M', '%d.%m.%Y', '%d-%m-%Y %H:%M', '%d-%m-%Y', '%m-%d-%Y', '%Y/%m/%d %H:%M:%S', '%Y/%m/%d', '%Y%m%d',
  '%m/%d/%y %H:%M', '%d/%m/%y %H:%M', '%m/%d/%y', '%d/%m/%y', '%Y-%m-%d %H:%M:%S %z', '%d %b %Y', '%b %d, %Y',
];

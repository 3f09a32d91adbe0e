import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Debian's Chromium for the browser tests: $CHROMIUM, else `chromium` on
 * the PATH. None is an error that says how to install it (CI installs it
 * before the tests: .ci/run), never a skipped test.
 */
export function chromiumPath(): string {
  const given = process.env.CHROMIUM;
  if (given) {
    if (!existsSync(given)) throw new Error(`CHROMIUM=${given} does not exist`);
    return given;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('the browser tests need Chromium: apt-get install -y chromium (or set CHROMIUM to its path)');
  }
}

/** The flags the project runs headless Chromium with (as tests/browser/check-report.mjs). */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

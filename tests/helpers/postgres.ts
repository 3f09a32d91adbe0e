import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's PostgreSQL 15 (apt-get install postgresql-15; .ci/run installs it when missing). */
const BIN = process.env.FIDELIO_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface TestPostgres {
  port: number;
  /** The superuser's URL (password authentication over TCP). */
  adminUrl: string;
  /** A URL for `user` with `password` on database `db`. */
  url(user: string, password: string, db?: string): string;
  /** Runs SQL as the superuser through psql (for setting up roles and shop tables); each string of a list is its own statement (CREATE DATABASE needs that). */
  psql(sql: string | string[], db?: string): string;
  stop(): void;
}

export const ADMIN_PASSWORD = 'admin-pw-9f3';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A real PostgreSQL server for a test file: initdb into a temporary folder,
 * pg_ctl start on a free loopback port with password (SCRAM) authentication,
 * stopped and removed by stop(). PostgreSQL refuses to run as root: as root
 * (CI), the server runs as the `postgres` user (runuser) in a folder it owns.
 */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<TestPostgres> {
  if (!existsSync(join(BIN, 'initdb'))) throw new Error(`PostgreSQL 15 is not installed (${BIN}/initdb): apt-get install -y postgresql-15`);
  const dir = mkdtempSync(join(tmpdir(), 'fidelio-pg-'));
  const root = process.getuid?.() === 0;
  const as = (cmd: string, args: string[]) => (root ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' }) : execFileSync(cmd, args, { stdio: 'pipe' }));
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${ADMIN_PASSWORD}\n`);
  if (root) chownSync(pwfile, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), 0);
  const data = join(dir, 'data');
  as(join(BIN, 'initdb'), ['-D', data, '-U', 'fidelio_admin', '--pwfile', pwfile, '--auth-host=scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  // A port found free may be taken by another test file's server before this one binds it: then another port.
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    // Tests need no durability; a benchmark keeps PostgreSQL's own (fsync, full pages), with room for a million rows' WAL.
    const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_wal_size=4GB -c deadlock_timeout=200ms${options.durable ? '' : ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off'}`;
    try {
      as(join(BIN, 'pg_ctl'), ['-D', data, '-o', settings, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
      break;
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
  const url = (user: string, password: string, db = 'postgres') => `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;
  return {
    port,
    adminUrl: url('fidelio_admin', ADMIN_PASSWORD),
    url,
    psql(sql, db = 'postgres') {
      return as(join(BIN, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', dir, '-p', String(port), '-U', 'fidelio_admin', '-d', db, '-At', ...[sql].flat().flatMap((s) => ['-c', s])]).toString();
    },
    stop() {
      try {
        as(join(BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

// Shared by the Node and browser tests: the CLI (the reference), fixtures, the built playground.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const repo = resolve(root, '../..');
export const dist = join(root, 'dist');
export const shared = resolve(repo, '..', 'shared');
export const palisade = join(repo, 'target', 'release', 'palisade');
/** A fixed evaluation time, so skip expiries and key validity do not depend on the clock. */
export const NOW = 1_780_000_000; // 2026-05-28T20:26:40Z

/** Run the CLI; returns `{ status, stdout, stderr }`. */
export function cli(args, cwd = repo) {
  const r = spawnSync(palisade, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI's `check --format json` text for one file (named as given, relative to the repository). */
export function cliJson(file, extra = []) {
  const r = cli(['check', '--format', 'json', '--now', String(NOW), ...extra, file]);
  if (r.status === 2 && r.stdout === '') throw new Error(`palisade failed: ${r.stderr}`);
  return r.stdout;
}

/** Manifest fixtures: [name relative to the repository, text]. */
export function fixtures() {
  const corpus = ['airflow', 'apache', 'argo-cd', 'cert-manager', 'keycloak', 'redis'].map(
    (c) => join('..', 'shared', 'corpus', 'bitnami', `${c}.yaml`),
  );
  const own = readdirSync(join(root, 'test', 'fixtures'))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join('crates', 'playground', 'test', 'fixtures', f));
  return ['examples/demo-app.yaml', ...own, ...corpus].map((name) => [name, readFileSync(join(repo, name), 'utf8')]);
}

/** The first 100 objects of the corpus (files in name order), as one `helm template`-like stream. */
export function corpus100() {
  const dir = join(shared, 'corpus', 'bitnami');
  const docs = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of readFileSync(join(dir, file), 'utf8').split(/^---\s*$/m)) {
      if (/^kind:/m.test(doc) && !/^kind:\s*\S*List\s*$/m.test(doc)) docs.push(doc.replace(/^\n+/, ''));
      if (docs.length === 100) return `---\n${docs.join('---\n')}`;
    }
  }
  throw new Error('the corpus has fewer than 100 objects');
}

/** The built playground, loaded in Node (jco's glue compiles the same core modules). */
export async function nodeRuntime() {
  const base = pathToFileURL(`${dist}/`).href;
  const { Runtime } = await import(`${base}engine.js`);
  const compile = async (url) => WebAssembly.compile(await readFile(fileURLToPath(url)));
  const readText = (url) => readFile(fileURLToPath(url), 'utf8');
  return Runtime.load(base, { compile, readText });
}

// Shared by the Node and browser tests: the CLI (the reference), fixtures, the built playground.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { tools } from '../scripts/build.mjs';

export const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const repo = resolve(root, '../..');
export const dist = join(root, 'dist');
export const shared = resolve(repo, '..', 'shared');
/** The CLI the build used (`cargo test --workspace --no-run`'s `palisade`; see scripts/build.mjs). */
export const palisade = tools().palisade;
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

/**
 * Blob-verification fixtures, written now by the testkit's `blob-fixtures` example (throw-away
 * CA, Rekor-shaped log and keys from fixed seeds; see tests/sigstore-testkit/examples). Returns
 * `{ dir, about }`: the directory (the caller removes it) and its `fixtures.json`.
 */
export function blobFixtures() {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-blob-fixtures-'));
  const r = spawnSync(tools().blobFixtures, [dir], { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`blob-fixtures exited ${r.status}: ${r.stderr}`);
  return { dir, about: JSON.parse(readFileSync(join(dir, 'fixtures.json'), 'utf8')) };
}

/**
 * The blob cases of the Node and browser tests: which fixture directory, the files to drop with
 * the kinds the page gives them, the keyless signer to expect, the `palisade verify blob` flags
 * that say the same, and the full verdict. Verdicts are written out here, not only compared with
 * the CLI, so page and CLI cannot agree on a wrong answer. `about` is `blobFixtures().about`.
 */
export function blobCases(about) {
  const blob = 'artifact.txt';
  const digest = (dir) => `sha256:${createHash('sha256').update(readFileSync(join(dir, blob))).digest('hex')}`;
  const keyFiles = [[blob, 'blob'], [`${blob}.sig`, 'cosign-signature'], ['cosign.pub', 'cosign-public-key']];
  const keyArgs = ['--signature', `${blob}.sig`, '--key', 'cosign.pub'];
  const keylessFiles = [[blob, 'blob'], [`${blob}.sigstore.json`, 'sigstore-bundle'], ['trusted_root.json', 'sigstore-trusted-root']];
  const keylessArgs = ['--bundle', `${blob}.sigstore.json`, '--trusted-root', 'trusted_root.json'];
  const identity = about.certificateIdentity;
  const issuer = about.certificateOidcIssuer;
  const signedAt = new Date(about.signedAt * 1000).toISOString().replace('.000Z', 'Z');
  // The testkit's log holds 5 other entries first and numbers them from 1,000,000.
  const keyless = (dir) => ({
    blob,
    certificateAuthority: 'https://fulcio.test',
    certificateIdentity: identity,
    certificateOidcIssuer: issuer,
    digest: digest(dir),
    integratedTime: signedAt,
    tlogIndex: 1_000_005,
    verified: true,
  });
  const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const wrong = identity.replace(/^[^@]+/, 'mallory');
  const identityRe = `[a-z]+@${escape(identity.split('@')[1])}`;
  const issuerRe = `${escape(issuer)}|https://other\\.test`;
  return [
    {
      name: 'key-based: blob, cosign signature and public key',
      dir: 'key', files: keyFiles, args: keyArgs,
      expected: (dir) => ({ blob, digest: digest(dir), key: 'cosign.pub (ECDSA P-256)', verified: true }),
    },
    {
      name: 'key-based: tampered blob',
      dir: 'key-tampered', files: keyFiles, args: keyArgs,
      expected: () => ({ blob, reason: 'signature does not verify with key cosign.pub', verified: false }),
    },
    {
      name: 'key-based bundle: blob, bundle with its log entry, public key and trusted root',
      dir: 'key-bundle',
      files: [[blob, 'blob'], [`${blob}.sigstore.json`, 'sigstore-bundle'], ['cosign.pub', 'cosign-public-key'],
        ['trusted_root.json', 'sigstore-trusted-root']],
      args: [...keylessArgs, '--key', 'cosign.pub'],
      expected: (dir) => ({
        blob, digest: digest(dir), integratedTime: signedAt, key: 'cosign.pub (ECDSA P-256)', tlogIndex: 1_000_005, verified: true,
      }),
    },
    {
      name: 'keyless: bundle, trusted root, exact identity and issuer',
      dir: 'keyless', files: keylessFiles,
      identity: { identity, issuer },
      args: [...keylessArgs, '--certificate-identity', identity, '--certificate-oidc-issuer', issuer],
      expected: keyless,
    },
    {
      name: 'keyless: identity and issuer as regular expressions',
      dir: 'keyless', files: keylessFiles,
      identity: { identity: identityRe, identityRegexp: true, issuer: issuerRe, issuerRegexp: true },
      args: [...keylessArgs, '--certificate-identity-regexp', identityRe, '--certificate-oidc-issuer-regexp', issuerRe],
      expected: keyless,
    },
    {
      name: 'keyless: wrong identity',
      dir: 'keyless', files: keylessFiles,
      identity: { identity: wrong, issuer },
      args: [...keylessArgs, '--certificate-identity', wrong, '--certificate-oidc-issuer', issuer],
      expected: () => ({
        blob,
        reason: `certificate identity \`${identity}\` does not match the expected \`${wrong}\``,
        verified: false,
      }),
    },
  ];
}

// The transpiled components in Node over the shared fixtures: every report must be the CLI's
// `palisade check --format json`, byte for byte; chart and blob verdicts must be `palisade verify
// chart`'s and `palisade verify blob`'s.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { blobCases, blobFixtures, cli, cliJson, corpus100, dist, fixtures, NOW, nodeRuntime, shared } from './helpers.mjs';

let runtime;
let chartVerdict;
let blobVerdict;
let cliText;
before(async () => {
  runtime = await nodeRuntime();
  ({ blobVerdict, chartVerdict, cliJson: cliText } = await import(new URL(`file://${dist}/engine.js`).href));
});

describe('reports equal the CLI', () => {
  for (const [name, text] of fixtures()) {
    test(name, async () => {
      const { json } = await runtime.check({ inputs: [{ name, text }], now: NOW });
      assert.equal(json, cliJson(name));
    });
  }

  test('broken.yaml: a YAML syntax error is an error with its line', async () => {
    const name = 'crates/playground/test/fixtures/broken.yaml';
    const text = readFileSync(join(import.meta.dirname, '..', '..', '..', name), 'utf8');
    const { report } = await runtime.check({ inputs: [{ name, text }], now: NOW });
    assert.deepEqual(report.errors, [
      { file: name, line: 4, message: "invalid YAML: while parsing a flow mapping, did not find expected ',' or '}'" },
    ]);
  });

  test('several inputs, skip annotations of all tools', async () => {
    const inputs = fixtures().slice(0, 3).map(([name, text]) => ({ name, text }));
    const { json } = await runtime.check({ inputs, now: NOW, skipAnnotations: 'all' });
    const expected = cli(['check', '--format', 'json', '--now', String(NOW), '--skip-annotations', 'all', ...inputs.map((i) => i.name)]);
    assert.equal(json, expected.stdout);
  });

  test('settings and rule overrides, one policy', async () => {
    const settings = { level: 'restricted', version: 'v1.30', rules: { privileged: 'low' } };
    const dir = mkdtempSync(join(tmpdir(), 'palisade-playground-'));
    writeFileSync(join(dir, 'ps.json'), JSON.stringify(settings));
    const [name, text] = fixtures()[0];
    const { json } = await runtime.check({
      inputs: [{ name, text }], now: NOW, policies: ['pod-security'], settings: { 'pod-security': settings },
    });
    assert.equal(json, cliJson(name, ['--policy', 'pod-security', '--settings', `pod-security=${join(dir, 'ps.json')}`]));
  });

  test('invalid settings are refused with the CLI message', async () => {
    const [name, text] = fixtures()[0];
    const bad = [
      [{ level: 'strict' }, 'pod-security'],
      [{ rules: { 'no-such-rule': 'on' } }, 'hardening'],
      [{ rules: { 'privileged-container': 'severe' } }, 'hardening'],
    ];
    for (const [settings, policy] of bad) {
      const result = await runtime.check({ inputs: [{ name, text }], now: NOW, settings: { [policy]: settings } });
      const dir = mkdtempSync(join(tmpdir(), 'palisade-playground-'));
      writeFileSync(join(dir, 's.json'), JSON.stringify(settings));
      const expected = cli(['check', '--format', 'json', '--settings', `${policy}=${join(dir, 's.json')}`, name]);
      assert.equal(expected.status, 2);
      assert.deepEqual(result, { settingsErrors: { [policy]: expected.stderr.replace(/^palisade: /, '').trimEnd() } });
    }
  });

  test('the evaluation time is read as --now reads it', async () => {
    const [name, text] = fixtures()[3]; // skips.yaml: its skip expired on 2026-01-01
    const rfc = await runtime.check({ inputs: [{ name, text }], now: '2026-05-28T20:26:40Z' });
    assert.equal(rfc.json, cliJson(name));
    const before = await runtime.check({ inputs: [{ name, text }], now: '2025-12-31T23:00:00+00:00' });
    assert.equal(before.json, cli(['check', '--format', 'json', '--now', '2025-12-31T23:00:00+00:00', name]).stdout);
    assert.notEqual(before.json, rfc.json);
    assert.deepEqual(await runtime.check({ inputs: [{ name, text }], now: 'yesterday' }), {
      nowError: '`yesterday` is not an RFC 3339 time (like 2026-01-31T12:00:00Z) or Unix seconds',
    });
  });

  test('100 corpus objects', async () => {
    const text = corpus100();
    const { json, report } = await runtime.check({ inputs: [{ name: 'corpus-100.yaml', text }], now: NOW });
    assert.equal(report.summary.resources, 100);
    const dir = mkdtempSync(join(tmpdir(), 'palisade-playground-'));
    writeFileSync(join(dir, 'corpus-100.yaml'), text);
    const expected = cli(['check', '--format', 'json', '--now', String(NOW), 'corpus-100.yaml'], dir);
    assert.equal(json, expected.stdout);
  });
});

describe('chart verdicts equal `palisade verify chart`', () => {
  const prov = join(shared, 'fixtures', 'helm-prov');
  const cases = [
    ['.', 'pubring.gpg', true],
    ['.', 'pubring.asc', true],
    ['.', 'eddsa/pubring.gpg', false],
    ['tampered-chart', '../pubring.gpg', false],
    ['tampered-prov', '../pubring.gpg', false],
    ['eddsa', 'pubring.gpg', true],
    ['eddsa-subkey-gpg', '../eddsa/pubring.gpg', true],
    ['dash-escape', '../pubring.gpg', true],
  ];
  // After the signatures were made (2026-11-22), before the Ed25519 subkey expires (2027-11-22).
  const now = 1_796_000_000;
  for (const [dir, keyring, verified] of cases) {
    test(`${dir} with ${keyring}`, async () => {
      const cwd = join(prov, dir);
      const chart = readdirTgz(cwd);
      const files = [
        { name: chart, kind: 'helm-chart', data: readFileSync(join(cwd, chart)) },
        { name: `${chart}.prov`, kind: 'helm-provenance', data: readFileSync(join(cwd, `${chart}.prov`)) },
        { name: keyring, kind: 'openpgp-keyring', data: readFileSync(join(cwd, keyring)) },
      ];
      const verdict = chartVerdict(chart, await runtime.verify(files, now));
      const expected = cli(['verify', 'chart', chart, '--keyring', keyring, '--format', 'json', '--now', String(now)], cwd);
      assert.deepEqual(verdict, JSON.parse(expected.stdout));
      assert.equal(verdict.verified, verified);
      assert.equal(expected.status, verified ? 0 : 1);
    });
  }
});

describe('blob verdicts equal `palisade verify blob`', () => {
  const { dir: root, about } = blobFixtures();
  after(() => rmSync(root, { recursive: true, force: true }));
  for (const c of blobCases(about)) {
    test(c.name, async () => {
      const cwd = join(root, c.dir);
      const files = c.files.map(([name, kind]) => ({ name, kind, data: readFileSync(join(cwd, name)) }));
      const id = c.identity;
      const settings = id ? {
        identities: [{ [id.identityRegexp ? 'subjectRegExp' : 'subject']: id.identity, [id.issuerRegexp ? 'issuerRegExp' : 'issuer']: id.issuer }],
      } : {};
      const verdict = blobVerdict('artifact.txt', await runtime.verify(files, about.now, settings));
      const expected = cli(['verify', 'blob', 'artifact.txt', ...c.args, '--format', 'json', '--now', String(about.now)], cwd);
      assert.equal(cliText(verdict), expected.stdout);
      assert.deepEqual(verdict, c.expected(cwd));
      assert.equal(expected.status, verdict.verified ? 0 : 1);
    });
  }
});

function readdirTgz(dir) {
  return ['demo-0.1.0.tgz', 'dashy-0.1.0.tgz'].find((f) => {
    try {
      readFileSync(join(dir, f));
      return true;
    } catch {
      return false;
    }
  });
}

test('share state round trip (CompressionStream deflate-raw, base64url)', async () => {
  const { encodeState, decodeState } = await import(new URL(`file://${dist}/share.js`).href);
  const state = { inputs: [{ name: 'a.yaml', text: 'kind: Pod\n# ünïcödé\n'.repeat(50) }], policies: ['hardening'], settings: { hardening: { rules: { 'host-pid': 'low' } } }, skipAnnotations: 'all', now: NOW };
  const hash = await encodeState(state);
  assert.match(hash, /^#s=[A-Za-z0-9_-]+$/);
  assert.ok(hash.length < JSON.stringify(state).length / 4, `fragment of ${hash.length} characters`);
  assert.deepEqual(await decodeState(hash), state);
  assert.equal(await decodeState('#other'), null);
  await assert.rejects(decodeState('#s=AAAA'));
});

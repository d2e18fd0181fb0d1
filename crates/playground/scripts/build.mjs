// Build the playground into dist/: export the CLI's built-in policy components (the exact bytes
// `palisade` embeds), build the palisade-web host component from palisade-core, transpile every
// component with jco, and copy the static page. Run from anywhere: `node scripts/build.mjs`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import { transpileBytes } from '@bytecodealliance/jco-transpile';
import { componentNew } from '@bytecodealliance/jco-transpile/wasm-tools';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '..');
export const repo = resolve(root, '../..');
export const dist = join(root, 'dist');
const target = join(repo, 'target');

function cargo(args, cwd = repo) {
  execFileSync(process.env.CARGO || 'cargo', args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
}

/** Where the build records the tools it built, for the tests (see `tools()`). */
export const toolsFile = join(target, 'playground', 'tools.json');

/**
 * Build the workspace as the README's test command does (`cargo test --release --locked
 * --workspace`, here with `--no-run`) and return the executables the playground needs: the CLI
 * (`palisade`) and the testkit's `blob-fixtures` example. Right after that command this is a
 * no-op. Building `-p palisade-cli` alone would resolve dependency features without the other
 * members' dev-dependencies (`sha2`, `digest`, … differ) and compile wasmtime and everything
 * above it a second time.
 */
export function buildTools() {
  const out = execFileSync(
    process.env.CARGO || 'cargo',
    ['test', '--release', '--locked', '--workspace', '--no-run', '--message-format=json-render-diagnostics'],
    { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 256 << 20 },
  );
  const found = {};
  for (const line of out.split('\n')) {
    if (!line.startsWith('{')) continue;
    const m = JSON.parse(line);
    // Skip the bin's unit-test harness (`profile.test`), which has the same target name.
    if (m.reason !== 'compiler-artifact' || !m.executable || m.profile.test) continue;
    if (m.target.name === 'palisade' && m.target.kind.includes('bin')) found.palisade = m.executable;
    if (m.target.name === 'blob-fixtures' && m.target.kind.includes('example')) found.blobFixtures = m.executable;
  }
  for (const name of ['palisade', 'blobFixtures']) {
    if (!found[name]) throw new Error(`cargo test --no-run built no ${name} executable`);
  }
  return found;
}

/** The tools the last build recorded (`{palisade, blobFixtures}`, absolute paths). */
export function tools() {
  try {
    return JSON.parse(readFileSync(toolsFile, 'utf8'));
  } catch (e) {
    throw new Error(`${toolsFile}: ${e.message} (run \`node scripts/build.mjs\` first)`);
  }
}

async function transpile(name, component, outDir) {
  const { files } = await transpileBytes(component, {
    name,
    instantiation: 'async',
    noComponentErrorWrapping: false,
    base64Cutoff: 0,
    minify: true,
  });
  await mkdir(outDir, { recursive: true });
  for (const [file, bytes] of Object.entries(files)) {
    if (file.endsWith('.d.ts')) continue;
    await mkdir(dirname(join(outDir, file)), { recursive: true });
    await writeFile(join(outDir, file), bytes);
  }
}

async function main() {
  const built = buildTools();
  const { palisade } = built;
  await rm(dist, { recursive: true, force: true });
  const exported = join(target, 'playground', 'policies');
  await rm(exported, { recursive: true, force: true });
  execFileSync(palisade, ['policies', '--export', exported], { stdio: 'inherit' });

  // The host component: palisade-core for wasm32-unknown-unknown, wrapped as a component.
  // Run from its directory so its .cargo/config.toml (getrandom backend) applies.
  cargo(
    ['build', '--release', '--locked', '--target', 'wasm32-unknown-unknown', '--target-dir', join(target, 'web')],
    join(repo, 'crates/palisade-web'),
  );
  const module = await readFile(join(target, 'web/wasm32-unknown-unknown/release/palisade_web.wasm'));
  await transpile('palisade-web', await componentNew(module), join(dist, 'components', 'palisade-web'));

  const policies = [];
  for (const file of (await readdir(exported)).filter((f) => f.endsWith('.wasm')).sort()) {
    const name = file.slice(0, -'.wasm'.length);
    await transpile(name, await readFile(join(exported, file)), join(dist, 'components', name));
    policies.push(name);
  }
  await writeFile(join(dist, 'policies.json'), JSON.stringify(policies) + '\n');

  for (const file of await readdir(join(root, 'src'))) {
    await copyFile(join(root, 'src', file), join(dist, file));
  }
  await copyFile(join(repo, 'examples', 'demo-app.yaml'), join(dist, 'demo-app.yaml'));
  // The service worker's precache list: every file, and a content hash naming the cache. The
  // hash is written into sw.js too, so a rebuilt page changes the worker and replaces the cache.
  const files = (await listFiles(dist)).filter((f) => f !== 'precache.json');
  const hash = createHash('sha256');
  for (const f of files.filter((x) => x !== 'sw.js')) hash.update(f).update(await readFile(join(dist, f)));
  const version = hash.digest('hex').slice(0, 16);
  const sw = await readFile(join(dist, 'sw.js'), 'utf8');
  if (!sw.includes('__PRECACHE_VERSION__')) throw new Error('sw.js lacks its version placeholder');
  await writeFile(join(dist, 'sw.js'), sw.replace('__PRECACHE_VERSION__', version));
  await writeFile(join(dist, 'precache.json'), JSON.stringify({ version, files }) + '\n');
  await mkdir(dirname(toolsFile), { recursive: true });
  await writeFile(toolsFile, `${JSON.stringify(built, null, 2)}\n`);
  const weight = await pageWeight();
  console.log(`playground built in ${dist}: ${weight.files} files, ${weight.bytes} bytes, ${weight.gzip} bytes gzipped`);
}

/** Paths of every file under `dir`, relative to it, sorted. */
async function listFiles(dir, prefix = '') {
  const out = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}

/** Total size of dist/, raw and gzip -9 per file. */
export async function pageWeight() {
  let bytes = 0;
  let gzip = 0;
  let files = 0;
  async function walk(dir) {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(path);
      } else {
        const data = await readFile(path);
        files += 1;
        bytes += data.length;
        gzip += gzipSync(data, { level: 9 }).length;
      }
    }
  }
  await walk(dist);
  return { files, bytes, gzip };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`build: ${e.stack || e}`);
    process.exit(2);
  });
}

// Build the playground into dist/: export the CLI's built-in policy components (the exact bytes
// `palisade` embeds), build the palisade-web host component from palisade-core, transpile every
// component with jco, and copy the static page. Run from anywhere: `node scripts/build.mjs`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
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

/** The CLI binary, built if needed (a no-op when up to date). */
export function cli() {
  cargo(['build', '--release', '--locked', '-p', 'palisade-cli']);
  return join(target, 'release', 'palisade');
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
  const palisade = cli();
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

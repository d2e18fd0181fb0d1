// The playground page: editor, policy and settings selection, results, share links, evidence
// drop. All judgement happens in the components (see engine.js); this file is the UI.
import { blobVerdict, chartVerdict, cliJson } from './engine.js';
import { settingsForm } from './settings-form.js';
import { WorkerRuntime } from './worker-runtime.js';
import { decodeState, encodeState } from './share.js';

const $ = (id) => document.getElementById(id);
const base = new URL('./', import.meta.url).href;

const SAMPLE_NAME = 'manifest.yaml';

/** The whole state a share link carries. */
const state = {
  inputs: [{ name: SAMPLE_NAME, text: '' }],
  policies: null, // null: every built-in
  settings: {},
  skipAnnotations: 'native',
  now: null,
};
let current = 0; // index of the input shown in the editor
let runtime;
let lastResult = null;
let runSeq = 0;
const evidence = []; // [{name, kind, data}]

// ---------- editor ----------

function lineHeight() {
  return parseFloat(getComputedStyle($('text')).lineHeight) || 18;
}

function renderGutter(highlightLine) {
  const lines = $('text').value.split('\n').length;
  const out = [];
  for (let i = 1; i <= lines; i += 1) {
    out.push(i === highlightLine ? `<span class="hl">${i}</span>` : `${i}\n`);
  }
  $('gutter').innerHTML = out.join('');
  syncScroll();
}

function syncScroll() {
  $('gutter').scrollTop = $('text').scrollTop;
  const hl = $('highlight');
  if (!hl.hidden) hl.style.top = `${(Number(hl.dataset.line) - 1) * lineHeight() + 4 - $('text').scrollTop}px`;
}

function renderTabs() {
  const tabs = $('tabs');
  tabs.replaceChildren();
  state.inputs.forEach((input, i) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = input.name;
    b.className = i === current ? 'active' : '';
    b.title = 'Double-click to rename';
    b.addEventListener('click', () => showInput(i));
    b.addEventListener('dblclick', () => {
      const name = prompt('File name', input.name);
      if (name) {
        input.name = name;
        renderTabs();
        schedule();
      }
    });
    tabs.append(b);
  });
}

function showInput(i) {
  current = i;
  $('text').value = state.inputs[i].text;
  $('highlight').hidden = true;
  renderTabs();
  renderGutter();
}

/** Show input `file` and highlight `line` (1-based): select it and scroll it into view. */
function highlight(file, line) {
  const i = state.inputs.findIndex((input) => input.name === file);
  if (i < 0) return;
  if (i !== current) showInput(i);
  const text = $('text');
  const lines = text.value.split('\n');
  let start = 0;
  for (let l = 1; l < line && l <= lines.length; l += 1) start += lines[l - 1].length + 1;
  const end = start + (lines[line - 1]?.length ?? 0);
  text.focus({ preventScroll: true });
  text.setSelectionRange(start, end);
  text.scrollTop = Math.max(0, (line - 1) * lineHeight() - text.clientHeight / 3);
  const hl = $('highlight');
  hl.dataset.line = String(line);
  hl.hidden = false;
  renderGutter(line);
}

// ---------- options ----------


function renderPolicies() {
  const box = $('policies');
  box.replaceChildren();
  for (const p of runtime.policies) {
    const fs = document.createElement('fieldset');
    const legend = document.createElement('legend');
    const check = document.createElement('input');
    check.type = 'checkbox';
    check.name = `policy.${p.name}`;
    check.checked = !state.policies || state.policies.includes(p.name);
    check.addEventListener('change', () => {
      const on = runtime.policies.map((x) => x.name).filter((n) => (n === p.name ? check.checked : !state.policies || state.policies.includes(n)));
      state.policies = on.length === runtime.policies.length ? null : on;
      schedule();
    });
    legend.append(check, ` ${p.name} ${p.info.version}`);
    fs.append(legend);
    const desc = document.createElement('div');
    desc.className = 'desc';
    desc.textContent = `${p.info.description} (${p.info.rules.length} rules)`;
    fs.append(desc);
    const details = document.createElement('details');
    const summary = document.createElement('summary');
    summary.textContent = 'Settings';
    details.append(summary);
    state.settings[p.name] ??= {};
    details.append(...settingsForm(p.name, JSON.parse(p.info.settingsSchema), state.settings[p.name], schedule));
    const problems = document.createElement('div');
    problems.className = 'invalid';
    problems.id = `invalid-${p.name}`;
    fs.append(details, problems);
    box.append(fs);
  }
}

// ---------- results ----------

function remediation(policy, rule) {
  return runtime.policy(policy)?.info.rules.find((r) => r.id === rule)?.remediation ?? '';
}

function resourceName(r) {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

function renderReport(result) {
  for (const p of runtime.policies) $(`invalid-${p.name}`).textContent = result.settingsErrors?.[p.name] ?? '';
  const errors = $('errors');
  errors.replaceChildren();
  const findings = $('findings');
  findings.replaceChildren();
  if (result.nowError) {
    errors.append(Object.assign(document.createElement('li'), { textContent: `evaluation time: ${result.nowError}` }));
    $('summary').textContent = 'time refused';
    return;
  }
  if (result.settingsErrors) {
    for (const [policy, message] of Object.entries(result.settingsErrors)) {
      const li = document.createElement('li');
      li.textContent = `${policy}: ${message}`;
      errors.append(li);
    }
    $('summary').textContent = 'settings refused';
    return;
  }
  const { report } = result;
  for (const e of report.errors) {
    const li = document.createElement('li');
    li.textContent = `${e.file ?? ''}${e.line ? `:${e.line}` : ''}${e.file ? ': ' : ''}${e.message}`;
    if (e.file && e.line) li.addEventListener('click', () => highlight(e.file, e.line));
    errors.append(li);
  }
  report.findings.forEach((f, i) => {
    const li = document.createElement('li');
    li.className = f.severity;
    li.tabIndex = 0;
    li.dataset.index = String(i);
    li.dataset.line = String(f.line);
    const head = document.createElement('div');
    head.innerHTML = '<span class="sev"></span> <span class="rule"></span> <span class="loc"></span>';
    head.querySelector('.sev').textContent = f.severity;
    head.querySelector('.rule').textContent = `${f.policy}/${f.rule}`;
    head.querySelector('.loc').textContent = `${f.file}:${f.line}:${f.column}`;
    const msg = document.createElement('div');
    msg.className = 'message';
    msg.textContent = f.message;
    const res = document.createElement('div');
    res.className = 'res';
    res.textContent = resourceName(f.resource) + (f.source ? ` — ${f.source}` : '');
    const fix = document.createElement('div');
    fix.className = 'remediation';
    fix.textContent = remediation(f.policy, f.rule);
    li.append(head, msg, res, fix);
    const select = () => {
      for (const s of findings.querySelectorAll('.selected')) s.classList.remove('selected');
      li.classList.add('selected');
      highlight(f.file, f.line);
    };
    li.addEventListener('click', select);
    li.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') select(); });
    findings.append(li);
  });
  const list = (id, items, text) => {
    const ul = $(id);
    ul.replaceChildren(...items.map((x) => Object.assign(document.createElement('li'), { textContent: text(x) })));
  };
  list('skipped', report.skipped, (s) => `${s.file}:${s.line} ${s.policy}/${s.rule} ${resourceName(s.resource)} — ${s.annotation}${s.reason ? `: ${s.reason}` : ''}`);
  list('warnings', report.warnings, (w) => `${w.file}:${w.line}:${w.column} ${w.message}`);
  $('skipped-box').querySelector('summary').textContent = `Skipped (${report.skipped.length})`;
  $('warnings-box').querySelector('summary').textContent = `Warnings (${report.warnings.length})`;
  $('report-json').textContent = result.json;
  const s = report.summary;
  const sev = ['critical', 'high', 'medium', 'low', 'info'].filter((k) => s.by_severity[k] > 0).map((k) => `${s.by_severity[k]} ${k}`);
  $('summary').textContent = `${s.findings} findings${sev.length ? ` (${sev.join(', ')})` : ''} in ${s.resources} resources`
    + `${s.skipped ? `, ${s.skipped} skipped` : ''}${report.errors.length ? `, ${report.errors.length} errors` : ''}`;
}

// ---------- running ----------

let timer;
let version = 0; // bumped by every change; `data-idle` is true once the latest one is checked

function busy() {
  version += 1;
  document.body.dataset.idle = 'false';
}

function schedule() {
  busy();
  clearTimeout(timer);
  timer = setTimeout(run, 250);
}

async function run() {
  const seq = ++runSeq;
  const seen = version;
  state.skipAnnotations = $('skips').value;
  state.now = $('now').value.trim() || null;
  const result = await runtime.check(state);
  $('now').setCustomValidity(result.nowError ?? '');
  if (result.nowError) $('now').reportValidity();
  if (seq !== runSeq) return;
  lastResult = result;
  renderReport(result);
  document.body.dataset.runs = String(seq);
  if (seen === version) document.body.dataset.idle = 'true';
}

// ---------- supply chain ----------

/** Names of signature files: `x.sig` (cosign) and Sigstore bundles, each about the blob `x`. */
const SIGNATURE_SUFFIXES = ['.sig', '.sigstore.json', '.sigstore', '.bundle.json', '.bundle'];

/** The evidence kind of a dropped file, by its name (the user may change it). */
function kindOf(name) {
  const n = name.toLowerCase();
  if (n.endsWith('.prov')) return 'helm-provenance';
  if (n.endsWith('.tgz') || n.endsWith('.tar.gz')) return 'helm-chart';
  if (/\.(gpg|kbx|pgp|keyring)$/.test(n) || n.endsWith('.asc') && n.includes('key')) return 'openpgp-keyring';
  if (n.endsWith('.sig')) return 'cosign-signature';
  if (SIGNATURE_SUFFIXES.some((s) => s !== '.sig' && n.endsWith(s))) return 'sigstore-bundle';
  if (n.includes('trusted_root') || n.includes('trusted-root')) return 'sigstore-trusted-root';
  if (n.endsWith('.pub') || n.endsWith('.pem')) return 'cosign-public-key';
  return 'blob';
}

const KINDS = ['helm-chart', 'helm-provenance', 'openpgp-keyring', 'blob', 'cosign-signature', 'sigstore-bundle', 'sigstore-trusted-root', 'cosign-public-key'];

function renderEvidence() {
  const ul = $('evidence');
  ul.replaceChildren();
  evidence.forEach((e, i) => {
    const li = document.createElement('li');
    const select = document.createElement('select');
    for (const k of KINDS) select.add(new Option(k, k, false, k === e.kind));
    select.addEventListener('change', () => { e.kind = select.value; });
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.textContent = '×';
    remove.addEventListener('click', () => { evidence.splice(i, 1); renderEvidence(); });
    li.append(`${e.name} (${e.data.length} bytes) `, select, ' ', remove);
    ul.append(li);
  });
  $('verify').disabled = evidence.length === 0;
}

async function addFiles(files) {
  // A file whose signature comes with it is a blob, whatever its name (a signed `release.yaml`).
  const signed = new Set(files.flatMap((f) => SIGNATURE_SUFFIXES
    .filter((s) => f.name.toLowerCase().endsWith(s)).map((s) => f.name.slice(0, -s.length))));
  let addedInput = false;
  for (const file of files) {
    const data = new Uint8Array(await file.arrayBuffer());
    const evidenceName = signed.has(file.name) || /(trusted.root|sigstore|bundle)/i.test(file.name);
    if (/\.(ya?ml|json)$/i.test(file.name) && !evidenceName) {
      const text = new TextDecoder().decode(data);
      const blank = state.inputs.length === 1 && state.inputs[0].text.trim() === '';
      if (blank) state.inputs[0] = { name: file.name, text };
      else state.inputs.push({ name: file.name, text });
      addedInput = true;
    } else {
      evidence.push({ name: file.name, kind: signed.has(file.name) ? 'blob' : kindOf(file.name), data });
    }
  }
  if (addedInput) showInput(state.inputs.length - 1);
  renderEvidence();
}

/**
 * The expected keyless signer from the form, as the policy's `identities` entry (the CLI's
 * `--certificate-identity[-regexp]` and `--certificate-oidc-issuer[-regexp]`), or null when both
 * are empty. Throws when only one is given.
 */
function keylessIdentity() {
  const identity = $('certificate-identity').value.trim();
  const issuer = $('certificate-oidc-issuer').value.trim();
  if (!identity && !issuer) return null;
  if (!issuer) throw new Error('a certificate identity needs an OIDC issuer too');
  if (!identity) throw new Error('an OIDC issuer needs a certificate identity too');
  return {
    [$('certificate-identity-regexp').checked ? 'subjectRegExp' : 'subject']: identity,
    [$('certificate-oidc-issuer-regexp').checked ? 'issuerRegExp' : 'issuer']: issuer,
  };
}

/** What the dropped files ask to verify: `{chart}`, `{blob, settings}` or `{}`; throws on a mix. */
function verification() {
  const chart = evidence.find((e) => e.kind === 'helm-chart');
  const blobs = evidence.filter((e) => e.kind === 'blob');
  if (chart && blobs.length > 0) throw new Error('verify a chart or a blob, not both: remove one of them or change its kind');
  if (blobs.length > 1) {
    throw new Error(`verify one blob at a time (${blobs.map((b) => b.name).join(', ')}): remove the others or change their kind`);
  }
  if (chart) return { chart, settings: {} };
  if (blobs.length === 1) {
    const identity = keylessIdentity();
    return { blob: blobs[0], settings: identity ? { identities: [identity] } : {} };
  }
  return { settings: {} };
}

async function verify() {
  const box = $('verdict');
  box.hidden = false;
  box.className = '';
  try {
    const { chart, blob, settings } = verification();
    const findings = await runtime.verify(evidence, $('now').value.trim() || null, settings);
    // Without a chart or blob there is no CLI verdict format to follow: show what the policy reported.
    let result;
    if (chart) result = chartVerdict(chart.name, findings);
    else if (blob) result = blobVerdict(blob.name, findings);
    else result = { findings: findings.map((f) => ({ rule: f.rule, severity: f.severity, message: f.message })) };
    if (!chart && !blob && findings.length === 0) {
      box.textContent = 'The supply-chain policy reported nothing about these files (no chart or blob among them).';
      window.palisade.lastVerdict = result;
      return;
    }
    box.className = result.verified === false ? 'bad' : result.verified ? 'ok' : '';
    // As `palisade verify chart|blob --format json` prints it.
    box.textContent = cliJson(result);
    window.palisade.lastVerdict = result;
  } catch (e) {
    box.className = 'bad';
    box.textContent = e.message;
    window.palisade.lastVerdict = { error: e.message };
  }
}

// ---------- start ----------

async function share() {
  const hash = await encodeState(state);
  history.replaceState(null, '', hash);
  const url = location.href;
  try { await navigator.clipboard.writeText(url); } catch { /* the address bar has it */ }
  $('share').textContent = 'Link copied';
  setTimeout(() => { $('share').textContent = 'Share link'; }, 1500);
  return url;
}

async function start() {
  const t0 = performance.now();
  runtime = await WorkerRuntime.load();
  const loadMs = performance.now() - t0;
  try {
    const shared = await decodeState(location.hash);
    if (shared) Object.assign(state, shared);
  } catch (e) {
    $('errors').textContent = `the share link is corrupt: ${e.message}`;
  }
  $('skips').value = state.skipAnnotations ?? 'native';
  $('now').value = state.now ?? '';
  renderPolicies();
  showInput(0);
  $('text').addEventListener('input', () => {
    state.inputs[current].text = $('text').value;
    $('highlight').hidden = true;
    renderGutter();
    schedule();
  });
  $('text').addEventListener('scroll', syncScroll);
  $('skips').addEventListener('change', schedule);
  $('now').addEventListener('change', schedule);
  $('share').addEventListener('click', share);
  $('example').addEventListener('click', async () => {
    const text = await (await fetch(new URL('demo-app.yaml', base))).text();
    state.inputs.push({ name: 'demo-app.yaml', text });
    if (state.inputs.length === 2 && state.inputs[0].text.trim() === '') state.inputs.shift();
    showInput(state.inputs.length - 1);
    schedule();
  });
  $('verify').addEventListener('click', verify);
  $('clear-evidence').addEventListener('click', () => {
    evidence.length = 0;
    $('verdict').hidden = true;
    renderEvidence();
  });
  $('evidence-input').addEventListener('change', (ev) => {
    busy();
    const files = [...ev.target.files];
    // Forget the selection, so choosing the same files again (after Clear) adds them again.
    ev.target.value = '';
    addFiles(files).finally(schedule);
  });
  for (const target of [$('editor'), $('dropzone')]) {
    target.addEventListener('dragover', (ev) => { ev.preventDefault(); target.classList.add('over'); });
    target.addEventListener('dragleave', () => target.classList.remove('over'));
    target.addEventListener('drop', (ev) => {
      ev.preventDefault();
      target.classList.remove('over');
      busy();
      addFiles([...ev.dataTransfer.files]).finally(schedule);
    });
  }
  window.palisade = {
    runtime, state, loadMs, share, highlight, addFiles, verify,
    get lastResult() { return lastResult; },
    /** Run now (no debounce); resolves with the result. */
    async run() { clearTimeout(timer); await run(); return lastResult; },
  };
  await run();
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('sw.js').catch(() => {});
  document.body.dataset.ready = 'true';
}

start().catch((e) => {
  $('summary').textContent = `failed to load: ${e.message}`;
  document.body.dataset.ready = 'error';
});

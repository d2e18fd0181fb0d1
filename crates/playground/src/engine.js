// The playground's evaluation loop, shared by the page and the Node tests. It decides nothing:
// palisade-web (palisade-core compiled to a component) parses, configures rules, locates
// findings, applies skips and builds the report; the policy components judge. This file only
// moves data between them, in the order crates/palisade-cli/src/pipeline.rs does.

/** A transpiled component: jco's glue (`instantiation: 'async'`) and its compiled core modules. */
class Component {
  constructor(glue, dir, compile) {
    this.glue = glue;
    this.dir = dir;
    this.compile = compile;
    this.modules = new Map();
  }

  /** A fresh instance with fresh memory, as the CLI makes a fresh Store per evaluation. */
  instantiate() {
    return this.glue.instantiate((path) => {
      if (!this.modules.has(path)) this.modules.set(path, this.compile(`${this.dir}${path}`));
      return this.modules.get(path);
    }, {});
  }
}

async function loadComponent(base, name, compile) {
  const dir = `${base}components/${name}/`;
  return new Component(await import(`${dir}${name}.js`), dir, compile);
}

/** The message of a policy's `Err` (jco's ComponentError payload) or of a trap. */
function failure(e) {
  if (e && typeof e === 'object' && 'payload' in e) return { kind: 'policy', message: String(e.payload) };
  return { kind: 'trap', message: String(e?.message ?? e) };
}

/** Everything needed to run checks: the host component and the policy components. */
export class Runtime {
  /**
   * Load the built playground at `base` (a URL ending in `/`). `compile(url)` returns (a promise
   * of) a compiled `WebAssembly.Module`; `readText(url)` the text of a file.
   */
  static async load(base, { compile, readText }) {
    const names = JSON.parse(await readText(`${base}policies.json`));
    const runtime = new Runtime();
    runtime.web = await loadComponent(base, 'palisade-web', compile);
    runtime.policies = await Promise.all(
      names.map(async (name) => {
        const component = await loadComponent(base, name, compile);
        const info = (await component.instantiate()).info();
        return { name, component, info };
      }),
    );
    return runtime;
  }

  /**
   * Unix seconds (BigInt) of `now`: a number, a text as `--now` reads it (RFC 3339 or Unix
   * seconds, parsed by palisade-core), or absent for the clock. Throws the parse error.
   */
  unixTime(now) {
    if (now === null || now === undefined || now === '') return BigInt(Math.floor(Date.now() / 1000));
    if (typeof now === 'number') return BigInt(Math.trunc(now));
    return this.host.parseTime(String(now));
  }

  /** The policy called `name`. */
  policy(name) {
    return this.policies.find((p) => p.name === name);
  }

  /**
   * Check `state.inputs` ([{name, text}]) with the policies named in `state.policies` (all when
   * absent), `state.settings` ({policy: settings object}), `state.skipAnnotations`
   * (none|native|all, default native) and `state.now` (see `unixTime`; default now). Returns
   * `{report, json}`: the CLI's `--format json` document, parsed and as text; or
   * `{settingsErrors: {policy: message}}` when settings are refused, `{nowError}` when the time
   * is (the CLI exits 2 then).
   * `hooks.onEvaluate(input, policy)` and `hooks.onEvaluated(input, policy)` bracket each
   * evaluation (for a watchdog);
   * `state.timedOut` ([{input, policy, millis}]) lists evaluations that ran past their time limit
   * in an earlier attempt: they are reported as such instead of run again.
   */
  async check(state, hooks = {}) {
    // One host instance serves every check (each check is its own session); after a trap it
    // is replaced.
    this.host ??= (await this.web.instantiate()).host;
    let now;
    try {
      now = this.unixTime(state.now);
    } catch (e) {
      if (failure(e).kind === 'trap') throw e;
      return { nowError: failure(e).message };
    }
    const session = new this.host.Session(state.skipAnnotations ?? 'native', now);
    try {
      return await this.checkIn(session, state, now, hooks);
    } catch (e) {
      this.host = null;
      throw e;
    } finally {
      session[Symbol.dispose ?? Symbol.for('dispose')]?.();
    }
  }

  async checkIn(session, state, now, hooks) {
    const configured = [];
    const settingsErrors = {};
    for (const policy of this.policies) {
      if (state.policies && !state.policies.includes(policy.name)) continue;
      try {
        const id = session.addPolicy(JSON.stringify(policy.info), JSON.stringify(state.settings?.[policy.name] ?? {}));
        configured.push({ policy, id, settings: session.settings(id), rules: session.enabledRules(id) });
      } catch (e) {
        const { kind, message } = failure(e);
        if (kind === 'trap') throw e;
        settingsErrors[policy.name] = message;
      }
    }
    if (Object.keys(settingsErrors).length > 0) return { settingsErrors };
    const nowUnix = now < 0n ? 0n : now;
    const inputs = state.inputs.map((input) => session.addInput(input.name, input.text));
    for (let i = 0; i < inputs.length; i += 1) {
      if (inputs[i].length === 0) continue;
      const resources = inputs[i].map((json, index) => ({ index, json }));
      for (const c of configured) {
        if (c.rules.length === 0) continue;
        const timedOut = state.timedOut?.find((t) => t.input === i && t.policy === c.policy.name);
        if (timedOut) {
          session.addError(i, c.id, 'timeout', String(timedOut.millis));
          continue;
        }
        hooks.onEvaluate?.(i, c.policy.name);
        let findings;
        try {
          const instance = await c.policy.component.instantiate();
          findings = instance.evaluate({ resources, evidence: [], settings: c.settings, nowUnix, rules: c.rules });
        } catch (e) {
          const { kind, message } = failure(e);
          session.addError(i, c.id, kind, message);
          continue;
        } finally {
          hooks.onEvaluated?.(i, c.policy.name);
        }
        session.addFindings(i, c.id, JSON.stringify(findings));
      }
    }
    const json = session.report();
    return { report: JSON.parse(json), json };
  }

  /**
   * Run the `supply-chain` component over dropped files as evidence (`[{name, kind, data}]`,
   * data a Uint8Array), the way `palisade verify chart` and `palisade verify blob` do: one
   * `HelmChart` resource named after the chart and one `Blob` resource per blob, all rules, and
   * `settings` (for blobs, the expected keyless signers: `{identities: [...]}`). A signature or
   * bundle is evidence about the blob it signs (`x` for `x.sig`; the only blob when there is
   * one). Returns the raw findings, or throws the policy's error.
   */
  async verify(files, now, settings = {}) {
    const policy = this.policy('supply-chain');
    if (!policy) throw new Error('the supply-chain policy is not in this build');
    this.host ??= (await this.web.instantiate()).host;
    let unix;
    try {
      unix = this.unixTime(now);
    } catch (e) {
      throw new Error(failure(e).message);
    }
    const nowUnix = unix < 0n ? 0n : unix;
    const chart = files.find((f) => f.kind === 'helm-chart');
    const blobs = files.filter((f) => f.kind === 'blob');
    const signed = (f) => (blobs.length === 1 ? blobs[0] : blobs.find((b) => f.name.startsWith(`${b.name}.`)))?.name;
    const subject = (f) => {
      if (chart && (f.kind === 'helm-chart' || f.kind === 'helm-provenance')) return chart.name;
      if (f.kind === 'cosign-signature' || f.kind === 'sigstore-bundle') return signed(f) ?? f.name;
      return f.name;
    };
    const evidence = files.map((f) => ({
      subject: subject(f), kind: f.kind, mediaType: MEDIA_TYPES[f.kind] ?? '', data: f.data, annotations: [],
    }));
    const objects = [
      ...(chart ? [{ kind: 'HelmChart', name: chart.name }] : []),
      ...blobs.map((b) => ({ kind: 'Blob', name: b.name })),
    ];
    const resources = objects.map(({ kind, name }, index) => ({
      index, json: JSON.stringify({ apiVersion: 'palisade.dev/v1', kind, metadata: { name } }),
    }));
    const instance = await policy.component.instantiate();
    try {
      return instance.evaluate({ resources, evidence, settings: JSON.stringify(settings), nowUnix, rules: [] });
    } catch (e) {
      const { kind, message } = failure(e);
      throw new Error(kind === 'policy'
        ? `policy \`supply-chain\` could not evaluate: ${message}`
        : `policy \`supply-chain\` crashed: ${message}`);
    }
  }
}

/** Media types the CLI gives evidence of these kinds (`crates/palisade-cli/src/verify_blob.rs`). */
const MEDIA_TYPES = { 'cosign-signature': 'application/vnd.dev.cosign.signature' };

/**
 * `value` as `palisade verify … --format json` prints it: serde_json's pretty form, object keys
 * sorted (serde_json's map is ordered by key), and a final newline.
 */
export function cliJson(value) {
  const sort = (v) => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort(v[k])]));
    return v;
  };
  return `${JSON.stringify(sort(value), null, 2)}\n`;
}

/** The value of the `key: value` line of a signer report, or undefined. */
function field(message, key) {
  return message.split('\n').find((l) => l.startsWith(`${key}: `))?.slice(key.length + 2);
}

/**
 * The verdict of `Runtime.verify` on a chart, as `palisade verify chart --format json` prints it
 * (the CLI reads the same two rules of the supply-chain policy: `chart-provenance` denies,
 * `chart-signer` carries Helm's `Key: value` lines).
 */
export function chartVerdict(chart, findings) {
  const denied = findings.find((f) => f.rule === 'chart-provenance');
  if (denied) return { chart, verified: false, reason: denied.message };
  const signer = findings.find((f) => f.rule === 'chart-signer');
  if (!signer) throw new Error(`the supply-chain policy returned no verdict for ${chart}`);
  const get = (key) => field(signer.message, key);
  const out = { chart, verified: true, signedBy: get('Signed by'), fingerprint: get('Using Key With Fingerprint') };
  const subkey = get('Using Subkey With Fingerprint');
  if (subkey !== undefined) out.subkey = subkey;
  out.digest = get('Chart Hash Verified');
  if (!out.signedBy || !out.fingerprint || !out.digest) {
    throw new Error(`the supply-chain policy reported a malformed verification: ${signer.message}`);
  }
  return out;
}

/**
 * The verdict of `Runtime.verify` on a blob, as `palisade verify blob --format json` prints it
 * (`blob-signature` denies with the reason, `blob-signer` carries `Key: value` lines; see
 * `parse_signer` in `crates/palisade-cli/src/verify_blob.rs`).
 */
export function blobVerdict(blob, findings) {
  const denied = findings.find((f) => f.rule === 'blob-signature');
  if (denied) return { blob, verified: false, reason: denied.message };
  const signer = findings.find((f) => f.rule === 'blob-signer');
  if (!signer) throw new Error(`the supply-chain policy returned no verdict for ${blob}`);
  const get = (key) => field(signer.message, key);
  const digest = get('Digest');
  if (digest === undefined) throw new Error(`the supply-chain policy reported a malformed verification: ${signer.message}`);
  const out = { blob, verified: true };
  const optional = {
    key: get('Verified with key'),
    certificateIdentity: get('Certificate identity'),
    certificateOidcIssuer: get('Certificate OIDC issuer'),
    certificateAuthority: get('Certificate authority'),
    tlogIndex: get('Transparency log index'),
    integratedTime: get('Integrated time'),
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) out[k] = v;
  if (out.tlogIndex !== undefined) {
    const index = /^[0-9]+$/.test(out.tlogIndex) ? Number(out.tlogIndex) : NaN;
    if (!Number.isSafeInteger(index)) {
      throw new Error(`the supply-chain policy reported a malformed log index: ${signer.message}`);
    }
    out.tlogIndex = index;
  }
  out.digest = digest;
  return out;
}

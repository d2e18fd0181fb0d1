// The page's side of the evaluation worker (worker.js): calls, and the per-evaluation time limit.

/** Time limit of one policy evaluation, as the CLI's `--policy-timeout` default. */
const TIME_LIMIT_MS = 10_000;

/**
 * The engine (engine.js) running in a Worker. Each evaluation is watched: one that runs past
 * `timeLimitMs` gets its worker terminated and replaced, and the check runs again with that
 * evaluation reported as timed out — the CLI reports it the same way and checks the rest.
 */
export class WorkerRuntime {
  timeLimitMs = TIME_LIMIT_MS;

  static async load() {
    const runtime = new WorkerRuntime();
    runtime.policies = await runtime.start();
    return runtime;
  }

  start() {
    this.worker?.terminate();
    for (const p of this.pending?.values() ?? []) p.reject(new Error('the evaluation worker was restarted'));
    this.worker = new Worker(new URL('worker.js', import.meta.url), { type: 'module' });
    this.pending = new Map();
    this.seq = 0;
    this.worker.onmessage = ({ data }) => {
      const call = this.pending.get(data.id);
      if (!call) return;
      if ('evaluating' in data) {
        call.progress(data.evaluating);
        return;
      }
      this.pending.delete(data.id);
      if ('error' in data) call.reject(new Error(data.error));
      else call.resolve(data.result);
    };
    this.worker.onerror = (e) => {
      for (const call of this.pending.values()) call.reject(new Error(`evaluation worker: ${e.message}`));
      this.pending.clear();
    };
    return this.call('policies');
  }

  call(method, args = [], progress = () => {}) {
    this.seq += 1;
    const id = this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, progress });
      this.worker.postMessage({ id, method, args });
    });
  }

  policy(name) {
    return this.policies.find((p) => p.name === name);
  }

  /** Run `method` with a watchdog over each evaluation; resolves, or rejects with `{ timeout }`. */
  watched(method, args) {
    const limit = this.timeLimitMs;
    let timer;
    return new Promise((resolve, reject) => {
      const progress = (evaluating) => {
        clearTimeout(timer);
        if (evaluating) timer = setTimeout(() => reject({ timeout: evaluating, limit }), limit);
      };
      this.call(method, args, progress).then(resolve, reject);
    }).finally(() => clearTimeout(timer));
  }

  async check(state) {
    const timedOut = [...(state.timedOut ?? [])];
    for (;;) {
      try {
        return await this.watched('check', [{ ...state, timedOut }]);
      } catch (e) {
        if (!e?.timeout) throw e;
        this.policies = await this.start();
        timedOut.push({ ...e.timeout, millis: e.limit });
      }
    }
  }

  async verify(files, now, settings = {}) {
    const data = files.map((f) => ({ name: f.name, kind: f.kind, data: f.data }));
    try {
      return await this.watched('verify', [data, now, settings]);
    } catch (e) {
      if (!e?.timeout) throw e;
      this.policies = await this.start();
      throw new Error(`policy \`supply-chain\` exceeded its time limit of ${e.limit} ms`);
    }
  }
}

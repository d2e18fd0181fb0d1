// The page's evaluation thread: it loads the components and runs checks, so a long evaluation
// never freezes the page, and a policy that runs past its time limit can be stopped (the page
// terminates this worker and starts a new one, as the CLI's epoch deadline stops a Store).
import { Runtime } from './engine.js';

const base = new URL('./', import.meta.url).href;
const runtime = Runtime.load(base, {
  compile: (url) => WebAssembly.compileStreaming(fetch(url)),
  readText: async (url) => (await fetch(url)).text(),
});

self.onmessage = async ({ data: { id, method, args } }) => {
  try {
    const rt = await runtime;
    let result;
    if (method === 'policies') {
      result = rt.policies.map((p) => ({ name: p.name, info: p.info }));
    } else if (method === 'check') {
      result = await rt.check(args[0], {
        onEvaluate: (input, policy) => self.postMessage({ id, evaluating: { input, policy } }),
        onEvaluated: () => self.postMessage({ id, evaluating: null }),
      });
    } else if (method === 'verify') {
      self.postMessage({ id, evaluating: { input: 0, policy: 'supply-chain' } });
      result = await rt.verify(...args);
      self.postMessage({ id, evaluating: null });
    } else {
      throw new Error(`unknown method ${method}`);
    }
    self.postMessage({ id, result });
  } catch (e) {
    self.postMessage({ id, error: String(e?.message ?? e) });
  }
};

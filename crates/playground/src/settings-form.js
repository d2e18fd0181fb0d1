// Settings forms generated from a policy's JSON Schema (draft 2020-12 subset: objects,
// enums, booleans, numbers, strings, string lists; anything else as JSON), plus the `rules`
// overrides every policy shares. The values are validated by the palisade-web component, with the
// schema, when the page checks.

function getAt(obj, path) {
  return path.reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), obj);
}

function setAt(obj, path, value) {
  let o = obj;
  for (const k of path.slice(0, -1)) {
    if (typeof o[k] !== 'object' || o[k] === null || Array.isArray(o[k])) o[k] = {};
    o = o[k];
  }
  if (value === undefined) delete o[path.at(-1)];
  else o[path.at(-1)] = value;
}

/** One control per schema property; values the user sets go into `settings`. */
function field(policy, settings, onChange, path, schema) {
  const wrap = document.createElement('div');
  wrap.className = 'setting';
  const key = path.join('.');
  const current = getAt(settings, path);
  const value = current !== undefined ? current : schema.default;
  const set = (v) => {
    setAt(settings, path, v);
    onChange();
  };
  const label = document.createElement('label');
  label.textContent = `${key} `;
  const types = [].concat(schema.type ?? []);
  let control;
  if (schema.type === 'object' && schema.properties) {
    const fs = document.createElement('fieldset');
    const legend = document.createElement('legend');
    legend.textContent = key;
    fs.append(legend);
    for (const [k, s] of Object.entries(schema.properties)) fs.append(field(policy, settings, onChange, [...path, k], s));
    wrap.append(fs);
    return wrap;
  } else if (schema.enum) {
    control = document.createElement('select');
    for (const v of schema.enum) control.add(new Option(String(v), JSON.stringify(v), false, v === value));
    control.addEventListener('change', () => set(JSON.parse(control.value)));
  } else if (types.length === 1 && types[0] === 'boolean') {
    control = document.createElement('input');
    control.type = 'checkbox';
    control.checked = Boolean(value);
    control.addEventListener('change', () => set(control.checked));
  } else if (types.length === 1 && (types[0] === 'integer' || types[0] === 'number')) {
    control = document.createElement('input');
    control.type = 'number';
    control.value = value ?? '';
    control.addEventListener('change', () => set(control.value === '' ? undefined : Number(control.value)));
  } else if (schema.type === 'array' && schema.items?.enum) {
    control = document.createElement('span');
    const chosen = new Set(value ?? []);
    for (const v of schema.items.enum) {
      const l = document.createElement('label');
      l.style.display = 'inline';
      const c = document.createElement('input');
      c.type = 'checkbox';
      c.checked = chosen.has(v);
      c.addEventListener('change', () => {
        if (c.checked) chosen.add(v); else chosen.delete(v);
        set(schema.items.enum.filter((x) => chosen.has(x)));
      });
      l.append(c, ` ${v} `);
      control.append(l);
    }
  } else if (schema.type === 'array' && (schema.items?.type === 'string' || schema.items?.type === undefined && !schema.items?.properties)) {
    control = document.createElement('textarea');
    control.rows = 2;
    control.placeholder = 'one per line';
    control.value = (value ?? []).join('\n');
    control.addEventListener('change', () => set(control.value.split('\n').map((s) => s.trim()).filter(Boolean)));
  } else if (types.includes('string') && !types.includes('object') && !types.includes('array')) {
    control = document.createElement('input');
    control.type = 'text';
    control.value = value ?? '';
    control.addEventListener('change', () => {
      const v = control.value;
      set(v === '' ? undefined : types.includes('number') && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v);
    });
  } else {
    control = document.createElement('textarea');
    control.rows = 3;
    control.value = value === undefined ? '' : JSON.stringify(value, null, 1);
    control.addEventListener('change', () => {
      try {
        set(control.value.trim() === '' ? undefined : JSON.parse(control.value));
        control.setCustomValidity('');
      } catch (e) {
        control.setCustomValidity(`not JSON: ${e.message}`);
        control.reportValidity();
      }
    });
  }
  control.name = `${policy}.${key}`;
  label.append(control);
  wrap.append(label);
  if (schema.description) {
    const d = document.createElement('div');
    d.className = 'desc';
    d.textContent = schema.description;
    wrap.append(d);
  }
  return wrap;
}

function rulesField(policy, settings, onChange) {
  const wrap = document.createElement('div');
  wrap.className = 'setting';
  const label = document.createElement('label');
  label.textContent = 'rules (one `rule-id: on | off | info | low | medium | high | critical` per line) ';
  const area = document.createElement('textarea');
  area.name = `${policy}.rules`;
  area.rows = 2;
  const rules = settings.rules ?? {};
  area.value = Object.entries(rules).map(([k, v]) => `${k}: ${v}`).join('\n');
  area.addEventListener('change', () => {
    const out = {};
    for (const line of area.value.split('\n').filter((l) => l.trim() !== '')) {
      const m = line.match(/^\s*([^:\s]+)\s*:\s*(\S+)\s*$/);
      if (!m) {
        area.setCustomValidity(`\`${line.trim()}\` is not \`rule-id: value\``);
        area.reportValidity();
        return;
      }
      out[m[1]] = m[2] === 'true' ? true : m[2] === 'false' ? false : m[2];
    }
    area.setCustomValidity('');
    setAt(settings, ['rules'], Object.keys(out).length ? out : undefined);
    onChange();
  });
  label.append(area);
  wrap.append(label);
  return wrap;
}

/**
 * The settings form of `policy` (named `policy.key` for tests): a control per property of
 * `schema` and the `rules` overrides. Edits change `settings` in place and call `onChange`.
 */
export function settingsForm(policy, schema, settings, onChange) {
  const controls = Object.entries(schema.properties ?? {}).map(([k, s]) => field(policy, settings, onChange, [k], s));
  return [...controls, rulesField(policy, settings, onChange)];
}

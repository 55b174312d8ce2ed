// h makes an element: h('button', {class: 'x', onclick: f}, 'text', child).
// Strings become text nodes, never HTML: names, labels, events and logs
// from the cluster go through here as text.

const LISTENERS = Symbol('listeners');

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
      (el[LISTENERS] ??= {})[k.slice(2)] = v; // for morph
    }
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/**
 * keepFocus redraws root with draw() and puts the focus back on the
 * element with the same data-key, so a keyboard user keeps their place
 * while the view changes under them.
 */
export function keepFocus(root, draw) {
  const active = document.activeElement;
  const key = root.contains(active) ? active?.dataset?.key : null;
  draw();
  if (key) root.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus({ preventScroll: true });
}

/**
 * morph makes the element old look like next (a fresh tree from h) by
 * changing old in place: attributes, listeners, text and children, matched
 * by position and tag. What did not change stays as it is, so the browser
 * restyles and lays out only what changed, and focus, selection and
 * scroll positions survive a redraw. It returns the element in the page.
 */
export function morph(old, next) {
  if (next[BUILD]) {
    // A lazy element: what is in the page stays if it was made for the
    // same signature; otherwise the element is made now.
    if (old.nodeName === next.nodeName && old.dataset?.sig === next.dataset.sig) return old;
    next = built(next);
  }
  if (old.nodeType !== next.nodeType || old.nodeName !== next.nodeName) {
    next = resolve(next);
    old.replaceWith(next);
    return next;
  }
  if (old.nodeType !== Node.ELEMENT_NODE) {
    if (old.nodeValue !== next.nodeValue) old.nodeValue = next.nodeValue;
    return old;
  }
  for (const a of [...old.attributes]) {
    if (!next.hasAttribute(a.name)) old.removeAttribute(a.name);
  }
  for (const a of next.attributes) {
    if (old.getAttribute(a.name) !== a.value) old.setAttribute(a.name, a.value);
  }
  // A checkbox's state is its property once the user has clicked it.
  if (old.nodeName === 'INPUT' && old.checked !== next.hasAttribute('checked')) old.checked = next.hasAttribute('checked');
  const was = old[LISTENERS] ?? {};
  const now = next[LISTENERS] ?? {};
  for (const [type, f] of Object.entries(was)) if (now[type] !== f) old.removeEventListener(type, f);
  for (const [type, f] of Object.entries(now)) if (was[type] !== f) old.addEventListener(type, f);
  old[LISTENERS] = now;
  const kids = [...next.childNodes];
  if (next[SLICED]) {
    later(old, kids);
    return old;
  }
  delete old[JOB]; // morphed whole now: a slicing left from before is moot
  for (let i = 0; i < kids.length; i++) morphChild(old, i, kids[i]);
  while (old.childNodes.length > kids.length) old.lastChild.remove();
  return old;
}

function morphChild(old, i, kid) {
  const have = old.childNodes[i];
  if (have) morph(have, kid);
  else old.append(resolve(kid));
}

const SLICED = Symbol('sliced');
const JOB = Symbol('job');
const SLICE_MS = 8; // how long one slice of a sliced morph runs

/**
 * sliced marks el, an element of a tree for morph, whose children morph
 * changes a slice at a time (SLICE_MS each, the page's other tasks in
 * between) instead of all at once: a thousand node tiles that all
 * changed took the page's thread for 100 to 380 ms in one task. Until the
 * last slice has run, the element shows some children from before; a
 * newer morph of the same element takes the place of the unfinished one.
 * A first drawing (resolve) makes the children at once.
 */
export function sliced(el) {
  el[SLICED] = true;
  return el;
}

const jobs = new Set(); // elements with children left to morph
let pumping = null;
let slicedMs = 0;

function later(old, kids) {
  old[JOB] = { kids, i: 0 };
  jobs.add(old);
  pumping ??= setTimeout(pump, 0);
}

function pump() {
  pumping = null;
  const start = performance.now();
  try {
    for (const el of jobs) {
      const job = el[JOB];
      if (!job || !el.isConnected) {
        // Morphed whole since, or no longer in the page.
        jobs.delete(el);
        delete el[JOB];
        continue;
      }
      while (job.i < job.kids.length) {
        if (performance.now() - start >= SLICE_MS) return;
        morphChild(el, job.i, job.kids[job.i]);
        job.i++;
      }
      while (el.childNodes.length > job.kids.length) el.lastChild.remove();
      jobs.delete(el);
      delete el[JOB];
    }
  } finally {
    slicedMs += performance.now() - start;
    if (jobs.size) pumping ??= setTimeout(pump, 0);
  }
}

/** slicedWork is how long the slices of sliced morphs have run, in ms, all told. */
export function slicedWork() {
  return slicedMs;
}

const BUILD = Symbol('build');

/**
 * lazy stands for an element that build() makes, and that depends only
 * on sig: morph keeps the element already in the page when it was made
 * for the same sig, and calls build() only when it was not. A view of a
 * thousand nodes makes and compares only the nodes that changed.
 */
export function lazy(tag, sig, build) {
  const el = document.createElement(tag);
  el.dataset.sig = sig;
  el[BUILD] = build;
  return el;
}

function built(stub) {
  const el = resolve(stub[BUILD]());
  el.dataset.sig = stub.dataset.sig;
  return el;
}

/**
 * resolve makes the lazy elements of a tree about to enter the page
 * without morph (a first drawing, a new view): it returns el, or what
 * stands for it.
 */
export function resolve(el) {
  if (el[BUILD]) return built(el);
  if (el.nodeType !== Node.ELEMENT_NODE) return el;
  for (const c of [...el.children]) {
    const r = resolve(c);
    if (r !== c) c.replaceWith(r);
  }
  return el;
}

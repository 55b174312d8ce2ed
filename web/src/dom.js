// h makes an element: h('button', {class: 'x', onclick: f}, 'text', child).
// Strings become text nodes, never HTML: names, labels, events and logs
// from the cluster go through here as text.

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
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

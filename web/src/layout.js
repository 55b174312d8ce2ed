// Resizable panes. The layout is a CSS grid whose track sizes come from
// custom properties (--split-col: the left column's share of the width;
// --split-row: the editor's share of the left column); a splitter is a
// focusable role="separator" moved by dragging or with the arrow keys
// (Home/End for the ends), and the shares are kept in localStorage.

export const LIMITS = { min: 15, max: 85 };

/** clamp keeps a share (percent) within the limits. */
export function clamp(v) {
  if (!Number.isFinite(v)) return 50;
  return Math.min(LIMITS.max, Math.max(LIMITS.min, Math.round(v * 10) / 10));
}

/** keyStep is the new share for a key on a splitter, or null if the key does nothing. */
export function keyStep(value, key, vertical) {
  const less = vertical ? 'ArrowLeft' : 'ArrowUp';
  const more = vertical ? 'ArrowRight' : 'ArrowDown';
  switch (key) {
    case less:
      return clamp(value - 5);
    case more:
      return clamp(value + 5);
    case 'Home':
      return LIMITS.min;
    case 'End':
      return LIMITS.max;
    default:
      return null;
  }
}

/** shareAt is the share for a pointer at pos within a box [start, start+size). */
export function shareAt(pos, start, size) {
  if (!(size > 0)) return 50;
  return clamp(((pos - start) / size) * 100);
}

export function storedShares(storage) {
  const d = { col: 58, row: 45 };
  try {
    const v = JSON.parse(storage?.getItem('kubeplay.layout') ?? 'null');
    return { col: clamp(Number(v?.col ?? d.col)), row: clamp(Number(v?.row ?? d.row)) };
  } catch {
    return d;
  }
}

/**
 * Splitter wires one separator element: prop is the custom property it
 * sets on container, vertical says it moves left-right, box() is the
 * element whose extent the share is of. onChange(share) hears each move.
 */
export function splitter({ el, container, prop, vertical, value, box, onChange }) {
  const set = (v) => {
    value = clamp(v);
    container.style.setProperty(prop, `${value}%`);
    el.setAttribute('aria-valuenow', String(Math.round(value)));
    onChange?.(value);
  };
  el.setAttribute('role', 'separator');
  el.setAttribute('aria-orientation', vertical ? 'vertical' : 'horizontal');
  el.setAttribute('aria-valuemin', String(LIMITS.min));
  el.setAttribute('aria-valuemax', String(LIMITS.max));
  el.tabIndex = 0;
  set(value);
  el.addEventListener('keydown', (e) => {
    const v = keyStep(value, e.key, vertical);
    if (v === null) return;
    e.preventDefault();
    set(v);
  });
  el.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    e.preventDefault();
    el.setPointerCapture?.(e.pointerId);
    el.classList.add('dragging');
    const move = (ev) => {
      const r = box().getBoundingClientRect();
      set(vertical ? shareAt(ev.clientX, r.left, r.width) : shareAt(ev.clientY, r.top, r.height));
    };
    const up = () => {
      el.classList.remove('dragging');
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', up);
      el.removeEventListener('pointercancel', up);
    };
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', up);
    el.addEventListener('pointercancel', up);
  });
  return { set, get: () => value };
}

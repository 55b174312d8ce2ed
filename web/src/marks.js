// The engine's validation marks (line and column from 1) as editor
// diagnostics (offsets into the text).

/** lineStarts returns the offset at which each line of text starts. */
export function lineStarts(text) {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/**
 * toDiagnostics maps marks to {from, to, severity, message}: from the
 * mark's column to the end of its line's key (or of the line), clamped
 * to the text.
 */
export function toDiagnostics(text, marks) {
  const starts = lineStarts(text);
  const out = [];
  for (const m of marks ?? []) {
    const line = Math.min(Math.max(1, Math.trunc(Number(m.line)) || 1), starts.length);
    const start = starts[line - 1];
    const end = line < starts.length ? starts[line] - 1 : text.length;
    const from = Math.min(start + Math.max(0, (Math.trunc(Number(m.column)) || 1) - 1), end);
    const rest = text.slice(from, end);
    const colon = rest.search(/:(\s|$)/);
    const to = colon > 0 ? from + colon : end;
    const severity = m.severity === 'warning' ? 'warning' : 'error';
    const message = String(m.message ?? '') + (m.detail && m.detail !== m.message ? `\n\n${m.detail}` : '');
    out.push({ from, to: Math.max(to, from), severity, message });
  }
  return out;
}

// What the page's address asks of the engine, read by the first script
// (boot.js) and by the page (embedhost.js): see embedhost.js for the
// forms of the fragment.

const MAX_FRAGMENT = 1 << 20;

/** fragmentParams reads the page's fragment (#a=b&c=d). */
export function fragmentParams(hash) {
  const h = String(hash ?? '').replace(/^#/, '');
  if (!h || h.length > MAX_FRAGMENT) return new URLSearchParams();
  return new URLSearchParams(h);
}

/**
 * workerParams are what the engine needs to hear from the fragment: a link
 * to replay or a scenario to open, the page's address for the links
 * kubeplay share makes, and whether the page is embedded.
 */
export function workerParams(location) {
  const p = fragmentParams(location.hash);
  const out = [['url', new URL('./', location.href).href]];
  if (isEmbedded(location)) out.push(['fresh', '1']); // an embedded cluster is its own, in memory
  // A fragment too long to read is refused by the engine, with the reason,
  // rather than ignored (which would open the user's cluster in its place).
  if (location.hash.length > MAX_FRAGMENT) out.push(['oversized', String(location.hash.length)]);
  if (p.get('share')) out.push(['share', p.get('share')]);
  else if (p.get('scenario')) out.push(['scenario', p.get('scenario')]);
  return out;
}

/** isEmbedded reports whether this page is the embed form. */
export function isEmbedded(location) {
  return /(^|\/)embed\.html$/.test(location.pathname);
}

// The editor's tabs: the files of the home directory that are open, each
// with its text, the text last saved, and the file's time as last seen.
// Pure state, no DOM: the page renders it.

export class Tabs {
  constructor() {
    this.tabs = []; // {path, text, saved, modTime, stale}
    this.active = null;
  }

  find(path) {
    return this.tabs.find((t) => t.path === path) ?? null;
  }

  get current() {
    return this.find(this.active);
  }

  /** open adds (or refreshes, if clean) a tab with a file's contents and makes it active. */
  open(path, text, modTime) {
    let t = this.find(path);
    if (!t) {
      t = { path, text, saved: text, modTime, stale: false };
      this.tabs.push(t);
    } else if (!isDirty(t)) {
      Object.assign(t, { text, saved: text, modTime, stale: false });
    }
    this.active = path;
    return t;
  }

  edit(path, text) {
    const t = this.find(path);
    if (t) t.text = text;
  }

  saved(path, text, modTime) {
    const t = this.find(path);
    if (t) Object.assign(t, { saved: text, modTime, stale: false });
  }

  close(path) {
    const i = this.tabs.findIndex((t) => t.path === path);
    if (i < 0) return;
    this.tabs.splice(i, 1);
    if (this.active === path) this.active = this.tabs[Math.min(i, this.tabs.length - 1)]?.path ?? null;
  }

  rename(from, to) {
    const t = this.find(from);
    if (!t) return;
    t.path = to;
    if (this.active === from) this.active = to;
  }

  /**
   * sync compares the open tabs with a listing of the files ({path,
   * modTime}): it returns the clean tabs whose file changed (to reload)
   * and marks dirty ones stale; tabs whose file went away are left open,
   * unsaved.
   */
  sync(files) {
    const byPath = new Map(files.map((f) => [f.path, f]));
    const reload = [];
    for (const t of this.tabs) {
      const f = byPath.get(t.path);
      if (!f) {
        t.modTime = null;
        continue;
      }
      if (t.modTime === f.modTime) continue;
      if (isDirty(t) || t.modTime === null) t.stale = t.modTime !== null;
      if (!isDirty(t)) reload.push(t.path);
    }
    return reload;
  }

  /** state is what is kept across reloads: the paths open and the active one. */
  state() {
    return { open: this.tabs.map((t) => t.path), active: this.active };
  }
}

export function isDirty(t) {
  return !!t && (t.text !== t.saved || t.modTime === null);
}

/** validPath checks a name the user typed for a file in the home directory. */
export function validPath(p) {
  if (typeof p !== 'string') return 'a name is needed';
  p = p.trim();
  if (!p) return 'a name is needed';
  if (p.length > 255) return 'the name is too long';
  if (p.startsWith('/')) return 'the name must be relative to the home directory';
  if (p.split('/').some((s) => s === '' || s === '.' || s === '..')) return 'the name must be a file inside the home directory';
  if (/[\x00\\]/.test(p)) return 'the name has characters a file name cannot have';
  return '';
}

/** shellQuote quotes a path for the shell, only when it needs it. */
export function shellQuote(s) {
  return /^[A-Za-z0-9_./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

// imageName makes an image name of a file name's stem (a module dropped
// on the page is loaded under it): lower case, letters, digits, '.', '_'
// and '-', starting and ending with a letter or digit.
export function imageName(stem) {
  const name = stem.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return name || 'image';
}

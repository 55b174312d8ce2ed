// Light and dark: the page follows prefers-color-scheme unless the user
// picked one with the toggle, which is kept in localStorage. The choice is
// <html data-theme="light|dark">; the stylesheet does the rest.

export const CHOICES = ['auto', 'light', 'dark'];

export function storedChoice(storage) {
  try {
    const v = storage?.getItem('kubeplay.theme');
    return CHOICES.includes(v) ? v : 'auto';
  } catch {
    return 'auto';
  }
}

/** nextChoice is what the toggle moves to: auto → light → dark → auto. */
export function nextChoice(choice) {
  return CHOICES[(CHOICES.indexOf(choice) + 1) % CHOICES.length];
}

/** effective is the theme shown for a choice, given whether the system prefers dark. */
export function effective(choice, prefersDark) {
  if (choice === 'light' || choice === 'dark') return choice;
  return prefersDark ? 'dark' : 'light';
}

/** Theme applies and keeps the choice; onChange(theme) hears the effective theme. */
export class Theme {
  constructor({ root, storage, media }) {
    this.root = root;
    this.storage = storage;
    this.media = media;
    this.choice = storedChoice(storage);
    this.listeners = new Set();
    media?.addEventListener?.('change', () => this.apply());
    this.apply();
  }

  get current() {
    return effective(this.choice, !!this.media?.matches);
  }

  set(choice) {
    if (!CHOICES.includes(choice)) return;
    this.choice = choice;
    try {
      if (choice === 'auto') this.storage?.removeItem('kubeplay.theme');
      else this.storage?.setItem('kubeplay.theme', choice);
    } catch {
      // not kept
    }
    this.apply();
  }

  toggle() {
    this.set(nextChoice(this.choice));
  }

  apply() {
    const t = this.current;
    if (this.root) {
      this.root.dataset.theme = t;
      this.root.dataset.themeChoice = this.choice;
    }
    for (const f of this.listeners) f(t, this.choice);
  }

  onChange(f) {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }
}

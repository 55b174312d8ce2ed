// The clock's display and the speeds the time controls offer.

export const SPEEDS = ['pause', '1', '10', '100', 'max'];

/** speedLabel is a speed as the controls show it: "Paused", "10×", "Max". */
export function speedLabel(speed) {
  if (speed === 'pause') return 'Paused';
  if (speed === 'max') return 'Max';
  return `${speed}×`;
}

/** formatClock shows a virtual instant (ms since the epoch) as "2026-01-01 12:05:10" in UTC. */
export function formatClock(ms) {
  if (!Number.isFinite(ms)) return '--:--:--';
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** formatDuration shows a jump's length: "5m0.1s", "10s", "250ms". */
export function formatDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let s = ms / 1000;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const secs = `${Number(s.toFixed(3))}s`;
  if (h) return `${h}h${m}m${secs}`;
  if (m) return `${m}m${secs}`;
  return secs;
}

/** storedSpeed reads the speed kept across reloads; "1" when none or unreadable. */
export function storedSpeed(storage) {
  try {
    const v = storage?.getItem('kubeplay.speed');
    return SPEEDS.includes(v) ? v : '1';
  } catch {
    return '1';
  }
}

export function storeSpeed(storage, speed) {
  try {
    if (SPEEDS.includes(speed)) storage?.setItem('kubeplay.speed', speed);
  } catch {
    // private mode: the speed is not kept
  }
}

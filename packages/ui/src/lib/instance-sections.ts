import type { InstanceInfo } from '../api/types';

// Sections people look for first, in this order; keys of /api/instance's `config` (the validated
// runyard.yaml with defaults) that are not listed here are shown after them.
const SECTIONS: [string, string][] = [
  ['runLauncher', 'Run launcher'],
  ['runLaunchers', 'Run launchers'],
  ['runCoordinator', 'Run coordinator'],
  ['storage', 'Storage'],
  ['computeLogs', 'Compute logs'],
  ['runMonitoring', 'Run monitoring'],
  ['runRetries', 'Run retries'],
  ['runWorker', 'Run worker'],
  ['daemon', 'Daemon settings'],
];

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Arranges /api/instance into a summary (plain values) and titled sections. */
export function instanceSections(info: InstanceInfo): {
  summary: Record<string, unknown>;
  sections: [string, string, unknown][];
} {
  const config = isObject(info.config) ? info.config : {};
  const summary = Object.fromEntries(Object.entries(info).filter(([, v]) => !isObject(v)));
  const sections: [string, string, unknown][] = [];
  const used = new Set<string>();
  for (const [key, label] of SECTIONS) {
    // The storage section joins what the storage reports (location, schema version) and its config.
    const live = key === 'storage' && isObject(info.storage) ? info.storage : undefined;
    // Servers that describe components at the top level (no `config` block) are read the same way.
    const configured = config[key] ?? (key === 'storage' ? undefined : info[key]);
    const value = live && configured !== undefined ? { ...live, config: configured } : (live ?? configured);
    if (value === undefined) continue;
    used.add(key);
    sections.push([key, label, value]);
  }
  for (const [key, value] of Object.entries(config)) if (!used.has(key)) sections.push([key, key, value]);
  for (const [key, value] of Object.entries(info)) {
    if (key !== 'config' && !used.has(key) && isObject(value)) sections.push([key, key, value]);
  }
  return { summary, sections };
}

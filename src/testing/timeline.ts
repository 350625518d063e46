/**
 * @module
 * A run's timeline: one self-contained HTML file, and a Chrome-trace
 * (Perfetto) export. (Bodies to follow.)
 */
import type { SimResult } from './sim-result.js';

/** The run as one self-contained HTML page. */
export function timelineHtml(result: SimResult): string {
  return `<!doctype html><title>seed ${result.seed}</title>`;
}

// How `virt-audit watch` writes an event: a text line in auvirt's columns with the event's word first, or
// the event itself as one NDJSON line.
import { pad, ctime } from '../auvirt/compat-format.js';
import { padColumns } from '../correlator/display-width.js';

/** A text padded to `width` terminal columns (padColumns gives UTF-8 bytes, one char each; this, the text). */
const columns = (text: string | null | undefined, width: number): string => Buffer.from(padColumns(text, width), 'latin1').toString('utf8');
import type { LiveAlert, LiveEvent } from './live-event.js';

export type WatchFormat = 'text' | 'ndjson';

/** The word of the text form's first column. */
const WORDS: Readonly<Record<LiveEvent['event'], string>> = {
  'session-started': 'started',
  'session-failed': 'start-failed',
  'session-ended': 'ended',
  'gap-opened': 'gap',
  'gap-closed': 'gap-closed',
  'resource-assigned': 'assigned',
  'resource-released': 'released',
  avc: 'avc',
  anomaly: 'anomaly',
};

/** What follows the time column: the how and reason of an end, a resource's kind, reason and value, an AVC's permissions. */
function tail(event: LiveEvent): string {
  switch (event.event) {
    case 'session-started':
    case 'session-failed':
      return [event.reason ?? '', event.vmPid === null || event.vmPid === undefined ? '' : `vm-pid=${event.vmPid}`].filter(Boolean).join(' ');
    case 'session-ended':
      return [event.how ?? '', event.reason ?? ''].filter(Boolean).join(' ');
    case 'resource-assigned':
    case 'resource-released': {
      const resource = event.resource!;
      const failed = event.success === false ? ' - failed' : '';
      return `${pad(resource.kind, 12)}\t${pad(resource.reason, 10)}\t${resource.value}${failed}`;
    }
    case 'avc': {
      const detail = event.detail ?? {};
      const permissions = Array.isArray(detail['permissions']) ? (detail['permissions'] as string[]).join(',') : '';
      return `${pad(permissions, 12)}\t${pad(String(detail['result'] ?? ''), 10)}\t${String(detail['comm'] ?? '')}\t${String(detail['target'] ?? '')}`;
    }
    case 'anomaly': {
      const detail = event.detail ?? {};
      return `${String(detail['type'] ?? '')}${detail['pid'] === null || detail['pid'] === undefined ? '' : `\tpid=${String(detail['pid'])}`}`;
    }
    default:
      return '';
  }
}

/** `Sat Mar  9 09:03` of an ISO time, in the local zone as auvirt shows it. */
function minute(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? pad(iso, 16) : ctime(Math.floor(ms / 1000)).slice(0, 16);
}

/** One event (or alert) as the format writes it, newline included. */
export function formatLiveEvent(event: LiveEvent | LiveAlert, format: WatchFormat, proof = false): string {
  if (format === 'ndjson') return `${JSON.stringify(event)}\n`;
  if (event.event === 'alert') return `${pad('alert', 12)} ${columns(event.name, 22)}\t${pad(event.severity, 11)}\t${minute(event.time)}\t${event.rule}: ${event.message}\n`;
  const line = `${pad(WORDS[event.event], 12)} ${columns(event.name, 22)}\t${columns(event.user ?? null, 11)}\t${minute(event.time)}\t${tail(event)}`.trimEnd();
  return `${line}\n${proof ? `    Proof:${event.proofs.join(',')}\n` : ''}`;
}

// The auvirt report with its bugs fixed: auvirt's columns and layout, but full durations, every session
// end (failed, down, restarted, still running), every resource kind, orphan stops, and proof ids that
// carry node and time. Also the JSON form.
import { ctime, pad, summaryText } from '../auvirt/compat-format.js';
import { formatProofId, type GuestSession, type ProofId, type ReportRow } from './session-model.js';

export interface ReportFilter {
  readonly start?: number;
  readonly end?: number;
  readonly vm?: string;
  readonly uuid?: string;
}

export interface ReportFlags {
  readonly allEvents: boolean;
  readonly showUuid: boolean;
  readonly proof: boolean;
}

const bytes = (text: string | null | undefined): string => Buffer.from(text ?? '', 'utf8').toString('latin1');
const two = (value: number): string => String(value).padStart(2, '0');

export function duration(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  const clock = `${two(Math.floor(seconds / 3600) % 24)}:${two(Math.floor(seconds / 60) % 60)}`;
  return days > 0 ? `(${days}+${clock})` : `(${clock})`;
}

function span(from: ProofId, to: ProofId | null, suffix = ''): string {
  const start = ctime(from.sec).slice(0, 16);
  if (to === null) return start;
  const end = ctime(to.sec);
  const sameDay = end.slice(0, 10) === start.slice(0, 10) && end.slice(20) === ctime(from.sec).slice(20);
  return `${start} - ${sameDay ? end.slice(11, 16) : end.slice(4, 16)}  ${duration(to.sec - from.sec)}${suffix}`;
}

function sessionPeriod(session: GuestSession): string {
  const start = session.start!;
  if (!start.success) return `${ctime(start.proof.sec).slice(0, 16)} - failed`;
  if (session.end === null) return `${ctime(start.proof.sec).slice(0, 16)} - running`;
  const note = session.end.how === 'down' ? ' down' : session.end.how === 'restarted' ? ' restarted' : '';
  return span(start.proof, session.end.proof, note);
}

function periodOf(row: ReportRow): string {
  switch (row.kind) {
    case 'start':
      return sessionPeriod(row.session);
    case 'stop': {
      const time = ctime(row.stop.proof.sec).slice(0, 16);
      if (!row.stop.success) return `${time} - failed`;
      return row.session.start === null ? `${time} (started before the log)` : time;
    }
    case 'resrc': {
      const { resource } = row;
      if (!resource.success) return `${ctime(resource.start.sec).slice(0, 16)} - failed`;
      return span(resource.start, resource.end);
    }
    case 'avc':
      return ctime(row.avc.proof.sec).slice(0, 16);
    case 'anom':
      return ctime(row.anomaly.proof.sec).slice(0, 16);
    case 'down':
      return ctime(row.proof.sec).slice(0, 16);
  }
}

function userOf(row: ReportRow): string | null {
  switch (row.kind) {
    case 'start':
      return row.session.start?.user ?? null;
    case 'stop':
      return row.stop.user;
    case 'resrc':
      return row.resource.user;
    case 'avc':
      return row.avc.user;
    case 'anom':
      return row.anomaly.user;
    case 'down':
      return null;
  }
}

function proofsOf(row: ReportRow): ProofId[] {
  switch (row.kind) {
    case 'start': {
      const start = row.session.start!;
      return row.session.end && row.session.end.how !== 'failed-start' ? [start.proof, row.session.end.proof] : [start.proof];
    }
    case 'stop':
      return [row.stop.proof];
    case 'resrc':
      return row.resource.proofs;
    case 'avc':
      return [row.avc.proof];
    case 'anom':
      return [row.anomaly.proof];
    case 'down':
      return [row.proof];
  }
}

function timeOf(row: ReportRow): number {
  return proofsOf(row)[0]!.sec;
}

function rowVisible(row: ReportRow, filter: ReportFilter, allEvents: boolean): boolean {
  if (!allEvents && !(row.kind === 'start' || (row.kind === 'stop' && row.session.start === null))) return false;
  if (filter.vm !== undefined && row.session.name !== filter.vm) return false;
  if (filter.uuid !== undefined && row.session.uuid.toLowerCase() !== filter.uuid.toLowerCase()) return false;
  const time = timeOf(row);
  if (filter.start !== undefined && time < filter.start) {
    const ends = row.kind === 'start' ? row.session.end?.proof.sec : undefined;
    if (ends === undefined ? row.session.end !== null || row.kind !== 'start' : ends < filter.start) return false;
  }
  if (filter.end !== undefined && time > filter.end) return false;
  return true;
}

export function formatRow(row: ReportRow, flags: ReportFlags): string {
  let line = flags.allEvents ? `${pad(row.kind, 6, 5)} ` : '';
  line += pad(bytes(row.session.name), 22);
  if (flags.showUuid) line += `\t${pad(row.session.uuid, 36)}`;
  line += `\t${pad(bytes(userOf(row)), 11)}\t${periodOf(row).padEnd(32, ' ')}`;
  if (row.kind === 'resrc') {
    const { resource } = row;
    line += `\t${pad(resource.kind, 12)}\t${pad(resource.reason, 10)}`;
    line += resource.kind === 'cgroup'
      ? `\t${resource.details.class ?? ''}\t${resource.details.acl ?? ''}\t${bytes(resource.details.class === 'path' ? resource.details.path : resource.details.category)}`
      : `\t${bytes(resource.value)}`;
  } else if (row.kind === 'avc') {
    const { avc } = row;
    const operation = avc.permissions.join(',');
    const context = operation === 'relabelfrom' ? avc.scontext : operation === 'relabelto' ? avc.tcontext : '';
    line += `\t${operation.padEnd(12, ' ')}\t${pad(avc.result, 10)}\t${bytes(avc.comm)}\t${bytes(avc.target)}\t${context ?? ''}`;
  } else if (row.kind === 'anom') {
    line += `\t${row.anomaly.type}${row.anomaly.pid === null ? '' : `\tpid=${row.anomaly.pid}`}`;
  }
  line += '\n';
  if (flags.proof) line += `    Proof:${proofsOf(row).map(formatProofId).join(',')}\n\n`;
  return line;
}

export function formatReport(rows: readonly ReportRow[], flags: ReportFlags, filter: ReportFilter): string {
  return rows.filter((row) => rowVisible(row, filter, flags.allEvents)).map((row) => formatRow(row, flags)).join('');
}

export function formatReportSummary(rows: readonly ReportRow[], filter: ReportFilter, unmatched: { avcs: number; anomalies: number }): string {
  const visible = rows.filter((row) => rowVisible(row, filter, true));
  const count = { start: 0, stop: 0, resrc: 0, avc: 0, anom: 0, down: 0, failed: 0 };
  let first = Infinity;
  let last = -Infinity;
  for (const row of visible) {
    for (const proof of proofsOf(row)) {
      first = Math.min(first, proof.sec);
      last = Math.max(last, proof.sec);
    }
    const failed = (row.kind === 'start' && !row.session.start!.success) || (row.kind === 'stop' && !row.stop.success) || (row.kind === 'resrc' && !row.resource.success);
    if (failed) count.failed++;
    else count[row.kind]++;
  }
  return summaryText(visible.length === 0 ? null : { first, last }, count, [
    ['Number of host shutdowns:', count.down],
    ['Unmatched AVCs and anomalies:', unmatched.avcs + unmatched.anomalies],
  ]);
}

/** The JSON form: sessions with resources, labels, AVCs and anomalies nested, proof ids as node:sec.ms:serial. */
export function reportJson(sessions: readonly GuestSession[], filter: ReportFilter, unmatched: { avcs: number; anomalies: number }): string {
  const proof = (value: ProofId | null | undefined): string | null => (value ? formatProofId(value) : null);
  const time = (value: ProofId | null | undefined): string | null => (value ? new Date(value.sec * 1000 + value.ms).toISOString() : null);
  const selected = sessions.filter((session) => {
    if (filter.vm !== undefined && session.name !== filter.vm) return false;
    if (filter.uuid !== undefined && session.uuid.toLowerCase() !== filter.uuid.toLowerCase()) return false;
    const from = session.start?.proof.sec ?? session.stops[0]?.proof.sec ?? 0;
    const to = session.end?.proof.sec ?? Infinity;
    return !(filter.end !== undefined && from > filter.end) && !(filter.start !== undefined && to < filter.start);
  });
  const document = {
    sessions: selected.map((session) => ({
      node: session.node, uuid: session.uuid, name: session.name, virt: session.virt,
      start: session.start && { time: time(session.start.proof), reason: session.start.reason, success: session.start.success, vmPid: session.start.vmPid, user: session.start.user, proof: proof(session.start.proof) },
      end: session.end && { time: time(session.end.proof), how: session.end.how, proof: proof(session.end.proof) },
      stops: session.stops.map((stop) => ({ time: time(stop.proof), reason: stop.reason, success: stop.success, user: stop.user, proof: proof(stop.proof) })),
      labels: session.labels.map((label) => ({ model: label.model, vmContext: label.vmContext, imageContext: label.imageContext, level: label.level, proof: proof(label.proof) })),
      resources: session.resources.map((resource) => ({
        kind: resource.kind, reason: resource.reason, value: resource.value, previous: resource.previous, success: resource.success,
        start: time(resource.start), end: time(resource.end), endedBy: resource.endedBy, details: resource.details, proofs: resource.proofs.map(formatProofId),
      })),
      avcs: session.avcs.map((avc) => ({ ...avc, proof: proof(avc.proof), time: time(avc.proof) })),
      anomalies: session.anomalies.map((anomaly) => ({ ...anomaly, proof: proof(anomaly.proof), time: time(anomaly.proof) })),
    })),
    unmatched,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

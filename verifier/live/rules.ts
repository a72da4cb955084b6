// Rules that alert on live events (schemas/watch-rules.schema.json): each rule a predicate on one event
// (a guest crashed, a start failed, a disk outside the allowed prefixes …) or, for time rules, on the
// sessions it saw start and not end, checked by tick().
import type { LiveAlert, LiveEvent } from './live-event.js';
import { loadRuleFile, type RuleKind, type Severity, type WatchRule, type WatchRuleFile } from './rules-file.js';
import { globFilter, isInsidePrefixes, parseDuration, renderTemplate } from './rules-match.js';

export { loadRuleFile, parseRuleFile, RuleFileError, type WatchRule, type WatchRuleFile, type RuleKind, type Severity, type RuleMatch, type RuleFileProblem } from './rules-file.js';

const DEFAULT_MESSAGES: Readonly<Record<RuleKind, string>> = {
  'guest-crashed': 'guest {name} ({uuid}) crashed on node {node}',
  'start-failed': 'guest {name} ({uuid}) failed to start on node {node}',
  'path-outside': 'guest {name} was given {resource} {value}, outside the allowed paths',
  'hostdev-assigned': 'host device {value} ({resource}) assigned to guest {name}',
  'avc-denial': 'access denied to running guest {name}: {permissions} on {target}',
  'running-longer-than': 'guest {name} ({uuid}) has run longer than {duration} on node {node}',
  'audit-gap': 'audit gap on node {node}: auditd is away, records of running guests are not logged',
  event: '{event} {name} ({uuid}) on node {node}',
};

/** virDomainAuditRedirdev's record (bus=usb, the constant device `USB redirdev`) as the assignment's value. */
const REDIRDEV_VALUE = 'usb USB redirdev';
const DEFAULT_RESOURCE_PATHS: readonly string[] = ['disk', 'fs'];
/** Sessions a time rule follows at once; past it the oldest is forgotten (and counted), so memory stays bounded. */
const MAX_TRACKED_SESSIONS = 65_536;

interface TrackedSession {
  readonly started: LiveEvent;
  readonly startMs: number;
  fired: boolean;
}

/** The bus of a host device: `bus device` for resrc=dev, none for LXC's resrc=hostdev. */
function busOf(event: LiveEvent): string | null {
  return event.resource?.kind === 'dev' ? (event.resource.value.split(' ')[0] ?? null) : null;
}

function sessionKey(event: LiveEvent): string {
  return `${event.node ?? ''}\u0000${event.uuid ?? event.name ?? ''}`;
}

class CompiledRule {
  readonly severity: Severity;
  readonly sessions = new Map<string, TrackedSession>();
  forgotten = 0;
  private readonly filters: Array<(event: LiveEvent) => boolean> = [];
  private readonly template: string;
  readonly durationMs: number;

  constructor(readonly rule: WatchRule) {
    this.severity = rule.severity ?? 'warning';
    this.template = rule.message ?? DEFAULT_MESSAGES[rule.kind];
    this.durationMs = rule.duration === undefined ? NaN : parseDuration(rule.duration);
    const name = globFilter(rule.match?.name);
    const uuid = globFilter(rule.match?.uuid);
    const node = globFilter(rule.match?.node);
    if (name) this.filters.push((event) => name(event.name));
    if (uuid) this.filters.push((event) => uuid(event.uuid));
    if (node) this.filters.push((event) => node(event.node));
  }

  watches(event: LiveEvent): boolean {
    return this.filters.every((filter) => filter(event));
  }

  /** Whether the event is what this (event-driven) rule alerts on. */
  raisedBy(event: LiveEvent): boolean {
    const { rule } = this;
    switch (rule.kind) {
      case 'guest-crashed':
        return event.event === 'session-ended' && event.reason === 'crashed';
      case 'start-failed':
        return event.event === 'session-failed';
      case 'path-outside': {
        const resource = event.resource;
        if (event.event !== 'resource-assigned' || resource === undefined) return false;
        if (!(rule.resources ?? DEFAULT_RESOURCE_PATHS).includes(resource.kind)) return false;
        // No source (an empty CD-ROM: `?`) is no path; anything else not below a prefix is outside.
        if (resource.value === '' || resource.value === '?') return false;
        return !isInsidePrefixes(resource.value, rule.allowedPrefixes ?? []);
      }
      case 'hostdev-assigned': {
        if (event.event !== 'resource-assigned' || (event.resource?.kind !== 'dev' && event.resource?.kind !== 'hostdev')) return false;
        // libvirt audits a SPICE client's redirected USB device as resrc=dev too, with this constant: no host device.
        if (event.resource.value === REDIRDEV_VALUE) return false;
        if (rule.buses === undefined) return true;
        const bus = busOf(event);
        return bus !== null && rule.buses.includes(bus);
      }
      case 'avc-denial':
        return event.event === 'avc' && String(event.detail?.['result'] ?? '').toLowerCase() === 'denied';
      case 'audit-gap':
        return event.event === 'gap-opened';
      case 'event':
        return (rule.events ?? []).includes(event.event);
      case 'running-longer-than':
        return false;
    }
  }

  /** Follows the sessions a time rule watches. */
  follow(event: LiveEvent): void {
    if (this.rule.kind !== 'running-longer-than') return;
    const key = sessionKey(event);
    if (event.event === 'session-started') {
      const startMs = Date.parse(event.time);
      if (Number.isNaN(startMs) || !this.watches(event)) return;
      this.sessions.delete(key);
      this.sessions.set(key, { started: event, startMs, fired: false });
      if (this.sessions.size > MAX_TRACKED_SESSIONS) {
        this.sessions.delete(this.sessions.keys().next().value!);
        this.forgotten++;
      }
    } else if (event.event === 'session-ended' || event.event === 'session-failed') {
      this.sessions.delete(key);
    }
  }

  alert(event: LiveEvent, time: string, cause: LiveEvent | undefined): LiveAlert {
    const { rule } = this;
    const permissions = event.detail?.['permissions'];
    const message = renderTemplate(this.template, {
      rule: rule.id, severity: this.severity, event: event.event, time, node: event.node, uuid: event.uuid, name: event.name,
      reason: event.reason ?? event.resource?.reason, how: event.how, resource: event.resource?.kind, value: event.resource?.value,
      previous: event.resource?.previous, bus: busOf(event), duration: rule.duration,
      result: event.detail?.['result'] === undefined ? null : String(event.detail['result']),
      permissions: Array.isArray(permissions) ? permissions.join(',') : permissions === undefined ? null : String(permissions),
      target: event.detail?.['target'] === undefined ? null : String(event.detail['target']),
    });
    return {
      event: 'alert', rule: rule.id, severity: this.severity, message, time,
      node: event.node, uuid: event.uuid, name: event.name, ...(cause ? { cause } : {}), proofs: event.proofs,
    };
  }
}

/**
 * Raises the alerts of a rule file. `onEvent` for each live event (in order), `tick(nowMs)` now and then
 * for the time rules (a guest running longer than its duration alerts once per session).
 */
export class RuleEngine {
  private readonly rules: CompiledRule[];

  constructor(rules: WatchRuleFile | readonly WatchRule[]) {
    const list = 'rules' in rules ? (rules as WatchRuleFile).rules : (rules as readonly WatchRule[]);
    this.rules = list.filter((rule) => rule.enabled !== false).map((rule) => new CompiledRule(rule));
  }

  /** Reads, validates (RuleFileError naming file and pointer) and compiles a rule file. */
  static fromFile(path: string): RuleEngine {
    return new RuleEngine(loadRuleFile(path));
  }

  /** The ids of the rules in force (enabled). */
  get ruleIds(): readonly string[] {
    return this.rules.map((compiled) => compiled.rule.id);
  }

  /** Sessions time rules stopped following because too many ran at once. */
  get sessionsForgotten(): number {
    return this.rules.reduce((sum, compiled) => sum + compiled.forgotten, 0);
  }

  onEvent(event: LiveEvent): LiveAlert[] {
    const alerts: LiveAlert[] = [];
    for (const compiled of this.rules) {
      compiled.follow(event);
      if (compiled.raisedBy(event) && compiled.watches(event)) alerts.push(compiled.alert(event, event.time, event));
    }
    return alerts;
  }

  tick(nowMs: number): LiveAlert[] {
    const alerts: LiveAlert[] = [];
    for (const compiled of this.rules) {
      if (compiled.rule.kind !== 'running-longer-than') continue;
      for (const session of compiled.sessions.values()) {
        const dueMs = session.startMs + compiled.durationMs;
        if (session.fired || dueMs > nowMs) continue;
        session.fired = true;
        alerts.push(compiled.alert(session.started, new Date(dueMs).toISOString(), undefined));
      }
    }
    return alerts;
  }
}

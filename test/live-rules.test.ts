// Watch rules: the rule file (schemas/watch-rules.schema.json) and its errors, and the RuleEngine on the
// events of the real captures (examples/), of a generated log (AVCs), and on generated events (fast-check).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateLog } from '../scripts/gen-log.js';
import type { LiveEvent, LiveEventKind } from '../verifier/live/live-event.js';
import { RuleEngine, RuleFileError, loadRuleFile, parseRuleFile, type WatchRule } from '../verifier/live/rules.js';
import { globToRegExp, isInsidePrefixes, parseDuration, renderTemplate } from '../verifier/live/rules-match.js';
import { RAW_CAPTURE, EXAMPLES } from './support/examples.js';
import { liveEventsOfLog } from './support/live-events.js';

const directory = mkdtempSync(join(tmpdir(), 'virt-audit-rules-'));

function problemsOf(text: string): string[] {
  try {
    parseRuleFile(text, 'rules.json');
  } catch (error) {
    expect(error).toBeInstanceOf(RuleFileError);
    return (error as Error).message.split('\n');
  }
  throw new Error('the rule file was accepted');
}

const rulesText = (rules: unknown[]): string => JSON.stringify({ rules }, null, 2);

describe('the rule file', () => {
  it('the example of docs/live-sources.md loads, every kind in it', () => {
    const docs = readFileSync(join(EXAMPLES, '../docs/live-sources.md'), 'utf8');
    const example = /```json\n(\{\n  "rules"[\s\S]*?)```/.exec(docs)?.[1];
    expect(example).toBeDefined();
    const file = join(directory, 'docs-example.json');
    writeFileSync(file, example!);
    const rules = loadRuleFile(file).rules;
    expect(new Set(rules.map((rule) => rule.kind))).toEqual(new Set(['guest-crashed', 'start-failed', 'path-outside', 'hostdev-assigned', 'avc-denial', 'running-longer-than', 'audit-gap', 'event']));
  });

  it('names the file and line of a JSON syntax error', () => {
    expect(problemsOf('{\n  "rules": [\n    { "id": "a", }\n  ]\n}')).toEqual([expect.stringMatching(/^rules\.json:3: \(top\): not JSON: /)]);
  });

  it('names the file and the JSON pointer of each fault the schema finds', () => {
    const problems = problemsOf(rulesText([
      { id: 'disks', kind: 'path-outside' },
      { id: 'typo', kind: 'path-outside', alowedPrefixes: ['/srv'], allowedPrefixes: ['/srv'] },
      { id: 'loud', kind: 'guest-crashed', severity: 'urgent' },
      { id: 'long', kind: 'running-longer-than', duration: '8 hours' },
      { id: 'filter', kind: 'start-failed', match: { guest: 'web*' } },
      { id: 'bad id!', kind: 'audit-gap' },
      { id: 'prefix', kind: 'path-outside', allowedPrefixes: ['relative/dir'] },
      { id: 'buses', kind: 'start-failed', buses: ['pci'] },
    ]));
    expect(problems).toEqual(expect.arrayContaining([
      'rules.json: /rules/0: missing "allowedPrefixes"',
      'rules.json: /rules/1/alowedPrefixes: "alowedPrefixes" is not a field here (a typo, or a field of another rule kind)',
      'rules.json: /rules/2/severity: must be one of "info", "warning", "critical"',
      expect.stringMatching(/^rules\.json: \/rules\/3\/duration: must match pattern/),
      'rules.json: /rules/4/match/guest: "guest" is not a field here (a typo, or a field of another rule kind)',
      expect.stringMatching(/^rules\.json: \/rules\/5\/id: must match pattern/),
      expect.stringMatching(/^rules\.json: \/rules\/6\/allowedPrefixes\/0: must match pattern "\^\/"/),
      'rules.json: /rules/7/buses: "buses" is not a field here (a typo, or a field of another rule kind)',
    ]));
    expect(problems.every((problem) => problem.startsWith('rules.json: /rules/'))).toBe(true);
  });

  it('refuses a repeated id, an unknown template field and a zero duration, naming each', () => {
    expect(problemsOf(rulesText([
      { id: 'a', kind: 'audit-gap' },
      { id: 'a', kind: 'start-failed', message: 'guest {nme} failed' },
      { id: 'b', kind: 'running-longer-than', duration: '0s' },
    ]))).toEqual([
      'rules.json: /rules/1/id: "a" is already the id of /rules/0',
      expect.stringMatching(/^rules\.json: \/rules\/1\/message: \{nme\} is not a template field \(known: \{rule\} /),
      'rules.json: /rules/2/duration: must be longer than 0',
    ]);
  });

  it('names a file it cannot read', () => {
    expect(() => loadRuleFile(join(directory, 'missing.json'))).toThrow(/missing\.json: \(top\): cannot read it: ENOENT/);
  });
});

describe('rules on the events of the real captures', () => {
  let events: LiveEvent[];
  beforeAll(async () => {
    events = await liveEventsOfLog(RAW_CAPTURE);
  });

  it('start-failed raises once for each failed start, with its proof, and nothing else', () => {
    const engine = new RuleEngine([{ id: 'failed', kind: 'start-failed', severity: 'critical' }]);
    const alerts = events.flatMap((event) => engine.onEvent(event));
    const failed = events.filter((event) => event.event === 'session-failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(alerts.map((alert) => alert.cause)).toEqual(failed);
    for (const alert of alerts) {
      expect(alert).toMatchObject({ event: 'alert', rule: 'failed', severity: 'critical', proofs: alert.cause!.proofs, time: alert.cause!.time, uuid: alert.cause!.uuid });
      expect(alert.message).toBe(`guest ${alert.name} (${alert.uuid}) failed to start on node ?`);
    }
  });

  it('path-outside raises for the disks and filesystems not below the allowed prefixes, and for no other resource', () => {
    const paths = events.filter((event) => event.event === 'resource-assigned' && (event.resource?.kind === 'disk' || event.resource?.kind === 'fs')).map((event) => event.resource!.value);
    const prefixes = [...new Set(paths.filter((path) => path.startsWith('/')).map((path) => path.slice(0, path.lastIndexOf('/'))))].sort();
    expect(prefixes.length).toBeGreaterThan(1);
    // Every folder the capture used but the first is allowed: its files, and only they, are outside.
    const [refused, ...allowed] = prefixes as [string, ...string[]];
    const engine = new RuleEngine([{ id: 'paths', kind: 'path-outside', allowedPrefixes: allowed }]);
    const alerts = events.flatMap((event) => engine.onEvent(event));
    expect(alerts.length).toBeGreaterThan(0);
    for (const alert of alerts) {
      expect(['disk', 'fs']).toContain(alert.cause!.resource!.kind);
      expect(isInsidePrefixes(alert.cause!.resource!.value, allowed)).toBe(false);
    }
    const refusedPaths = paths.filter((path) => path.startsWith(`${refused}/`) && !allowed.some((prefix) => path.startsWith(`${prefix}/`)));
    expect(alerts.filter((alert) => alert.cause!.resource!.value.startsWith(`${refused}/`)).length).toBe(refusedPaths.length);
    // All prefixes allowed: silence (but for sources that are no local path at all).
    const quiet = new RuleEngine([{ id: 'paths', kind: 'path-outside', allowedPrefixes: prefixes }]);
    expect(events.flatMap((event) => quiet.onEvent(event)).every((alert) => !alert.cause!.resource!.value.startsWith('/'))).toBe(true);
  });

  it('hostdev-assigned raises for host devices (the 9.0 matrix: PCI, SCSI, USB), filtered by bus, never for a USB redirdev', async () => {
    const matrix = await liveEventsOfLog(join(EXAMPLES, 'matrix/libvirt-9.0/matrix.log'));
    const devs = matrix.filter((event) => event.event === 'resource-assigned' && event.resource?.kind === 'dev');
    const redirdevs = devs.filter((event) => event.resource!.value === 'usb USB redirdev');
    const hostdevs = devs.filter((event) => !redirdevs.includes(event));
    expect(redirdevs.length).toBeGreaterThan(0);
    expect(new Set(hostdevs.map((event) => event.resource!.value.split(' ')[0]))).toEqual(new Set(['pci', 'scsi', 'usb']));
    const all = new RuleEngine([{ id: 'hostdev', kind: 'hostdev-assigned' }]);
    expect(matrix.flatMap((event) => all.onEvent(event)).map((alert) => alert.cause)).toEqual(hostdevs);
    const pciOnly = new RuleEngine([{ id: 'hostdev', kind: 'hostdev-assigned', buses: ['pci'], message: '{bus} {value}' }]);
    const alerts = matrix.flatMap((event) => pciOnly.onEvent(event));
    expect(alerts.map((alert) => alert.message)).toEqual(hostdevs.filter((event) => event.resource!.value.startsWith('pci ')).map((event) => `pci ${event.resource!.value}`));
    expect(alerts.length).toBeGreaterThan(0);
  });

  it('a name glob keeps a rule to the guests it names', () => {
    const names = [...new Set(events.map((event) => event.name).filter((name): name is string => name !== null))];
    const target = names[0]!;
    const engine = new RuleEngine([{ id: 'one', kind: 'event', events: ['session-started', 'session-ended'], match: { name: `${target.slice(0, 3)}*${target.slice(-1)}` } }]);
    const pattern = globToRegExp(`${target.slice(0, 3)}*${target.slice(-1)}`);
    const alerts = events.flatMap((event) => engine.onEvent(event));
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.map((alert) => alert.cause)).toEqual(events.filter((event) => (event.event === 'session-started' || event.event === 'session-ended') && pattern.test(event.name ?? '\u0000')));
  });

  it('audit-gap raises on each gap a session saw open (the 9.0 matrix stops auditd while guests run)', async () => {
    const matrix = await liveEventsOfLog(join(EXAMPLES, 'matrix/libvirt-9.0/matrix.log'));
    const engine = new RuleEngine([{ id: 'gap', kind: 'audit-gap', severity: 'critical' }]);
    const alerts = matrix.flatMap((event) => engine.onEvent(event));
    expect(alerts.map((alert) => alert.cause)).toEqual(matrix.filter((event) => event.event === 'gap-opened'));
  });
});

describe('rules on a generated log (AVC denials of running guests)', () => {
  it('avc-denial raises for each denial tied to a guest, with its permissions and target', async () => {
    const log = join(directory, 'generated.log');
    writeFileSync(log, `${[...generateLog({ lines: 20_000, seed: 7, nodes: 0, guests: 16 })].join('\n')}\n`);
    const events = await liveEventsOfLog(log);
    const avcs = events.filter((event) => event.event === 'avc');
    expect(avcs.length).toBeGreaterThan(10);
    const engine = new RuleEngine([{ id: 'denied', kind: 'avc-denial', message: '{name}: {result} {permissions} {target}' }]);
    const alerts = events.flatMap((event) => engine.onEvent(event));
    expect(alerts.map((alert) => alert.cause)).toEqual(avcs.filter((event) => event.detail?.['result'] === 'denied'));
    expect(alerts.length).toBeGreaterThan(10);
    for (const alert of alerts) expect(alert.message).toMatch(/^.+: denied read,write /);
  });
});

const KINDS: readonly LiveEventKind[] = ['session-started', 'session-failed', 'session-ended', 'gap-opened', 'gap-closed', 'resource-assigned', 'resource-released', 'avc', 'anomaly'];
const word = fc.stringMatching(/^[a-z0-9 ._-]{0,12}$/);
const eventArbitrary: fc.Arbitrary<LiveEvent> = fc.record({
  event: fc.constantFrom(...KINDS),
  time: fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }).map((ms) => new Date(ms).toISOString()),
  node: fc.option(fc.constantFrom('hv1', 'hv2', 'edge-1')),
  uuid: fc.option(fc.uuid()),
  name: fc.option(fc.oneof(word, fc.constantFrom('web-1', 'web-22', 'db-1', 'web'))),
  proofs: fc.array(fc.constant(':1.002:3'), { maxLength: 2 }),
  reason: fc.option(fc.constantFrom('crashed', 'destroyed', 'shutdown', 'booted')),
  how: fc.constantFrom('stopped', 'down', 'restarted'),
  resource: fc.record({ kind: fc.constantFrom('disk', 'fs', 'net', 'dev', 'hostdev', 'mem'), reason: fc.constantFrom('start', 'attach'), value: fc.oneof(fc.constantFrom('/var/lib/libvirt/images/a.qcow2', '/srv/x', 'pci 0000:01:00.0', 'usb 001.002', '?', '/var/lib/libvirt/images/../../etc/shadow'), word), previous: fc.constant(null) }),
  detail: fc.record({ result: fc.constantFrom('denied', 'granted'), permissions: fc.constant(['read']) }),
}) as fc.Arbitrary<LiveEvent>;

const ruleArbitrary: fc.Arbitrary<WatchRule> = fc.record({
  id: fc.constantFrom('r1', 'r2'),
  kind: fc.constantFrom('guest-crashed', 'start-failed', 'path-outside', 'hostdev-assigned', 'avc-denial', 'audit-gap', 'event'),
  match: fc.record({ name: fc.constantFrom('web-*', 'db-?', '*'), node: fc.constantFrom('hv*', 'edge-1') }, { requiredKeys: [] }),
  allowedPrefixes: fc.constant(['/var/lib/libvirt/images']),
  buses: fc.constantFrom(['pci'], ['usb', 'pci']),
  events: fc.subarray([...KINDS], { minLength: 1 }),
}).map((rule) => {
  const { allowedPrefixes, buses, events, ...common } = rule;
  return { ...common, ...(rule.kind === 'path-outside' ? { allowedPrefixes } : {}), ...(rule.kind === 'hostdev-assigned' ? { buses } : {}), ...(rule.kind === 'event' ? { events } : {}) } as WatchRule;
});

/** What each kind alerts on, said again plainly (the oracle of the property below). */
function shouldRaise(rule: WatchRule, event: LiveEvent): boolean {
  const glob = (pattern: string | readonly string[] | undefined, value: string | null) => pattern === undefined || (value !== null && globToRegExp(pattern as string).test(value));
  if (!glob(rule.match?.name, event.name) || !glob(rule.match?.node, event.node)) return false;
  const value = event.resource?.value ?? '';
  switch (rule.kind) {
    case 'guest-crashed': return event.event === 'session-ended' && event.reason === 'crashed';
    case 'start-failed': return event.event === 'session-failed';
    case 'path-outside': return event.event === 'resource-assigned' && ['disk', 'fs'].includes(event.resource!.kind) && value !== '?' && value !== '' && !(value.startsWith('/var/lib/libvirt/images/') && !value.includes('..'));
    case 'hostdev-assigned': return event.event === 'resource-assigned' && (event.resource!.kind === 'dev' && rule.buses!.includes(value.split(' ')[0]!));
    case 'avc-denial': return event.event === 'avc' && event.detail?.['result'] === 'denied';
    case 'audit-gap': return event.event === 'gap-opened';
    case 'event': return rule.events!.includes(event.event);
    default: return false;
  }
}

describe('the RuleEngine on generated events', () => {
  it('a rule raises exactly on the events it matches, never on others, each alert carrying its cause', () => {
    fc.assert(
      fc.property(ruleArbitrary, fc.array(eventArbitrary, { maxLength: 40 }), (rule, events) => {
        const engine = new RuleEngine([rule]);
        for (const event of events) {
          const alerts = engine.onEvent(event);
          expect(alerts.length).toBe(shouldRaise(rule, event) ? 1 : 0);
          for (const alert of alerts) expect(alert).toMatchObject({ rule: rule.id, cause: event, node: event.node, uuid: event.uuid, name: event.name, time: event.time });
        }
      }),
      { numRuns: 400 },
    );
  });

  it('guest-crashed raises on a crash stop only', () => {
    const engine = new RuleEngine([{ id: 'crash', kind: 'guest-crashed', severity: 'critical', message: '{name} {how} {reason}' }]);
    const base = { time: '2026-12-05T06:00:00.000Z', node: null, uuid: 'u', name: 'g', proofs: [':1.002:3'] } as const;
    expect(engine.onEvent({ ...base, event: 'session-ended', how: 'stopped', reason: 'destroyed' })).toEqual([]);
    expect(engine.onEvent({ ...base, event: 'session-ended', how: 'stopped', reason: 'crashed' })).toMatchObject([{ severity: 'critical', message: 'g stopped crashed' }]);
  });

  it('a disabled rule raises nothing', () => {
    const engine = new RuleEngine([{ id: 'off', kind: 'start-failed', enabled: false }]);
    expect(engine.ruleIds).toEqual([]);
    expect(engine.onEvent({ event: 'session-failed', time: '2026-12-05T06:00:00.000Z', node: null, uuid: 'u', name: 'g', proofs: [] })).toEqual([]);
  });
});

describe('running-longer-than (tick)', () => {
  const start = (name: string, time: string, node: string | null = 'hv1'): LiveEvent => ({ event: 'session-started', time, node, uuid: `uuid-${name}`, name, proofs: [`hv1:${Date.parse(time) / 1000}:1`] });
  const end = (name: string, time: string): LiveEvent => ({ event: 'session-ended', time, node: 'hv1', uuid: `uuid-${name}`, name, proofs: [], how: 'stopped', reason: 'shutdown' });

  it('alerts once per session when it has run its duration, at the time it did, with the start\'s proofs and no cause', () => {
    const engine = new RuleEngine([{ id: 'long', kind: 'running-longer-than', duration: '1h30m', match: { name: 'web*' } }]);
    const t0 = Date.parse('2026-12-05T06:00:00.000Z');
    expect(engine.onEvent(start('web1', new Date(t0).toISOString()))).toEqual([]);
    engine.onEvent(start('db1', new Date(t0).toISOString()));
    expect(engine.tick(t0 + 90 * 60_000 - 1)).toEqual([]);
    const [alert, ...more] = engine.tick(t0 + 90 * 60_000);
    expect(more).toEqual([]);
    expect(alert).toEqual({ event: 'alert', rule: 'long', severity: 'warning', message: 'guest web1 (uuid-web1) has run longer than 1h30m on node hv1', time: '2026-12-05T07:30:00.000Z', node: 'hv1', uuid: 'uuid-web1', name: 'web1', proofs: [`hv1:${t0 / 1000}:1`] });
    expect(engine.tick(t0 + 10 * 3_600_000)).toEqual([]);
  });

  it('forgets a session that ended, and starts over on a restart', () => {
    const engine = new RuleEngine([{ id: 'long', kind: 'running-longer-than', duration: '10m' }]);
    const t0 = Date.parse('2026-12-05T06:00:00.000Z');
    engine.onEvent(start('a', new Date(t0).toISOString()));
    engine.onEvent(end('a', new Date(t0 + 60_000).toISOString()));
    expect(engine.tick(t0 + 3_600_000)).toEqual([]);
    engine.onEvent(start('b', new Date(t0).toISOString()));
    expect(engine.tick(t0 + 600_000)).toHaveLength(1);
    engine.onEvent(start('b', new Date(t0 + 700_000).toISOString()));
    expect(engine.tick(t0 + 1_200_000)).toEqual([]);
    expect(engine.tick(t0 + 1_300_000)).toHaveLength(1);
  });
});

describe('rule pieces', () => {
  it('paths: inside after . and .. are resolved, by whole components', () => {
    expect(isInsidePrefixes('/var/lib/libvirt/images/a.qcow2', ['/var/lib/libvirt/images'])).toBe(true);
    expect(isInsidePrefixes('/var/lib/libvirt/images/', ['/var/lib/libvirt/images/'])).toBe(true);
    expect(isInsidePrefixes('/var/lib/libvirt/images-old/a.qcow2', ['/var/lib/libvirt/images'])).toBe(false);
    expect(isInsidePrefixes('/var/lib/libvirt/images/../../../etc/shadow', ['/var/lib/libvirt/images'])).toBe(false);
    expect(isInsidePrefixes('images/a.qcow2', ['/'])).toBe(false);
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z0-9 ]{1,8}$/), { minLength: 1, maxLength: 5 }), fc.array(fc.stringMatching(/^[a-z0-9 ]{1,8}$/), { minLength: 1, maxLength: 5 }), (prefix, rest) => {
        const base = `/${prefix.join('/')}`;
        expect(isInsidePrefixes(`${base}/${rest.join('/')}`, [base])).toBe(true);
        expect(isInsidePrefixes(`${base}x/${rest.join('/')}`, [base])).toBe(false);
        expect(isInsidePrefixes(`${base}/${rest.map(() => '..').join('/')}/../etc`, [base])).toBe(false);
      }),
    );
  });

  it('globs: * and ? and nothing else special', () => {
    expect(globToRegExp('web-*').test('web-1')).toBe(true);
    expect(globToRegExp('web-?').test('web-12')).toBe(false);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
    expect(globToRegExp('[x]').test('[x]')).toBe(true);
    fc.assert(fc.property(fc.string(), (text) => {
      const literal = text.replaceAll('*', '').replaceAll('?', '');
      expect(globToRegExp(literal).test(literal)).toBe(true);
      expect(globToRegExp(`${literal}*`).test(`${literal}tail`)).toBe(true);
    }));
  });

  it('durations and templates', () => {
    expect(parseDuration('1d12h')).toBe(36 * 3_600_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('8 h')).toBeNaN();
    expect(renderTemplate('{name} on {node}: {value}', { name: 'g', node: null })).toBe('g on ?: ?');
  });
});

import { describe, expect, it } from 'vitest';
import { parseLine, type AuditRecord, type ParsedLine } from '../src/index.js';
import { ENRICHED_CAPTURE, EXAMPLES, RAW_CAPTURE, realLine } from './support/examples.js';

const at = { file: 'test.log', line: 7 };

function record(parsed: ParsedLine): AuditRecord {
  if (parsed.kind !== 'record') throw new Error(`expected a record, got ${JSON.stringify(parsed)}`);
  return parsed.record;
}

describe('RAW lines (real capture)', () => {
  const line = realLine(RAW_CAPTURE, /resrc=cgroup reason=allow .*class=major/);
  const parsed = record(parseLine(line, at));

  it('reads type, time, serial and keeps the place', () => {
    expect(parsed.type).toBe('VIRT_RESOURCE');
    expect(parsed.typeNumber).toBe(2501);
    expect(parsed.form).toBe('raw');
    expect(parsed.node).toBeNull();
    expect(parsed.time?.ms).toBeGreaterThanOrEqual(0);
    expect(parsed.serial).toBeGreaterThan(0);
    expect([parsed.file, parsed.line]).toEqual(['test.log', 7]);
  });

  it('keeps the kernel header apart from the msg payload, in order', () => {
    expect(parsed.header.map((field) => field.name)).toEqual(['pid', 'uid', 'auid', 'ses']);
    expect(parsed.payload?.map((field) => field.name)).toEqual([
      'virt', 'resrc', 'reason', 'vm', 'uuid', 'cgroup', 'class', 'category', 'maj', 'acl',
      'exe', 'hostname', 'addr', 'terminal', 'res',
    ]);
  });

  it('decodes quoted values, leaves maj=88 alone and keeps ? as absence', () => {
    expect(parsed.value('vm')).toBe('vacap-basic');
    expect(parsed.field('maj')).toMatchObject({ raw: '88', value: '88', wire: 'bare' });
    expect(parsed.field('hostname')).toMatchObject({ raw: '?', value: null });
  });

  it('hex-decodes an encoded field (vm name with a space and UTF-8)', () => {
    const hex = record(parseLine(realLine(RAW_CAPTURE, /op=start reason=booted vm=[0-9A-F]+ /), at));
    expect(hex.field('vm')).toMatchObject({ wire: 'hex', value: 'vacap guest ü' });
  });
});

describe('ENRICHED lines (real capture)', () => {
  it('splits the tail after 0x1D into its own fields', () => {
    const parsed = record(parseLine(realLine(ENRICHED_CAPTURE, /type=VIRT_CONTROL/), at));
    expect(parsed.enrichment.map((field) => [field.name, field.value])).toEqual([
      ['UID', 'root'],
      ['AUID', 'unset'],
    ]);
    expect(parsed.payload?.at(-1)).toMatchObject({ name: 'res' });
  });
});

describe('other line forms', () => {
  const raw = realLine(RAW_CAPTURE, /type=VIRT_CONTROL .*op=stop/);

  it('reads a node= prefix as part of the event identity', () => {
    const parsed = record(parseLine(`node=host-a ${raw}`, at));
    expect(parsed.node).toBe('host-a');
    expect(parsed.value('op')).toBe('stop');
  });

  it('reads the kernel log form (no auditd registered): numeric type', () => {
    const printk = raw.replace(/^type=VIRT_CONTROL msg=audit\(/, '[ 1234.567] audit: type=2500 audit(');
    const parsed = record(parseLine(printk, at));
    expect([parsed.form, parsed.type, parsed.typeNumber]).toEqual(['printk', 'VIRT_CONTROL', 2500]);
    expect(parsed.value('reason')).toBe('destroyed');
  });

  it('reads journald lines as lossy: no record time, no serial', () => {
    const body = raw.replace(/^type=VIRT_CONTROL msg=audit\([^)]*\): /, '');
    const parsed = record(parseLine(`May 12 12:47:59 hv1 audit[3101]: VIRT_CONTROL ${body}`, at));
    expect([parsed.form, parsed.lossy, parsed.time, parsed.serial, parsed.timeText]).toEqual(['journald', true, null, null, 'May 12 12:47:59']);
    expect(parsed.value('reason')).toBe('destroyed');
  });

  it("reads ausearch -i lines (real ausearch output) as lossy and never hex-decodes them", () => {
    const interpreted = realLine(`${EXAMPLES}outputs/libvirt-capture.raw.ausearch-virt-interpreted.txt`, /type=VIRT_CONTROL/);
    const parsed = record(parseLine(interpreted, at));
    expect([parsed.form, parsed.lossy, parsed.time]).toEqual(['interpreted', true, null]);
    expect(parsed.serial).toBeGreaterThan(0);
    expect(parsed.value('uid')).toBe('root');
  });

  it('does not hex-decode raw dockerd values that happen to look like hex or are not hex', () => {
    const docker = record(parseLine(
      "type=VIRT_CONTROL msg=audit(1506321923.246:470): pid=1182 uid=0 auid=4294967295 ses=4294967295 msg='reason=api vm-pid=10657 hostname=1235c5a6476b op=resize vm=centos:7 user=origin auid=1000 exe=sleep  exe=\"/usr/bin/dockerd-current\" hostname=? addr=? terminal=? res=success'",
      at,
    ));
    expect(docker.field('vm')).toMatchObject({ value: 'centos:7', wire: 'bare' });
    expect(docker.field('hostname')).toMatchObject({ value: '1235c5a6476b', wire: 'bare' });
    expect(docker.payload?.filter((field) => field.name === 'exe').map((field) => field.value)).toEqual(['sleep', '/usr/bin/dockerd-current']);
  });

  it('recognises ausearch separators and blank lines', () => {
    expect(parseLine('----', at).kind).toBe('separator');
    expect(parseLine('   ', at).kind).toBe('blank');
  });
});

describe('bad lines', () => {
  const raw = realLine(RAW_CAPTURE, /type=VIRT_RESOURCE/);

  it('rejects NUL bytes, binary garbage, over-long lines and headerless text with a reason', () => {
    expect(parseLine(`${raw.slice(0, 20)}\0${raw.slice(20)}`, at)).toMatchObject({ kind: 'rejected', reason: 'nul-byte' });
    expect(parseLine('\x01\x02\x03garbage', at)).toMatchObject({ kind: 'rejected', reason: 'binary' });
    expect(parseLine(raw, { ...at, tooLong: true })).toMatchObject({ kind: 'rejected', reason: 'too-long' });
    expect(parseLine('hello world', at)).toMatchObject({ kind: 'rejected', reason: 'not-audit' });
    expect(parseLine('type=UNKNOWN[1329] msg=g', at)).toMatchObject({ kind: 'rejected', reason: 'bad-header' });
  });

  it('parses CRLF lines but says so', () => {
    const parsed = record(parseLine(`${raw}\r`, at));
    expect(parsed.issues.map((issue) => issue.rule)).toContain('crlf');
    expect(parsed.payload?.at(-1)?.value).toBe('success');
  });

  it('flags a msg= payload without its closing quote', () => {
    const cut = record(parseLine(raw.slice(0, raw.indexOf(' exe=')), at));
    expect(cut.payload).not.toBeNull();
    expect(cut.issues.map((issue) => issue.rule)).toContain('msg-unterminated');
  });

  it('flags an ENRICHED tail whose 0x1D was lost', () => {
    const glued = record(parseLine(`${raw}UID="root" AUID="unset"`, at));
    expect(glued.payload).not.toBeNull();
    expect(glued.issues.find((issue) => issue.rule === 'text-after-msg')?.message).toMatch(/0x1D separator was lost/);
  });
});

// virt-audit/testing without a daemon: a capture that follows a log file written line by line (as auditd
// appends), across a rotation; the comparison of written with expected records, each of its four
// outcomes; the matchers and the runner-neutral assertions. The records are the real capture's.
import { appendFileSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditCapture, assertConforms, assertWritten, compareWritten, virtAuditMatchers, writtenPayload } from '../testing/index.js';
import { parseDomainXml } from '../emitter/index.js';
import { auditStop } from '../emitter/domain/lifecycle.js';
import { RAW_CAPTURE, captureLines } from './support/examples.js';

const raw = captureLines(RAW_CAPTURE);
const BASIC = 'uuid=7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5d01';
const basicLines = raw.filter((line) => line.includes(BASIC));
/** The payloads of the basic guest as the capture holds them: what a test would expect. */
const basicPayloads = (() => {
  const directory = mkdtempSync(join(tmpdir(), 'virt-audit-testing-'));
  const file = join(directory, 'audit.log');
  writeFileSync(file, '');
  const capture = AuditCapture.follow(file);
  appendFileSync(file, Buffer.from(`${basicLines.join('\n')}\n`, 'latin1'));
  return capture.records().map(writtenPayload);
})();

function followedLog(): { file: string; capture: AuditCapture; write: (lines: readonly string[]) => void } {
  const directory = mkdtempSync(join(tmpdir(), 'virt-audit-testing-'));
  const file = join(directory, 'audit.log');
  writeFileSync(file, Buffer.from(`${raw.slice(0, 3).join('\n')}\n`, 'latin1'));
  const capture = AuditCapture.follow(file, { pollMs: 10 });
  return { file, capture, write: (lines) => appendFileSync(file, Buffer.from(`${lines.join('\n')}\n`, 'latin1')) };
}

/** A capture that followed a log into which these lines were then written. */
function captureOf(lines: readonly string[]): AuditCapture {
  const { capture, write } = followedLog();
  write(lines);
  return capture;
}

describe('AuditCapture.follow', () => {
  it('reads only what was written after it began, VIRT records by default, every record with all', () => {
    const { capture, write } = followedLog();
    expect(capture.records()).toEqual([]);
    write(basicLines);
    expect(capture.records().map((record) => record.text)).toEqual(basicLines);
    write(['type=DAEMON_ROTATE msg=audit(1795337900.000:1714900): op=rotate-logs auid=0 pid=1 subj=? res=success']);
    expect(capture.records({ all: true }).at(-1)!.type).toBe('DAEMON_ROTATE');
    expect(capture.records()).toHaveLength(basicLines.length);
  });

  it('goes on across a rotation (the rest of audit.log.1, then the new audit.log)', () => {
    const { file, capture, write } = followedLog();
    write(basicLines.slice(0, 5));
    renameSync(file, `${file}.1`);
    writeFileSync(file, Buffer.from(`${basicLines.slice(5).join('\n')}\n`, 'latin1'));
    expect(capture.records().map((record) => record.text)).toEqual(basicLines);
  });

  it('until() waits for a record written later, and names what it saw when none comes', async () => {
    const { capture, write } = followedLog();
    setTimeout(() => write(basicLines), 50);
    const stop = await capture.until((record) => record.payloadValue('op') === 'stop', 5_000);
    expect(stop.payloadValue('reason')).toBe('destroyed');
    await expect(capture.until((record) => record.payloadValue('op') === 'init', 100)).rejects.toThrow(/no matching record within 100 ms; \d+ record\(s\) seen, the last: type=VIRT_CONTROL/);
  });

  it('keeps what it read after stop()', async () => {
    const { capture, write } = followedLog();
    write(basicLines.slice(0, 2));
    await capture.stop();
    write(basicLines.slice(2));
    expect(capture.records()).toHaveLength(2);
  });
});

describe('compareWritten', () => {
  it('equal when the guest\'s records are exactly the expected ones; other guests do not count', () => {
    const comparison = compareWritten(captureOf(raw).records(), basicPayloads);
    expect(comparison).toEqual({ equal: basicPayloads.length, missing: [], extra: [], differing: [] });
  });

  it('missing, extra and differing, each at the record where it is', () => {
    const lines = [...basicLines];
    const dropped = basicPayloads[3]!;
    lines.splice(3, 1); // a cgroup allow lost
    lines.splice(6, 0, lines[6]!); // a record written twice
    const altered = lines.findIndex((line) => line.includes('reason=detach'));
    lines[altered] = lines[altered]!.replace('res=success', 'res=failed');
    const comparison = compareWritten(captureOf(lines).records(), basicPayloads);
    expect(comparison.missing).toEqual([dropped]);
    expect(comparison.extra.map((record) => record.payload)).toEqual([basicPayloads[7]]);
    expect(comparison.differing).toHaveLength(1);
    expect(comparison.differing[0]!.expected).toMatch(/reason=detach .* res=success$/);
    expect(comparison.differing[0]!.written.payload).toMatch(/reason=detach .* res=failed$/);
    expect(comparison.equal).toBe(basicPayloads.length - 2);
  });

  it('takes the emitter\'s input form as expected records', () => {
    const domain = parseDomainXml("<domain type='qemu'><name>vacap-basic</name><uuid>7b2d4c10-5a1e-4c8e-9d0b-1f2a3b4c5d01</uuid><memory>131072</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>");
    const stop = captureOf(basicLines.filter((line) => line.includes('op=stop')));
    expect(compareWritten(stop.records(), auditStop(domain, 'destroyed')).equal).toBe(1);
    expect(compareWritten(stop.records(), auditStop(domain, 'shutdown')).differing).toHaveLength(1);
  });
});

describe('matchers and assertions', () => {
  it('toHaveWritten and assertWritten pass on the exact trail and fail, with the difference, otherwise', () => {
    const capture = captureOf(basicLines);
    expect(virtAuditMatchers.toHaveWritten(capture, basicPayloads).pass).toBe(true);
    expect(() => assertWritten(capture, basicPayloads)).not.toThrow();
    const short = captureOf(basicLines.slice(0, -1));
    const result = virtAuditMatchers.toHaveWritten(short, basicPayloads);
    expect(result.pass).toBe(false);
    expect(result.message()).toMatch(/0 differing, 1 missing, 0 extra\n  missing: virt=qemu op=stop/);
    expect(() => assertWritten(short, basicPayloads)).toThrow(/1 missing/);
  });

  it('toConform and assertConforms run the trail rules on what was captured', async () => {
    expect((await virtAuditMatchers.toConform(captureOf(basicLines))).pass).toBe(true);
    await expect(assertConforms(captureOf(basicLines))).resolves.toBeUndefined();
    const stopTwice = [...basicLines, basicLines.at(-1)!];
    const result = await virtAuditMatchers.toConform(captureOf(stopTwice));
    expect(result.pass).toBe(false);
    expect(result.message()).toMatch(/stop-without-start/);
    await expect(assertConforms(captureOf(stopTwice))).rejects.toThrow(/stop-without-start/);
    await expect(assertConforms(captureOf(stopTwice), ['stop-without-start'])).resolves.toBeUndefined();
  });
});

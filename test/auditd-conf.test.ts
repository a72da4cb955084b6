import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configuredLogFile, DEFAULT_AUDIT_LOG } from '../src/reader/auditd-conf.js';
import { auditdLogFile } from '../testing/audit-capture.js';

const dir = mkdtempSync(join(tmpdir(), 'auditd-conf-'));
function conf(text: string): string {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(path, text);
  return path;
}

describe('configuredLogFile', () => {
  it('reads log_file as auditd writes its own auditd.conf', () => {
    expect(configuredLogFile(conf('local_events = yes\nlog_file = /srv/audit/a.log\nlog_format = ENRICHED\n'))).toBe('/srv/audit/a.log');
  });
  it('passes over a commented-out log_file and a key that only begins with log_file', () => {
    expect(configuredLogFile(conf('# log_file = /nope\nlog_file_x = /nope\nmax_log_file = 8\n'))).toBe(DEFAULT_AUDIT_LOG);
  });
  it("falls back to auditd's default without the file", () => {
    expect(configuredLogFile(join(dir, 'absent.conf'))).toBe(DEFAULT_AUDIT_LOG);
  });
  it('is the one parse the testing API uses too', () => {
    const path = conf('log_file = /tmp/x.log \n');
    expect(auditdLogFile(path)).toBe('/tmp/x.log');
    expect(configuredLogFile(path)).toBe('/tmp/x.log');
  });
});

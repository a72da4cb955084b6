// npm run gen:man: man/virt-audit.1 and man/auvirt.8 from the commands' own option tables (commander's
// definitions, auvirt's help text), so the manual says what --help says. A test fails when they are stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AUVIRT_HELP } from '../verifier/auvirt/auvirt-options.js';
import { conformCommand } from '../cli/conform-command.js';
import { emitCommand } from '../cli/emit-command.js';
import { lifecycleCommand } from '../cli/lifecycle-command.js';
import { searchCommand } from '../cli/search-command.js';
import { watchCommand } from '../cli/watch-command.js';
import { aureportCommand } from '../cli/aureport-command.js';
import { verifyCommand } from '../cli/verify-command.js';
import { packageVersion } from '../cli/package-version.js';

/** Text safe in a roff line: backslashes as \\e, a leading dot or quote guarded, dashes as hyphen-minus, non-ASCII as \\[uXXXX]. */
function roff(text: string): string {
  return text
    .replaceAll('\\', '\\e')
    .replaceAll('-', '\\-')
    .replace(/^([.'])/gm, '\\&$1')
    .replace(/[^\x00-\x7f]/gu, (char) => `\\[u${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`);
}

/** A block printed as it is (help texts keep their own layout). */
const verbatim = (text: string): string => `.nf\n${roff(text.trimEnd())}\n.fi`;

function commandHelp(command: Command, prefix: string): string[] {
  const name = `${prefix} ${command.name()}`;
  // The terminal's width must not change the manual.
  command.configureHelp({ helpWidth: 100 });
  const help = command.helpInformation().replace(/^Usage: \S+/, `Usage: ${name}`);
  return [`.SS ${roff(name)}`, verbatim(help), ...command.commands.flatMap((sub) => commandHelp(sub, name))];
}

export async function virtAuditMan(): Promise<string> {
  const commands = [verifyCommand(), emitCommand(), lifecycleCommand(), searchCommand(), aureportCommand(), conformCommand(), watchCommand()];
  return [
    `.TH VIRT-AUDIT 1 "" "virt-audit ${packageVersion()}" "User Commands"`,
    '.SH NAME',
    'virt\\-audit \\- verify, emit, check and report the libvirt side of the Linux audit trail',
    '.SH SYNOPSIS',
    '.B virt\\-audit',
    '.I command',
    '[\\fIoptions\\fR] [\\fIinputs\\fR...]',
    '.SH DESCRIPTION',
    'virt\\-audit reads audit logs the way auditd writes them and checks every VIRT_CONTROL, VIRT_RESOURCE and',
    'VIRT_MACHINE_ID record against what libvirt writes (\\fBverify\\fR), whole trails against what libvirt must write',
    '(\\fBconform\\fR), emits those records as libvirt does through libaudit (\\fBemit\\fR, \\fBlifecycle\\fR), and reports',
    'them as ausearch and aureport do (\\fBsearch\\fR, \\fBaureport\\fR), and follows the log as auditd writes it (\\fBwatch\\fR).',
    '\\fBvirt\\-audit report\\fR is \\fBauvirt\\fR(8).',
    '.SH COMMANDS',
    ...commands.flatMap((command) => commandHelp(command, 'virt-audit')),
    '.SH EXIT STATUS',
    '0: done and nothing found; 1: a finding, an invalid record or a record not delivered; 2: a usage or I/O error.',
    '\\fBwatch\\fR: 0 ended by SIGTERM or SIGINT (its state saved); 1 the log or the state file could not be read or written; 2 a usage error.',
    '.SH SEE ALSO',
    '\\fBauvirt\\fR(8), \\fBausearch\\fR(8), \\fBaureport\\fR(8), \\fBauditd\\fR(8)',
    '',
  ].join('\n');
}

export function auvirtMan(): string {
  const [usage, ...rest] = AUVIRT_HELP.split('\n\n');
  return [
    `.TH AUVIRT 8 "" "virt-audit ${packageVersion()}" "System Administration"`,
    '.SH NAME',
    'auvirt \\- guest sessions, their resources, AVC denials and anomalies from the audit log',
    '.SH SYNOPSIS',
    verbatim(usage!),
    '.SH DESCRIPTION',
    verbatim(rest.join('\n\n')),
    '.SH NOTES',
    'auvirt was removed from audit\\-userspace in 4.0; this one comes with virt\\-audit. Installed globally, it is found',
    'before a distribution\'s /usr/bin/auvirt on a PATH that lists /usr/local/bin first.',
    '.SH SEE ALSO',
    '\\fBvirt\\-audit\\fR(1), \\fBausearch\\fR(8), \\fBaureport\\fR(8)',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const directory = new URL('../../man/', import.meta.url);
  mkdirSync(directory, { recursive: true });
  writeFileSync(new URL('virt-audit.1', directory), await virtAuditMan());
  writeFileSync(new URL('auvirt.8', directory), auvirtMan());
}

if (import.meta.url === `file://${process.argv[1]}`) await main();

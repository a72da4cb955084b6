#!/usr/bin/env -S node --min-semi-space-size=16
import { Command, CommanderError } from 'commander';
import { InputError } from '../src/reader/input-set.js';
import { packageVersion } from './package-version.js';
import { UsageError } from './usage.js';
import { roomierYoungGeneration } from './young-generation.js';

const EXIT_USAGE = 2;

roomierYoungGeneration();

// A reader that stops early (head, grep -m1) closes the pipe: stop quietly, as other Unix tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// Each command's modules are loaded only when it runs: search and aureport start without the schema
// validator or the FFI layer. Help and unknown commands load them all.
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  verify: async () => (await import('./verify-command.js')).verifyCommand(),
  emit: async () => (await import('./emit-command.js')).emitCommand(),
  lifecycle: async () => (await import('./lifecycle-command.js')).lifecycleCommand(),
  search: async () => (await import('./search-command.js')).searchCommand(),
  aureport: async () => (await import('./aureport-command.js')).aureportCommand(),
  // Listed for --help; `report` runs auvirt's own parser (below).
  report: async () => new Command('report').description('guest sessions, resources, AVCs and anomalies: auvirt (see virt-audit report --help; auvirt(8))'),
  conform: async () => (await import('./conform-command.js')).conformCommand(),
  watch: async () => (await import('./watch-command.js')).watchCommand(),
};
const program = new Command('virt-audit')
  .description('The libvirt side of the Linux audit trail: verify, emit, check and report VIRT_* records (report: auvirt, see virt-audit report --help)')
  .version(`virt-audit ${packageVersion()}`, '-V, --version')
  .exitOverride();
const named = process.argv[2] === undefined ? undefined : COMMANDS[process.argv[2]];
for (const make of named === undefined ? Object.values(COMMANDS) : [named]) program.addCommand(await make());

// `virt-audit report …` is auvirt (its own option syntax, kept exactly).
if (process.argv[2] === 'report') {
  const { auvirtMain } = await import('./auvirt-main.js');
  process.exitCode = await auvirtMain(process.argv.slice(3));
  process.exit();
}
// search and aureport take ausearch's and aureport's own syntax (-ts, -if: one dash, two letters), parsed by hand.
const HAND_PARSED: Readonly<Record<string, () => Promise<(args: readonly string[]) => Promise<number>>>> = {
  search: async () => (await import('./search-command.js')).runSearch,
  aureport: async () => (await import('./aureport-command.js')).runAureport,
};

try {
  const run = HAND_PARSED[process.argv[2] ?? ''];
  if (run !== undefined) process.exitCode = await (await run())(process.argv.slice(3));
  else await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
  } else if (error instanceof UsageError || error instanceof InputError) {
    process.stderr.write(`virt-audit: ${error.message}\n`);
    process.exitCode = EXIT_USAGE;
  } else {
    process.stderr.write(`virt-audit: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT_USAGE;
  }
}

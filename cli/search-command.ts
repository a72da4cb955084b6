import { Command } from 'commander';
import { droppedLinesMessage } from '../src/reader/dropped-lines.js';
import { InputError, resolveInputs } from '../src/reader/input-set.js';
import { DEFAULT_MAX_LINE_BYTES } from '../src/reader/line-splitter.js';
import { searchVirt } from '../verifier/search/virt-search.js';
import { writeBlocking } from './blocking-write.js';
import { UsageError, inputsOrStdin } from './usage.js';

export function searchCommand(): Command {
  return new Command('search')
    .exitOverride()
    .description('the events of a guest, as ausearch --raw -uu/-vm prints them')
    .argument('[inputs...]', 'log files, directories or - for stdin')
    .option('--uuid <uuid>', 'guest UUID (a substring unless -w); -uu as in ausearch')
    .option('--vm <name>', 'guest name (a substring unless -w); -vm as in ausearch')
    .option('-w, --word', 'match the whole value')
    .action(async (args: string[], flags: { uuid?: string; vm?: string; word?: boolean }) => {
      if (flags.uuid === undefined && flags.vm === undefined) throw new UsageError('search needs --uuid or --vm');
      for (const [name, value] of [['--uuid', flags.uuid], ['--vm', flags.vm]] as const) {
        if (value?.startsWith('-')) throw new UsageError(`argument is required for ${name} (a value cannot start with '-', as in ausearch)`);
      }
      const inputs = await resolveInputs(inputsOrStdin(args)).catch((error: unknown) => {
        // ausearch 3.0.9 on a missing -if file: `stat: …` on stderr, exit 1.
        if (!(error instanceof InputError) || error.code !== 'ENOENT') throw error;
        process.stderr.write('stat: No such file or directory\n');
        return null;
      });
      if (inputs === null) {
        process.exitCode = 1;
        return;
      }
      // Lines go out as the events are found, 64 KiB at a time, waiting for a slow reader: memory stays
      // flat on an endless input.
      let chunks: Buffer[] = [];
      let pending = 0;
      const flush = (): void => {
        if (pending === 0) return;
        writeBlocking(1, Buffer.concat(chunks));
        chunks = [];
        pending = 0;
      };
      const matched = await searchVirt(
        inputs,
        { ...flags, word: flags.word === true },
        (line) => {
          const bytes = Buffer.from(`${line}\n`, 'latin1');
          chunks.push(bytes);
          pending += bytes.length;
          if (pending >= 1 << 16) flush();
        },
        (stamp) => process.stderr.write(`Error extracting time stamp (${stamp})\n`),
      );
      flush();
      const dropped = droppedLinesMessage('search', DEFAULT_MAX_LINE_BYTES);
      if (dropped !== null) writeBlocking(2, `${dropped}\n`);
      process.exitCode = matched === 0 ? 1 : 0;
    });
}

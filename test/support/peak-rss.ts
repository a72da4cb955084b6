import { spawnSync } from 'node:child_process';

/** What a command run under GNU time gave: its status, output and peak RSS (MB, NaN when time said nothing). */
export interface MeasuredRun {
  readonly status: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly peakMb: number;
}

/** node with `args` as the installed bins run it (`--min-semi-space-size=16`), under /usr/bin/time. */
export function nodePeakRss(args: readonly string[], options: { readonly env: NodeJS.ProcessEnv; readonly input?: Buffer }): MeasuredRun {
  const result = spawnSync('/usr/bin/time', ['-f', 'peak-rss-kib %M', process.execPath, '--min-semi-space-size=16', ...args], {
    env: options.env,
    input: options.input,
    maxBuffer: 1 << 30,
    timeout: 300_000,
  });
  const stderr = result.stderr.toString('latin1');
  const found = /peak-rss-kib (\d+)/.exec(stderr);
  return { status: result.status, stdout: result.stdout, stderr, peakMb: found ? Number(found[1]) / 1024 : Number.NaN };
}

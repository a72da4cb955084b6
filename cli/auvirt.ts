#!/usr/bin/env -S node --min-semi-space-size=16
import { auvirtMain } from './auvirt-main.js';
import { roomierYoungGeneration } from './young-generation.js';

roomierYoungGeneration();

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const args = process.argv.slice(2);
const status = await auvirtMain(args);
if (args.includes('--debug') && !args.includes('--help') && !args.includes('-h')) process.stdout.write(`Exit code: ${status}\n`);
process.exitCode = status;

import { EventGrouper, parseLine, readInputs, type AuditInput } from '../../src/index.js';
import { CompatCorrelator, type CompatOptions } from './compat-correlator.js';

/** Reads the inputs as auparse would and feeds every event to auvirt's correlation. */
export async function correlateCompat(inputs: readonly AuditInput[], options: CompatOptions): Promise<CompatCorrelator> {
  const correlator = new CompatCorrelator(options);
  const grouper = new EventGrouper((event) => correlator.handle(event), { order: 'stamp' });
  await readInputs(inputs, (file, line) => {
    const parsed = parseLine(line.text, { file, line: line.line, tooLong: line.tooLong, unterminated: line.unterminated });
    if (parsed.kind === 'record' && parsed.record.form !== 'interpreted') grouper.push(parsed.record);
  });
  grouper.flush();
  return correlator;
}

import { EventGrouper, parseLine, readInputs, type AuditInput } from '../../src/index.js';
import { SessionCorrelator } from './session-correlator.js';

/** Reads the inputs (event state carried across files) and correlates every event. */
export async function correlateSessions(inputs: readonly AuditInput[], onProgress?: (bytes: number) => void): Promise<SessionCorrelator> {
  const correlator = new SessionCorrelator();
  const grouper = new EventGrouper((event) => correlator.handle(event), { order: 'stamp' });
  await readInputs(
    inputs,
    (file, line) => {
      const parsed = parseLine(line.text, { file, line: line.line, tooLong: line.tooLong, unterminated: line.unterminated });
      if (parsed.kind === 'record' && parsed.record.form !== 'interpreted') grouper.push(parsed.record);
    },
    onProgress === undefined ? {} : { onProgress },
  );
  grouper.flush();
  correlator.finish();
  return correlator;
}

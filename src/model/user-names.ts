// uid → user name as auparse interprets it: the ENRICHED block's name if the record carries one,
// else this host's /etc/passwd, else unknown(N); 4294967295 is "unset".
import { readFileSync } from 'node:fs';

let passwd: Map<number, string> | undefined;

export function localUserName(uid: number): string | undefined {
  if (passwd === undefined) {
    passwd = new Map();
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const [name, , id] = line.split(':');
        if (name && id !== undefined && !passwd.has(Number(id))) passwd.set(Number(id), name);
      }
    } catch {
      // no passwd file: every uid is unknown(N)
    }
  }
  return passwd.get(uid);
}

const interpretedUids = new Map<string, string>();

export function interpretUid(raw: string, enriched?: string | null): string {
  if (enriched) return enriched;
  const known = interpretedUids.get(raw);
  if (known !== undefined) return known;
  let name = raw;
  if (/^\d+$/.test(raw)) {
    const uid = Number(raw);
    name = uid === 4294967295 ? 'unset' : (localUserName(uid) ?? `unknown(${raw})`);
  }
  if (interpretedUids.size < 4096) interpretedUids.set(raw, name);
  return name;
}

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
    // print_uid: strtoul into an int (leading zeros gone, 4294967295 is -1), unknown(%d).
    const value = BigInt(raw);
    const uid = value > 0xffffffffffffffffn ? null : Number(BigInt.asIntN(32, value));
    name = uid === null ? `conversion error(${raw})` : uid === -1 ? 'unset' : (localUserName(uid >>> 0) ?? `unknown(${uid})`);
  }
  if (interpretedUids.size < 4096) interpretedUids.set(raw, name);
  return name;
}

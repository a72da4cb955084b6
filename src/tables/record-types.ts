import { RECORD_TYPES } from './record-types.generated.js';

export { RECORD_TYPES };

const NAME_BY_NUMBER = new Map<number, string>(RECORD_TYPES);
const NUMBER_BY_NAME = new Map<string, number>(RECORD_TYPES.map(([number, name]) => [name, number]));

export const VIRT_CONTROL = 2500;
export const VIRT_RESOURCE = 2501;
export const VIRT_MACHINE_ID = 2502;
/** The record types libvirt writes. */
export const LIBVIRT_RECORD_TYPES = ['VIRT_CONTROL', 'VIRT_RESOURCE', 'VIRT_MACHINE_ID'] as const;
/** A record type libvirt writes. */
export type LibvirtRecordType = (typeof LIBVIRT_RECORD_TYPES)[number];

export function recordTypeName(typeNumber: number): string {
  return NAME_BY_NUMBER.get(typeNumber) ?? `UNKNOWN[${typeNumber}]`;
}

/** Number of a type name as auditd writes it: a known name, or `UNKNOWN[n]`. */
export function recordTypeNumber(name: string): number | null {
  const known = NUMBER_BY_NAME.get(name);
  if (known !== undefined) return known;
  const unknown = /^UNKNOWN\[(\d+)\]$/.exec(name);
  return unknown ? Number(unknown[1]) : null;
}

export function isLibvirtRecordType(name: string): name is LibvirtRecordType {
  return (LIBVIRT_RECORD_TYPES as readonly string[]).includes(name);
}

/** AUDIT_FIRST_VIRT_MSG .. AUDIT_LAST_VIRT_MSG, inclusive. */
export const VIRT_TYPE_NUMBERS: readonly [number, number] = [2500, 2599];

export function isVirtRecordType(typeNumber: number): boolean {
  return typeNumber >= VIRT_TYPE_NUMBERS[0] && typeNumber <= VIRT_TYPE_NUMBERS[1];
}

/** auparse's audit_is_last_record: types that always form a one-record event. */
export function isSingleRecordType(typeNumber: number): boolean {
  return (
    (typeNumber > 1006 && typeNumber < 1300) || // AUDIT_LOGIN < t < AUDIT_FIRST_EVENT: user space
    typeNumber === 1005 || // AUDIT_USER
    typeNumber === 2000 || // AUDIT_KERNEL
    typeNumber >= 2100 || // AUDIT_FIRST_ANOM_MSG and above: user ANOM, VIRT, user msg2 ...
    (typeNumber >= 1416 && typeNumber <= 1419) // MAC_UNLBL_STCADD .. MAC_CALIPSO ranges
  );
}

export const EOE = 1320;
export const PROCTITLE = 1327;

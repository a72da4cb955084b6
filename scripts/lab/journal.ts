// What the lab did to each guest, step by step, with the XML and the run-time values libvirt chose
// (read back from libvirt: live XML, QEMU pid, cgroup placement), so that a test can rebuild libvirt's
// records with the emitter and compare them with the capture.
import type { StartReason, StopReason } from '../../src/index.js';

export interface SeclabelValue {
  readonly model: string | null;
  readonly label: string | null;
  readonly imageLabel: string | null;
}

export type JournalStep =
  | { readonly kind: 'start'; readonly reason: StartReason; readonly liveXml: string; readonly vmPid: number; readonly cgroup: string | null }
  | { readonly kind: 'failed-start'; readonly definitionXml: string; readonly seclabels: readonly SeclabelValue[] }
  | { readonly kind: 'stop'; readonly reason: StopReason; readonly liveXml: string }
  | { readonly kind: 'attach' | 'detach'; readonly liveXml: string; readonly deviceXml: string; readonly cgroup: string | null }
  | { readonly kind: 'update'; readonly resource: 'mem' | 'vcpu'; readonly liveXml: string; readonly oldValue: number; readonly newValue: number };

export interface GuestJournal {
  /** A short name for the guest's role in the scenario ("basic", "shutdown", …). */
  readonly role: string;
  readonly name: string;
  readonly uuid: string;
  /** What the scenario exercised on this guest, for people reading the capture. */
  readonly exercises: string;
  readonly steps: JournalStep[];
  /** Whether the guest was still running when auditd stopped. */
  runningAtEnd: boolean;
}

export interface Journal {
  readonly format: 'RAW' | 'ENRICHED';
  readonly guests: GuestJournal[];
  /** Steps the host could not do, with libvirt's reason (they are not in the journal's steps). */
  readonly skipped: string[];
}

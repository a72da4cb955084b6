// What the lab did to each guest, step by step, with the XML and the run-time values libvirt chose
// (read back from libvirt: live XML, QEMU pid, cgroup placement, and the host's device numbers and
// files libvirt looked at), so that a test can rebuild libvirt's records with the emitter and compare
// them with the capture. The shape is the contract with the lifecycle builder (docs/capture-lab.md).
import type { StartReason, StopReason } from '../src/model/virt-records.js';
import type { HostValues } from '../emitter/domain/host-values.js';

export interface SeclabelValue {
  readonly model: string | null;
  readonly label: string | null;
  readonly imageLabel: string | null;
}

/** The values libvirt read from its host at run time: the emitter's own `HostValues`. */
export type { DeviceNumber, DeviceState, HostValues } from '../emitter/domain/host-values.js';

/** How far a failed start got, as the lab provoked it. */
export type FailedStartStage = 'before-cgroup' | 'after-cgroup' | 'qemu-refused-device';

/**
 * When a step ran, as audit stamps (seconds since the epoch, milliseconds as the fraction), both ends
 * inclusive: its records must carry stamps inside it. Optional: without it, records are matched by order alone.
 */
export interface StepWindow {
  readonly from: number;
  readonly to: number;
}

export type JournalStep = (
  | { readonly kind: 'start'; readonly reason: StartReason; readonly liveXml: string; readonly vmPid: number; readonly cgroup: string | null; readonly runtime?: HostValues }
  | {
    readonly kind: 'failed-start'; readonly definitionXml: string; readonly seclabels: readonly SeclabelValue[];
    readonly stage?: FailedStartStage; readonly cgroup?: string | null; readonly liveXml?: string; readonly runtime?: HostValues;
  }
  | { readonly kind: 'stop'; readonly reason: StopReason; readonly liveXml: string }
  | {
    readonly kind: 'attach' | 'detach'; readonly liveXml: string; readonly deviceXml: string; readonly cgroup: string | null;
    readonly success?: boolean; readonly runtime?: HostValues;
    /** false: a detach virsh reported done whose device the guest never let go (libvirt audits nothing then). */
    readonly acknowledged?: boolean;
  }
  | {
    readonly kind: 'media-change'; readonly liveXml: string; readonly deviceXml: string; readonly oldSource: string | null;
    readonly cgroup: string | null; readonly success?: boolean; readonly runtime?: HostValues;
  }
  | {
    /** A live change of a NIC (virsh update-device with the same MAC): here, its bridge. */
    readonly kind: 'interface-update'; readonly liveXml: string; readonly deviceXml: string;
    readonly success?: boolean; readonly runtime?: HostValues;
  }
  | {
    readonly kind: 'update'; readonly resource: 'mem' | 'vcpu' | 'iothread'; readonly liveXml: string; readonly oldValue: number; readonly newValue: number;
    readonly success?: boolean; readonly runtime?: HostValues;
  }
) & { readonly window?: StepWindow };

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
  /** What the lab tried on this guest and libvirt refused, unexpectedly (not journaled as steps). */
  notes?: string[];
}

export interface Journal {
  readonly format: 'RAW' | 'ENRICHED';
  /** The libvirtd that wrote the capture, as `libvirtd --version` names it ("9.0.0", "11.3.0", "12.9.0"). */
  readonly libvirt: string;
  /** Its pid: a chroot's libvirtd writes the same exe= as the host's, pid= tells them apart. */
  readonly libvirtdPid?: number;
  /** The capture host, for people. */
  readonly host: { readonly cpu?: string; readonly kernel: string };
  readonly guests: GuestJournal[];
  /** Steps the host could not do, with libvirt's reason (they are not in the journal's steps). */
  readonly skipped: string[];
}

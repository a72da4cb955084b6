// What the lab did to each guest, step by step, with the XML and the run-time values libvirt chose
// (read back from libvirt: live XML, QEMU pid, cgroup placement, and the host's device numbers and
// files libvirt looked at), so that a test can rebuild libvirt's records with the emitter and compare
// them with the capture. The shape is the contract with the lifecycle builder (docs/capture-lab.md).
import type { StartReason, StopReason } from '../src/model/virt-records.js';
import type { HostValues } from '../emitter/domain/host-values.js';

/** A security label libvirt generated. */
export interface SeclabelValue {
  /** The driver: selinux, apparmor, dac. */
  readonly model: string | null;
  /** The process label. */
  readonly label: string | null;
  /** The image label. */
  readonly imageLabel: string | null;
}

/** The values libvirt read from its host at run time: the emitter's own `HostValues`. */
export type { DeviceNumber, DeviceState, HostValues } from '../emitter/domain/host-values.js';

/**
 * How far a failed start got, as the lab provoked it: `before-cgroup` (no cgroup made: qemuProcessPrepareHost
 * refused, no NIC opened yet), `command-line` (no cgroup made, and libvirt's message is that of a
 * command-line builder, after the NICs were opened), `after-cgroup`, `qemu-refused-device`.
 */
export type FailedStartStage = 'before-cgroup' | 'command-line' | 'after-cgroup' | 'qemu-refused-device';

/**
 * When a step ran, as audit stamps (seconds since the epoch, milliseconds as the fraction), both ends
 * inclusive: its records must carry stamps inside it. Optional: without it, records are matched by order alone.
 */
export interface StepWindow {
  /** When the step began. */
  readonly from: number;
  /** When it ended. */
  readonly to: number;
}

/** One step of a guest's journal: what the lab did, with the XML and the run-time values libvirt used. */
export type JournalStep = (
  | {
    /** The guest started. */
    readonly kind: 'start';
    /** Its start reason. */
    readonly reason: StartReason;
    /** The live XML while it ran. */
    readonly liveXml: string;
    /** QEMU's pid. */
    readonly vmPid: number;
    /** The devices cgroup libvirt placed QEMU in; null without one. */
    readonly cgroup: string | null;
    /** What libvirt read from its host for this step. */
    readonly runtime?: HostValues;
  }
  | {
    /** A start that failed. */
    readonly kind: 'failed-start';
    /** The inactive definition. */
    readonly definitionXml: string;
    /** The labels libvirt generated before failing. */
    readonly seclabels: readonly SeclabelValue[];
    /** How far it got. */
    readonly stage?: FailedStartStage;
    /** The devices cgroup it had, if it got that far. */
    readonly cgroup?: string | null;
    /** The definition as libvirt had prepared it, where known. */
    readonly liveXml?: string;
    /** What libvirt read from its host for this step. */
    readonly runtime?: HostValues;
  }
  | {
    /** The guest stopped. */
    readonly kind: 'stop';
    /** Its stop reason. */
    readonly reason: StopReason;
    /** The live XML before the stop. */
    readonly liveXml: string;
  }
  | {
    /** A device attached or detached. */
    readonly kind: 'attach' | 'detach';
    /** The live XML before the step. */
    readonly liveXml: string;
    /** The device's XML. */
    readonly deviceXml: string;
    /** The guest's devices cgroup; null without one. */
    readonly cgroup: string | null;
    /** Whether QEMU took (or let go) the device (default true). */
    readonly success?: boolean;
    /** What libvirt read from its host for this step. */
    readonly runtime?: HostValues;
    /** false: a detach virsh reported done whose device the guest never let go (libvirt audits nothing then). */
    readonly acknowledged?: boolean;
  }
  | {
    /** A change of a cdrom or floppy medium. */
    readonly kind: 'media-change';
    /** The live XML before the step. */
    readonly liveXml: string;
    /** The disk's XML with its new medium. */
    readonly deviceXml: string;
    /** The old medium's path. */
    readonly oldSource: string | null;
    /** The guest's devices cgroup; null without one. */
    readonly cgroup: string | null;
    /** Whether QEMU took the new medium (default true). */
    readonly success?: boolean;
    /** What libvirt read from its host for this step. */
    readonly runtime?: HostValues;
  }
  | {
    /** A live change of a NIC (virsh update-device with the same MAC): here, its bridge. */
    readonly kind: 'interface-update';
    /** The live XML before the step. */
    readonly liveXml: string;
    /** The interface's new XML. */
    readonly deviceXml: string;
    /** Whether the change succeeded (default true). */
    readonly success?: boolean;
    /** What libvirt read from its host for this step. */
    readonly runtime?: HostValues;
  }
  | {
    /** A live change of a counted resource. */
    readonly kind: 'update';
    /** Which: memory, vCPUs or IOThreads. */
    readonly resource: 'mem' | 'vcpu' | 'iothread';
    /** The live XML before the step. */
    readonly liveXml: string;
    /** The count before. */
    readonly oldValue: number;
    /** The count asked for. */
    readonly newValue: number;
    /** Whether the change succeeded (default true). */
    readonly success?: boolean;
    /** What libvirt read from its host for this step. */
    readonly runtime?: HostValues;
  }
) & {
  /** When the step ran: its records must be stamped within it. */
  readonly window?: StepWindow;
};

/** What the lab did to one guest. */
export interface GuestJournal {
  /** A short name for the guest's role in the scenario ("basic", "shutdown", …). */
  readonly role: string;
  /** The guest's name. */
  readonly name: string;
  /** The guest's UUID. */
  readonly uuid: string;
  /** What the scenario exercised on this guest, for people reading the capture. */
  readonly exercises: string;
  /** Its steps, in order. */
  readonly steps: JournalStep[];
  /** Whether the guest was still running when auditd stopped. */
  runningAtEnd: boolean;
  /** What the lab tried on this guest and libvirt refused, unexpectedly (not journaled as steps). */
  notes?: string[];
}

/** A capture's journal (schemas/journal.schema.json): what was done to each guest, step by step. */
export interface Journal {
  /** auditd's log_format during the capture. */
  readonly format: 'RAW' | 'ENRICHED';
  /** The libvirtd that wrote the capture, as `libvirtd --version` names it ("9.0.0", "11.3.0", "12.9.0"). */
  readonly libvirt: string;
  /** Its pid: a chroot's libvirtd writes the same exe= as the host's, pid= tells them apart. */
  readonly libvirtdPid?: number;
  /** The capture host, for people. */
  readonly host: {
    /** The CPU model. */
    readonly cpu?: string;
    /** The kernel release. */
    readonly kernel: string;
  };
  /** The guests, each with its steps. */
  readonly guests: GuestJournal[];
  /** Steps the host could not do, with libvirt's reason (they are not in the journal's steps). */
  readonly skipped: string[];
}

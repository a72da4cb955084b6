// The trail rules `virt-audit conform --rules` checks: what a whole libvirt audit trail must look like,
// derived from libvirt's call order (src/conf/domain_audit.c and its callers in src/qemu), each mapped to
// the compliance items it serves: the NIAP Protection Profile for Server Virtualization (FAU_GEN.1) and
// DISA's Virtual Machine Manager SRG (SRG-OS-… groups).

/** Every trail rule, by id. */
export const TRAIL_RULE_IDS = [
  'record-subject',
  'record-outcome',
  'record-object',
  'record-time',
  'start-context',
  'start-labels',
  'cgroup-deny-first',
  'start-while-running',
  'failed-start-quiet',
  'stop-without-start',
  'stopped-quiet',
  'detach-unassigned',
  'cgroup-deny-unallowed',
  'vm-pid-stable',
  'vm-pid-unique',
  'vm-uuid-paired',
  'guest-time-order',
] as const;

/** The name of a trail rule. */
export type TrailRuleId = (typeof TRAIL_RULE_IDS)[number];

/** A trail rule: what it requires, where the expectation comes from, what it serves. */
export interface TrailRule {
  /** Its name. */
  readonly id: TrailRuleId;
  /** One line: what the rule requires. */
  readonly requires: string;
  /** The libvirt code the expectation comes from. */
  readonly source: string;
  /** The compliance items the rule serves. */
  readonly serves: readonly string[];
}

const FAU_GEN_1_2 = 'PP Server Virtualization FAU_GEN.1.2';
const FAU_GEN_1_1 = 'PP Server Virtualization FAU_GEN.1.1';
const SRG_WHAT = 'SRG-OS-000037 (what type of event)';
const SRG_WHEN = 'SRG-OS-000038 (when)';
const SRG_WHERE = 'SRG-OS-000039 (where)';
const SRG_SOURCE = 'SRG-OS-000040 (source)';
const SRG_OUTCOME = 'SRG-OS-000041 (outcome)';
const SRG_IDENTITY = 'SRG-OS-000255 (identity of the subject)';
const SRG_INITIATION = 'SRG-OS-000062 (records for program and guest VM initiations)';
const SRG_ORDER = 'SRG-OS-000348 (on-demand review: content and time order kept)';

/** Every trail rule, by name. */
export const TRAIL_RULES: Readonly<Record<TrailRuleId, TrailRule>> = {
  'record-subject': {
    id: 'record-subject',
    requires: 'every VIRT record names its subject: the kernel\'s pid, uid, auid and ses, and libaudit\'s exe',
    source: 'kernel audit_log_common_recv_msg; libaudit audit_log_user_message',
    serves: [FAU_GEN_1_2, SRG_SOURCE, SRG_IDENTITY],
  },
  'record-outcome': {
    id: 'record-outcome',
    requires: 'every VIRT record says its outcome: res=success or res=failed',
    source: 'virAuditSend passes success to audit_log_user_message',
    serves: [FAU_GEN_1_2, SRG_OUTCOME],
  },
  'record-object': {
    id: 'record-object',
    requires: 'every VIRT record names its object: vm, a well-formed uuid, and op (VIRT_CONTROL) or resrc (VIRT_RESOURCE)',
    source: 'domain_audit.c: every format string starts virt= … vm= uuid=',
    serves: [FAU_GEN_1_2, SRG_WHAT, SRG_WHERE],
  },
  'record-time': {
    id: 'record-time',
    requires: 'every VIRT record carries its own timestamp and serial (audit(sec.ms:serial))',
    source: 'kernel audit_log_start',
    serves: [FAU_GEN_1_2, SRG_WHEN],
  },
  'start-context': {
    id: 'start-context',
    requires: 'each op=start is preceded, for the same guest and since its previous VIRT_CONTROL, by its reason=start resource records, mem and vcpu among them',
    source: 'virDomainAuditStart writes every device, then mem and vcpu, then the lifecycle record',
    serves: [FAU_GEN_1_1, SRG_INITIATION, SRG_WHAT],
  },
  'start-labels': {
    id: 'start-labels',
    requires: 'each op=start is preceded by at least one VIRT_MACHINE_ID (security label) of the same guest',
    source: 'qemuProcessStart → virDomainAuditSecurityLabel, one record per seclabel (DAC is always stacked)',
    serves: [FAU_GEN_1_1, SRG_INITIATION],
  },
  'cgroup-deny-first': {
    id: 'cgroup-deny-first',
    requires: 'while a guest starts, its cgroup "deny all" comes before any cgroup allow',
    source: 'qemuSetupDevicesCgroup: virCgroupDenyAllDevices, then the allows',
    serves: [FAU_GEN_1_1, SRG_WHAT],
  },
  'start-while-running': {
    id: 'start-while-running',
    requires: 'a guest is not started again while it runs (its stop is not missing)',
    source: 'a domain has one QEMU process; every end of it is audited (virDomainAuditStop)',
    serves: [FAU_GEN_1_1, SRG_INITIATION],
  },
  'failed-start-quiet': {
    id: 'failed-start-quiet',
    requires: 'after a failed start, no record of a running guest (hot-plug, update, stop) until the next start',
    source: 'qemuProcessStart failure path: virDomainAuditStart(…, false), then the guest is not running',
    serves: [FAU_GEN_1_2, SRG_OUTCOME],
  },
  'stop-without-start': {
    id: 'stop-without-start',
    requires: 'every stop matches a start (or the log began while the guest ran)',
    source: 'virDomainAuditStop is written only for a running domain',
    serves: [FAU_GEN_1_1, SRG_WHAT],
  },
  'stopped-quiet': {
    id: 'stopped-quiet',
    requires: 'after a stop, no record of a running guest (hot-plug, update) until the next start',
    source: 'hot-plug and live updates are audited only for a running domain (qemu_hotplug.c, qemu_driver.c)',
    serves: [FAU_GEN_1_1, SRG_WHAT],
  },
  'detach-unassigned': {
    id: 'detach-unassigned',
    requires: 'a detach (or the old side of an update) names something the guest had: assigned at start or attached since',
    source: 'qemuDomainRemove*Device audits the device being removed from the live definition',
    serves: [FAU_GEN_1_1, SRG_WHAT, SRG_WHERE],
  },
  'cgroup-deny-unallowed': {
    id: 'cgroup-deny-unallowed',
    requires: 'a cgroup deny of a path while the guest runs pairs with an earlier allow of that path',
    source: 'qemuTeardownImageCgroup / qemuTeardownChardevCgroup undo qemuSetup*Cgroup',
    serves: [FAU_GEN_1_1, SRG_WHAT],
  },
  'vm-pid-stable': {
    id: 'vm-pid-stable',
    requires: 'one vm-pid per session: later VIRT_CONTROL records of the session carry the start\'s vm-pid or 0',
    source: 'virDomainAuditLifecycle prints vm->pid; qemuProcessStop resets it before auditing the stop',
    serves: [FAU_GEN_1_2, SRG_SOURCE],
  },
  'vm-pid-unique': {
    id: 'vm-pid-unique',
    requires: 'two guests running on one node never share a vm-pid',
    source: 'each running domain has its own QEMU process',
    serves: [FAU_GEN_1_2, SRG_SOURCE],
  },
  'vm-uuid-paired': {
    id: 'vm-uuid-paired',
    requires: 'vm= and uuid= stay paired: one name per session, and two running guests never share a name',
    source: 'virDomainObjListAdd refuses a second domain of the same name; a running domain cannot be renamed',
    serves: [FAU_GEN_1_2, SRG_WHERE],
  },
  'guest-time-order': {
    id: 'guest-time-order',
    requires: 'time never runs backwards within one guest\'s records',
    source: 'libvirt audits each guest\'s steps in order, under the domain job lock',
    serves: [SRG_WHEN, SRG_ORDER],
  },
};

// Runs in a worker thread: libaudit's calls are synchronous and may block up to ~40 s, and errno must be
// read on the thread that made the call. CommonJS source, evaluated by new Worker(…, { eval: true }).
//
// The kernel's status (AUDIT_GET) is read on a second audit socket of its own: the kernel sends the status
// from a kernel thread and the ACK from the request's context, in either order, and libaudit's check_ack
// eats the ACK only when it comes first. A stray ACK on the sending socket would be taken by the next
// audit_log_user_message for its own (hiding an EPERM); on the status socket it is drained before each read.
export const LIBAUDIT_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const koffi = require(workerData.koffiPath);
const libaudit = koffi.load(workerData.library);
const libc = koffi.load('libc.so.6');
const auditOpen = libaudit.func('int audit_open(void)');
const auditClose = libaudit.func('void audit_close(int fd)');
const auditRequestStatus = libaudit.func('int audit_request_status(int fd)');
const auditGetReply = libaudit.func('int audit_get_reply(int fd, void *rep, int block, int peek)');
const auditLogUserMessage = libaudit.func(
  'int audit_log_user_message(int audit_fd, int type, const char *message, const char *hostname, const char *addr, const char *tty, int result)');
const poll = libc.func('int poll(void *fds, unsigned long nfds, int timeout)');
const socket = libc.func('int socket(int domain, int type, int protocol)');
const bind = libc.func('int bind(int fd, void *addr, uint32_t length)');
const setsockopt = libc.func('int setsockopt(int fd, int level, int name, void *value, uint32_t length)');
const recv = libc.func('intptr_t recv(int fd, void *buffer, size_t length, int flags)');
const close = libc.func('int close(int fd)');
const GET_REPLY_NONBLOCKING = 1;
const NLMSG_ERROR = 2;
const AUDIT_GET = 1000;
const EAGAIN = 11;
const ETIMEDOUT = 110;
// struct audit_reply: int type, int len, struct nlmsghdr *nlh, then struct audit_message (a 16-byte nlmsghdr
// and its data): the payload starts at byte 32. 16 KiB holds the struct (about 9 KiB) with room to spare.
const REPLY = Buffer.alloc(16384);
const DATA = 32;
const POLLFD = Buffer.alloc(8);
const sleeper = new Int32Array(new SharedArrayBuffer(4));
let fd = -1;
let statusFd = -1;
let readBackFd = -1;
const READ_BACK = Buffer.alloc(65536);
const MSG_DONTWAIT = 0x40;
const ENOBUFS = 105;

// The audit multicast group (AUDIT_NLGRP_READLOG, needs CAP_AUDIT_READ): kauditd sends every record there
// before it hands it to the daemon. Returns 0 or the errno that kept the socket from being bound.
function openReadBack() {
  if (readBackFd >= 0) return 0;
  koffi.errno(0);
  const opened = socket(16 /* AF_NETLINK */, 3 /* SOCK_RAW */ | 0x80000 /* SOCK_CLOEXEC */, 9 /* NETLINK_AUDIT */);
  if (opened < 0) return koffi.errno();
  const size = Buffer.alloc(4);
  size.writeInt32LE(16 << 20);
  if (setsockopt(opened, 1 /* SOL_SOCKET */, 33 /* SO_RCVBUFFORCE */, size, 4) < 0) setsockopt(opened, 1, 8 /* SO_RCVBUF */, size, 4);
  const address = Buffer.alloc(12);
  address.writeUInt16LE(16, 0);
  address.writeUInt32LE(1, 8); // nl_groups: AUDIT_NLGRP_READLOG (1) as a bit mask
  koffi.errno(0);
  if (bind(opened, address, 12) < 0) {
    const errno = koffi.errno();
    close(opened);
    return errno;
  }
  readBackFd = opened;
  return 0;
}

function drainReadBack() {
  while (Number(recv(readBackFd, READ_BACK, READ_BACK.length, MSG_DONTWAIT)) > 0) { /* records of earlier batches */ }
}

// Marks each expected record seen when a multicast record of this process carries its message. The kernel
// keeps the order of one sender's records, so the search resumes after the last one found.
function readBack(expected, timeoutMs) {
  const seen = expected.map(() => false);
  const pidField = 'pid=' + process.pid + ' ';
  const deadline = Date.now() + timeoutMs;
  let next = 0;
  let overflow = false;
  while (next < expected.length) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    POLLFD.writeInt32LE(readBackFd, 0);
    POLLFD.writeInt16LE(1, 4);
    POLLFD.writeInt16LE(0, 6);
    poll(POLLFD, 1, Math.min(left, 50));
    for (;;) {
      koffi.errno(0);
      const length = Number(recv(readBackFd, READ_BACK, READ_BACK.length, MSG_DONTWAIT));
      if (length < 0 && koffi.errno() === ENOBUFS) { overflow = true; continue; }
      if (length <= 16) break;
      const type = READ_BACK.readUInt16LE(4);
      const text = READ_BACK.toString('utf8', 16, length);
      if (!text.includes(pidField)) continue;
      for (let index = next; index < expected.length; index++) {
        if (expected[index].type !== type || !text.includes(expected[index].needle)) continue;
        seen[index] = true;
        next = index + 1;
        break;
      }
    }
  }
  return { seen, overflow };
}

function readStatus(timeoutMs) {
  if (statusFd < 0) {
    koffi.errno(0);
    const opened = auditOpen();
    if (opened < 0) return { errno: koffi.errno() || -opened };
    statusFd = opened;
  }
  while (auditGetReply(statusFd, REPLY, GET_REPLY_NONBLOCKING, 0) > 0) { /* a late ACK of the last read */ }
  const requested = auditRequestStatus(statusFd);
  if (requested < 0) return { errno: -requested };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return { errno: ETIMEDOUT };
    POLLFD.writeInt32LE(statusFd, 0);
    POLLFD.writeInt16LE(1, 4); // POLLIN
    POLLFD.writeInt16LE(0, 6);
    poll(POLLFD, 1, Math.min(left, 100));
    const got = auditGetReply(statusFd, REPLY, GET_REPLY_NONBLOCKING, 0);
    if (got === -EAGAIN || got === 0) continue;
    if (got < 0) return { errno: -got };
    const type = REPLY.readInt32LE(0);
    if (type === NLMSG_ERROR) {
      const error = REPLY.readInt32LE(DATA);
      if (error !== 0) return { errno: -error };
      continue;
    }
    if (type !== AUDIT_GET) continue;
    const word = (index) => REPLY.readUInt32LE(DATA + 4 * index);
    return { status: { enabled: word(1), failure: word(2), pid: word(3), rateLimit: word(4), backlogLimit: word(5), lost: word(6), backlog: word(7), backlogWaitTime: word(9) } };
  }
}

// The status once the kernel's queue has been handed on (backlog 0), or as it stands after drainMs.
function settledStatus(request) {
  const started = Date.now();
  let read = readStatus(request.statusTimeoutMs);
  while (read.status && read.status.backlog > 0 && Date.now() - started < request.drainMs) {
    Atomics.wait(sleeper, 0, 0, 0.2); // kauditd usually takes the queue within a fraction of a millisecond
    read = readStatus(request.statusTimeoutMs);
  }
  return read;
}

parentPort.on('message', (request) => {
  try {
    koffi.errno(0);
    let rc = 0;
    switch (request.op) {
      case 'open': rc = fd = auditOpen(); break;
      case 'status': parentPort.postMessage({ id: request.id, rc: 0, errno: 0, status: settledStatus(request) }); return;
      case 'send': rc = auditLogUserMessage(fd, request.type, request.message, null, null, request.tty, request.result); break;
      case 'sendMany': {
        // One message, many records; with stopAtFirst nothing is sent after the first record libaudit refuses.
        const readBackErrno = request.readBack ? openReadBack() : 0;
        if (request.readBack && readBackErrno === 0) drainReadBack();
        const results = [];
        for (const item of request.items) {
          koffi.errno(0);
          const sent = auditLogUserMessage(fd, item.type, item.message, null, null, request.tty, item.result);
          results.push([sent, sent > 0 ? 0 : koffi.errno()]);
          if (sent <= 0 && request.stopAtFirst) break;
        }
        let readBackReply;
        if (request.readBack) {
          if (readBackErrno !== 0) readBackReply = { errno: readBackErrno };
          else {
            const accepted = [];
            results.forEach(([sent], index) => { if (sent > 0) accepted.push(index); });
            // Read at once: auditing switched off while the batch went out is seen here, not after the wait below.
            const sentStatus = readStatus(request.confirm ? request.confirm.statusTimeoutMs : 5000);
            const expected = accepted.map((index) => ({ type: request.items[index].type, needle: "msg='" + request.items[index].message + ' exe=' }));
            const { seen, overflow } = readBack(expected, request.readBack.timeoutMs);
            const seenByResult = results.map(() => false);
            accepted.forEach((index, position) => { seenByResult[index] = seen[position]; });
            readBackReply = { seen: seenByResult, overflow, ...(sentStatus.status ? { enabledWhenSent: sentStatus.status.enabled } : {}) };
          }
        }
        const after = request.confirm ? settledStatus(request.confirm) : undefined;
        parentPort.postMessage({ id: request.id, results, ...(after ? { status: after } : {}), ...(readBackReply ? { readBack: readBackReply } : {}) });
        return;
      }
      case 'close':
        if (fd >= 0) auditClose(fd);
        if (statusFd >= 0) auditClose(statusFd);
        if (readBackFd >= 0) close(readBackFd);
        fd = statusFd = readBackFd = -1;
        break;
      default: throw new Error('unknown request ' + request.op);
    }
    parentPort.postMessage({ id: request.id, rc, errno: koffi.errno() });
  } catch (error) {
    parentPort.postMessage({ id: request.id, failure: String(error && error.message || error) });
  }
});
`;

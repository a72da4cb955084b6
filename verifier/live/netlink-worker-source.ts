// Runs in a worker thread: recv on the audit multicast socket is a system call, so it waits here, not on
// Node's event loop; errno must be read on the thread that made the call. CommonJS source, evaluated by
// new Worker(…, { eval: true }).
//
// Protocol (worker → main): { kind: 'ready' } once bound, or { kind: 'failed', step, errno } and exit;
// { kind: 'batch', datagrams: [Uint8Array, …], dropped, overruns } for what one poll round read (datagrams
// moved, not copied). `pending` (shared Int32Array [0]) counts datagrams posted and not yet taken by the main
// thread: past `maxPending` the worker drops (and counts) instead of posting, so memory stays bounded when
// the main thread is busy, and the kernel's socket is still emptied. `stop` ([1]) ends the loop.
export const NETLINK_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const koffi = require(workerData.koffiPath);
const libc = koffi.load('libc.so.6');
const socket = libc.func('int socket(int domain, int type, int protocol)');
const bind = libc.func('int bind(int fd, void *addr, uint32_t length)');
const setsockopt = libc.func('int setsockopt(int fd, int level, int name, void *value, uint32_t length)');
const recv = libc.func('intptr_t recv(int fd, void *buffer, size_t length, int flags)');
const poll = libc.func('int poll(void *fds, unsigned long nfds, int timeout)');
const close = libc.func('int close(int fd)');
const AF_NETLINK = 16, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000, NETLINK_AUDIT = 9;
const SOL_SOCKET = 1, SO_RCVBUF = 8, SO_RCVBUFFORCE = 33, MSG_DONTWAIT = 0x40;
const EAGAIN = 11, EINTR = 4, ENOBUFS = 105;
const shared = new Int32Array(workerData.shared);
const PENDING = 0, STOP = 1;
const BUFFER = Buffer.alloc(65536);
const POLLFD = Buffer.alloc(8);

function fail(step) {
  const errno = koffi.errno();
  parentPort.postMessage({ kind: 'failed', step, errno });
}

koffi.errno(0);
const fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
if (fd < 0) {
  fail('socket');
} else {
  const size = Buffer.alloc(4);
  size.writeInt32LE(workerData.receiveBufferBytes);
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, size, 4) < 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, size, 4);
  const address = Buffer.alloc(12);
  address.writeUInt16LE(AF_NETLINK, 0);
  address.writeUInt32LE(1, 8); // nl_groups: AUDIT_NLGRP_READLOG (group 1) as a bit mask
  koffi.errno(0);
  if (bind(fd, address, 12) < 0) {
    fail('bind');
    close(fd);
  } else {
    parentPort.postMessage({ kind: 'ready' });
    loop();
    close(fd);
    parentPort.postMessage({ kind: 'closed' });
  }
}

function loop() {
  while (Atomics.load(shared, STOP) === 0) {
    POLLFD.writeInt32LE(fd, 0);
    POLLFD.writeInt16LE(1, 4); // POLLIN
    POLLFD.writeInt16LE(0, 6);
    poll(POLLFD, 1, 100);
    const datagrams = [];
    let dropped = 0, overruns = 0;
    for (let round = 0; round < 1024; round++) {
      koffi.errno(0);
      const length = Number(recv(fd, BUFFER, BUFFER.length, MSG_DONTWAIT));
      if (length < 0) {
        const errno = koffi.errno();
        if (errno === ENOBUFS) { overruns++; continue; }
        if (errno === EINTR) continue;
        if (errno !== EAGAIN) { parentPort.postMessage({ kind: 'failed', step: 'recv', errno }); return; }
        break;
      }
      if (length === 0) break;
      if (Atomics.load(shared, PENDING) + datagrams.length < workerData.maxPending) {
        datagrams.push(new Uint8Array(BUFFER.subarray(0, length)));
        continue;
      }
      // No room: count the datagram's records (netlink may pack several, each aligned to 4 bytes).
      for (let at = 0; at + 16 <= length;) {
        const size = BUFFER.readUInt32LE(at);
        if (size < 16) break;
        if (BUFFER.readUInt16LE(at + 4) !== 3 /* NLMSG_DONE */) dropped++;
        at += (size + 3) & ~3;
      }
    }
    if (datagrams.length > 0 || dropped > 0 || overruns > 0) {
      Atomics.add(shared, PENDING, datagrams.length);
      parentPort.postMessage({ kind: 'batch', datagrams, dropped, overruns }, datagrams.map((datagram) => datagram.buffer));
    }
  }
}
`;
